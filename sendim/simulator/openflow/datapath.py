"""One simulated OpenFlow 1.3 switch: ports, pipeline, packet buffer.

:meth:`Datapath.process` runs a frame through the pipeline (tables, meters,
groups, apply-actions, the action set) and returns a :class:`Result`.
:meth:`Datapath.handle` (from :class:`~sendim.simulator.openflow.control.ControlMixin`)
applies controller messages. Time is always passed in (simulated seconds);
nothing here schedules anything.

Port semantics: a port is *up* unless its state has ``OFPPS_LINK_DOWN`` or
its config ``OFPPC_PORT_DOWN``. Frames arriving on a port that is down or
``NO_RECV`` are dropped (counted ``rx_dropped``). Outputs go to up ports
without ``NO_FWD``; output to the ingress port is skipped unless written as
``OFPP_IN_PORT``; ``OFPP_ALL`` and ``OFPP_FLOOD`` expand to every such port
but the ingress port (FLOOD also skips ``OFPPS_BLOCKED`` ports); ``LOCAL``
and ``NORMAL`` are not modelled (dropped).

Counters: rx in :meth:`process`. tx is counted in :meth:`process` for every
output when ``count_tx_in_process`` is true (the default); an engine that
wants tx to mean "actually transmitted" passes ``False`` and calls
:meth:`count_tx` / :meth:`count_tx_dropped` itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from sendim.simulator.openflow.actions import (
    DecNwTtl, Group, Output, PopVlan, PushVlan, SetField, SetQueue, action_set_list,
)
from sendim.simulator.openflow.constants import (
    OFP_NO_BUFFER, OFPC_INVALID_TTL_TO_CONTROLLER, OFPCML_NO_BUFFER, OFPFF_SEND_FLOW_REM,
    OFPP_ALL, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_TABLE, OFPPC_NO_FWD,
    OFPPC_NO_PACKET_IN, OFPPC_NO_RECV, OFPPC_PORT_DOWN, OFPPR_ADD, OFPPR_DELETE,
    OFPPR_MODIFY, OFPPS_BLOCKED, OFPPS_LINK_DOWN, OFPPS_LIVE, OFPR_ACTION,
    OFPR_INVALID_TTL, OFPR_NO_MATCH, OFPVID_NONE, OFPVID_PRESENT, OFPPF_10MB_FD, OFPPF_100MB_FD,
    OFPPF_1GB_FD, OFPPF_10GB_FD, OFPPF_40GB_FD, OFPPF_100GB_FD, OFPPF_1TB_FD, OFPPF_OTHER,
    OFPPF_COPPER,
)
from sendim.simulator.openflow.control import ControlMixin
from sendim.simulator.openflow.result import (  # noqa: F401  (re-export)
    DROP_BAD_PORT, DROP_INVALID_TTL, DROP_METER, DROP_NO_ACTION, DROP_PORT_DOWN,
    DROP_TABLE_MISS, PacketBuffer, PortCounters, Result,
)
from sendim.simulator.openflow.groups import GroupTable
from sendim.simulator.openflow.match import Match
from sendim.simulator.openflow.messages import FlowRemoved, PacketIn, Port, PortStatus
from sendim.simulator.openflow.meters import MeterTable
from sendim.simulator.openflow.tables import FlowEntry, FlowTables
from sendim.simulator.packets import (
    Headers, dec_ttl, int_to_mac, parse_headers, pop_vlan, push_vlan, set_field,
)

_NO_COOKIE = 0xFFFFFFFFFFFFFFFF
_PLAIN = (Output, Group, SetQueue)


PortSpec = Port | tuple


_SPEED_FEATURES = ((10**7, OFPPF_10MB_FD), (10**8, OFPPF_100MB_FD), (10**9, OFPPF_1GB_FD),
                   (10**10, OFPPF_10GB_FD), (4 * 10**10, OFPPF_40GB_FD),
                   (10**11, OFPPF_100GB_FD), (10**12, OFPPF_1TB_FD))


def _make_port(spec: PortSpec) -> Port:
    if isinstance(spec, Port):
        return replace(spec)
    port_no, hw, name, *rest = spec
    bps = int(rest[0]) if rest else 0
    feat = next((f for s, f in _SPEED_FEATURES if s == bps), OFPPF_OTHER) | OFPPF_COPPER
    hw = int_to_mac(hw) if isinstance(hw, int) else hw
    return Port(port_no, hw, name, state=OFPPS_LIVE, curr=feat, advertised=feat, supported=feat,
                curr_speed=bps // 1000, max_speed=bps // 1000)


class Datapath(ControlMixin):
    """One switch. ``ports``: ``{no: Port}``, Ports, or ``(port_no, hw_addr,
    name, speed_bps)`` tuples (speed stored in kbit/s as OpenFlow does)."""

    def __init__(self, dpid: int, ports: Mapping[int, Port] | Iterable[PortSpec] = (),
                 n_tables: int = 254, n_buffers: int = 256, miss_send_len: int = 128,
                 count_tx_in_process: bool = True, now: float = 0.0):
        if not 1 <= n_tables <= 255:
            raise ValueError(f"n_tables must be in 1..255, got {n_tables}")
        self.dpid = dpid
        self.n_tables = n_tables
        self.n_buffers = n_buffers
        self.miss_send_len = miss_send_len
        self.config_flags = 0
        self.count_tx_in_process = count_tx_in_process
        self.tables = FlowTables(n_tables)
        self.groups = GroupTable()
        self.meters = MeterTable()
        self.buffers = PacketBuffer(n_buffers)
        self.ports: dict[int, Port] = {}
        self.port_counters: dict[int, PortCounters] = {}
        specs = ports.values() if isinstance(ports, Mapping) else ports
        for spec in specs:
            p = _make_port(spec)
            self.ports[p.port_no] = p
            self.port_counters[p.port_no] = PortCounters(since=now)
        self._refresh_ports()

    # --- ports -----------------------------------------------------------------
    def _refresh_ports(self) -> None:
        up = {n for n, p in self.ports.items()
              if not p.state & OFPPS_LINK_DOWN and not p.config & OFPPC_PORT_DOWN}
        self._up = frozenset(up)
        self._recv = frozenset(n for n in up if not self.ports[n].config & OFPPC_NO_RECV)
        self._fwd = frozenset(n for n in up if not self.ports[n].config & OFPPC_NO_FWD)
        self._all = tuple(sorted(self._fwd))
        self._flood = tuple(n for n in self._all if not self.ports[n].state & OFPPS_BLOCKED)

    def port_live(self, port_no: int) -> bool:
        """True if the port is up (link up, not administratively down)."""
        return port_no in self._up

    def set_port_state(self, port_no: int, up: bool) -> PortStatus:
        """Link up/down: sets ``OFPPS_LINK_DOWN`` (or ``OFPPS_LIVE``); FLOOD and
        fast-failover groups follow at once. Returns the PortStatus to send."""
        p = self.ports[port_no]
        p.state = (p.state & ~(OFPPS_LINK_DOWN | OFPPS_LIVE)) | (OFPPS_LIVE if up else OFPPS_LINK_DOWN)
        self._refresh_ports()
        return PortStatus(reason=OFPPR_MODIFY, desc=replace(p))

    def add_port(self, spec: PortSpec, now: float = 0.0) -> PortStatus:
        """Add a port; returns the ``OFPPR_ADD`` PortStatus."""
        p = _make_port(spec)
        self.ports[p.port_no] = p
        self.port_counters[p.port_no] = PortCounters(since=now)
        self._refresh_ports()
        return PortStatus(reason=OFPPR_ADD, desc=replace(p))

    def remove_port(self, port_no: int) -> PortStatus:
        """Remove a port; returns the ``OFPPR_DELETE`` PortStatus."""
        p = self.ports.pop(port_no)
        self.port_counters.pop(port_no, None)
        self._refresh_ports()
        return PortStatus(reason=OFPPR_DELETE, desc=replace(p))

    def count_tx(self, port_no: int, nbytes: int) -> None:
        """Count one transmitted frame (when ``count_tx_in_process`` is off)."""
        c = self.port_counters.get(port_no)
        if c is not None:
            c.tx_packets += 1
            c.tx_bytes += nbytes

    def count_tx_dropped(self, port_no: int, n: int = 1) -> None:
        """Count frames dropped at egress (e.g. a full queue)."""
        c = self.port_counters.get(port_no)
        if c is not None:
            c.tx_dropped += n

    # --- time ------------------------------------------------------------------
    def expire(self, now: float) -> list[FlowRemoved]:
        """Remove timed-out entries; FlowRemoved for those with SEND_FLOW_REM."""
        out = []
        for t in self.tables:
            if t.has_timeouts:
                for e, reason in t.expire(now):
                    if e.flags & OFPFF_SEND_FLOW_REM:
                        out.append(self.flow_removed(e, reason, now))
        return out

    def next_expiry(self) -> float | None:
        """Earliest time :meth:`expire` may have work (``None``: no timeouts)."""
        ts = [d for t in self.tables if t.has_timeouts for d in [t.next_expiry()] if d is not None]
        return min(ts) if ts else None

    def meter_rate_bps(self, meter_id: int, packet_bytes: int = 1500) -> float | None:
        """The rate (bit/s) meter ``meter_id`` caps a flow at (fluid model)."""
        return self.meters.rate_bps(meter_id, packet_bytes)

    # --- packets ---------------------------------------------------------------
    def process(self, frame: bytes, in_port: int, now: float) -> Result:
        """Run a frame received on ``in_port`` at ``now`` through the pipeline."""
        res = Result()
        c = self.port_counters.get(in_port)
        if c is None:
            res.reason = DROP_BAD_PORT
            return res.finish()
        if in_port not in self._recv:
            c.rx_dropped += 1
            res.reason = DROP_PORT_DOWN
            return res.finish()
        c.rx_packets += 1
        c.rx_bytes += len(frame)
        h = parse_headers(frame)
        h.in_port = in_port
        self._pipeline(frame, h, in_port, 0, now, res)
        return res.finish()

    def _pipeline(self, frame: bytes, h: Headers, in_port: int, table_id: int,
                  now: float, res: Result) -> None:
        aset = None
        slots = self.tables.slots
        e = None
        while True:
            t = slots[table_id]
            if t is None:
                t = self.tables[table_id]
            t.lookup_count += 1
            res.table_path.append(table_id)
            e = t.lookup(h)
            if e is None:
                res.reason = DROP_TABLE_MISS
                return
            t.matched_count += 1
            e.packet_count += 1
            e.byte_count += len(frame)
            e.last_used = now
            res.entries.append(e)
            if e.meter_id is not None:
                res.meters.append(e.meter_id)
                if not self.meters.apply(e.meter_id, len(frame), now):
                    res.reason = DROP_METER
                    return
            if e.apply:
                frame = self._actions(e.apply, frame, h, in_port, now, res, e, 0)
                if frame is None:
                    return
            if e.clear:
                aset = None
            if e.write:
                aset = dict(e.write) if aset is None else {**aset, **e.write}
            if e.write_md is not None:
                v, m = e.write_md
                h.metadata = (h.metadata & ~m) | v
            if e.goto is None:
                break
            table_id = e.goto
        if aset:
            self._actions(action_set_list(aset), frame, h, in_port, now, res, e, 0)

    def _emit(self, port: int, frame: bytes, res: Result) -> None:
        res.outputs.append((port, frame))
        if self.count_tx_in_process:
            c = self.port_counters[port]
            c.tx_packets += 1
            c.tx_bytes += len(frame)

    def _actions(self, actions: Any, frame: bytes, h: Headers, in_port: int, now: float,
                 res: Result, entry: FlowEntry | None, depth: int) -> bytes | None:
        """Apply an action list; returns the (rewritten) frame, ``None`` if the
        packet died (invalid TTL)."""
        for a in actions:
            t = type(a)
            if t is Output:
                p = a.port
                if p in self._fwd:
                    if p != in_port:
                        res.outputs.append((p, frame))
                        if self.count_tx_in_process:
                            c = self.port_counters[p]
                            c.tx_packets += 1
                            c.tx_bytes += len(frame)
                elif p == OFPP_CONTROLLER:
                    reason = OFPR_NO_MATCH if entry is not None and entry.table_miss else OFPR_ACTION
                    self._packet_in(frame, h, in_port, a.max_len, reason, entry, res)
                elif p == OFPP_FLOOD or p == OFPP_ALL:
                    for q in (self._flood if p == OFPP_FLOOD else self._all):
                        if q != in_port:
                            self._emit(q, frame, res)
                elif p == OFPP_IN_PORT:
                    if in_port in self._fwd:
                        self._emit(in_port, frame, res)
                elif p == OFPP_TABLE and entry is None:  # packet-out only
                    self._pipeline(frame, h.copy(), in_port, 0, now, res)
            elif t is SetField:
                f = a.field
                if f == "vlan_vid":
                    if h.vlan_vid & OFPVID_PRESENT:
                        frame = set_field(frame, f, a.value)
                        h.vlan_vid = OFPVID_PRESENT | (a.value & 0xFFF)
                elif getattr(h, f) is not None:
                    frame = set_field(frame, f, a.value)
                    setattr(h, f, a.value)
            elif t is Group:
                self._group(a.group_id, frame, h, in_port, now, res, entry, depth)
            elif t is PushVlan or t is PopVlan:
                frame = push_vlan(frame, a.ethertype) if t is PushVlan else pop_vlan(frame)
                nh = parse_headers(frame)
                h.vlan_vid, h.vlan_pcp = nh.vlan_vid, nh.vlan_pcp
            elif t is DecNwTtl:
                nf = dec_ttl(frame)
                if nf is None:
                    res.reason = DROP_INVALID_TTL
                    if self.config_flags & OFPC_INVALID_TTL_TO_CONTROLLER:
                        self._packet_in(frame, h, in_port, self.miss_send_len,
                                        OFPR_INVALID_TTL, entry, res)
                    return None
                frame = nf
        return frame

    def _group(self, group_id: int, frame: bytes, h: Headers, in_port: int, now: float,
               res: Result, entry: FlowEntry | None, depth: int) -> None:
        g = self.groups.groups.get(group_id)
        if g is None or depth > 16:
            return
        idx = self.groups.choose(g, h, self.port_live)
        self.groups.count(g, idx, len(frame))
        for i in idx:
            acts = g.buckets[i].actions
            hh = h if all(type(a) in _PLAIN for a in acts) else h.copy()
            self._actions(acts, frame, hh, in_port, now, res, entry, depth + 1)

    def _packet_in(self, frame: bytes, h: Headers, in_port: int, max_len: int, reason: int,
                   entry: FlowEntry | None, res: Result) -> None:
        p = self.ports.get(in_port)
        # As Open vSwitch does (and Ryu's STP library relies on): NO_PACKET_IN
        # suppresses table misses only; explicit output:CONTROLLER still reports.
        if p is not None and p.config & OFPPC_NO_PACKET_IN and reason == OFPR_NO_MATCH:
            return
        if max_len == OFPCML_NO_BUFFER or not self.n_buffers:
            bid, data = OFP_NO_BUFFER, frame
        else:
            bid, data = self.buffers.store(frame, in_port), frame[:max_len]
        match = Match(in_port=in_port, metadata=h.metadata) if h.metadata else Match(in_port=in_port)
        res.packet_ins.append(PacketIn(
            buffer_id=bid, total_len=len(frame), reason=reason,
            table_id=entry.table_id if entry is not None else 0,
            cookie=entry.cookie if entry is not None else _NO_COOKIE, match=match, data=data))

    # --- fast path -------------------------------------------------------------
    def lookup_route(self, headers: Headers, in_port: int) -> tuple[list[int], list[int], list[FlowEntry]]:
        """Follow a packet with ``headers`` through the pipeline without bytes.

        Returns ``(out_ports, meter_ids, entries)``: ports as :meth:`process`
        would output (``OFPP_CONTROLLER`` stands for a packet-in), meters passed
        and entries hit. Nothing is counted, metered or buffered, and meters
        never drop. Set-field and push/pop-VLAN act on the headers only (pop
        reveals no inner tag); DecNwTtl is ignored (the TTL is not in
        ``Headers``). Select groups hash the same fields as :meth:`process`.
        """
        h = headers.copy()
        h.in_port = in_port
        h.metadata = 0
        ports: list[int] = []
        meters: list[int] = []
        entries: list[FlowEntry] = []
        aset = None
        table_id = 0
        while True:
            t = self.tables.slots[table_id]
            e = None if t is None else t.lookup(h)
            if e is None:
                return ports, meters, entries
            entries.append(e)
            if e.meter_id is not None:
                meters.append(e.meter_id)
            if e.apply:
                self._route(e.apply, h, in_port, ports, 0)
            if e.clear:
                aset = None
            if e.write:
                aset = dict(e.write) if aset is None else {**aset, **e.write}
            if e.write_md is not None:
                h.metadata = (h.metadata & ~e.write_md[1]) | e.write_md[0]
            if e.goto is None:
                break
            table_id = e.goto
        if aset:
            self._route(action_set_list(aset), h, in_port, ports, 0)
        return ports, meters, entries

    def _route(self, actions: Any, h: Headers, in_port: int, ports: list[int], depth: int) -> None:
        for a in actions:
            t = type(a)
            if t is Output:
                p = a.port
                if p in self._fwd:
                    if p != in_port:
                        ports.append(p)
                elif p == OFPP_CONTROLLER:
                    ports.append(p)
                elif p == OFPP_FLOOD or p == OFPP_ALL:
                    ports.extend(q for q in (self._flood if p == OFPP_FLOOD else self._all)
                                 if q != in_port)
                elif p == OFPP_IN_PORT and in_port in self._fwd:
                    ports.append(in_port)
            elif t is SetField:
                if a.field == "vlan_vid":
                    if h.vlan_vid & OFPVID_PRESENT:
                        h.vlan_vid = OFPVID_PRESENT | (a.value & 0xFFF)
                elif getattr(h, a.field) is not None:
                    setattr(h, a.field, a.value)
            elif t is PushVlan:
                if not h.vlan_vid & OFPVID_PRESENT:
                    h.vlan_vid, h.vlan_pcp = OFPVID_PRESENT, 0
            elif t is PopVlan:
                h.vlan_vid, h.vlan_pcp = OFPVID_NONE, None
            elif t is Group and depth <= 16:
                g = self.groups.groups.get(a.group_id)
                if g is not None:
                    for i in self.groups.choose(g, h, self.port_live):
                        self._route(g.buckets[i].actions, h.copy(), in_port, ports, depth + 1)
