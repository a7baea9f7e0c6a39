"""Flow granularity: fluid flows whose routes come from the data plane.

Each fluid flow first sends one real frame (a TCP SYN or a UDP datagram)
through the switches; table misses go to the controller in simulated time,
as for any packet. When that probe reaches the destination host, the path
it took (switch by switch) becomes the flow's path: its directed links, and
the meters its entries pass (looked up in the switches' current tables),
are the flow's resources in a :class:`~sendim.simulator.fluid.FluidNetwork`,
and bytes start to flow at the max-min fair rate from that instant. A CBR or
Poisson flow is capped at its rate. A flow completes when its last byte has
crossed the path: the fluid finish time plus the path's propagation delay.

When a link on its path goes down, a flow stalls (rate 0) and re-probes the
data plane: TCP-like flows after a retransmission timeout with exponential
backoff (200 ms, 400 ms, ...), UDP flows as their packets keep
coming (every datagram gap, at most 100 ms). The first probe that arrives again re-routes the flow and ends the
stall; ``stalled_s``, ``stalls`` and the list of paths record the episode.

Rates are solved once per instant for all the changes made in it, or once
per ``fluid_quantum`` window (:mod:`sendim.simulator.fluidupdates`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sendim.model import Protocol
from sendim.simulator import packets as pk
from sendim.simulator.fluid import FluidNetwork
from sendim.simulator.fluidupdates import RateUpdates
from sendim.simulator.links import Frame, Probe
from sendim.simulator.records import FlowRecord
from sendim.simulator.sources import UDP_HEADERS, udp_packet
from sendim.simulator.tcp import segment_packet
from sendim.simulator.timing import Call

if TYPE_CHECKING:
    from sendim.simulator.engine import Simulation
    from sendim.simulator.hosts import SimHost
    from sendim.simulator.switches import SimSwitch

UNLIMITED_BPS = 1e12
"""Rate of a flow over links that all have unlimited bandwidth (1 Tbit/s)."""
SYN_RTO = 1.0
SYN_RETRIES = 6
STALL_RTO = 0.2
STALL_RTO_MAX = 60.0
STALL_RETRIES = 10
UDP_REPROBE = 0.1
UDP_REPROBE_MAX = 600

PENDING, PROBING, ACTIVE, STALLED, DONE = range(5)


class Hop:
    """One switch of a fluid flow's path, for counters and idle timeouts."""

    __slots__ = ("switch", "in_port", "out_port", "entries")

    def __init__(self, switch: "SimSwitch", in_port: int, out_port: int, entries: list) -> None:
        self.switch, self.in_port, self.out_port, self.entries = switch, in_port, out_port, entries


class FluidFlow:
    """One model flow at flow granularity."""

    def __init__(self, mgr: "FluidFlows", rec: FlowRecord, src: "SimHost", dst: "SimHost") -> None:
        flow = rec.flow
        self.mgr, self.rec = mgr, rec
        self.sim = mgr.sim
        self.fid = flow.id
        self.src, self.dst = src, dst
        self.tcp = flow.protocol is not Protocol.UDP
        self.cap = flow.rate
        self.size = flow.size
        self.stop_at = rec.start_s + flow.duration if flow.duration is not None else None
        self.packet = flow.packet_size
        if self.tcp:
            proto = pk.IPPROTO_TCP
            self.probe_pkt = segment_packet(src, dst, rec.src_port, rec.dst_port, 0, pk.TCP_SYN)
        else:
            proto = pk.IPPROTO_UDP
            self.probe_pkt = udp_packet(src, dst, rec.src_port, rec.dst_port,
                                        max(0, self.packet - UDP_HEADERS))
        dst.bind(proto, rec.dst_port, src.ip, rec.src_port, self._arrived)
        self.state = PENDING
        self.tries = 0
        self.timer: Call | None = None
        self.keys: list[Any] = []
        self.links: list[str] = []
        self.hops: list[Hop] = []
        self.delay = 0.0
        self.since = 0.0              # when the current state began
        self.synced = 0.0             # bytes already added to switch counters

    # -- probing ------------------------------------------------------------------
    def start(self) -> None:
        self.state = PROBING
        self._probe()
        if self.stop_at is not None:
            Call(self.sim.env, max(0.0, self.stop_at - self.sim.env.now), self.stop)

    def _probe(self) -> None:
        if self.state not in (PROBING, STALLED):
            return
        limit = (SYN_RETRIES if self.state == PROBING else STALL_RETRIES) if self.tcp \
            else UDP_REPROBE_MAX
        if self.tries > limit:
            self._give_up()
            return
        if self.tcp:
            base = SYN_RTO if self.state == PROBING else STALL_RTO
            wait = min(STALL_RTO_MAX, base * 2 ** (self.tries + (self.state == STALLED)))
        else:
            wait = self._udp_gap()
        self.tries += 1
        self.src.send_ip(self.dst.ip, self.probe_pkt, Probe(self))
        self.timer = Call(self.sim.env, wait, self._probe)

    def _udp_gap(self) -> float:
        """Time between datagrams of the stream, within [1 ms, 100 ms]."""
        if not self.cap:
            return UDP_REPROBE
        return min(UDP_REPROBE, max(1e-3, self.packet * 8.0 / self.cap))

    def _arrived(self, frame: Frame, l4: int, src_ip: int) -> None:
        probe = frame.tag
        if type(probe) is not Probe or probe.owner is not self or frame.path is None:
            return
        if self.state not in (PROBING, STALLED):
            return
        now = self.sim.env.now
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.tries = 0
        self.mgr.route(self, frame.path, probe.seen)
        rec = self.rec
        rec.saw_path([sw for sw, _ in frame.path], now)
        net = self.mgr.net
        self.mgr.updates.touch()
        if self.state == PROBING:
            rec.first_rx = now
            net.add_flow(self.fid, self.keys, self.cap, self.size, now)
        else:
            rec.stalled_s += now - self.since
            net.set_path(self.fid, self.keys, now)
            net.set_cap(self.fid, self.cap, now)
        self.state = ACTIVE
        self.since = now

    # -- stalls and the end -------------------------------------------------------
    def stall(self) -> None:
        """A link of the path died: no more bytes until a probe gets through."""
        if self.state != ACTIVE:
            return
        now = self.sim.env.now
        self.mgr.sync_flow(self, now)
        self.mgr.updates.touch(urgent=True)
        self.mgr.net.set_cap(self.fid, 0.0, now)
        self.state = STALLED
        self.since = now
        self.rec.stalls += 1
        self.tries = 0
        # the loss shows after a retransmission timeout (TCP) or with the next datagrams
        self.timer = Call(self.sim.env, STALL_RTO if self.tcp else self._udp_gap(), self._probe)

    def complete(self, now: float) -> None:
        """Every byte has left the source (a fluid completion)."""
        self._finish(now, now + self.delay)

    def stop(self) -> None:
        """The flow's duration is over."""
        if self.state == DONE:
            return
        now = self.sim.env.now
        if self.state == PROBING:
            self._end(None, "no path found before the flow's end")
            return
        last = now if self.state == ACTIVE else self.since
        self._finish(now, last + self.delay)

    def _finish(self, now: float, end: float) -> None:
        net = self.mgr.net
        rec = self.rec
        if self.fid in net:
            self.mgr.sync_flow(self, now)
            rec.bytes = net.delivered(self.fid, now)
            self.mgr.updates.touch()
            net.remove_flow(self.fid, now)
        if self.state == STALLED:
            rec.stalled_s += now - self.since
        if not self.tcp and self.cap and rec.first_rx is not None:
            # a UDP source keeps sending, into dead links too, until it stops
            rec.offered = self.cap * (now - rec.first_rx) / 8.0
            if self.size is not None:
                rec.offered = min(rec.offered, float(self.size))
            payload = max(1, self.packet - UDP_HEADERS)
            rec.fluid_drops = max(0.0, rec.offered - rec.bytes) / payload
        else:
            rec.offered = rec.bytes
        rec.last_rx = end
        self._end(end, None)

    def _give_up(self) -> None:
        now = self.sim.env.now
        if self.fid in self.mgr.net:
            self.rec.bytes = self.mgr.net.delivered(self.fid, now)
            self.mgr.updates.touch()
            self.mgr.net.remove_flow(self.fid, now)
        if self.state == STALLED:
            self.rec.stalled_s += now - self.since
        self._end(None, "no path: the data plane never delivered a probe"
                  if self.state == PROBING else "stalled: no path after the link failure")

    def _end(self, end: float | None, failed: str | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.state = DONE
        self.mgr.forget(self)
        rec = self.rec
        rec.failed = failed
        if end is None:
            self.sim.flow_done(rec)
            return
        rec.end = end
        Call(self.sim.env, max(0.0, end - self.sim.env.now), self.sim.flow_done, (rec,))


class FluidFlows:
    """All fluid flows of a simulation and their shared :class:`FluidNetwork`."""

    def __init__(self, sim: "Simulation") -> None:
        self.sim = sim
        self.net = FluidNetwork(default_cap=UNLIMITED_BPS, on_rates_changed=self._rates_changed)
        self.updates = RateUpdates(sim.env, self.net, sim.fluid_quantum, self.changed)
        self.flows: dict[str, FluidFlow] = {}
        self.by_link: dict[str, dict[FluidFlow, None]] = {}
        # (link id, direction) → [time, load bit/s since then, bytes before then]
        self.carried: dict[Any, list[float]] = {}
        self._timer: Call | None = None
        self._timer_at = math.inf

    def add(self, rec: FlowRecord, src: "SimHost", dst: "SimHost") -> FluidFlow:
        ff = FluidFlow(self, rec, src, dst)
        self.flows[ff.fid] = ff
        return ff

    # -- paths --------------------------------------------------------------------
    def route(self, ff: FluidFlow, path: tuple, seen: dict) -> None:
        """Turn a probe's trace into the flow's resources and hops."""
        sim = self.sim
        net = self.net
        for link_id in ff.links:
            self.by_link.get(link_id, {}).pop(ff, None)
        keys: list[Any] = []
        links: list[str] = []
        hops: list[Hop] = []
        delay = 0.0
        previous: Hop | None = None
        for sw_id, in_port in path:
            link = sim.link_at[(sw_id, in_port)]
            keys.append(self._link_key(link, sw_id))
            links.append(link.model.id)
            delay += link.model.delay
            switch = sim.switches[sw_id]
            if previous is not None:
                previous.out_port = link.model.port_of(previous.switch.id)
            data = seen.get((sw_id, in_port))
            meters: list[int] = []
            entries: list = []
            if data is not None and switch.materialized:
                ports, meters, entries = switch.dp.lookup_route(pk.parse_headers(data), in_port)
            for mid in meters:
                key = ("meter", switch.dpid, mid)
                if not net.has_resource(key):
                    net.add_resource(key, switch.dp.meter_rate_bps(mid, ff.packet))
                keys.append(key)
            previous = Hop(switch, in_port, 0, entries)
            hops.append(previous)
        last = ff.dst.link
        keys.append(self._link_key(last, ff.dst.id))
        links.append(last.model.id)
        delay += last.model.delay
        if previous is not None:
            previous.out_port = last.model.port_of(previous.switch.id)
        ff.keys, ff.links, ff.hops, ff.delay = keys, links, hops, delay
        for link_id in links:
            self.by_link.setdefault(link_id, {})[ff] = None

    def _link_key(self, link: Any, towards: str) -> tuple[str, int]:
        """The resource of *link* carrying bytes towards node *towards*."""
        model = link.model
        key = (model.id, 0 if model.dst == towards else 1)
        if not self.net.has_resource(key):
            self.net.add_resource(key, model.bandwidth)
        return key

    def forget(self, ff: FluidFlow) -> None:
        for link_id in ff.links:
            self.by_link.get(link_id, {}).pop(ff, None)

    # -- events -------------------------------------------------------------------
    def link_down(self, link_id: str) -> None:
        for ff in list(self.by_link.get(link_id, {})):
            ff.stall()

    def meter_changed(self, dpid: int, meter_id: int, rate: float | None) -> None:
        key = ("meter", dpid, meter_id)
        if self.net.has_resource(key):
            self.updates.touch(urgent=True)
            self.net.set_capacity(key, rate, self.sim.env.now)

    def changed(self) -> None:
        """Re-arm the completion timer after rates were solved or flows completed."""
        nxt = self.net.next_completion()
        at = nxt[0] if nxt is not None else math.inf
        if at == self._timer_at and self._timer is not None and self._timer.pending:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = at
        if at != math.inf:
            self._timer = Call(self.sim.env, max(0.0, at - self.sim.env.now), self._complete)

    def _complete(self) -> None:
        self._timer = None
        self._timer_at = math.inf
        now = self.sim.env.now
        net = self.net
        while True:
            nxt = net.next_completion()
            if nxt is None or nxt[0] > now:
                break
            self.flows[nxt[1]].complete(now)
        self.changed()

    def _rates_changed(self, now: float, keys: list) -> None:
        """Integrate each link's load (bytes so far) as rates change."""
        carried = self.carried
        for key, load in zip(keys, self.net.loads(keys)):
            if key[0] == "meter":
                continue
            acc = carried.get(key)
            if acc is None:
                carried[key] = [now, load, 0.0]
            else:
                acc[2] += acc[1] * (now - acc[0]) / 8.0
                acc[0] = now
                acc[1] = load

    def carried_bytes(self, key: Any, now: float) -> float:
        """Bytes fluid flows have moved over the directed link *key* by *now*."""
        acc = self.carried[key]
        return acc[2] + acc[1] * (now - acc[0]) / 8.0

    # -- switch counters ----------------------------------------------------------
    def sync_flow(self, ff: FluidFlow, now: float) -> None:
        """Add the bytes *ff* moved since the last sync to its entries and ports."""
        if ff.fid not in self.net:
            return
        got = self.net.delivered(ff.fid, now)
        delta = got - ff.synced
        if delta <= 0:
            return
        size = ff.packet
        nbytes = int(got) - int(ff.synced)
        npkts = int(got // size) - int(ff.synced // size)
        ff.synced = got
        for hop in ff.hops:
            for e in hop.entries:
                e.byte_count += nbytes
                e.packet_count += npkts
                e.last_used = now
            if hop.switch.materialized:
                counters = hop.switch.dp.port_counters
                rx = counters.get(hop.in_port)
                if rx is not None:
                    rx.rx_bytes += nbytes
                    rx.rx_packets += npkts
                tx = counters.get(hop.out_port)
                if tx is not None:
                    tx.tx_bytes += nbytes
                    tx.tx_packets += npkts

    def finalize(self, now: float) -> None:
        """The run stopped: account for flows still going (bytes so far, stall time)."""
        self.updates.flush()
        for ff in self.flows.values():
            if ff.state == DONE:
                continue
            rec = ff.rec
            if ff.fid in self.net:
                self.sync_flow(ff, now)
                rec.bytes = self.net.delivered(ff.fid, now)
            if ff.state == STALLED:
                rec.stalled_s += now - ff.since
                ff.since = now
            if not ff.tcp and ff.cap and rec.first_rx is not None:
                rec.offered = ff.cap * (now - rec.first_rx) / 8.0
            elif ff.tcp:
                rec.offered = rec.bytes

    def sync(self, now: float) -> None:
        for ff in self.flows.values():
            if ff.state == ACTIVE:
                self.sync_flow(ff, now)
