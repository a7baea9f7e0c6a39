"""Issue 4 scale: shortest_path on Topology Zoo's largest network (Kdl, 754
switches) and on a k=16 fat-tree (320 switches, 1024 hosts): sampled host
pairs ping, over shortest paths. Timing figures: bench/bench_apps.py."""

from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import pytest

pytestmark = [pytest.mark.ryu, pytest.mark.slow]

from app_support import graph, hops, run  # noqa: E402

from sendim.model import Flow, Protocol, System  # noqa: E402
from sendim.topology.generators import fat_tree  # noqa: E402

KDL = Path(__file__).resolve().parents[3] / "shared" / "data" / "topologyzoo" / "Kdl.graphml"
PAIRS = 40


def _sampled_pings(system: System, pairs: int = PAIRS, seed: int = 4) -> System:
    hosts = sorted(system.hosts)
    rng = random.Random(seed)
    for i in range(pairs):
        a, b = rng.sample(hosts, 2)
        system.flows.append(Flow(f"ping{i}", a, b, Protocol.ICMP, start=2.0, duration=3.0,
                                 interval=1.0))
    return system


def _check(system: System) -> None:
    r = run("shortest_path", _sampled_pings(system), settle=2.0)
    assert r.pings() == (3 * PAIRS, 3 * PAIRS)
    g = graph(system)
    for p in r.sim.pings:
        assert hops(p.path) == nx.shortest_path_length(g, p.src, p.dst)
    app = r.app
    assert len(app.topo.graph) == len(system.switches)
    switch_links = sum(1 for link in system.links
                       if link.src in system.switches and link.dst in system.switches)
    assert sum(len(d["ports"]) for *_, d in app.topo.graph.edges(data=True)) == 2 * switch_links
    assert r.clean()


def test_k16_fat_tree() -> None:
    system = fat_tree(16)
    assert (len(system.switches), len(system.hosts)) == (320, 1024)
    _check(system)


@pytest.mark.skipif(not KDL.is_file(), reason=f"{KDL} is not there")
def test_topology_zoo_kdl() -> None:
    from sendim.topology.importers import import_topology

    system = import_topology(KDL).system
    assert len(system.switches) == 754
    _check(system)
