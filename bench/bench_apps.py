"""Benchmark controller apps under the Ryu runtime against the built-in controller.

Each system runs twice in this process, with the same traffic: once with a
Ryu app from ``controller_apps/`` (``shortest_path`` by default: LLDP
discovery through ``ryu.topology``, proxy ARP, reactive routes) and once
with the simulator's built-in controller (which reads the topology and the
host table from the model, so it neither discovers nor floods). The ratio
of the two travels between machines; absolute figures do not.

Traffic: ``--pairs`` host pairs sampled at random (seeded) each ping once a
second for ``--duration`` simulated seconds, starting at ``--settle``
(discovery has that long). Reported per run:

* ``setup``: seconds until ``settle`` (handshakes, LLDP discovery);
* ``first``: seconds of the first simulated second of traffic (ARP
  requests flooded to every edge port, first packet-ins, route setup);
* ``steady``: seconds per simulated second afterwards (echoes on
  installed routes, Ryu's LLDP refresh every 0.05 s, its link timers);
* ``wall``, ``cpu``: the whole run; ``wall/sim``: wall seconds per simulated second;
* ``pin``, ``pin/s``: packet-ins, and packet-ins per wall second;
* ``ok``: echo replies / requests.

Phases are process CPU seconds: on a shared machine wall time also counts
other processes. The last line fits time against switches (log-log slope
of CPU seconds; 1 = linear).
``--profile`` adds, per Ryu run, where the time goes by code area
(cProfile self time: ryu, the runtime in sendim.ryuapp, the simulator,
the app, SimPy, other).

Recorded (2 shared CPUs, Python 3.11, ryu 4.34; CPU seconds; 100 pairs):

    system          sw  hosts  setup  first  steady/sim s  wall/sim (22 s)  pin/s  ratio
    fat-tree k=4    20     16   0.09   0.12        0.012          0.020        968    1.8
    fat-tree k=8    80    128   0.28   0.33        0.027          0.051       1272    2.8
    fat-tree k=12  180    432   0.80   0.74        0.039          0.106       1346    4.4
    fat-tree k=16  320   1024   1.99   1.61        0.049          0.200       1390    7.9
    Kdl            754    754   2.24   3.04        0.102          0.335        437    4.1

Setup grows with ports (≈0.4 ms per switch port: LLDP discovery, Ryu's
handshakes), the first second with hosts (each unknown ARP target is flooded
to every edge port: 100 floods reach 1024 hosts each on k=16), the steady
state with traffic and Ryu's LLDP refresh. Over 300 simulated seconds the
ratio falls to 2.4 (k=16: 0.035 wall s per simulated s) and 1.6 (Kdl: 0.10).
Profile (k=16 and Kdl, cProfile self time): the simulator ≈35 %, Ryu ≈30 %
(ryu.topology's discovery, packet parsing, message serialisation), the
runtime (sendim.ryuapp) ≈10 %, the app ≈3 %, SimPy ≈5 %.

    python bench/bench_apps.py                         # fat-tree k=4, 8, 16 and Kdl
    python bench/bench_apps.py --sizes 4 8 12 16 --kdl --pairs 100 --duration 20
    python bench/bench_apps.py --app ecmp --sizes 8 --no-kdl --profile
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import math
import pstats
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sendim.model import Flow, Protocol, System
from sendim.simulator.engine import Simulation
from sendim.topology.generators import fat_tree, tree

KDL = Path(__file__).resolve().parents[2] / "shared" / "data" / "topologyzoo" / "Kdl.graphml"
AREAS = (("controller_apps", "app"), ("sendim/ryuapp", "runtime"), ("site-packages/ryu", "ryu"),
         ("sendim/simulator", "simulator"), ("site-packages/simpy", "simpy"),
         ("site-packages/networkx", "networkx"))


def kdl() -> System:
    from sendim.topology.importers import import_topology

    return import_topology(KDL).system


def with_pings(system: System, pairs: int, settle: float, duration: float, seed: int = 1) -> System:
    """Add ``pairs`` sampled ping series (1/s for ``duration``) starting at ``settle``."""
    hosts = sorted(system.hosts)
    rng = random.Random(seed)
    for i in range(pairs):
        a, b = rng.sample(hosts, 2)
        system.flows.append(Flow(f"ping{i}", a, b, Protocol.ICMP, start=settle,
                                 duration=duration, interval=1.0))
    return system


@dataclass
class Measure:
    """One run's figures."""

    switches: int
    wall: float = 0.0
    cpu: float = 0.0
    sim: float = 0.0
    marks: dict[float, float] = field(default_factory=dict)
    """Process CPU seconds at simulated times (less disturbed by other load than wall)."""
    packet_ins: int = 0
    ok: tuple[int, int] = (0, 0)
    areas: dict[str, float] = field(default_factory=dict)

    def phase(self, a: float, b: float) -> float:
        return self.marks[b] - self.marks[a]


def measure(system: System, controller: Any, settle: float, until: float,
            profile: bool = False) -> Measure:
    """Run ``system`` and time its phases (wall clock at simulated marks)."""
    gc.collect()
    m = Measure(len(system.switches))
    sim = Simulation(system, controller=controller, settle=settle, until=until)
    for t in (settle, settle + 1.0):
        sim.env.timeout(t).callbacks.append(
            lambda _e, t=t: m.marks.__setitem__(t, time.process_time()))
    prof = cProfile.Profile() if profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof is not None:
        prof.enable()
    sim.run()
    if prof is not None:
        prof.disable()
    m.wall = time.perf_counter() - t0
    m.cpu = time.process_time() - c0
    m.marks = {0.0: c0, **m.marks, until: c0 + m.cpu}
    m.sim = sim.env.now
    m.packet_ins = sim.channel.counts.get("packet_in", 0)
    m.ok = (sum(p.received for p in sim.pings), sum(p.sent for p in sim.pings))
    if prof is not None:
        m.areas = areas(prof)
    return m


def areas(prof: cProfile.Profile) -> dict[str, float]:
    """Self time by code area, as shares of the total."""
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        area = next((name for part, name in AREAS if part in filename), "other")
        out[area] = out.get(area, 0.0) + tottime
    total = sum(out.values()) or 1.0
    return {k: v / total for k, v in sorted(out.items(), key=lambda kv: -kv[1])}


def warm_up(app: str) -> None:
    """Import and exercise everything once, so the first measured run pays no imports."""
    from sendim.ryuapp.adapter import RyuController

    Simulation(with_pings(tree(2, 2), 2, 1.0, 1.0),
               controller=RyuController([app]), settle=1.0, until=2.5).run()
    Simulation(with_pings(tree(2, 2), 2, 1.0, 1.0), settle=1.0, until=2.5).run()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--app", default="shortest_path", help="an app of controller_apps/")
    ap.add_argument("--sizes", type=int, nargs="*", default=[4, 8, 16], help="fat-tree k values")
    ap.add_argument("--kdl", dest="kdl", action="store_true", default=True,
                    help="also Topology Zoo's Kdl (754 switches; the default)")
    ap.add_argument("--no-kdl", dest="kdl", action="store_false")
    ap.add_argument("--pairs", type=int, default=100, help="sampled ping pairs")
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--duration", type=float, default=20.0, help="simulated seconds of pings")
    ap.add_argument("--profile", action="store_true", help="time by code area (slower runs)")
    args = ap.parse_args()

    from sendim.ryuapp.adapter import RyuController

    app = args.app if "." in args.app or "/" in args.app else f"controller_apps.{args.app}"
    warm_up(app)
    systems: list[tuple[str, Any]] = [(f"fat-tree k={k}", lambda k=k: fat_tree(k))
                                      for k in args.sizes]
    if args.kdl:
        systems.append(("Kdl", kdl))
    until = args.settle + args.duration + 1.0
    print(f"== {app} vs built-in controller: {args.pairs} ping pairs, 1/s for "
          f"{args.duration:g} s after settle={args.settle:g} s (wall seconds) ==")
    print(f"{'system':>14} {'sw':>4} {'hosts':>5} | {'setup':>6} {'first':>6} {'steady':>7} "
          f"{'wall':>6} {'cpu':>6} {'wall/sim':>8} {'pin':>6} {'pin/s':>7} {'ok':>9} | "
          f"{'builtin':>7} {'b wall/sim':>10} {'ratio':>6}")
    print(" " * 24 + "(setup, first, steady: CPU s; ratio: CPU, Ryu app / built-in)")
    points = []
    for name, make in systems:
        system = with_pings(make(), args.pairs, args.settle, args.duration)
        ryu = measure(system, RyuController([app]), args.settle, until, args.profile)
        base = measure(with_pings(make(), args.pairs, args.settle, args.duration), None,
                       args.settle, until)
        steady = ryu.phase(args.settle + 1.0, until) / (until - args.settle - 1.0)
        print(f"{name:>14} {ryu.switches:>4} {len(system.hosts):>5} | "
              f"{ryu.phase(0.0, args.settle):>6.2f} "
              f"{ryu.phase(args.settle, args.settle + 1.0):>6.2f} {steady:>7.4f} "
              f"{ryu.wall:>6.2f} {ryu.cpu:>6.2f} {ryu.wall / ryu.sim:>8.4f} {ryu.packet_ins:>6} "
              f"{ryu.packet_ins / ryu.wall:>7.0f} {ryu.ok[0]:>4}/{ryu.ok[1]:<4} | "
              f"{base.wall:>7.2f} {base.wall / base.sim:>10.4f} {ryu.cpu / base.cpu:>6.1f}")
        if ryu.areas:
            print(" " * 16 + "time by area: " + ", ".join(
                f"{k} {v:.0%}" for k, v in ryu.areas.items()))
        points.append((ryu.switches, ryu.cpu))
    if len(points) >= 2:
        (n0, w0), (n1, w1) = points[0], points[-1]
        slope = math.log(w1 / w0) / math.log(n1 / n0)
        per = ", ".join(f"{n}: {w / n * 1e3:.1f}" for n, w in points)
        print(f"time vs switches: log-log slope {slope:.2f} (1 = linear); "
              f"CPU ms per switch: {per}")


if __name__ == "__main__":
    main()
