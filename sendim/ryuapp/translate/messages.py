"""Whole messages: Ryu ``ofproto_v1_3_parser`` objects <-> sendim dataclasses.

:func:`ryu_to_sendim` reads any Ryu OF1.3 message sendim models (what apps
send, and what Ryu parsed from a switch).  :func:`sendim_to_ryu_request`
builds Ryu objects for controller→switch sendim messages (tests, error data);
switch→controller messages go through :mod:`.wire` and Ryu's parser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ryu.lib.packet import packet as ryu_packet
from ryu.ofproto import ofproto_v1_3 as ofp
from ryu.ofproto import ofproto_v1_3_parser as p

from sendim.ryuapp.translate import fields as f
from sendim.ryuapp.translate.fields import Untranslatable
from sendim.simulator.openflow import messages as sm
from sendim.simulator.openflow import multipart as mp

__all__ = ["ryu_to_sendim", "sendim_to_ryu_request", "packet_bytes"]


def packet_bytes(data: Any) -> bytes:
    """A PacketOut/PacketIn payload (bytes, bytearray, Ryu ``Packet``, None) as bytes."""
    if data is None:
        return b""
    if isinstance(data, ryu_packet.Packet):
        if getattr(data, "data", None) is None or not data.data:
            data.serialize()
        return bytes(data.data)
    return bytes(data)


def _xid(msg: Any) -> int:
    return int(msg.xid or 0)


def _flow_stats_request(cls: type, m: Any) -> Any:
    return cls(table_id=m.table_id, out_port=m.out_port, out_group=m.out_group,
               cookie=m.cookie, cookie_mask=m.cookie_mask,
               match=f.match_to_sendim(m.match), flags=m.flags, xid=_xid(m))


def _flow_stats(s: Any) -> mp.FlowStats:
    return mp.FlowStats(table_id=s.table_id, duration_sec=s.duration_sec,
                        duration_nsec=s.duration_nsec, priority=s.priority,
                        idle_timeout=s.idle_timeout, hard_timeout=s.hard_timeout,
                        flags=s.flags, cookie=s.cookie, packet_count=s.packet_count,
                        byte_count=s.byte_count, match=f.match_to_sendim(s.match),
                        instructions=f.instructions_to_sendim(s.instructions))


def _group_stats(s: Any) -> mp.GroupStats:
    return mp.GroupStats(group_id=s.group_id, ref_count=s.ref_count,
                         packet_count=s.packet_count, byte_count=s.byte_count,
                         duration_sec=s.duration_sec, duration_nsec=s.duration_nsec,
                         bucket_stats=[mp.BucketCounter(c.packet_count, c.byte_count)
                                       for c in s.bucket_stats])


def _meter_stats(s: Any) -> mp.MeterStats:
    return mp.MeterStats(meter_id=s.meter_id, flow_count=s.flow_count,
                         packet_in_count=s.packet_in_count, byte_in_count=s.byte_in_count,
                         duration_sec=s.duration_sec, duration_nsec=s.duration_nsec,
                         band_stats=[mp.MeterBandStats(b.packet_band_count, b.byte_band_count)
                                     for b in s.band_stats])


def _reply(cls: type, body: Any) -> Callable[[Any], Any]:
    return lambda m: cls(body=body(m.body), flags=m.flags or 0, xid=_xid(m))


_TO_SENDIM: dict[type, Callable[[Any], Any]] = {
    # controller -> switch
    p.OFPFlowMod: lambda m: sm.FlowMod(
        command=m.command, table_id=m.table_id, priority=m.priority,
        match=f.match_to_sendim(m.match), instructions=f.instructions_to_sendim(m.instructions),
        idle_timeout=m.idle_timeout, hard_timeout=m.hard_timeout, cookie=m.cookie,
        cookie_mask=m.cookie_mask, flags=m.flags, out_port=m.out_port,
        out_group=m.out_group, buffer_id=m.buffer_id, xid=_xid(m)),
    p.OFPGroupMod: lambda m: sm.GroupMod(command=m.command, type=m.type, group_id=m.group_id,
                                         buckets=f.buckets_to_sendim(m.buckets), xid=_xid(m)),
    p.OFPMeterMod: lambda m: sm.MeterMod(command=m.command, flags=m.flags,
                                         meter_id=m.meter_id,
                                         bands=f.bands_to_sendim(m.bands), xid=_xid(m)),
    p.OFPPortMod: lambda m: sm.PortMod(port_no=m.port_no, hw_addr=f.text(m.hw_addr),
                                       config=m.config, mask=m.mask, advertise=m.advertise,
                                       xid=_xid(m)),
    p.OFPPacketOut: lambda m: sm.PacketOut(buffer_id=m.buffer_id, in_port=m.in_port,
                                           actions=f.actions_to_sendim(m.actions),
                                           data=packet_bytes(m.data), xid=_xid(m)),
    p.OFPSetConfig: lambda m: sm.SetConfig(flags=m.flags, miss_send_len=m.miss_send_len,
                                           xid=_xid(m)),
    p.OFPGetConfigRequest: lambda m: sm.GetConfigRequest(xid=_xid(m)),
    p.OFPFeaturesRequest: lambda m: sm.FeaturesRequest(xid=_xid(m)),
    p.OFPBarrierRequest: lambda m: sm.BarrierRequest(xid=_xid(m)),
    p.OFPEchoRequest: lambda m: sm.EchoRequest(data=packet_bytes(m.data), xid=_xid(m)),
    p.OFPDescStatsRequest: lambda m: mp.DescStatsRequest(flags=m.flags, xid=_xid(m)),
    p.OFPFlowStatsRequest: lambda m: _flow_stats_request(mp.FlowStatsRequest, m),
    p.OFPAggregateStatsRequest: lambda m: _flow_stats_request(mp.AggregateStatsRequest, m),
    p.OFPPortStatsRequest: lambda m: mp.PortStatsRequest(port_no=m.port_no, flags=m.flags,
                                                         xid=_xid(m)),
    p.OFPPortDescStatsRequest: lambda m: mp.PortDescStatsRequest(flags=m.flags, xid=_xid(m)),
    p.OFPTableStatsRequest: lambda m: mp.TableStatsRequest(flags=m.flags, xid=_xid(m)),
    p.OFPGroupStatsRequest: lambda m: mp.GroupStatsRequest(group_id=m.group_id,
                                                           flags=m.flags, xid=_xid(m)),
    p.OFPGroupDescStatsRequest: lambda m: mp.GroupDescStatsRequest(flags=m.flags, xid=_xid(m)),
    p.OFPMeterStatsRequest: lambda m: mp.MeterStatsRequest(meter_id=m.meter_id,
                                                           flags=m.flags, xid=_xid(m)),
    p.OFPMeterConfigStatsRequest: lambda m: mp.MeterConfigStatsRequest(
        meter_id=m.meter_id, flags=m.flags, xid=_xid(m)),
    # switch -> controller
    p.OFPSwitchFeatures: lambda m: sm.FeaturesReply(
        datapath_id=m.datapath_id, n_buffers=m.n_buffers, n_tables=m.n_tables,
        auxiliary_id=m.auxiliary_id, capabilities=m.capabilities, xid=_xid(m)),
    p.OFPPacketIn: lambda m: sm.PacketIn(
        buffer_id=m.buffer_id, total_len=m.total_len, reason=m.reason, table_id=m.table_id,
        cookie=m.cookie, match=f.match_to_sendim(m.match), data=packet_bytes(m.data),
        xid=_xid(m)),
    p.OFPFlowRemoved: lambda m: sm.FlowRemoved(
        cookie=m.cookie, priority=m.priority, reason=m.reason, table_id=m.table_id,
        duration_sec=m.duration_sec, duration_nsec=m.duration_nsec,
        idle_timeout=m.idle_timeout, hard_timeout=m.hard_timeout,
        packet_count=m.packet_count, byte_count=m.byte_count,
        match=f.match_to_sendim(m.match), xid=_xid(m)),
    p.OFPPortStatus: lambda m: sm.PortStatus(reason=m.reason, desc=f.port_to_sendim(m.desc),
                                             xid=_xid(m)),
    p.OFPErrorMsg: lambda m: sm.ErrorMsg(type=m.type, code=m.code,
                                         data=packet_bytes(m.data), xid=_xid(m)),
    p.OFPBarrierReply: lambda m: sm.BarrierReply(xid=_xid(m)),
    p.OFPEchoReply: lambda m: sm.EchoReply(data=packet_bytes(m.data), xid=_xid(m)),
    p.OFPGetConfigReply: lambda m: sm.GetConfigReply(flags=m.flags,
                                                     miss_send_len=m.miss_send_len,
                                                     xid=_xid(m)),
    p.OFPDescStatsReply: _reply(mp.DescStatsReply, lambda b: mp.DescStats(
        *(f.text(x) for x in (b.mfr_desc, b.hw_desc, b.sw_desc, b.serial_num, b.dp_desc)))),
    p.OFPFlowStatsReply: _reply(mp.FlowStatsReply, lambda b: [_flow_stats(s) for s in b]),
    p.OFPAggregateStatsReply: _reply(mp.AggregateStatsReply, lambda b: mp.AggregateStats(
        b.packet_count, b.byte_count, b.flow_count)),
    p.OFPTableStatsReply: _reply(mp.TableStatsReply, lambda b: [mp.TableStats(
        s.table_id, s.active_count, s.lookup_count, s.matched_count) for s in b]),
    p.OFPPortStatsReply: _reply(mp.PortStatsReply, lambda b: [mp.PortStats(
        *(getattr(s, n) for n in mp.PortStats.__slots__)) for s in b]),
    p.OFPPortDescStatsReply: _reply(mp.PortDescStatsReply,
                                    lambda b: [f.port_to_sendim(s) for s in b]),
    p.OFPGroupStatsReply: _reply(mp.GroupStatsReply, lambda b: [_group_stats(s) for s in b]),
    p.OFPGroupDescStatsReply: _reply(mp.GroupDescStatsReply, lambda b: [mp.GroupDescStats(
        type=s.type, group_id=s.group_id, buckets=f.buckets_to_sendim(s.buckets)) for s in b]),
    p.OFPMeterStatsReply: _reply(mp.MeterStatsReply, lambda b: [_meter_stats(s) for s in b]),
    p.OFPMeterConfigStatsReply: _reply(mp.MeterConfigStatsReply, lambda b: [
        mp.MeterConfigStats(flags=s.flags, meter_id=s.meter_id,
                            bands=f.bands_to_sendim(s.bands)) for s in b]),
}


def ryu_to_sendim(msg: Any) -> Any:
    """A Ryu OF1.3 message object → the sendim message (``Untranslatable`` if unsupported)."""
    for cls in type(msg).__mro__:
        conv = _TO_SENDIM.get(cls)
        if conv is not None:
            return conv(msg)
    raise Untranslatable(f"{type(msg).__name__} is not supported by the simulated switch",
                         ofp.OFPET_BAD_REQUEST, ofp.OFPBRC_BAD_TYPE)


def _stats_req(cls: type, **extra: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def build(dp: Any, m: Any) -> Any:
        kwargs = {k: fn(m) for k, fn in extra.items()}
        return cls(dp, flags=m.flags, **kwargs)
    return build


def _flow_req(cls: type) -> Callable[[Any, Any], Any]:
    return lambda dp, m: cls(dp, m.flags, m.table_id, m.out_port, m.out_group, m.cookie,
                             m.cookie_mask, f.match_to_ryu(m.match))


_TO_RYU: dict[type, Callable[[Any, Any], Any]] = {
    sm.FlowMod: lambda dp, m: p.OFPFlowMod(
        dp, cookie=m.cookie, cookie_mask=m.cookie_mask, table_id=m.table_id,
        command=m.command, idle_timeout=m.idle_timeout, hard_timeout=m.hard_timeout,
        priority=m.priority, buffer_id=m.buffer_id, out_port=m.out_port,
        out_group=m.out_group, flags=m.flags, match=f.match_to_ryu(m.match),
        instructions=f.instructions_to_ryu(m.instructions)),
    sm.GroupMod: lambda dp, m: p.OFPGroupMod(dp, m.command, m.type, m.group_id,
                                             f.buckets_to_ryu(m.buckets)),
    sm.MeterMod: lambda dp, m: p.OFPMeterMod(dp, m.command, m.flags, m.meter_id,
                                             f.bands_to_ryu(m.bands)),
    sm.PortMod: lambda dp, m: p.OFPPortMod(dp, m.port_no, m.hw_addr, m.config, m.mask,
                                           m.advertise),
    sm.PacketOut: lambda dp, m: p.OFPPacketOut(dp, m.buffer_id, m.in_port,
                                               f.actions_to_ryu(m.actions), m.data or None),
    sm.SetConfig: lambda dp, m: p.OFPSetConfig(dp, m.flags, m.miss_send_len),
    sm.GetConfigRequest: lambda dp, m: p.OFPGetConfigRequest(dp),
    sm.FeaturesRequest: lambda dp, m: p.OFPFeaturesRequest(dp),
    sm.BarrierRequest: lambda dp, m: p.OFPBarrierRequest(dp),
    mp.DescStatsRequest: _stats_req(p.OFPDescStatsRequest),
    mp.FlowStatsRequest: _flow_req(p.OFPFlowStatsRequest),
    mp.AggregateStatsRequest: _flow_req(p.OFPAggregateStatsRequest),
    mp.PortStatsRequest: _stats_req(p.OFPPortStatsRequest, port_no=lambda m: m.port_no),
    mp.PortDescStatsRequest: _stats_req(p.OFPPortDescStatsRequest),
    mp.TableStatsRequest: _stats_req(p.OFPTableStatsRequest),
    mp.GroupStatsRequest: _stats_req(p.OFPGroupStatsRequest, group_id=lambda m: m.group_id),
    mp.GroupDescStatsRequest: _stats_req(p.OFPGroupDescStatsRequest),
    mp.MeterStatsRequest: _stats_req(p.OFPMeterStatsRequest, meter_id=lambda m: m.meter_id),
    mp.MeterConfigStatsRequest: _stats_req(p.OFPMeterConfigStatsRequest,
                                           meter_id=lambda m: m.meter_id),
}


def sendim_to_ryu_request(dp: Any, msg: Any) -> Any | None:
    """A controller→switch sendim message as a Ryu object (None if not one)."""
    build = _TO_RYU.get(type(msg))
    if build is None:
        return None
    out = build(dp, msg)
    out.xid = msg.xid
    return out
