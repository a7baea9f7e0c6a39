"""Flow granularity against numbers computed by hand."""

from __future__ import annotations

import pytest
from engine_helpers import doc, dumbbell, flow

from sendim.simulator.engine import Simulation
from sendim.topology.builder import Topo

PROP = 0.003          # one-way propagation h1 → h2 on the dumbbell: 3 × 1 ms


def _two_flows() -> Topo:
    t = dumbbell()
    t.add_flow("h1", "h2", id="big", size="5MB")
    t.add_flow("h3", "h4", id="small", size="2.5MB")
    return t


def test_two_flows_share_a_bottleneck_then_the_survivor_speeds_up() -> None:
    res = Simulation(_two_flows().build_system()).run()
    big, small = flow(res, "big"), flow(res, "small")
    # 2.5 MB at 5 Mbit/s takes 4 s; the big flow moves 7.5 MB in the
    # 6 s the bottleneck is busy (work conserving), both plus setup and propagation
    assert small["fct_s"] == pytest.approx(small["setup_s"] + 4.0 + PROP, abs=1e-6)
    assert big["fct_s"] == pytest.approx(big["setup_s"] + 6.0 + PROP, abs=1e-6)
    assert small["bytes"] == 2_500_000 and big["bytes"] == 5_000_000
    assert 0 < big["setup_s"] < 0.02 and 0 < small["setup_s"] < 0.02
    assert big["path"] == ["s1", "s2"] and small["path"] == ["s1", "s2"]
    assert big["drops"] == 0 and big["completed"]


@pytest.mark.parametrize("at, big_rate, small_rate", [(2.0, 5e6, 5e6), (5.0, 10e6, None)])
def test_fair_rates_while_running(at: float, big_rate: float, small_rate: float | None) -> None:
    sim = Simulation(_two_flows().build_system(), until=at)
    sim.run()
    rates = sim.fluid.net.rates()
    assert rates["big"] == pytest.approx(big_rate)
    if small_rate is None:
        assert "small" not in rates          # finished: the survivor got its share
    else:
        assert rates["small"] == pytest.approx(small_rate)


def test_bottleneck_utilization_is_full_while_both_run() -> None:
    res = doc(Simulation(_two_flows().build_system(), sample_interval=0.5).run())
    link = next(l for l in res["links"] if l["id"] == "s1-s2" and l["direction"] == 0)
    assert link["capacity_bps"] == 10e6
    busy = [u for t, u in link["utilization"] if 0.5 <= t < 5.5]
    assert busy and all(u == pytest.approx(1.0, abs=1e-6) for u in busy)


def test_ten_megabytes_on_an_idle_100mbps_path_with_10ms_delay() -> None:
    t = Topo("idle")
    t.add_switch("s1")
    t.add_switch("s2")
    t.add_host("h1")
    t.add_host("h2")
    t.add_link("h1", "s1", bw="100Mbps", delay="2ms")
    t.add_link("s1", "s2", bw="100Mbps", delay="6ms")
    t.add_link("s2", "h2", bw="100Mbps", delay="2ms")
    t.add_flow("h1", "h2", id="f", size="10MB")
    f = flow(Simulation(t.build_system()).run(), "f")
    # 10 MB * 8 / 100 Mbit/s = 0.8 s, plus 10 ms for the last byte to arrive
    assert f["fct_s"] - f["setup_s"] == pytest.approx(0.8 + 0.010, abs=1e-9)
    # setup: ARP to the controller and back on the first link (2 x 2 ms), then the
    # probe crossing the path (10 ms), plus a few microseconds of serialization
    assert f["setup_s"] == pytest.approx(0.004 + 0.010, abs=1e-4)
    assert f["throughput_bps"] == pytest.approx(10e6 * 8 / f["fct_s"])


def test_cbr_flow_is_capped_at_its_rate_and_udp_excess_is_dropped() -> None:
    t = dumbbell()
    t.add_flow("h1", "h2", id="slow", protocol="udp", rate="2Mbps", duration="2s")
    t.add_flow("h3", "h4", id="fast", protocol="udp", rate="20Mbps", duration="2s")
    sim = Simulation(t.build_system(), until=1.0)
    sim.run()
    rates = sim.fluid.net.rates()
    assert rates["slow"] == pytest.approx(2e6)        # its own rate: below the fair share
    assert rates["fast"] == pytest.approx(8e6)        # the rest of the bottleneck
    res = Simulation(t.build_system()).run()
    fast = flow(res, "fast")
    # the source offered 20 Mbit/s for ~2 s and 8 Mbit/s got through
    assert fast["bytes"] == pytest.approx(8e6 / 8 * (2.0 - fast["setup_s"]), rel=1e-6)
    assert fast["offered_bytes"] == pytest.approx(20e6 / 8 * (2.0 - fast["setup_s"]), rel=1e-6)
    assert fast["drops"] > 0 and flow(res, "slow")["drops"] == 0


def test_flows_over_unlimited_links_finish() -> None:
    t = Topo("fast")
    t.add_switch("s1")
    t.add_host("h1")
    t.add_host("h2")
    t.add_link("h1", "s1")
    t.add_link("s1", "h2")
    t.add_flow("h1", "h2", id="f", size="1GB")
    f = flow(Simulation(t.build_system()).run(), "f")
    assert f["completed"] and f["bytes"] == 1_000_000_000
