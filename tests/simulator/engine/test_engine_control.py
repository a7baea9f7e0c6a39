"""Controllers on the control channel: meters, select groups, timeouts, stats, latency."""

from __future__ import annotations

import pytest
from engine_helpers import (
    SEND_FLOW_REM, StaticController, doc, dumbbell, flow, kbps_meter, metered, out,
    select_group,
)

from sendim.simulator.control import ControllerApp, message_kind
from sendim.simulator.engine import READY_GRACE, Simulation
from sendim.simulator.openflow import FlowRemoved, FlowStatsReply, FlowStatsRequest, Group
from sendim.simulator.openflow import ApplyActions
from sendim.topology.builder import Topo


def _line() -> Topo:
    """h1 -(port 1) s1 (port 2)- (port 1) s2 (port 2)- h2, all 10 Mbit/s, 1 ms."""
    t = Topo("line")
    t.add_switch("s1")
    t.add_switch("s2")
    t.add_host("h1")
    t.add_host("h2")
    t.add_link("h1", "s1", bw="10Mbps", delay="1ms")
    t.add_link("s1", "s2", bw="10Mbps", delay="1ms")
    t.add_link("s2", "h2", bw="10Mbps", delay="1ms")
    return t


def _metered_wire(kbps: int) -> StaticController:
    return StaticController(
        rules={1: [(1, metered(1, 2)), (2, out(1))], 2: [(1, out(2)), (2, out(1))]},
        meters={1: [kbps_meter(1, kbps)]})


def test_the_controller_interface_is_a_protocol() -> None:
    assert isinstance(_metered_wire(1000), ControllerApp)
    assert message_kind(FlowRemoved()) == "flow_removed"


def test_a_meter_caps_a_fluid_flow() -> None:
    t = _line()
    t.add_flow("h1", "h2", id="f", size="1MB")
    sim = Simulation(t.build_system(), controller=_metered_wire(2000))
    f = flow(sim.run(), "f")
    # 1 MB at the meter's 2 Mbit/s: 4 s, plus 3 ms for the last byte
    assert f["fct_s"] - f["setup_s"] == pytest.approx(4.0 + 0.003, abs=1e-9)
    assert f["path"] == ["s1", "s2"]


def test_a_meter_is_shared_by_the_flows_through_it() -> None:
    t = _line()
    t.add_flow("h1", "h2", id="a", size="1MB")
    t.add_flow("h1", "h2", id="b", size="1MB")
    sim = Simulation(t.build_system(), controller=_metered_wire(2000), until=1.0)
    sim.run()
    assert sim.fluid.net.rates() == {"a": pytest.approx(1e6), "b": pytest.approx(1e6)}


def test_a_meter_polices_packets() -> None:
    t = _line()
    t.add_flow("h1", "h2", id="u", protocol="udp", rate="5Mbps", duration="4s",
               granularity="packet")
    f = flow(Simulation(t.build_system(), controller=_metered_wire(2000)).run(), "u")
    # 2 Mbit/s for 4 s plus a one-second burst, counted on 1514-byte frames
    passed = (2e6 * 4 + 2e6) / 8 / 1514
    assert f["bytes"] / 1472 == pytest.approx(passed, rel=0.05)
    assert f["drops"] > 0


def _diamond() -> Topo:
    t = Topo("diamond")
    for s in ("s1", "s2", "s3", "s4"):
        t.add_switch(s)
    t.add_host("h1")
    t.add_host("h2")
    t.add_link("h1", "s1", bw="100Mbps")           # s1:1
    t.add_link("s4", "h2", bw="100Mbps")           # s4:1
    t.add_link("s1", "s2", bw="10Mbps")            # s1:2 s2:1
    t.add_link("s1", "s3", bw="10Mbps")            # s1:3 s3:1
    t.add_link("s2", "s4", bw="10Mbps")            # s2:2 s4:2
    t.add_link("s3", "s4", bw="10Mbps")            # s3:2 s4:3
    return t


def test_a_select_group_spreads_flows_over_its_buckets() -> None:
    t = _diamond()
    for i in range(8):
        t.add_flow("h1", "h2", id=f"f{i}", size="5MB", src_port=20000 + i)
    ctl = StaticController(
        rules={1: [(1, [ApplyActions([Group(1)])]), (2, out(1)), (3, out(1))],
               2: [(1, out(2)), (2, out(1))], 3: [(1, out(2)), (2, out(1))],
               4: [(2, out(1)), (3, out(1)), (1, out(2))]},
        groups={1: [select_group(1, [2, 3])]})
    sim = Simulation(t.build_system(), controller=ctl, until=1.0)
    res = doc(sim.run())
    paths = {f["id"]: tuple(f["path"]) for f in res["flows"]}
    via = {p for p in paths.values()}
    assert via == {("s1", "s2", "s4"), ("s1", "s3", "s4")}
    rates = sim.fluid.net.rates()
    for p in via:
        on_path = [rates[fid] for fid, q in paths.items() if q == p]
        assert sum(on_path) == pytest.approx(10e6)              # each branch is full
        assert all(r == pytest.approx(on_path[0]) for r in on_path)


def test_idle_timeouts_follow_fluid_traffic_and_report_flow_removed() -> None:
    t = _line()
    t.add_flow("h1", "h2", id="f", size="5MB")
    ctl = StaticController(
        rules={1: [(1, out(2)), (2, out(1))], 2: [(1, out(2)), (2, out(1))]},
        flags=SEND_FLOW_REM, idle_timeout=2)
    sim = Simulation(t.build_system(), controller=ctl, until=10.0)
    f = flow(sim.run(), "f")
    data_end = f["start_s"] + f["setup_s"] + 4.0          # 5 MB at 10 Mbit/s
    removed = [(t_, d, m) for t_, d, m in ctl.received if isinstance(m, FlowRemoved)]
    forward = [(t_, m) for t_, d, m in removed if d == 1 and m.match["in_port"] == 1]
    assert len(forward) == 1
    when, msg = forward[0]
    assert when == pytest.approx(data_end + 2.0, abs=1e-6)   # idle for 2 s after the data
    assert msg.byte_count >= 5_000_000
    assert f["completed"]


def test_flow_stats_count_fluid_bytes() -> None:
    t = _line()
    t.add_flow("h1", "h2", id="f", size="5MB")
    ctl = StaticController(rules={1: [(1, out(2)), (2, out(1))], 2: [(1, out(2)), (2, out(1))]})
    sim = Simulation(t.build_system(), controller=ctl, until=3.0)
    sim.channel.call_later(2.0, sim.channel.send, 1, FlowStatsRequest())
    sim.run()
    replies = [m for _, d, m in ctl.received if isinstance(m, FlowStatsReply)]
    assert len(replies) == 1
    fwd = next(s for s in replies[0].body if s.match["in_port"] == 1)
    started = sim.flows[0].first_rx
    assert fwd.byte_count == pytest.approx((2.0 - started) * 10e6 / 8, abs=200)


def test_control_latency_delays_path_setup() -> None:
    def setup(latency: float) -> float:
        t = dumbbell()
        t.add_flow("h1", "h2", id="f", size="1MB")
        sim = Simulation(t.build_system(), control_latency=latency, settle=0.5)
        return flow(sim.run(), "f")["setup_s"]

    # ARP: packet-in + packet-out; the probe: packet-in + flow-mods/packet-out
    assert setup(0.05) - setup(0.0) == pytest.approx(4 * 0.05, abs=1e-9)


def test_traffic_waits_until_the_control_plane_is_up() -> None:
    t = dumbbell()
    t.add_flow("h1", "h2", id="f", size="1MB")
    f = flow(Simulation(t.build_system(), control_latency=0.05).run(), "f")
    # handshake (2 x 50 ms) then the table-miss entry (50 ms) before any traffic,
    # as Mininet waits for switches to connect: the first ARP is not lost
    assert f["start_s"] == pytest.approx(3 * 0.05 + READY_GRACE)
    assert f["setup_s"] < 1.0 and f["completed"]


def test_a_duration_counts_from_the_actual_start() -> None:
    t = dumbbell()
    t.add_flow("h1", "h2", id="f", protocol="udp", rate="1Mbps", duration="2s")
    f = flow(Simulation(t.build_system(), settle=5.0).run(), "f")
    assert f["start_s"] == 5.0
    assert f["offered_bytes"] == pytest.approx(1e6 / 8 * (2.0 - f["setup_s"]), rel=1e-3)


def test_controller_message_counts() -> None:
    t = dumbbell()
    t.add_flow("h1", "h2", id="f", size="1MB")
    counts = doc(Simulation(t.build_system()).run())["controller"]
    assert counts["features_reply"] == 2
    assert counts["packet_in"] == counts["packet_out"] == 2     # ARP, then the probe
    assert counts["flow_mod"] == 2 + 2                            # table-miss x2, route x2
