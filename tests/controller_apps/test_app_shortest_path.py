"""controller_apps/shortest_path.py in simulation: reachability, shortest
paths, ARP without data-plane floods, reroute on link loss and recovery."""

from __future__ import annotations

import ast

import networkx as nx
import pytest

pytestmark = pytest.mark.ryu

from app_support import APPS, graph, hops, run  # noqa: E402

from sendim.model import Event, EventAction, EventTarget, Flow, Granularity, Protocol  # noqa: E402
from sendim.simulator.openflow.constants import OFPP_ALL, OFPP_FLOOD  # noqa: E402
from sendim.topology.generators import fat_tree, ring, tree  # noqa: E402


def _ping_paths_are_shortest(r, system) -> None:
    g = graph(system)
    for p in r.sim.pings:
        assert p.path, f"{p.src}->{p.dst} has no path"
        assert hops(p.path) == nx.shortest_path_length(g, p.src, p.dst), (p.src, p.dst, p.path)


def test_pingall_on_a_k4_fat_tree_takes_shortest_paths() -> None:
    system = fat_tree(4, bw="100Mbps")
    pods = {h: system.switches[link.dst].properties["pod"] for link in system.links
            for h in [link.src] if h in system.hosts}
    hosts = sorted(system.hosts, key=lambda h: int(h[1:]))
    pairs = [(a, b) for a in hosts[:4] for b in hosts[-4:]]  # pod 0 -> pod 3
    for i, (a, b) in enumerate(pairs):
        system.flows.append(Flow(f"f{i}", a, b, Protocol.TCP, size=200_000, start=1.0))
    r = run("shortest_path", system, pingall=True, settle=1.0)
    assert r.pings() == (240, 240)
    assert r.results.reachability.reachable == r.results.reachability.pairs == 240
    _ping_paths_are_shortest(r, system)
    g = graph(system)
    for f in r.results.flows:
        assert pods[f.src] != pods[f.dst]
        assert f.extra["completed"] and hops(f.path) == nx.shortest_path_length(g, f.src, f.dst) == 6
    assert r.clean()
    assert r.sim.channel.counts["packet_in"] < 1000


def test_pingall_on_rings_never_floods_the_data_plane() -> None:
    for n in (4, 7):
        system = ring(n)
        r = run("shortest_path", system, pingall=True, settle=1.0)  # a storm would raise
        assert r.pings() == (n * (n - 1),) * 2
        _ping_paths_are_shortest(r, system)
        for sw in r.sim.switches.values():
            for entry in sw.dp.tables.slots[0].entries():
                outs = [a.port for a in entry.apply if hasattr(a, "port")]
                assert OFPP_FLOOD not in outs and OFPP_ALL not in outs
        assert r.clean()


def _ring_flow(system, link: str, down: float = 2.0, up: float | None = None) -> None:
    system.flows.append(Flow("u", "h1", "h3", Protocol.UDP, rate=1e6, duration=6.0,
                             start=1.0, granularity=Granularity.PACKET))
    system.events.append(Event(down, EventAction.DOWN, EventTarget.LINK, link))
    if up is not None:
        system.events.append(Event(up, EventAction.UP, EventTarget.LINK, link))


def test_reroutes_when_a_link_dies_and_back_when_it_returns() -> None:
    system = ring(5, bw="100Mbps")
    _ring_flow(system, "s1-s2", up=4.0)
    r = run("shortest_path", system, control_latency=0.005)
    f = r.results.flows[0]
    assert f.extra["paths"] == [["s1", "s2", "s3"], ["s1", "s5", "s4", "s3"], ["s1", "s2", "s3"]]
    down_at, up_at = f.extra["path_changes_s"]
    # port-status + packet-in... one controller round trip after the failure
    assert 2.0 < down_at < 2.05
    assert 4.0 < up_at < 5.0    # the link is back once LLDP sees it again
    assert f.extra["stalled_s"] < 0.05 and f.drops <= 3
    assert r.clean()


def test_a_destination_cut_off_loses_its_routes_cleanly() -> None:
    system = tree(2, 2)      # no alternative path
    system.flows.append(Flow("u", "h1", "h4", Protocol.UDP, rate=1e6, duration=3.0,
                             start=1.0, granularity=Granularity.PACKET))
    system.events.append(Event(2.0, EventAction.DOWN, EventTarget.LINK, "s1-s3"))
    r = run("shortest_path", system)
    f = r.results.flows[0]
    assert 0 < f.bytes < 3 * 1e6 / 8
    assert r.clean()
    assert not [e for e in r.sim.switches["s1"].dp.tables.slots[0].entries()
                if e.priority == 10 and e.match.get("ipv4_dst") == "10.0.0.4"]


def test_loads_by_file_path_and_restores_the_observe_links_option() -> None:
    from ryu import cfg

    r = run(str(APPS / "shortest_path.py"), tree(2, 2), pingall=True, settle=1.0)
    assert r.pings() == (12, 12)
    assert cfg.CONF.observe_links is False   # the app's override ends with the run
    r = run("shortest_path", tree(2, 2), ("--observe-links",), pingall=True, settle=1.0)
    assert r.pings() == (12, 12)


def test_apps_import_no_sendim_code() -> None:
    for path in APPS.glob("*.py"):
        assert len(path.read_text().splitlines()) < 400, path.name
        tree_ = ast.parse(path.read_text())
        for node in ast.walk(tree_):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n.split(".")[0] == "sendim"], path.name
