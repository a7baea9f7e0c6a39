"""Packet and chunk granularity: queues, drops, TCP-like throughput, pings."""

from __future__ import annotations

import pytest
from engine_helpers import doc, dumbbell, flow

from sendim.simulator.engine import Simulation
from sendim.topology.builder import Topo


def _line(bw: str = "10Mbps", delay: str = "1ms", max_queue: int | None = None) -> Topo:
    t = Topo("line")
    t.add_switch("s1")
    t.add_switch("s2")
    t.add_host("h1")
    t.add_host("h2")
    t.add_link("h1", "s1", bw="100Mbps", delay=delay)
    t.add_link("s1", "s2", bw=bw, delay=delay, max_queue=max_queue)
    t.add_link("s2", "h2", bw="100Mbps", delay=delay)
    return t


def test_cbr_above_the_link_rate_drops_at_the_queue() -> None:
    t = _line(max_queue=50)
    t.add_flow("h1", "h2", id="u", protocol="udp", rate="20Mbps", duration="1s",
               granularity="packet")
    res = doc(Simulation(t.build_system()).run())
    f = flow(res, "u")
    link = next(l for l in res["links"] if l["id"] == "s1-s2" and l["direction"] == 0)
    # 1500-byte IP packets at 20 Mbit/s for 1 s: 1667 sent; the 10 Mbit/s link
    # carries 10e6 / (1514 * 8) = 825.6 frames per second, plus the 50 queued
    sent = 1667
    assert f["offered_bytes"] == sent * 1472
    assert link["drops"]["queue"] > 700
    assert f["drops"] == link["drops"]["queue"]
    received = sent - f["drops"]
    assert received == pytest.approx(826 + 50, abs=3)
    assert f["bytes"] == received * 1472
    busy = [u for t, u in link["utilization"] if 0.1 <= t < 0.9]
    assert busy and all(u == pytest.approx(1.0, abs=0.03) for u in busy)


def test_cbr_below_the_link_rate_loses_nothing() -> None:
    t = _line()
    t.add_flow("h1", "h2", id="u", protocol="udp", rate="5Mbps", duration="1s",
               granularity="packet")
    f = flow(Simulation(t.build_system()).run(), "u")
    assert f["drops"] == 0 and f["bytes"] == f["offered_bytes"] == 417 * 1472
    assert f["path"] == ["s1", "s2"]


def test_bulk_tcp_fills_an_idle_path() -> None:
    t = _line(bw="10Mbps", delay="2ms", max_queue=100)
    t.add_flow("h1", "h2", id="tcp", size="3MB", granularity="packet")
    f = flow(Simulation(t.build_system()).run(), "tcp")
    assert f["completed"] and f["bytes"] == 3_000_000
    # goodput bound: 1460 payload bytes per 1514-byte frame at 10 Mbit/s
    bound = 10e6 * 1460 / 1514
    assert 0.85 * bound < f["throughput_bps"] < bound


def test_bulk_tcp_recovers_from_losses_on_a_small_queue() -> None:
    t = _line(bw="10Mbps", delay="10ms", max_queue=10)
    t.add_flow("h1", "h2", id="tcp", size="2MB", granularity="packet")
    f = flow(Simulation(t.build_system()).run(), "tcp")
    assert f["completed"] and f["bytes"] == 2_000_000
    assert f["retransmits"] > 0 and f["drops"] > 0
    assert f["throughput_bps"] > 0.5 * 10e6 * 1460 / 1514


def test_two_tcp_flows_share_the_bottleneck() -> None:
    t = dumbbell(max_queue=100)
    t.add_flow("h1", "h2", id="a", size="2MB", granularity="packet")
    t.add_flow("h3", "h4", id="b", size="2MB", granularity="packet")
    res = Simulation(t.build_system()).run()
    a, b = flow(res, "a"), flow(res, "b")
    assert a["completed"] and b["completed"]
    # together they need at least 4 MB / 10 Mbit/s; neither starves
    assert max(a["fct_s"], b["fct_s"]) > 3.2
    assert max(a["fct_s"], b["fct_s"]) < 2 * min(a["fct_s"], b["fct_s"])


def test_loss_makes_drops_and_is_seeded() -> None:
    def run(seed: int) -> dict:
        t = Topo("lossy")
        t.add_switch("s1")
        t.add_host("h1")
        t.add_host("h2")
        t.add_link("h1", "s1", bw="100Mbps")
        t.add_link("s1", "h2", bw="100Mbps", loss="5%")
        t.add_flow("h1", "h2", id="u", protocol="udp", rate="10Mbps", duration="1s",
                   granularity="packet")
        return flow(Simulation(t.build_system(), seed=seed).run(), "u")

    first, again, other = run(1), run(1), run(2)
    sent = first["offered_bytes"] // 1472
    assert 0.02 * sent < first["drops"] < 0.09 * sent
    assert first["drops"] == again["drops"]
    assert other["drops"] != first["drops"]


def test_ping_rtt_is_twice_the_path_delay() -> None:
    t = _line(bw="100Mbps", delay="5ms")
    t.add_flow("h1", "h2", id="p", protocol="icmp", duration="3s", interval="1s",
               packet_size=84)
    res = doc(Simulation(t.build_system()).run())
    ping = res["pings"][0]
    assert ping["sent"] == 3 and ping["received"] == 3
    # later pings: 2 x 15 ms plus serialization of 98-byte frames on 3 links each way
    ser = 2 * (2 * 98 * 8 / 100e6 + 98 * 8 / 100e6)
    assert ping["rtts_ms"][1] == pytest.approx((0.030 + ser) * 1000, abs=1e-6)
    assert ping["rtts_ms"][0] > ping["rtts_ms"][1]        # ARP and the controller first
    assert flow(res, "p")["path"] == ["s1", "s2"]


def test_chunk_granularity_moves_fewer_frames_for_the_same_bytes() -> None:
    def run(granularity: str) -> tuple[dict, int]:
        t = _line(bw="10Mbps", delay="2ms")
        t.add_flow("h1", "h2", id="f", size="2MB", granularity=granularity,
                   chunk_size="64KB")
        res = doc(Simulation(t.build_system()).run())
        return flow(res, "f"), res["meta"]["sim_events"]

    chunk, chunk_events = run("chunk")
    packet, packet_events = run("packet")
    assert chunk["completed"] and chunk["bytes"] == packet["bytes"] == 2_000_000
    assert chunk_events * 10 < packet_events
    # both close to the 1.6 s the bytes need at 10 Mbit/s
    assert 1.6 < chunk["fct_s"] < 2.6 and 1.6 < packet["fct_s"] < 2.6
