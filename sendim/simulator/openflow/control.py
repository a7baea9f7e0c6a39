"""The controller-facing half of a datapath: :meth:`ControlMixin.handle`.

``handle(msg, now)`` returns a list of replies / asynchronous messages for
the controller (BarrierReply, stats replies, ErrorMsg, FlowRemoved for
entries a delete removed...) and, for a PacketOut or a FlowMod carrying a
``buffer_id``, one :class:`~sendim.simulator.openflow.result.Result` with the
frames to transmit (and any packet-ins). Replies keep the request's xid.
Messages without a reply (FlowMod, GroupMod, MeterMod, PortMod, SetConfig)
return ``[]`` on success.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sendim.simulator.openflow import multipart as mp
from sendim.simulator.openflow.actions import (
    ACTION_TYPES, INSTRUCTION_TYPES, ApplyActions, GotoTable, Group, Meter, Output,
    WriteActions,
)
from sendim.simulator.openflow.constants import (
    OFP_NO_BUFFER, OFPBAC_BAD_OUT_GROUP, OFPBAC_BAD_OUT_PORT, OFPBAC_BAD_TYPE,
    OFPBIC_BAD_TABLE_ID, OFPBIC_UNKNOWN_INST, OFPBRC_BAD_PORT, OFPBRC_BAD_TABLE_ID,
    OFPBRC_BAD_TYPE, OFPBRC_BUFFER_UNKNOWN, OFPC_FLOW_STATS, OFPC_GROUP_STATS,
    OFPC_PORT_STATS, OFPC_TABLE_STATS, OFPET_BAD_ACTION, OFPET_BAD_INSTRUCTION,
    OFPET_BAD_REQUEST, OFPET_FLOW_MOD_FAILED, OFPET_METER_MOD_FAILED, OFPET_PORT_MOD_FAILED,
    OFPFC_ADD, OFPFC_DELETE, OFPFC_DELETE_STRICT, OFPFC_MODIFY, OFPFC_MODIFY_STRICT,
    OFPFF_CHECK_OVERLAP, OFPFF_RESET_COUNTS, OFPFF_SEND_FLOW_REM, OFPFMFC_BAD_COMMAND,
    OFPFMFC_BAD_TABLE_ID, OFPFMFC_OVERLAP,
    OFPG_ALL, OFPM_ALL, OFPMMFC_UNKNOWN_METER, OFPP_ALL, OFPP_ANY, OFPP_CONTROLLER,
    OFPP_FLOOD, OFPP_IN_PORT, OFPP_LOCAL, OFPP_MAX, OFPP_TABLE, OFPPMFC_BAD_PORT,
    OFPPR_MODIFY, OFPRR_DELETE, OFPRR_GROUP_DELETE, OFPTT_ALL, OFPAT_DEC_NW_TTL, OFPAT_GROUP,
    OFPAT_OUTPUT, OFPAT_POP_VLAN, OFPAT_PUSH_VLAN, OFPAT_SET_FIELD, OFPAT_SET_QUEUE,
    OFPG_MAX, OFPGFC_CHAINING, OFPGFC_CHAINING_CHECKS, OFPGFC_SELECT_LIVENESS,
    OFPGFC_SELECT_WEIGHT, OFPM_MAX, OFPMBT_DROP, OFPMBT_DSCP_REMARK, OFPMF_BURST, OFPMF_KBPS,
    OFPMF_PKTPS, OFPMF_STATS,
)
from sendim.simulator.openflow.messages import (
    BarrierReply, BarrierRequest, EchoReply, EchoRequest, ErrorMsg, FeaturesReply,
    FeaturesRequest, FlowMod, FlowRemoved, GetConfigReply, GetConfigRequest, GroupMod,
    MeterMod, PacketOut, PortMod, PortStatus, SetConfig,
)
from sendim.simulator.openflow.result import Result
from sendim.simulator.openflow.tables import FlowEntry
from sendim.simulator.packets import parse_headers

_RESERVED_OUT = frozenset({OFPP_IN_PORT, OFPP_FLOOD, OFPP_ALL, OFPP_CONTROLLER, OFPP_LOCAL})

MFR_DESC = "sendim"
HW_DESC = "sendim simulated OpenFlow 1.3 switch"
SW_DESC = "sendim.simulator.openflow"


def _dur(since: float, now: float) -> tuple[int, int]:
    d = max(0.0, now - since)
    sec = int(d)
    return sec, int(round((d - sec) * 1e9)) % 1_000_000_000


def _error(msg: Any, type_: int, code: int) -> ErrorMsg:
    return ErrorMsg(type=type_, code=code, data=msg, xid=getattr(msg, "xid", 0))


class ControlMixin:
    """``handle()`` and the message handlers (mixed into ``Datapath``)."""

    def handle(self: Any, msg: Any, now: float) -> list[Any]:
        """Apply one controller message at ``now``; see the module docstring."""
        h = _HANDLERS.get(type(msg))
        if h is None:
            return [_error(msg, OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE)]
        return h(self, msg, now)

    # --- validation --------------------------------------------------------------
    def _check_actions(self: Any, msg: Any, actions: Any, packet_out: bool = False) -> ErrorMsg | None:
        for a in actions:
            if not isinstance(a, ACTION_TYPES):
                return _error(msg, OFPET_BAD_ACTION, OFPBAC_BAD_TYPE)
            if type(a) is Output:
                p = a.port
                if not (1 <= p <= OFPP_MAX or p in _RESERVED_OUT or (packet_out and p == OFPP_TABLE)):
                    return _error(msg, OFPET_BAD_ACTION, OFPBAC_BAD_OUT_PORT)
            elif type(a) is Group and a.group_id not in self.groups:
                return _error(msg, OFPET_BAD_ACTION, OFPBAC_BAD_OUT_GROUP)
        return None

    def _check_instructions(self: Any, msg: FlowMod) -> ErrorMsg | None:
        for ins in msg.instructions:
            t = type(ins)
            if t not in INSTRUCTION_TYPES:
                return _error(msg, OFPET_BAD_INSTRUCTION, OFPBIC_UNKNOWN_INST)
            if t is GotoTable and not msg.table_id < ins.table_id < self.n_tables:
                return _error(msg, OFPET_BAD_INSTRUCTION, OFPBIC_BAD_TABLE_ID)
            if t is Meter and ins.meter_id not in self.meters:
                return _error(msg, OFPET_METER_MOD_FAILED, OFPMMFC_UNKNOWN_METER)
            if t is ApplyActions or t is WriteActions:
                err = self._check_actions(msg, ins.actions)
                if err is not None:
                    return err
        return None

    # --- flow mod ----------------------------------------------------------------
    def flow_removed(self: Any, e: FlowEntry, reason: int, now: float) -> FlowRemoved:
        """The FlowRemoved message for entry ``e``."""
        sec, nsec = e.duration(now)
        return FlowRemoved(cookie=e.cookie, priority=e.priority, reason=reason,
                           table_id=e.table_id, duration_sec=sec, duration_nsec=nsec,
                           idle_timeout=e.idle_timeout, hard_timeout=e.hard_timeout,
                           packet_count=e.packet_count, byte_count=e.byte_count, match=e.match)

    def _tables_for(self: Any, table_id: int) -> list | None:
        if table_id == OFPTT_ALL:
            return list(self.tables)
        if 0 <= table_id < self.n_tables:
            return [self.tables[table_id]]
        return None

    def _remove_entries(self: Any, entries: list[FlowEntry], reason: int, now: float) -> list:
        out = []
        for e in entries:
            self.tables[e.table_id].remove(e)
            if e.flags & OFPFF_SEND_FLOW_REM:
                out.append(self.flow_removed(e, reason, now))
        return out

    def _flow_mod(self: Any, m: FlowMod, now: float) -> list:
        cmd = m.command
        if cmd in (OFPFC_DELETE, OFPFC_DELETE_STRICT):
            tables = self._tables_for(m.table_id)
            if tables is None:
                return [_error(m, OFPET_FLOW_MOD_FAILED, OFPFMFC_BAD_TABLE_ID)]
            victims = [e for t in tables for e in t.select(
                m.match, strict=cmd == OFPFC_DELETE_STRICT, priority=m.priority, cookie=m.cookie,
                cookie_mask=m.cookie_mask, out_port=m.out_port, out_group=m.out_group)]
            return self._remove_entries(victims, OFPRR_DELETE, now)
        if cmd not in (OFPFC_ADD, OFPFC_MODIFY, OFPFC_MODIFY_STRICT):
            return [_error(m, OFPET_FLOW_MOD_FAILED, OFPFMFC_BAD_COMMAND)]
        if not 0 <= m.table_id < self.n_tables:
            return [_error(m, OFPET_FLOW_MOD_FAILED, OFPFMFC_BAD_TABLE_ID)]
        err = self._check_instructions(m)
        if err is not None:
            return [err]
        table = self.tables[m.table_id]
        if cmd == OFPFC_ADD and m.flags & OFPFF_CHECK_OVERLAP and any(
                e.priority == m.priority and e.match != m.match and e.match.overlaps(m.match)
                for e in table.entries()):
            return [_error(m, OFPET_FLOW_MOD_FAILED, OFPFMFC_OVERLAP)]
        if cmd == OFPFC_ADD:
            table.add(FlowEntry(m.table_id, m.priority, m.match, tuple(m.instructions),
                                cookie=m.cookie, idle_timeout=m.idle_timeout,
                                hard_timeout=m.hard_timeout, flags=m.flags,
                                install_time=now, last_used=now))
        else:
            for e in table.select(m.match, strict=cmd == OFPFC_MODIFY_STRICT,
                                  priority=m.priority, cookie=m.cookie, cookie_mask=m.cookie_mask):
                e.set_instructions(m.instructions)
                if m.flags & OFPFF_RESET_COUNTS:
                    e.packet_count = e.byte_count = 0
        if m.buffer_id != OFP_NO_BUFFER:
            got = self.buffers.pop(m.buffer_id)
            if got is None:
                return [_error(m, OFPET_BAD_REQUEST, OFPBRC_BUFFER_UNKNOWN)]
            frame, in_port = got
            res = Result()
            h = parse_headers(frame)
            h.in_port = in_port
            self._pipeline(frame, h, in_port, 0, now, res)
            return [res.finish()]
        return []

    def _group_mod(self: Any, m: GroupMod, now: float) -> list:
        err, gone = self.groups.mod(m, now, lambda p: 1 <= p <= OFPP_MAX or p in _RESERVED_OUT)
        if err is not None:
            return [err]
        out: list = []
        for gid in gone:
            victims = [e for t in self.tables for e in t.entries() if e.uses_group(gid)]
            out += self._remove_entries(victims, OFPRR_GROUP_DELETE, now)
        return out

    def _meter_mod(self: Any, m: MeterMod, now: float) -> list:
        err, gone = self.meters.mod(m, now)
        if err is not None:
            return [err]
        out: list = []
        for mid in gone:  # as Open vSwitch: deleting a meter deletes its flows
            victims = [e for t in self.tables for e in t.entries() if e.meter_id == mid]
            out += self._remove_entries(victims, OFPRR_DELETE, now)
        return out

    def _packet_out(self: Any, m: PacketOut, now: float) -> list:
        err = self._check_actions(m, m.actions, packet_out=True)
        if err is not None:
            return [err]
        if m.buffer_id != OFP_NO_BUFFER:
            got = self.buffers.pop(m.buffer_id)
            if got is None:
                return [_error(m, OFPET_BAD_REQUEST, OFPBRC_BUFFER_UNKNOWN)]
            frame = got[0]
        else:
            frame = bytes(m.data)
        res = Result()
        h = parse_headers(frame)
        h.in_port = m.in_port
        self._actions(m.actions, frame, h, m.in_port, now, res, None, 0)
        return [res.finish()]

    def _port_mod(self: Any, m: PortMod, now: float) -> list:
        p = self.ports.get(m.port_no)
        if p is None:
            return [_error(m, OFPET_PORT_MOD_FAILED, OFPPMFC_BAD_PORT)]
        p.config = (p.config & ~m.mask) | (m.config & m.mask)
        self._refresh_ports()
        return [PortStatus(reason=OFPPR_MODIFY, desc=replace(p))]

    # --- simple requests ---------------------------------------------------------
    def _features(self: Any, m: FeaturesRequest, now: float) -> list:
        caps = OFPC_FLOW_STATS | OFPC_TABLE_STATS | OFPC_PORT_STATS | OFPC_GROUP_STATS
        return [FeaturesReply(datapath_id=self.dpid, n_buffers=self.n_buffers,
                              n_tables=self.n_tables, capabilities=caps, xid=m.xid)]

    def _set_config(self: Any, m: SetConfig, now: float) -> list:
        self.config_flags, self.miss_send_len = m.flags, m.miss_send_len
        return []

    # --- multipart ---------------------------------------------------------------
    def _flow_selection(self: Any, m: mp.FlowStatsRequest) -> list[FlowEntry] | ErrorMsg:
        tables = self._tables_for(m.table_id)
        if tables is None:
            return _error(m, OFPET_BAD_REQUEST, OFPBRC_BAD_TABLE_ID)
        return [e for t in tables for e in t.select(
            m.match, cookie=m.cookie, cookie_mask=m.cookie_mask, out_port=m.out_port,
            out_group=m.out_group)]

    def _flow_stats(self: Any, m: mp.FlowStatsRequest, now: float) -> list:
        sel = self._flow_selection(m)
        if isinstance(sel, ErrorMsg):
            return [sel]
        body = []
        for e in sel:
            sec, nsec = e.duration(now)
            body.append(mp.FlowStats(
                table_id=e.table_id, duration_sec=sec, duration_nsec=nsec, priority=e.priority,
                idle_timeout=e.idle_timeout, hard_timeout=e.hard_timeout, flags=e.flags,
                cookie=e.cookie, packet_count=e.packet_count, byte_count=e.byte_count,
                match=e.match, instructions=list(e.instructions)))
        return [mp.FlowStatsReply(body=body, xid=m.xid)]

    def _aggregate(self: Any, m: mp.AggregateStatsRequest, now: float) -> list:
        sel = self._flow_selection(m)
        if isinstance(sel, ErrorMsg):
            return [sel]
        body = mp.AggregateStats(packet_count=sum(e.packet_count for e in sel),
                                 byte_count=sum(e.byte_count for e in sel), flow_count=len(sel))
        return [mp.AggregateStatsReply(body=body, xid=m.xid)]

    def _port_stats(self: Any, m: mp.PortStatsRequest, now: float) -> list:
        if m.port_no == OFPP_ANY:
            nos = sorted(self.port_counters)
        elif m.port_no in self.port_counters:
            nos = [m.port_no]
        else:
            return [_error(m, OFPET_BAD_REQUEST, OFPBRC_BAD_PORT)]
        body = []
        for n in nos:
            c = self.port_counters[n]
            sec, nsec = _dur(c.since, now)
            body.append(mp.PortStats(
                port_no=n, rx_packets=c.rx_packets, tx_packets=c.tx_packets,
                rx_bytes=c.rx_bytes, tx_bytes=c.tx_bytes, rx_dropped=c.rx_dropped,
                tx_dropped=c.tx_dropped, duration_sec=sec, duration_nsec=nsec))
        return [mp.PortStatsReply(body=body, xid=m.xid)]

    def _port_desc(self: Any, m: mp.PortDescStatsRequest, now: float) -> list:
        body = [replace(self.ports[n]) for n in sorted(self.ports)]
        return [mp.PortDescStatsReply(body=body, xid=m.xid)]

    def _table_stats(self: Any, m: mp.TableStatsRequest, now: float) -> list:
        body = [mp.TableStats(table_id=i) if t is None else
                mp.TableStats(table_id=i, active_count=len(t), lookup_count=t.lookup_count,
                              matched_count=t.matched_count)
                for i, t in enumerate(self.tables.slots)]
        return [mp.TableStatsReply(body=body, xid=m.xid)]

    def _group_stats(self: Any, m: mp.GroupStatsRequest, now: float) -> list:
        gids = sorted(self.groups.groups) if m.group_id == OFPG_ALL else (
            [m.group_id] if m.group_id in self.groups else [])
        entries = [e for t in self.tables for e in t.entries()]
        body = []
        for gid in gids:
            g = self.groups.groups[gid]
            sec, nsec = _dur(g.install_time, now)
            body.append(mp.GroupStats(
                group_id=gid, ref_count=sum(1 for e in entries if e.uses_group(gid)),
                packet_count=g.packet_count, byte_count=g.byte_count, duration_sec=sec,
                duration_nsec=nsec,
                bucket_stats=[mp.BucketCounter(p, b) for p, b in g.bucket_counts]))
        return [mp.GroupStatsReply(body=body, xid=m.xid)]

    def _group_desc(self: Any, m: mp.GroupDescStatsRequest, now: float) -> list:
        body = [mp.GroupDescStats(type=g.type, group_id=g.group_id, buckets=list(g.buckets))
                for _, g in sorted(self.groups.groups.items())]
        return [mp.GroupDescStatsReply(body=body, xid=m.xid)]

    def _meters_for(self: Any, meter_id: int) -> list[int]:
        if meter_id == OFPM_ALL:
            return sorted(self.meters.meters)
        return [meter_id] if meter_id in self.meters else []

    def _meter_stats(self: Any, m: mp.MeterStatsRequest, now: float) -> list:
        entries = [e for t in self.tables for e in t.entries()]
        body = []
        for mid in self._meters_for(m.meter_id):
            me = self.meters.meters[mid]
            sec, nsec = _dur(me.install_time, now)
            body.append(mp.MeterStats(
                meter_id=mid, flow_count=sum(1 for e in entries if e.meter_id == mid),
                packet_in_count=me.packet_in_count, byte_in_count=me.byte_in_count,
                duration_sec=sec, duration_nsec=nsec,
                band_stats=[mp.MeterBandStats(b.packet_count, b.byte_count) for b in me.bands]))
        return [mp.MeterStatsReply(body=body, xid=m.xid)]

    def _meter_config(self: Any, m: mp.MeterConfigStatsRequest, now: float) -> list:
        body = [mp.MeterConfigStats(flags=self.meters.meters[mid].flags, meter_id=mid,
                                    bands=[b.band for b in self.meters.meters[mid].bands])
                for mid in self._meters_for(m.meter_id)]
        return [mp.MeterConfigStatsReply(body=body, xid=m.xid)]

    def _group_features(self: Any, m: mp.GroupFeaturesStatsRequest, now: float) -> list:
        acts = sum(1 << a for a in (OFPAT_OUTPUT, OFPAT_PUSH_VLAN, OFPAT_POP_VLAN, OFPAT_SET_QUEUE,
                                    OFPAT_GROUP, OFPAT_DEC_NW_TTL, OFPAT_SET_FIELD))
        body = mp.GroupFeaturesStats(
            types=0b1111, capabilities=OFPGFC_SELECT_WEIGHT | OFPGFC_SELECT_LIVENESS
            | OFPGFC_CHAINING | OFPGFC_CHAINING_CHECKS, max_groups=[OFPG_MAX] * 4, actions=[acts] * 4)
        return [mp.GroupFeaturesStatsReply(body=body, xid=m.xid)]

    def _meter_features(self: Any, m: mp.MeterFeaturesStatsRequest, now: float) -> list:
        body = [mp.MeterFeaturesStats(
            max_meter=OFPM_MAX, band_types=1 << OFPMBT_DROP | 1 << OFPMBT_DSCP_REMARK,
            capabilities=OFPMF_KBPS | OFPMF_PKTPS | OFPMF_BURST | OFPMF_STATS, max_bands=16)]
        return [mp.MeterFeaturesStatsReply(body=body, xid=m.xid)]

    def _desc(self: Any, m: mp.DescStatsRequest, now: float) -> list:
        body = mp.DescStats(mfr_desc=MFR_DESC, hw_desc=HW_DESC, sw_desc=SW_DESC,
                            serial_num=f"{self.dpid:016x}", dp_desc=f"dpid:{self.dpid:016x}")
        return [mp.DescStatsReply(body=body, xid=m.xid)]


_HANDLERS: dict[type, Any] = {
    FlowMod: ControlMixin._flow_mod,
    GroupMod: ControlMixin._group_mod,
    MeterMod: ControlMixin._meter_mod,
    PacketOut: ControlMixin._packet_out,
    PortMod: ControlMixin._port_mod,
    BarrierRequest: lambda dp, m, now: [BarrierReply(xid=m.xid)],
    EchoRequest: lambda dp, m, now: [EchoReply(data=m.data, xid=m.xid)],
    FeaturesRequest: ControlMixin._features,
    SetConfig: ControlMixin._set_config,
    GetConfigRequest: lambda dp, m, now: [GetConfigReply(flags=dp.config_flags,
                                                         miss_send_len=dp.miss_send_len,
                                                         xid=m.xid)],
    mp.DescStatsRequest: ControlMixin._desc,
    mp.FlowStatsRequest: ControlMixin._flow_stats,
    mp.AggregateStatsRequest: ControlMixin._aggregate,
    mp.PortStatsRequest: ControlMixin._port_stats,
    mp.PortDescStatsRequest: ControlMixin._port_desc,
    mp.TableStatsRequest: ControlMixin._table_stats,
    mp.GroupStatsRequest: ControlMixin._group_stats,
    mp.GroupDescStatsRequest: ControlMixin._group_desc,
    mp.MeterStatsRequest: ControlMixin._meter_stats,
    mp.MeterConfigStatsRequest: ControlMixin._meter_config,
    mp.GroupFeaturesStatsRequest: ControlMixin._group_features,
    mp.MeterFeaturesStatsRequest: ControlMixin._meter_features,
}
