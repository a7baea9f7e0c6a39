"""controller_apps/fast_failover.py in simulation: traffic survives a link
failure on the switches' own fast-failover groups, before the controller has
heard of it; recovery measured from the results."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ryu

from app_support import run  # noqa: E402

import sendim  # noqa: E402
from sendim.model import Event, EventAction, EventTarget, Flow, Granularity, Protocol  # noqa: E402
from sendim.topology.generators import fat_tree  # noqa: E402

LATENCY = 0.01          # one-way controller latency: a reroute costs at least 2 of them
GAP = 1500 * 8 / 10e6   # between two datagrams of the 10 Mbit/s stream


def _square(failing: str):
    """A 4-ring, h1 on s1 and h2 on s3 (primary path s1-s2-s3); ``failing`` dies at 2 s."""
    topo = sendim.Topo("square")
    for i in range(1, 5):
        topo.add_switch(f"s{i}")
    for i in range(1, 5):
        topo.add_link(f"s{i}", f"s{i % 4 + 1}", bw="100Mbps", delay="1ms")
    topo.add_host("h1")
    topo.add_host("h2")
    topo.add_link("h1", "s1")
    topo.add_link("h2", "s3")
    topo.add_flow("h1", "h2", id="cbr", protocol="udp", rate="10Mbps", duration=4.0, start=1.0,
                  granularity="packet")
    topo.add_flow("h1", "h2", id="ping", protocol="icmp", duration=4.0, interval=0.01, start=1.0)
    topo.add_event(2.0, "down", link=failing)
    return topo.build_system()


@pytest.mark.parametrize("failing, detour", [
    ("s1-s2", ["s1", "s4", "s3"]),                  # at the ingress switch
    ("s2-s3", ["s1", "s2", "s1", "s4", "s3"]),      # mid-path: bounced back, tagged
])
def test_failover_happens_in_the_switch(failing: str, detour: list[str]) -> None:
    stalls = {}
    for app in ("fast_failover", "shortest_path"):
        r = run(app, _square(failing), control_latency=LATENCY)
        flows = {f.id: f for f in r.results.flows}
        cbr = flows["cbr"]
        assert cbr.extra["paths"][0] == ["s1", "s2", "s3"] and cbr.extra["completed"]
        assert cbr.extra["paths"][-1] == ["s1", "s4", "s3"]   # the controller's new route
        stalls[app] = (cbr.extra["stalled_s"], cbr.drops, r.pings())
        if app == "fast_failover":
            assert cbr.extra["paths"][1] == detour
            # the detour starts before any controller round trip could have happened
            assert cbr.extra["path_changes_s"][0] < 2.0 + 2 * LATENCY
        assert r.clean()
    ff_stall, ff_drops, (ff_rx, ff_tx) = stalls["fast_failover"]
    sp_stall, sp_drops, _ = stalls["shortest_path"]
    assert ff_stall < 5 * GAP + 0.004 and ff_drops <= 5 and ff_tx - ff_rx <= 1
    assert sp_stall > 2 * LATENCY and sp_drops > ff_drops   # reroute needs the controller


def _first_run_path(system) -> list[str]:
    probe = run("fast_failover", system)
    return probe.results.flows[0].path


@pytest.mark.parametrize("granularity", [Granularity.FLOW, Granularity.PACKET])
def test_fat_tree_core_link_failure_recovers(granularity: Granularity) -> None:
    def system():
        s = fat_tree(4, bw="100Mbps", delay="0.1ms")
        s.flows.append(Flow("bulk", "h1", "h16", Protocol.TCP, size=5_000_000, start=1.0,
                            granularity=granularity))
        s.flows.append(Flow("ping", "h1", "h16", Protocol.ICMP, duration=2.0, interval=0.01,
                            start=1.0))
        return s

    path = _first_run_path(system())
    core, agg = path[2], path[3]             # the core's only way down into h16's pod
    failed = system()
    link = next(link.id for link in failed.links if {link.src, link.dst} == {core, agg})
    failed.events.append(Event(1.2, EventAction.DOWN, EventTarget.LINK, link))
    r = run("fast_failover", failed, control_latency=LATENCY)
    bulk = r.results.flows[0]
    assert bulk.extra["completed"] and bulk.extra["reroutes"] >= 1
    assert all((core, agg) not in zip(p, p[1:]) for p in bulk.extra["paths"][1:])
    if granularity is Granularity.FLOW:      # a stalled fluid TCP flow re-probes after its RTO
        assert bulk.extra["stalls"] == 1 and bulk.extra["stalled_s"] <= 0.25
    else:                                    # packets: the switch fails over on its own
        assert bulk.extra["stalled_s"] < LATENCY and bulk.extra["retransmits"] < 50
    received, sent = r.pings()
    assert sent - received <= 1
    assert r.clean()


def test_pingall_on_a_fat_tree() -> None:
    r = run("fast_failover", fat_tree(4), pingall=True, settle=1.0)
    assert r.pings() == (240, 240)
    assert r.clean()
