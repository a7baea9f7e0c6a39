"""sendim's OpenFlow 1.3 messages: dataclasses mirroring ``ofproto_v1_3_parser``.

Field names follow Ryu's ``OFP*`` classes (``FlowMod`` ↔ ``OFPFlowMod``,
``FlowStatsReply.body`` ↔ ``OFPFlowStatsReply.body``...), so the Ryu
translation maps attribute by attribute. Every message has a keyword-only
``xid``; replies carry the request's. Constants are re-exported from
:mod:`sendim.simulator.openflow.constants`, and the multipart (stats)
messages from :mod:`sendim.simulator.openflow.multipart`.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from sendim.simulator.openflow.actions import Action, Instruction
from sendim.simulator.openflow.constants import *  # noqa: F401,F403  (re-export)
from sendim.simulator.openflow.constants import (
    OFP_DEFAULT_MISS_SEND_LEN, OFP_DEFAULT_PRIORITY, OFP_NO_BUFFER, OFPFC_ADD, OFPG_ANY,
    OFPGC_ADD, OFPGT_ALL, OFPMBT_DROP, OFPMBT_DSCP_REMARK, OFPMC_ADD, OFPMF_KBPS, OFPP_ANY,
    OFPP_CONTROLLER, OFPPR_MODIFY, OFPR_NO_MATCH, OFPRR_DELETE,
)
from sendim.simulator.openflow.match import Match


@dataclass(slots=True)
class Message:
    """Base of all messages: a transaction id."""

    _: KW_ONLY
    xid: int = 0


# --- structures --------------------------------------------------------------

@dataclass(slots=True)
class Port:
    """``ofp_port``: a switch port's description (``hw_addr`` as Ryu: a string).
    Speeds are in kbit/s as in OpenFlow."""

    port_no: int
    hw_addr: str = "00:00:00:00:00:00"
    name: str = ""
    config: int = 0
    state: int = 0
    curr: int = 0
    advertised: int = 0
    supported: int = 0
    peer: int = 0
    curr_speed: int = 0
    max_speed: int = 0


@dataclass(slots=True)
class Bucket:
    """A group bucket."""

    weight: int = 0
    watch_port: int = OFPP_ANY
    watch_group: int = OFPG_ANY
    actions: list[Action] = field(default_factory=list)


@dataclass(slots=True)
class MeterBandDrop:
    """Drop packets above ``rate`` (kbit/s or packet/s per the meter flags)."""

    rate: int
    burst_size: int = 0
    type: int = OFPMBT_DROP


@dataclass(slots=True)
class MeterBandDscpRemark:
    """DSCP remark band (accepted and counted; packets pass unmarked)."""

    rate: int
    burst_size: int = 0
    prec_level: int = 0
    type: int = OFPMBT_DSCP_REMARK


MeterBand = MeterBandDrop | MeterBandDscpRemark


# --- controller → switch -------------------------------------------------------

@dataclass(slots=True)
class FlowMod(Message):
    """``OFPFlowMod``."""

    command: int = OFPFC_ADD
    table_id: int = 0
    priority: int = OFP_DEFAULT_PRIORITY
    match: Match = field(default_factory=Match)
    instructions: list[Instruction] = field(default_factory=list)
    idle_timeout: int = 0
    hard_timeout: int = 0
    cookie: int = 0
    cookie_mask: int = 0
    flags: int = 0
    out_port: int = OFPP_ANY
    out_group: int = OFPG_ANY
    buffer_id: int = OFP_NO_BUFFER


@dataclass(slots=True)
class GroupMod(Message):
    """``OFPGroupMod``."""

    command: int = OFPGC_ADD
    type: int = OFPGT_ALL
    group_id: int = 0
    buckets: list[Bucket] = field(default_factory=list)


@dataclass(slots=True)
class MeterMod(Message):
    """``OFPMeterMod``."""

    command: int = OFPMC_ADD
    flags: int = OFPMF_KBPS
    meter_id: int = 1
    bands: list[MeterBand] = field(default_factory=list)


@dataclass(slots=True)
class PortMod(Message):
    """``OFPPortMod``: change ``config`` bits selected by ``mask``."""

    port_no: int = 0
    hw_addr: str = "00:00:00:00:00:00"
    config: int = 0
    mask: int = 0
    advertise: int = 0


@dataclass(slots=True)
class PacketOut(Message):
    """``OFPPacketOut``: ``actions`` applied to ``data`` (or the buffered packet)."""

    buffer_id: int = OFP_NO_BUFFER
    in_port: int = OFPP_CONTROLLER
    actions: list[Action] = field(default_factory=list)
    data: bytes = b""


@dataclass(slots=True)
class SetConfig(Message):
    """``OFPSetConfig``."""

    flags: int = 0
    miss_send_len: int = OFP_DEFAULT_MISS_SEND_LEN


@dataclass(slots=True)
class GetConfigRequest(Message):
    """``OFPGetConfigRequest``."""


@dataclass(slots=True)
class FeaturesRequest(Message):
    """``OFPFeaturesRequest``."""


@dataclass(slots=True)
class BarrierRequest(Message):
    """``OFPBarrierRequest``."""


@dataclass(slots=True)
class EchoRequest(Message):
    """``OFPEchoRequest``."""

    data: bytes = b""


# --- switch → controller -------------------------------------------------------

@dataclass(slots=True)
class FeaturesReply(Message):
    """``OFPSwitchFeatures``."""

    datapath_id: int = 0
    n_buffers: int = 0
    n_tables: int = 0
    auxiliary_id: int = 0
    capabilities: int = 0


@dataclass(slots=True)
class GetConfigReply(Message):
    """``OFPGetConfigReply``."""

    flags: int = 0
    miss_send_len: int = OFP_DEFAULT_MISS_SEND_LEN


@dataclass(slots=True)
class BarrierReply(Message):
    """``OFPBarrierReply``."""


@dataclass(slots=True)
class EchoReply(Message):
    """``OFPEchoReply``."""

    data: bytes = b""


@dataclass(slots=True)
class PacketIn(Message):
    """``OFPPacketIn``; ``match`` holds ``in_port`` (and non-zero ``metadata``)."""

    buffer_id: int = OFP_NO_BUFFER
    total_len: int = 0
    reason: int = OFPR_NO_MATCH
    table_id: int = 0
    cookie: int = 0
    match: Match = field(default_factory=Match)
    data: bytes = b""


@dataclass(slots=True)
class FlowRemoved(Message):
    """``OFPFlowRemoved``."""

    cookie: int = 0
    priority: int = 0
    reason: int = OFPRR_DELETE
    table_id: int = 0
    duration_sec: int = 0
    duration_nsec: int = 0
    idle_timeout: int = 0
    hard_timeout: int = 0
    packet_count: int = 0
    byte_count: int = 0
    match: Match = field(default_factory=Match)


@dataclass(slots=True)
class PortStatus(Message):
    """``OFPPortStatus``: ``desc`` is a snapshot of the port."""

    reason: int = OFPPR_MODIFY
    desc: Port = field(default_factory=lambda: Port(0))


@dataclass(slots=True)
class ErrorMsg(Message):
    """``OFPErrorMsg``; ``data`` is the offending request."""

    type: int = 0
    code: int = 0
    data: Any = None


def __getattr__(name: str) -> Any:
    """Multipart (stats) messages live in :mod:`.multipart`; re-export them."""
    from sendim.simulator.openflow import multipart
    try:
        return getattr(multipart, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
