"""Benchmark the incremental max-min solver of :mod:`sendim.simulator.fluid`.

Scenarios (each direction of a link is its own resource):

* ``fattree``: a k=16 fat-tree (1024 hosts, 64 cores, all links 1 Gbps);
  each flow joins a random host pair via a random aggregation and core
  switch, uncapped (bulk TCP-like). Every link is shared and saturated, so
  all flows form one component: the hard case.
* ``fattree-capped``: the same paths, each flow capped at 20 Mbps (CBR
  sources or meters): most flows sit at their cap.
* ``islands``: groups of 4 flows over 3 private links (disjoint components,
  e.g. many small experiments in one run): the easy case.

For each number of concurrent flows N the network is filled with N flows (in
one ``batch``), then churned by events that alternately remove a random flow
and add a new one, so N stays constant. Reported: incremental events per
second and microseconds per event; the from-scratch cost of the same kind of
event (``FluidNetwork.recompute`` after each); their ratio; flows re-solved
("in play") and rates changed per event. CPU time (process_time) is used,
so other load on the machine disturbs the figures less.

    python bench/bench_fluid.py
    python bench/bench_fluid.py --scenario islands --flows 1000,10000,100000

Figures on the 2-core development VM (CPU time per event; ratio = cost of
the event plus a from-scratch solve / incremental cost, same run; fallbacks:
events the solver chose to solve from scratch, as cheaper than replaying):

    scenario        flows  us/event  ratio  in play/ev  changed/ev  fallbacks
    fattree          1000        94    95x        12.1         4.1          0
    fattree          2000       313    48x        48.4        15.8          0
    fattree          5000      3670    10x       521.6       189.6          0
    fattree         10000     25273     3x      2439.4      1430.0          2
    fattree-capped   1000        63   100x         5.6         0.5          0
    fattree-capped  10000       147   280x        51.2         0.5          0
    islands          1000        33    58x         4.6         4.6          0
    islands         10000        35   870x         4.5         4.5          0
    islands        100000        42 17454x         4.5         4.5          0

(Before the lazy heaps of the from-scratch solve and the replay: fattree
10000 took 37927 us/event for a 6x ratio - the scratch solve got 4x faster.)
In the saturated fat-tree, max-min fairness itself is non-local: one event
moves ~14 % of all rates at 10k flows, and the incremental cost follows the
number of rates that move, not the network size. The engine therefore
solves once per simulated instant, or per ``fluid_quantum`` window
(:mod:`sendim.simulator.fluidupdates`; ``bench/bench_sim.py``).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from sendim.simulator.fluid import FluidNetwork

GBPS = 1e9
Path = list[tuple]


class FatTree:
    """Synthetic k-ary fat-tree routes: lists of (link, direction) keys."""

    def __init__(self, k: int = 16):
        self.k = k
        self.half = k // 2
        self.hosts = k ** 3 // 4

    def links(self) -> list[tuple]:
        k, h = self.k, self.half
        out = []
        for pod in range(k):
            for e in range(h):
                out += [("he", pod, e, i) for i in range(h)]     # host i - edge e
                out += [("ea", pod, e, a) for a in range(h)]     # edge e - agg a
            for a in range(h):
                out += [("ac", pod, a, c) for c in range(h)]     # agg a - core (a, c)
        return out

    def where(self, host: int) -> tuple[int, int, int]:
        h = self.half
        return host // (h * h), (host // h) % h, host % h

    def route(self, src: int, dst: int, rng: random.Random) -> Path:
        (sp, se, si), (dp, de, di) = self.where(src), self.where(dst)
        path = [(("he", sp, se, si), "up")]
        if (sp, se) != (dp, de):
            a = rng.randrange(self.half)
            path.append((("ea", sp, se, a), "up"))
            if sp != dp:
                c = rng.randrange(self.half)
                path.append((("ac", sp, a, c), "up"))
                path.append((("ac", dp, a, c), "down"))
            path.append((("ea", dp, de, a), "down"))
        path.append((("he", dp, de, di), "down"))
        return path

    def random_path(self, rng: random.Random) -> Path:
        src = rng.randrange(self.hosts)
        dst = rng.randrange(self.hosts - 1)
        return self.route(src, dst + (dst >= src), rng)


class Scenario:
    """Resources plus a generator of (path, cap) for new flows."""

    def __init__(self, name: str, n: int, rng: random.Random):
        self.name, self.rng = name, rng
        self.net = FluidNetwork()
        if name.startswith("fattree"):
            self.tree = FatTree(16)
            for link in self.tree.links():
                self.net.add_resource((link, "up"), GBPS)
                self.net.add_resource((link, "down"), GBPS)
            self.cap = 20e6 if name == "fattree-capped" else None
        elif name == "islands":
            self.groups = max(1, n // 4)
            for g in range(self.groups):
                for link in range(3):
                    self.net.add_resource((g, link), GBPS)
            self.cap = None
        else:
            raise SystemExit(f"unknown scenario {name!r}")

    def new_flow(self) -> tuple[Path, float | None]:
        if self.name == "islands":
            g = self.rng.randrange(self.groups)
            return [(g, 0), (g, self.rng.choice((1, 2)))], None
        return self.tree.random_path(self.rng), self.cap


def churn(sc: Scenario, ids: list, events: int, after: Callable[[], object] | None = None
          ) -> tuple[float, int]:
    """Run *events* remove/add events; returns (CPU seconds, rate changes reported)."""
    net, rng = sc.net, sc.rng
    next_id = max(ids) + 1
    changes = 0
    start = net.now
    t0 = time.process_time()
    for e in range(events):
        now = start + (e + 1) * 1e-3
        if e % 2 == 0:
            i = rng.randrange(len(ids))
            ids[i], ids[-1] = ids[-1], ids[i]
            changes += len(net.remove_flow(ids.pop(), now=now))
        else:
            path, cap = sc.new_flow()
            changes += len(net.add_flow(next_id, path, cap=cap, size=1e6, now=now))
            ids.append(next_id)
            next_id += 1
        if after is not None:
            after()
    return time.process_time() - t0, changes


def bench(scenario: str, n: int, events: int, scratch_events: int, seed: int) -> dict:
    rng = random.Random(seed)
    sc = Scenario(scenario, n, rng)
    net = sc.net
    ids = list(range(n))
    t0 = time.process_time()
    with net.batch():
        for fid in ids:
            path, cap = sc.new_flow()
            net.add_flow(fid, path, cap=cap, size=rng.choice([1e5, 1e6, 1e7]))
    fill = time.process_time() - t0
    s0 = net.stats.in_play, net.stats.events, net.stats.fallbacks
    inc_s, changes = churn(sc, ids, events)
    in_play = (net.stats.in_play - s0[0]) / (net.stats.events - s0[1])
    # the same kind of events, each followed by a from-scratch solve
    both_s, _ = churn(sc, ids, scratch_events, after=net.recompute)
    inc = inc_s / events
    scratch = both_s / scratch_events
    return {"scenario": scenario, "flows": n, "fill_s": fill, "inc_us": inc * 1e6,
            "inc_eps": 1 / inc, "scratch_ms": scratch * 1e3, "ratio": scratch / inc,
            "in_play": in_play, "changed": changes / events,
            "fallbacks": net.stats.fallbacks - s0[2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="fattree,fattree-capped,islands")
    parser.add_argument("--flows", default="1000,2000,5000,10000")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--scratch-events", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{'scenario':<15}{'flows':>7}{'fill s':>8}{'events/s':>10}{'us/event':>10}"
          f"{'scratch ms/ev':>14}{'ratio':>8}{'in play/ev':>11}{'changed/ev':>11}{'fallbacks':>10}")
    for scenario in args.scenario.split(","):
        for n in (int(x) for x in args.flows.split(",")):
            r = bench(scenario, n, args.events, args.scratch_events, args.seed)
            print(f"{scenario:<15}{n:>7}{r['fill_s']:>8.2f}{r['inc_eps']:>10.0f}"
                  f"{r['inc_us']:>10.0f}{r['scratch_ms']:>14.2f}{r['ratio']:>7.0f}x"
                  f"{r['in_play']:>11.1f}{r['changed']:>11.1f}{r['fallbacks']:>10}", flush=True)


if __name__ == "__main__":
    main()
