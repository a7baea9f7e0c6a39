"""The simulation: one object owning the SimPy world of a system.

    sim = Simulation(system, seed=1, pingall=True)
    results = sim.run()

:class:`Simulation` builds switches, hosts and links from a resolved
:class:`~sendim.model.System` (cheap objects; datapaths, resources and
timers appear on first use), connects every switch to the controller (the
built-in shortest-path controller unless one is given), schedules the
system's flows and timed events, runs until the traffic is done (or
``until``), and returns shared-schema :class:`~sendim.results.Results`.
All state lives in the instance; randomness comes from generators seeded
by ``seed`` and the element's id, so a run is reproducible exactly.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import simpy

from sendim.errors import SimulationError
from sendim.model import EventAction, EventTarget, System
from sendim.simulator import packets as pk
from sendim.simulator.builtin_controller import BuiltinShortestPath
from sendim.simulator.control import ControlChannel, ControllerApp
from sendim.simulator.fluidflows import FluidFlows
from sendim.simulator.hosts import SimHost
from sendim.simulator.links import Frame, SimLink
from sendim.simulator.records import FlowRecord, PingRecord
from sendim.simulator.switches import N_TABLES, PacketInMemory, SimSwitch
from sendim.simulator.timing import Call
from sendim.simulator.traffic import schedule_traffic

if TYPE_CHECKING:
    from sendim.results import Results

DEFAULT_GRACE = 1.0           # seconds after open-loop traffic for frames in flight
READY_GRACE = 1e-3            # seconds after the handshake before traffic may start
DEFAULT_FLIGHT_LIMIT = 500_000
SAMPLE_EVERY = 4096           # events between progress / wall-clock checks
RUN_GC_THRESHOLD = (100_000, 50, 50)
"""Cyclic GC thresholds while running: events allocate millions of short-lived,
acyclic objects, and the default young-generation threshold (700) would scan
them ~every 700 allocations (about 20% of a big fluid run)."""


class Simulation:
    """A system brought to life in simulated time.

    :param system: a resolved system (parser, builder and generators return one).
    :param seed: seeds every random choice (loss, Poisson gaps).
    :param controller: a :class:`ControllerApp`; None runs :class:`BuiltinShortestPath`.
    :param control_latency: one-way controller latency, seconds.
    :param settle: traffic (flows and pingall) starting earlier waits until this time.
    :param pingall: every host pings every other host once at ``settle``,
        one pair after the other as Mininet's ``pingAll`` does.

    Traffic never starts before the control plane is up: every switch has
    finished its handshake and the controller's first messages (e.g. its
    table-miss entries) have arrived, ``3 * control_latency + READY_GRACE``.
    :param until: hard stop, simulated seconds; default: when the traffic is done
        and the last timed event has happened (plus a grace period for frames
        still in flight after open-loop traffic).
    :param progress: called with ``(sim_now, expected_end or None)`` now and then.
    :param max_events: stop with :class:`SimulationError` after this many events.
    :param n_tables: flow tables per switch (OpenFlow allows up to 254).
    :param storm_hops: a frame whose copies have crossed more switches than this
        is circulating: the run stops with :class:`SimulationError`.
        Default ``2 × switches + 32`` (a flood reaches each switch once).
    :param flight_limit: more frames than this in flight at once also stops the run.
    :param grace: seconds to wait after open-loop (UDP) traffic for frames in flight.
    :param sample_interval: link utilization sampling period, seconds; default
        1/100 of the expected duration (0.1 s when unknown).
    :param fluid_quantum: seconds; 0 (default) solves fluid rates exactly, once
        at the end of every instant with changes; ``q > 0`` solves them once per
        window of ``q`` simulated seconds, each change taking effect at most
        ``q`` late (see :mod:`sendim.simulator.fluidupdates` for the error bound).

    After :meth:`run`, the simulated elements stay for inspection: ``switches``
    (:class:`SimSwitch`, ``.dp`` the OpenFlow datapath), ``hosts``, ``links``,
    ``flows`` (:class:`FlowRecord`), ``pings``, ``channel.counts``, ``fluid.net``.
    """

    def __init__(self, system: System, *, seed: int = 0,
                 controller: ControllerApp | None = None,
                 control_latency: float = 0.0, settle: float = 0.0, pingall: bool = False,
                 until: float | None = None,
                 progress: Callable[[float, float | None], None] | None = None,
                 max_events: int | None = None, n_tables: int = N_TABLES,
                 storm_hops: int | None = None,
                 flight_limit: int = DEFAULT_FLIGHT_LIMIT,
                 grace: float = DEFAULT_GRACE,
                 sample_interval: float | None = None,
                 fluid_quantum: float = 0.0) -> None:
        self.system = system
        self.seed = seed
        self.settle = float(settle or 0.0)
        # As Mininet starts traffic only once switches have connected: hold it
        # until the handshake and the controller's first answers reached every
        # switch (all switches connect at t=0; that takes 3 latencies).
        self.traffic_start = max(self.settle, 3 * control_latency + READY_GRACE)
        self.pingall = pingall
        self.until = until
        self.progress = progress
        self.max_events = max_events
        self.n_tables = n_tables
        self.grace = grace
        self.storm_hops = storm_hops if storm_hops is not None else 2 * len(system.switches) + 32
        self.flight_limit = flight_limit
        self.inflight = 0
        self.active_channels: list[Any] = []     # channels that ever sent, in that order
        self.env = simpy.Environment()
        self.channel = ControlChannel(self.env, control_latency, system)
        self.controller: ControllerApp = controller if controller is not None \
            else BuiltinShortestPath()
        self.pin_memory = PacketInMemory()
        self.switches: dict[str, SimSwitch] = {}
        self.hosts: dict[str, SimHost] = {}
        self.links: dict[str, SimLink] = {}
        self.link_at: dict[tuple[str, int], SimLink] = {}
        self.by_dpid: dict[int, SimSwitch] = {}
        self.fluid_quantum = float(fluid_quantum)
        self.fluid = FluidFlows(self)
        self.sample_interval = sample_interval
        # channel, or fluid link key → [(t, bytes carried so far)] every sample_interval
        self.samples: dict[Any, list[tuple[float, float]]] = {}
        self.flows: list[FlowRecord] = []
        self.pings: list[PingRecord] = []
        self.events_processed = 0
        self.applied_events: list[tuple[float, str, str, str]] = []
        self.notes: list[str] = []           # remarks for results.meta.notes
        self.started_at: str | None = None
        self.wall_s = 0.0
        self.stopped_by: str | None = None
        self.ping_series: dict[int, tuple[FlowRecord, PingRecord]] = {}   # ping flows
        self._active = 0
        self._grace_needed = False
        self._stop = False
        self._draining = False
        self._ran = False
        self._build()

    # -- construction ---------------------------------------------------------------
    def _build(self) -> None:
        enabled = gc.isenabled()
        gc.disable()                 # millions of small objects: no cyclic GC meanwhile
        try:
            self._build_nodes()
        finally:
            if enabled:
                gc.enable()

    def _build_nodes(self) -> None:
        system, env = self.system, self.env
        for sw in system.switches.values():
            s = SimSwitch(self, sw)
            self.switches[sw.id] = s
            self.by_dpid[sw.dpid] = s
        for host in system.hosts.values():
            self.hosts[host.id] = SimHost(env, host)
        nodes: dict[str, Any] = {**self.switches, **self.hosts}
        for link in system.links:
            sl = SimLink(env, link, self, self.seed)
            self.links[link.id] = sl
            self.link_at[(link.src, link.src_port)] = sl
            self.link_at[(link.dst, link.dst_port)] = sl
            sl.fwd.receiver = nodes[link.dst]
            sl.rev.receiver = nodes[link.src]
            for end, port, channel in ((link.src, link.src_port, sl.fwd),
                                       (link.dst, link.dst_port, sl.rev)):
                node = nodes[end]
                if isinstance(node, SimSwitch):
                    node.out[port] = channel
                else:
                    node.out = channel
                    node.link = sl
        for sw in self.switches.values():
            self.channel.attach(sw.info, sw)

    def node(self, node_id: str) -> SimSwitch | SimHost:
        """The simulated switch or host *node_id*."""
        found = self.switches.get(node_id)
        return found if found is not None else self.hosts[node_id]

    # -- hooks used by switches, hosts and flows --------------------------------------
    def storm(self, switch: SimSwitch, frame: Frame) -> None:
        """A frame has circulated too long: stop the run with a clear message."""
        h = pk.parse_headers(frame.data)
        kind = ("ARP" if h.eth_type == pk.ETH_TYPE_ARP else
                "broadcast" if h.eth_dst == pk.BROADCAST_MAC else "unicast")
        where = ""
        if frame.path:
            loop = list(dict.fromkeys(sw for sw, _ in frame.path[-12:]))
            where = f" (recently through {', '.join(loop)})"
        raise SimulationError(
            f"broadcast storm at t={self.env.now:.6f}s: copies of one {kind} frame "
            f"from {pk.int_to_mac(h.eth_src or 0)} crossed switches {frame.lineage.hops} "
            f"times, more than the {self.storm_hops} a loop-free flood needs, at switch "
            f"{switch.id}{where}. The network has a loop the controller floods around; "
            f"use a spanning tree (e.g. simple_switch_stp_13) or a loop-free topology.")

    def on_flight_limit(self) -> None:
        raise SimulationError(
            f"more than {self.flight_limit} frames in flight at t={self.env.now:.6f}s: "
            f"frames multiply without bound (a broadcast storm?); stopping the run")

    def sync_counters(self, now: float) -> None:
        """Bring switch counters up to date with fluid flows (before stats, timeouts)."""
        self.fluid.sync(now)

    def meter_changed(self, switch: SimSwitch, meter_id: int) -> None:
        rate = switch.dp.meter_rate_bps(meter_id, 1500) if meter_id in switch.dp.meters else None
        self.fluid.meter_changed(switch.dpid, meter_id, rate)

    def flow_done(self, rec: FlowRecord, grace: bool = False) -> None:
        """A flow (or ping series) finished; the run ends when all have."""
        if rec.done:
            return
        rec.done = True
        if grace:
            self._grace_needed = True
        self.traffic_done()

    def traffic_done(self) -> None:
        """One unit of traffic (a flow, or the whole pingall) is over."""
        self._active -= 1
        if self._active == 0:
            self._finish_soon()

    def _finish_soon(self) -> None:
        if self.until is not None:
            return
        last_event = max((ev.time for ev in self.system.events), default=0.0)
        at = max(self.env.now + (self.grace if self._grace_needed else 0.0), last_event,
                 self.settle)
        Call(self.env, at - self.env.now, self._halt, ("traffic done",))

    def _halt(self, why: str) -> None:
        if self._stop:
            return
        self.stopped_by = why
        if why == "traffic done" and self.inflight > 0:
            # frames still moving: stop when the network is quiet (a storm never is,
            # and is caught by the storm guard instead of being cut off)
            self._draining = True
            return
        self._stop = True

    # -- timed events -----------------------------------------------------------------
    def _event(self, ev: Any) -> None:
        self.applied_events.append((self.env.now, ev.action.value, ev.target.value, ev.ref))
        up = ev.action is EventAction.UP
        if ev.target is EventTarget.LINK:
            sl = self.links[ev.ref]
            sl.admin_up = up
            self._refresh_link(sl)
            return
        node = self.node(ev.ref)
        if isinstance(node, SimSwitch):
            if not up:
                node.power(False)
            else:
                node.up = True
        else:
            node.set_up(up)
        for port_link in self._links_of(ev.ref):
            self._refresh_link(port_link)
        if isinstance(node, SimSwitch) and up:
            node.connect()

    def _links_of(self, node_id: str) -> list[SimLink]:
        node = self.node(node_id)
        if isinstance(node, SimSwitch):
            return [self.link_at[(node_id, port)] for port in node.out]
        return [node.link] if getattr(node, "link", None) is not None else []

    def _refresh_link(self, sl: SimLink) -> None:
        model = sl.model
        up = (sl.admin_up and self.node(model.src).up
              and self.node(model.dst).up)
        if up == sl.up:
            return
        sl.set_up(up, self.env.now)
        for end, port in ((model.src, model.src_port), (model.dst, model.dst_port)):
            sw = self.switches.get(end)
            if sw is not None:
                sw.set_port(port, up)
        if not up:
            self.fluid.link_down(model.id)

    def ping_flows(self) -> list[tuple[FlowRecord, PingRecord]]:
        """The ping-traffic flows with their echo series."""
        return list(self.ping_series.values())

    def _sample(self, final: bool = False) -> None:
        """Read the channels' byte counters (packet/chunk link utilization)."""
        now = self.env.now
        samples = self.samples
        for ch in self.active_channels:
            # nothing on the wire (the common case): every byte sent is counted
            total = ch.tx_bytes if ch.busy_until <= now else ch.sent_bytes(now)
            series = samples.get(ch)
            if series is None:
                if total:
                    samples[ch] = [(now, total)]
            elif series[-1][1] != total:
                series.append((now, total))
        for key, (t, load, before) in self.fluid.carried.items():
            total = before + load * (now - t) / 8.0     # FluidFlows.carried_bytes
            series = samples.get(key)
            if series is None:
                if total:
                    samples[key] = [(now, total)]
            elif series[-1][1] != total:
                series.append((now, total))
        if not final and not self._stop:
            Call(self.env, self.sample_interval, self._sample)

    # -- running ----------------------------------------------------------------------
    def expected_end(self) -> float | None:
        """When the run should end, if the flows' bounds say it (for progress bars)."""
        if self.until is not None:
            return self.until
        ends = [self.settle] + [ev.time for ev in self.system.events]
        for flow in self.system.flows:
            if flow.duration is None:
                return None
            ends.append(max(flow.start, self.traffic_start) + flow.duration)
        return max(ends)

    def run(self) -> "Results":
        """Run to the end and return the results (:class:`sendim.results.Results`,
        ``realization="simulation"``)."""
        if self._ran:
            raise SimulationError("a Simulation runs once; build a new one")
        self._ran = True
        from sendim.simulator.collect import collect

        from sendim.results import now_iso

        self.started_at = now_iso()
        wall0 = time.perf_counter()
        env = self.env
        self.channel.start(self.controller)
        for sw in self.switches.values():
            sw.connect()
        for ev in self.system.events:
            Call(env, ev.time, self._event, (ev,))
        self._active += schedule_traffic(self)
        if self._active == 0:
            self._finish_soon()
        if self.until is not None:
            Call(env, self.until, self._halt, ("until",))
        if self.sample_interval is None:
            expected = self.expected_end()
            self.sample_interval = expected / 100 if expected else 0.1
        if self.system.flows:
            Call(env, self.sample_interval, self._sample)
        thresholds = gc.get_threshold()
        gc.set_threshold(*RUN_GC_THRESHOLD)
        try:
            self._loop()
            self._sample(final=True)
            self.fluid.finalize(env.now)
        finally:        # also after a storm: the controller may have patched things
            gc.set_threshold(*thresholds)
            self.wall_s = time.perf_counter() - wall0
            stop = getattr(self.controller, "stop", None)
            if callable(stop):
                stop()
        return collect(self)

    def _loop(self) -> None:
        env = self.env
        step = env.step
        queue = env._queue
        progress, expected = self.progress, self.expected_end()
        limit = self.max_events if self.max_events is not None else math.inf
        n = 0
        try:
            while not self._stop:
                if not queue:
                    self.stopped_by = "no events left"
                    break
                step()
                n += 1
                if self._draining and self.inflight == 0:
                    self._stop = True
                if n % SAMPLE_EVERY == 0:
                    if n >= limit:
                        break
                    if progress is not None:
                        progress(env.now, expected)
                elif n >= limit:
                    break
        finally:
            self.events_processed = n
        if n >= limit and not self._stop:
            raise SimulationError(f"stopped after max_events={self.max_events} events at "
                                  f"t={env.now:.6f}s")
        if progress is not None:
            progress(env.now, expected)
