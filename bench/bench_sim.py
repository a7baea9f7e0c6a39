"""Benchmark the simulator engine (``sendim.simulator.engine.Simulation``).

Figures are wall-clock and depend on the machine (and on what else runs on
it), so every section also measures a baseline in the same process and
reports ratios, which travel between machines:

* ``build``: turning an N-node system into a simulation (switches, hosts,
  links, channels; datapaths are created lazily) against building the same
  graph in networkx and a naive SimPy model (one ``Store`` per link
  direction). Per-node cost across N shows linearity.
* ``fluid``: N concurrent fluid flows between random hosts of a k=16
  fat-tree (1024 hosts, 320 switches, 1 Gbit/s links), routes found by the
  data plane and the built-in controller. Events per second against a bare
  SimPy event loop; wall time per flow across N, split into the engine's
  share and the max-min solver's (:mod:`sendim.simulator.fluid`), shows
  what grows linearly.
* ``packet``: bulk TCP-like flows through a 100 Mbit/s dumbbell, every
  packet an event through queues, switches and ACKs. Events per second and
  per-event cost across the number of flows.

    python bench/bench_sim.py                  # quick sizes
    python bench/bench_sim.py --full           # 100k-node build, 10k fluid flows
    python bench/bench_sim.py --only fluid --flows 10000
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable

import networkx as nx
import simpy

from sendim.model import Flow, Granularity, System
from sendim.simulator.engine import Simulation
from sendim.topology.builder import Topo
from sendim.topology.generators import fat_tree, linear


def timed(fn: Callable[[], object], *, gc_off: bool = False) -> tuple[float, object]:
    """Wall time of ``fn()``; with *gc_off* the cyclic GC is paused (as the
    simulation pauses it while building), so baselines compare fairly."""
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out
    finally:
        gc.enable()


def bare_simpy_rate(n: int = 200_000) -> float:
    """Events per second of SimPy alone: callbacks on pre-triggered timeouts."""
    env = simpy.Environment()
    left = [n]

    def tick(_event: object) -> None:
        left[0] -= 1
        if left[0] > 0:
            env.timeout(1e-6).callbacks.append(tick)

    for _ in range(100):
        env.timeout(0).callbacks.append(tick)
    wall, _ = timed(env.run)
    return n / wall


# -- build ------------------------------------------------------------------------------
def nx_baseline(system: System) -> nx.Graph:
    g = nx.Graph()
    for sw in system.switches.values():
        g.add_node(sw.id, dpid=sw.dpid)
    for h in system.hosts.values():
        g.add_node(h.id, ip=h.ip, mac=h.mac)
    for link in system.links:
        g.add_edge(link.src, link.dst, id=link.id, bw=link.bandwidth, delay=link.delay)
    return g


def simpy_baseline(system: System) -> list:
    env = simpy.Environment()
    return [(simpy.Store(env, 1000), simpy.Store(env, 1000)) for _ in system.links]


def bench_build(sizes: list[int]) -> None:
    print("\n== build: system -> simulation (lazy datapaths) ==")
    print(f"{'nodes':>8} {'links':>8} {'sim s':>8} {'us/node':>8} {'nx s':>7} "
          f"{'simpy s':>8} {'sim/nx':>7} {'sim/simpy':>9}")
    for nodes in sizes:
        system = linear(nodes // 2, bw="1Gbps", delay="1ms")
        t_sim, _ = timed(lambda: Simulation(system), gc_off=True)
        t_nx, _ = timed(lambda: nx_baseline(system), gc_off=True)
        t_sp, _ = timed(lambda: simpy_baseline(system), gc_off=True)
        n = system.node_count
        print(f"{n:>8} {len(system.links):>8} {t_sim:>8.2f} {t_sim / n * 1e6:>8.1f} "
              f"{t_nx:>7.2f} {t_sp:>8.2f} {t_sim / t_nx:>7.2f} {t_sim / t_sp:>9.2f}")


# -- fluid ------------------------------------------------------------------------------
def fat_tree_flows(n: int, seed: int = 1) -> System:
    system = fat_tree(16, bw="1Gbps", delay="10us")
    hosts = list(system.hosts)
    rng = random.Random(seed)
    for i in range(n):
        a, b = rng.sample(hosts, 2)
        # all start within 100 ms and last seconds: all N run at the same time
        system.flows.append(Flow(f"f{i}", a, b, size=rng.randint(50, 150) * 1_000_000,
                                 start=rng.random() * 0.1))
    return system


def _solved(stats: object) -> int:
    """Flows re-solved by the fluid model, whatever its counters are called."""
    for name in ("in_play", "solved_flows"):
        if hasattr(stats, name):
            return getattr(stats, name)
    return 0


def _time_solver(sim: Simulation) -> list[float]:
    """Accumulate the wall time spent inside the max-min solver's mutators, so
    the engine's own cost per flow can be told apart from the solver's."""
    spent = [0.0]
    net = sim.fluid.net
    for name in ("add_flow", "remove_flow", "set_cap", "set_path", "set_capacity"):
        method = getattr(net, name)

        def wrapper(*args, _method=method, **kwargs):
            t0 = time.perf_counter()
            try:
                return _method(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - t0

        setattr(net, name, wrapper)
    return spent


def bench_fluid(counts: list[int]) -> None:
    base = bare_simpy_rate()
    print(f"\n== fluid: concurrent flows on a k=16 fat-tree (bare SimPy: {base:,.0f} ev/s) ==")
    print(f"{'flows':>7} {'wall s':>8} {'events':>9} {'ev/s':>9} {'ev/s / simpy':>12} "
          f"{'ms/flow':>8} {'engine ms/flow':>10} {'solver':>7} {'fluid ev':>9} "
          f"{'solved/ev':>9} {'sim s':>7}")
    for n in counts:
        system = fat_tree_flows(n)
        sim = Simulation(system)
        solver = _time_solver(sim)
        wall, res = timed(sim.run)
        events = sim.events_processed
        st = sim.fluid.net.stats
        done = sum(1 for r in sim.flows if r.end is not None)
        assert done == n, f"{n - done} flows did not complete"
        engine = wall - solver[0]
        print(f"{n:>7} {wall:>8.2f} {events:>9} {events / wall:>9,.0f} "
              f"{events / wall / base:>12.3f} {wall / n * 1e3:>8.2f} "
              f"{engine / n * 1e3:>10.2f} {solver[0] / wall:>7.0%} {st.events:>9} "
              f"{_solved(st) / max(1, st.events):>9.1f} {sim.env.now:>7.2f}")


# -- packet -----------------------------------------------------------------------------
def dumbbell(flows: int, seconds: float) -> System:
    t = Topo("dumbbell")
    t.add_switch("s1")
    t.add_switch("s2")
    t.add_link("s1", "s2", bw="100Mbps", delay="2ms", max_queue=200)
    for i in range(flows):
        a, b = t.add_host(f"a{i}"), t.add_host(f"b{i}")
        t.add_link(a, "s1", bw="1Gbps", delay="1ms")
        t.add_link("s2", b, bw="1Gbps", delay="1ms")
        t.add_flow(a, b, id=f"f{i}", duration=seconds, granularity="packet")
    return t.build_system()


def bench_packet(counts: list[int], seconds: float) -> None:
    base = bare_simpy_rate()
    print(f"\n== packet: bulk TCP-like flows, 100 Mbit/s dumbbell, {seconds:g} s "
          f"(bare SimPy: {base:,.0f} ev/s) ==")
    print(f"{'flows':>6} {'wall s':>8} {'events':>9} {'ev/s':>9} {'ev/s / simpy':>12} "
          f"{'us/event':>9} {'goodput Mb/s':>12}")
    for n in counts:
        system = dumbbell(n, seconds)
        sim = Simulation(system)
        wall, _ = timed(sim.run)
        events = sim.events_processed
        goodput = sum(r.bytes for r in sim.flows) * 8 / seconds / 1e6
        print(f"{n:>6} {wall:>8.2f} {events:>9} {events / wall:>9,.0f} "
              f"{events / wall / base:>12.3f} {wall / events * 1e6:>9.1f} {goodput:>12.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="100k-node build, up to 10k fluid flows")
    ap.add_argument("--only", choices=["build", "fluid", "packet"])
    ap.add_argument("--flows", type=int, nargs="*", help="fluid flow counts")
    args = ap.parse_args()
    build = [25_000, 50_000, 100_000] if args.full else [10_000, 20_000, 40_000]
    fluid = args.flows or ([2_500, 5_000, 10_000] if args.full else [500, 1_000, 2_000])
    if args.only in (None, "build"):
        bench_build(build)
    if args.only in (None, "fluid"):
        bench_fluid(fluid)
    if args.only in (None, "packet"):
        bench_packet([1, 4, 16], 2.0 if args.full else 1.0)


if __name__ == "__main__":
    main()
