"""Whole networks: pingall, storms, determinism, laziness, run control."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_helpers import FloodController, doc, dumbbell, ring

from sendim.errors import SimulationError
from sendim.results import comparable, write_results
from sendim.simulator.engine import Simulation
from sendim.topology.builder import Topo
from sendim.topology.generators import fat_tree, linear, tree

ZOO = Path("/work/shared/data/topologyzoo")


def _pingall(system, **kw) -> dict:
    res = doc(Simulation(system, pingall=True, **kw).run())
    n = len(system.hosts)
    assert res["reachability"]["pairs"] == n * (n - 1)
    return res


def test_pingall_on_a_tree_reaches_every_pair() -> None:
    res = _pingall(tree(2, 3))
    assert res["reachability"]["reachable"] == res["reachability"]["pairs"] == 72
    assert all(p["received"] == 1 and p["rtt_avg_ms"] >= 0 for p in res["pings"])


def test_pingall_on_a_ring_with_the_builtin_controller_needs_no_spanning_tree() -> None:
    res = _pingall(ring().build_system())
    assert res["reachability"]["reachable"] == 2


def test_pingall_on_a_fat_tree() -> None:
    res = _pingall(fat_tree(4))
    assert res["reachability"]["reachable"] == 16 * 15


@pytest.mark.skipif(not (ZOO / "Abilene.graphml").exists(), reason="no Topology Zoo data")
def test_pingall_on_a_topology_zoo_network() -> None:
    from sendim.topology.importers import import_topology

    system = import_topology(ZOO / "Abilene.graphml", hosts_per_switch=1).system
    res = _pingall(system)
    assert res["reachability"]["reachable"] == res["reachability"]["pairs"] == 11 * 10
    assert not res["reachability"]["unreachable"]


def test_unreachable_pairs_are_listed() -> None:
    t = ring()
    t.add_event(0.0, "down", link="h3-s3")
    res = _pingall(t.build_system())
    assert res["reachability"]["reachable"] == 0
    assert res["reachability"]["unreachable"] == [["h1", "h3"], ["h3", "h1"]]


@pytest.mark.parametrize("bw, delay", [("10Mbps", "1ms"), (None, None)])
def test_a_flooding_controller_on_a_loop_is_stopped_as_a_storm(bw, delay) -> None:
    t = ring(bw=bw, delay=delay) if bw else _bare_ring()
    t.add_flow("h1", "h3", id="p", protocol="icmp", duration="1s")
    sim = Simulation(t.build_system(), controller=FloodController())
    with pytest.raises(SimulationError, match="broadcast storm"):
        sim.run()


def _bare_ring() -> Topo:
    """Unlimited links without delay: a storm would not even advance the clock."""
    t = Topo("bare")
    for i in range(1, 5):
        t.add_switch(f"s{i}")
    for i in range(1, 5):
        t.add_link(f"s{i}", f"s{i % 4 + 1}")
    t.add_host("h1")
    t.add_host("h3")
    t.add_link("h1", "s1")
    t.add_link("h3", "s3")
    return t


def test_flooding_on_a_tree_is_fine() -> None:
    system = tree(2, 2)
    res = doc(Simulation(system, controller=FloodController(), pingall=True).run())
    assert res["reachability"]["reachable"] == res["reachability"]["pairs"]


def _mixed() -> Topo:
    t = dumbbell(max_queue=30)
    t.system.links[2].loss = 0.01
    t.add_flow("h1", "h2", id="fluid", size="2MB")
    t.add_flow("h3", "h4", id="tcp", size="500KB", granularity="packet")
    t.add_flow("h1", "h4", id="poisson", protocol="udp", traffic="poisson", rate="3Mbps",
               duration="1s", granularity="packet")
    t.add_flow("h3", "h2", id="chunks", size="300KB", granularity="chunk", chunk_size="16KB")
    t.add_event(0.5, "down", link="s2-h4")
    t.add_event(0.8, "up", link="s2-h4")
    return t


def test_same_system_and_seed_give_identical_results(tmp_path) -> None:
    def run(seed: int, where: str) -> str:
        res = Simulation(_mixed().build_system(), seed=seed, pingall=True).run()
        assert doc(res)["meta"]["wall_time_s"] > 0
        path = write_results(res, tmp_path / where)
        return json.dumps(comparable(json.loads(path.read_text())), sort_keys=True)

    first, second = run(7, "a"), run(7, "b")
    assert first == second                     # byte-identical but for wall-clock meta
    assert run(8, "c") != first


def test_building_is_lazy() -> None:
    system = linear(2000)
    sim = Simulation(system)
    assert len(sim.switches) == 2000 and len(sim.hosts) == 2000
    assert not any(sw.materialized for sw in sim.switches.values())


def test_max_events_stops_the_run() -> None:
    t = dumbbell()
    t.add_flow("h1", "h2", id="f", size="10MB", granularity="packet")
    with pytest.raises(SimulationError, match="max_events"):
        Simulation(t.build_system(), max_events=5000).run()


def test_until_is_a_hard_stop_and_progress_is_reported() -> None:
    t = dumbbell()
    t.add_flow("h1", "h2", id="f", size="100MB")
    seen: list[tuple[float, float | None]] = []
    res = doc(Simulation(t.build_system(), until=2.5,
                         progress=lambda now, end: seen.append((now, end))).run())
    assert res["meta"]["sim_time_s"] == 2.5 and res["meta"]["stopped_by"] == "until"
    f = res["flows"][0]
    assert not f["completed"] and f["end_s"] is None
    assert f["bytes"] == pytest.approx((2.5 - f["start_s"] - f["setup_s"]) * 10e6 / 8)
    assert seen and seen[-1] == (2.5, 2.5)


def test_a_system_without_traffic_runs_its_events_and_stops() -> None:
    t = ring()
    t.add_event(2.0, "down", link="s1-s2")
    res = doc(Simulation(t.build_system()).run())
    assert res["meta"]["sim_time_s"] == 2.0
    assert res["controller"]["port_status"] == 2


def test_settle_holds_traffic_back() -> None:
    t = dumbbell()
    t.add_flow("h1", "h2", id="f", size="1MB")
    res = doc(Simulation(t.build_system(), settle=3.0, pingall=True).run())
    assert res["flows"][0]["start_s"] == 3.0
    assert res["reachability"]["reachable"] == 12


def test_the_builtin_controller_spreads_destinations_over_core_switches() -> None:
    system = fat_tree(4)
    from sendim.model import Flow
    hosts = list(system.hosts)
    for i, dst in enumerate(hosts[4:]):
        system.flows.append(Flow(f"f{i}", hosts[0], dst, size=10_000))
    res = doc(Simulation(system).run())
    cores = {f["path"][2] for f in res["flows"] if len(f["path"]) == 5}
    assert len(cores) > 1


def test_results_follow_the_shared_schema(tmp_path) -> None:
    from sendim.results import Results, read_results

    t = _mixed()
    res = Simulation(t.build_system(), pingall=True).run()
    assert isinstance(res, Results) and res.realization == "simulation"
    again = read_results(write_results(res, tmp_path))
    assert comparable(again)["flows"] == comparable(res)["flows"]
    d = doc(res)
    assert d["schema"] == "sendim.results/1" and d["fallback"]["happened"] is False
    assert [e["ref"] for e in d["events"]] == ["s2-h4", "s2-h4"]
    assert d["reachability"]["matrix"]["h1"]["h2"] is True
    assert {"environment", "granularity", "seed", "sim_time_s", "wall_time_s",
            "sendim_version"} <= set(d["meta"])
