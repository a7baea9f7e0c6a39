"""Timed events: link and node failures, port status, stalls and reroutes."""

from __future__ import annotations

import pytest
from engine_helpers import doc, flow, ring

from sendim.simulator.engine import Simulation
from sendim.topology.generators import fat_tree


@pytest.mark.parametrize("granularity", ["flow", "packet", "chunk"])
def test_link_down_reroutes_with_the_builtin_controller(granularity: str) -> None:
    t = ring()
    t.add_flow("h1", "h3", id="f", size="4MB", granularity=granularity)
    t.add_event(1.0, "down", link="s1-s2")
    res = doc(Simulation(t.build_system()).run())
    f = flow(res, "f")
    assert f["completed"] and f["bytes"] == 4_000_000
    assert f["paths"] == [["s1", "s2", "s3"], ["s1", "s4", "s3"]]
    assert f["reroutes"] == 1 and 1.0 < f["path_changes_s"][0] < 1.5
    assert res["controller"]["port_status"] == 2          # both ends of the link


def test_a_fluid_flow_stalls_until_its_retransmission_finds_the_new_path() -> None:
    t = ring()
    t.add_flow("h1", "h3", id="f", size="5MB")
    t.add_event(1.0, "down", link="s1-s2")
    f = flow(Simulation(t.build_system()).run(), "f")
    # the first retransmission 200 ms after the failure finds the repaired path
    # (packet-in at s1 and a fresh route: 2 ms of propagation and ~0.1 ms of
    # serialization on the way to h3)
    assert f["stalls"] == 1
    assert f["stalled_s"] == pytest.approx(0.2 + 0.002, abs=2e-4)
    # 5 MB at 10 Mbit/s = 4 s of transfer, plus the stall
    assert f["fct_s"] == pytest.approx(f["setup_s"] + 4.0 + f["stalled_s"] + 0.002, abs=1e-4)


def test_a_link_that_comes_back_is_used_again_by_new_flows() -> None:
    t = ring()
    t.add_flow("h1", "h3", id="before", size="100KB", start=0.0)
    t.add_flow("h1", "h3", id="after", size="100KB", start=3.0, src_port=40000)
    t.add_event(1.0, "down", link="s1-s2")
    t.add_event(2.0, "up", link="s1-s2")
    res = Simulation(t.build_system()).run()
    assert flow(res, "before")["path"] == ["s1", "s2", "s3"]
    # routes are per destination: the detour installed at 1 s stays until a failure
    assert flow(res, "after")["completed"]


def test_a_switch_going_down_and_up_reconnects_and_traffic_detours() -> None:
    t = ring()
    t.add_flow("h1", "h3", id="f", size="5MB")
    t.add_event(1.0, "down", node="s2")
    t.add_event(2.0, "up", node="s2")
    sim = Simulation(t.build_system())
    res = doc(sim.run())
    f = flow(res, "f")
    assert f["completed"] and f["paths"][-1] == ["s1", "s4", "s3"]
    # s2's neighbours report two ports down and two up; s2 connects twice
    assert res["controller"]["port_status"] == 4
    assert res["controller"]["features_reply"] == 4 + 1
    assert sim.switches["s2"].connected


def test_a_flow_with_no_way_around_fails_after_its_retries() -> None:
    t = ring()
    t.add_flow("h1", "h3", id="f", size="50MB")
    t.add_event(1.0, "down", link="h3-s3")
    f = flow(Simulation(t.build_system(), until=30.0).run(), "f")
    assert not f["completed"]
    assert 0 < f["bytes"] < 50_000_000


def test_link_failure_on_a_fat_tree_path() -> None:
    system = fat_tree(4, bw="10Mbps", delay="1ms")
    hosts = list(system.hosts)
    src, dst = hosts[0], hosts[-1]

    def run(events: bool) -> dict:
        s = fat_tree(4, bw="10Mbps", delay="1ms")
        from sendim.model import Flow
        s.flows.append(Flow("f", src, dst, size=2_000_000))
        if events:
            from sendim.model import Event, EventAction, EventTarget
            link = next(l for l in s.links if {l.src, l.dst} == set(first["path"][1:3]))
            s.events.append(Event(0.5, EventAction.DOWN, EventTarget.LINK, link.id))
        return flow(Simulation(s).run(), "f")

    first = run(False)
    assert len(first["path"]) == 5                       # edge, agg, core, agg, edge
    second = run(True)
    assert second["completed"] and second["reroutes"] == 1
    assert second["paths"][1] != first["path"] and len(second["paths"][1]) == 5


def test_a_host_going_down_stalls_its_flows_until_it_is_back() -> None:
    t = ring()
    t.add_flow("h1", "h3", id="f", size="5MB")
    t.add_event(1.0, "down", node="h3")
    t.add_event(1.5, "up", node="h3")
    f = flow(Simulation(t.build_system()).run(), "f")
    # retransmissions at +0.2 s and +0.6 s (backoff); the second one finds h3 again
    assert f["completed"] and f["stalls"] == 1
    assert f["stalled_s"] == pytest.approx(0.6, abs=0.01)
    assert f["paths"] == [["s1", "s2", "s3"]]
