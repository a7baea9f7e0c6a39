"""OpenFlow 1.3 multipart (stats) requests and replies, mirroring Ryu's
``OFP*StatsRequest`` / ``OFP*StatsReply`` (replies carry ``body``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sendim.simulator.openflow.actions import Instruction
from sendim.simulator.openflow.constants import OFPG_ALL, OFPG_ANY, OFPGT_ALL, OFPM_ALL, OFPP_ANY, OFPTT_ALL
from sendim.simulator.openflow.match import Match
from sendim.simulator.openflow.messages import Bucket, Message, MeterBand, Port

@dataclass(slots=True)
class DescStatsRequest(Message):
    """``OFPDescStatsRequest``."""

    flags: int = 0


@dataclass(slots=True)
class DescStats:
    """``OFPDescStats``."""

    mfr_desc: str = ""
    hw_desc: str = ""
    sw_desc: str = ""
    serial_num: str = ""
    dp_desc: str = ""


@dataclass(slots=True)
class DescStatsReply(Message):
    """``OFPDescStatsReply``."""

    body: DescStats = field(default_factory=DescStats)
    flags: int = 0


@dataclass(slots=True)
class FlowStatsRequest(Message):
    """``OFPFlowStatsRequest`` (also the fields of the aggregate request)."""

    table_id: int = OFPTT_ALL
    out_port: int = OFPP_ANY
    out_group: int = OFPG_ANY
    cookie: int = 0
    cookie_mask: int = 0
    match: Match = field(default_factory=Match)
    flags: int = 0


@dataclass(slots=True)
class AggregateStatsRequest(FlowStatsRequest):
    """``OFPAggregateStatsRequest``."""


@dataclass(slots=True)
class FlowStats:
    """``OFPFlowStats``."""

    table_id: int = 0
    duration_sec: int = 0
    duration_nsec: int = 0
    priority: int = 0
    idle_timeout: int = 0
    hard_timeout: int = 0
    flags: int = 0
    cookie: int = 0
    packet_count: int = 0
    byte_count: int = 0
    match: Match = field(default_factory=Match)
    instructions: list[Instruction] = field(default_factory=list)


@dataclass(slots=True)
class FlowStatsReply(Message):
    """``OFPFlowStatsReply``."""

    body: list[FlowStats] = field(default_factory=list)
    flags: int = 0


@dataclass(slots=True)
class AggregateStats:
    """``OFPAggregateStats``."""

    packet_count: int = 0
    byte_count: int = 0
    flow_count: int = 0


@dataclass(slots=True)
class AggregateStatsReply(Message):
    """``OFPAggregateStatsReply``."""

    body: AggregateStats = field(default_factory=AggregateStats)
    flags: int = 0


@dataclass(slots=True)
class PortStatsRequest(Message):
    """``OFPPortStatsRequest``."""

    port_no: int = OFPP_ANY
    flags: int = 0


@dataclass(slots=True)
class PortStats:
    """``OFPPortStats``."""

    port_no: int = 0
    rx_packets: int = 0
    tx_packets: int = 0
    rx_bytes: int = 0
    tx_bytes: int = 0
    rx_dropped: int = 0
    tx_dropped: int = 0
    rx_errors: int = 0
    tx_errors: int = 0
    rx_frame_err: int = 0
    rx_over_err: int = 0
    rx_crc_err: int = 0
    collisions: int = 0
    duration_sec: int = 0
    duration_nsec: int = 0


@dataclass(slots=True)
class PortStatsReply(Message):
    """``OFPPortStatsReply``."""

    body: list[PortStats] = field(default_factory=list)
    flags: int = 0


@dataclass(slots=True)
class PortDescStatsRequest(Message):
    """``OFPPortDescStatsRequest``."""

    flags: int = 0


@dataclass(slots=True)
class PortDescStatsReply(Message):
    """``OFPPortDescStatsReply``: ``body`` lists :class:`Port` snapshots."""

    body: list[Port] = field(default_factory=list)
    flags: int = 0


@dataclass(slots=True)
class TableStatsRequest(Message):
    """``OFPTableStatsRequest``."""

    flags: int = 0


@dataclass(slots=True)
class TableStats:
    """``OFPTableStats``."""

    table_id: int = 0
    active_count: int = 0
    lookup_count: int = 0
    matched_count: int = 0


@dataclass(slots=True)
class TableStatsReply(Message):
    """``OFPTableStatsReply``."""

    body: list[TableStats] = field(default_factory=list)
    flags: int = 0


@dataclass(slots=True)
class GroupStatsRequest(Message):
    """``OFPGroupStatsRequest``."""

    group_id: int = OFPG_ALL
    flags: int = 0


@dataclass(slots=True)
class BucketCounter:
    """``OFPBucketCounter``."""

    packet_count: int = 0
    byte_count: int = 0


@dataclass(slots=True)
class GroupStats:
    """``OFPGroupStats``."""

    group_id: int = 0
    ref_count: int = 0
    packet_count: int = 0
    byte_count: int = 0
    duration_sec: int = 0
    duration_nsec: int = 0
    bucket_stats: list[BucketCounter] = field(default_factory=list)


@dataclass(slots=True)
class GroupStatsReply(Message):
    """``OFPGroupStatsReply``."""

    body: list[GroupStats] = field(default_factory=list)
    flags: int = 0


@dataclass(slots=True)
class GroupDescStatsRequest(Message):
    """``OFPGroupDescStatsRequest``."""

    flags: int = 0


@dataclass(slots=True)
class GroupDescStats:
    """``OFPGroupDescStats``."""

    type: int = OFPGT_ALL
    group_id: int = 0
    buckets: list[Bucket] = field(default_factory=list)


@dataclass(slots=True)
class GroupDescStatsReply(Message):
    """``OFPGroupDescStatsReply``."""

    body: list[GroupDescStats] = field(default_factory=list)
    flags: int = 0


@dataclass(slots=True)
class MeterStatsRequest(Message):
    """``OFPMeterStatsRequest``."""

    meter_id: int = OFPM_ALL
    flags: int = 0


@dataclass(slots=True)
class MeterBandStats:
    """``OFPMeterBandStats``."""

    packet_band_count: int = 0
    byte_band_count: int = 0


@dataclass(slots=True)
class MeterStats:
    """``OFPMeterStats``."""

    meter_id: int = 0
    flow_count: int = 0
    packet_in_count: int = 0
    byte_in_count: int = 0
    duration_sec: int = 0
    duration_nsec: int = 0
    band_stats: list[MeterBandStats] = field(default_factory=list)


@dataclass(slots=True)
class MeterStatsReply(Message):
    """``OFPMeterStatsReply``."""

    body: list[MeterStats] = field(default_factory=list)
    flags: int = 0


@dataclass(slots=True)
class MeterConfigStatsRequest(Message):
    """``OFPMeterConfigStatsRequest``."""

    meter_id: int = OFPM_ALL
    flags: int = 0


@dataclass(slots=True)
class MeterConfigStats:
    """``OFPMeterConfigStats``."""

    flags: int = 0
    meter_id: int = 0
    bands: list[MeterBand] = field(default_factory=list)


@dataclass(slots=True)
class MeterConfigStatsReply(Message):
    """``OFPMeterConfigStatsReply``."""

    body: list[MeterConfigStats] = field(default_factory=list)
    flags: int = 0


@dataclass(slots=True)
class GroupFeaturesStatsRequest(Message):
    """``OFPGroupFeaturesStatsRequest``."""

    flags: int = 0


@dataclass(slots=True)
class GroupFeaturesStats:
    """``OFPGroupFeaturesStats`` (per group type: ``max_groups``, ``actions`` bitmaps)."""

    types: int = 0
    capabilities: int = 0
    max_groups: list[int] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)


@dataclass(slots=True)
class GroupFeaturesStatsReply(Message):
    """``OFPGroupFeaturesStatsReply`` (a single body, as in Ryu)."""

    body: GroupFeaturesStats = field(default_factory=GroupFeaturesStats)
    flags: int = 0


@dataclass(slots=True)
class MeterFeaturesStatsRequest(Message):
    """``OFPMeterFeaturesStatsRequest``."""

    flags: int = 0


@dataclass(slots=True)
class MeterFeaturesStats:
    """``OFPMeterFeaturesStats``."""

    max_meter: int = 0
    band_types: int = 0
    capabilities: int = 0
    max_bands: int = 0
    max_color: int = 0


@dataclass(slots=True)
class MeterFeaturesStatsReply(Message):
    """``OFPMeterFeaturesStatsReply`` (``body`` is a list, as in Ryu)."""

    body: list[MeterFeaturesStats] = field(default_factory=list)
    flags: int = 0
