"""Groups (all, select, indirect, fast-failover) and meters (token buckets)."""

import os
import subprocess
import sys
from collections import Counter

import pytest

from sendim.simulator import packets as pk
from sendim.simulator.openflow import (
    OFPET_GROUP_MOD_FAILED, OFPET_METER_MOD_FAILED, OFPFF_SEND_FLOW_REM, OFPG_ALL, OFPGC_DELETE,
    OFPGC_MODIFY, OFPGMFC_BAD_WATCH, OFPGMFC_GROUP_EXISTS, OFPGMFC_INVALID_GROUP, OFPGMFC_LOOP,
    OFPGMFC_UNKNOWN_GROUP, OFPGT_ALL, OFPGT_FF, OFPGT_INDIRECT, OFPGT_SELECT, OFPM_ALL,
    OFPMC_DELETE, OFPMC_MODIFY, OFPMF_BURST, OFPMF_KBPS, OFPMF_PKTPS, OFPMF_STATS,
    OFPMMFC_BAD_FLAGS, OFPMMFC_BAD_RATE, OFPMMFC_INVALID_METER, OFPMMFC_METER_EXISTS,
    OFPMMFC_UNKNOWN_METER, OFPRR_DELETE, OFPRR_GROUP_DELETE, ApplyActions, Bucket,
    GotoTable, Group, GroupDescStatsRequest, GroupMod, GroupStatsRequest, Meter,
    MeterBandDrop, MeterBandDscpRemark, MeterConfigStatsRequest, MeterMod, MeterStatsRequest,
    Output, SetField, flow_hash,
)
from of_helpers import error_of, install, make_dp, out_ports, send, udp_frame


def group(dp, gid, type_, *buckets, command=0):
    return send(dp, GroupMod(command=command, type=type_, group_id=gid, buckets=list(buckets)))


# --- groups -----------------------------------------------------------------------

def test_all_group_clones_packet_per_bucket():
    dp = make_dp()
    group(dp, 1, OFPGT_ALL, Bucket(actions=[SetField("udp_dst", 7), Output(2)]),
          Bucket(actions=[Output(3)]))
    install(dp, priority=1, actions=[Group(1), Output(4)])
    f = udp_frame()
    r = dp.process(f, 1, 0)
    assert out_ports(r) == [2, 3, 4]
    assert pk.parse_headers(r.outputs[0][1]).udp_dst == 7 and pk.verify_checksums(r.outputs[0][1])
    assert r.outputs[1][1] == f and r.outputs[2][1] == f   # rewrite stayed in its bucket
    (gs,) = send(dp, GroupStatsRequest())
    (s,) = gs.body
    assert (s.group_id, s.ref_count, s.packet_count, s.byte_count) == (1, 1, 1, len(f))
    assert [(b.packet_count, b.byte_count) for b in s.bucket_stats] == [(1, len(f))] * 2


def _spread(dp, n=400):
    picks = Counter()
    for i in range(n):
        r = dp.process(udp_frame(sport=1000 + i, dport=80), 1, 0)
        (p,) = out_ports(r)
        picks[p] += 1
    return picks


def test_select_group_spreads_flows_deterministically():
    dp = make_dp()
    group(dp, 1, OFPGT_SELECT, *(Bucket(weight=1, actions=[Output(p)]) for p in (2, 3, 4)))
    install(dp, priority=1, actions=[Group(1)])
    picks = _spread(dp, 600)
    assert set(picks) == {2, 3, 4} and min(picks.values()) > 120
    # one flow, one bucket; same choice in a fresh switch (no hash seed dependence)
    f = udp_frame(sport=4242)
    first = out_ports(dp.process(f, 1, 0))
    assert all(out_ports(dp.process(f, 1, t)) == first for t in range(5))
    dp2 = make_dp()
    group(dp2, 1, OFPGT_SELECT, *(Bucket(weight=1, actions=[Output(p)]) for p in (2, 3, 4)))
    install(dp2, priority=1, actions=[Group(1)])
    assert out_ports(dp2.process(f, 1, 0)) == first


def test_flow_hash_ignores_python_hash_seed():
    code = ("from sendim.simulator.packets import parse_headers, build_frame;"
            "from sendim.simulator.openflow import flow_hash;"
            "print(flow_hash(parse_headers(build_frame(1, 2, ipv4_src=3, ipv4_dst=4, udp_src=5, udp_dst=6))))")
    outs = {subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                           capture_output=True, text=True, check=True).stdout for seed in ("1", "2")}
    assert len(outs) == 1
    assert int(outs.pop()) == flow_hash(pk.parse_headers(pk.build_frame(1, 2, ipv4_src=3, ipv4_dst=4,
                                                                       udp_src=5, udp_dst=6)))


def test_select_group_weights_and_dead_buckets():
    dp = make_dp()
    group(dp, 1, OFPGT_SELECT, Bucket(weight=3, actions=[Output(2)]),
          Bucket(weight=1, actions=[Output(3)]), Bucket(weight=0, actions=[Output(4)]))
    install(dp, priority=1, actions=[Group(1)])
    picks = _spread(dp, 800)
    assert 4 not in picks
    assert 0.65 < picks[2] / 800 < 0.85
    group(dp, 1, OFPGT_SELECT, Bucket(weight=1, watch_port=2, actions=[Output(2)]),
          Bucket(weight=1, watch_port=3, actions=[Output(3)]), command=OFPGC_MODIFY)
    dp.set_port_state(2, False)
    assert set(_spread(dp, 50)) == {3}


def test_indirect_group_and_chaining():
    dp = make_dp()
    group(dp, 1, OFPGT_INDIRECT, Bucket(actions=[Output(3)]))
    group(dp, 2, OFPGT_ALL, Bucket(actions=[Group(1)]), Bucket(actions=[Output(4)]))
    install(dp, priority=1, actions=[Group(2)])
    assert out_ports(dp.process(udp_frame(), 1, 0)) == [3, 4]


def test_fast_failover_follows_watch_port():
    dp = make_dp()
    group(dp, 1, OFPGT_FF, Bucket(watch_port=2, actions=[Output(2)]),
          Bucket(watch_port=3, actions=[Output(3)]))
    install(dp, priority=1, actions=[Group(1)])
    f = udp_frame()
    assert out_ports(dp.process(f, 1, 0)) == [2]
    dp.set_port_state(2, False)
    assert out_ports(dp.process(f, 1, 1)) == [3]
    assert dp.lookup_route(pk.parse_headers(f), 1)[0] == [3]
    dp.set_port_state(3, False)
    r = dp.process(f, 1, 2)
    assert r.dropped and r.reason == "no_action"
    dp.set_port_state(2, True)
    assert out_ports(dp.process(f, 1, 3)) == [2]


def test_fast_failover_watch_group():
    dp = make_dp()
    group(dp, 1, OFPGT_FF, Bucket(watch_port=2, actions=[Output(2)]))
    group(dp, 2, OFPGT_FF, Bucket(watch_group=1, actions=[Group(1)]),
          Bucket(watch_port=4, actions=[Output(4)]))
    install(dp, priority=1, actions=[Group(2)])
    assert out_ports(dp.process(udp_frame(), 1, 0)) == [2]
    dp.set_port_state(2, False)
    assert out_ports(dp.process(udp_frame(), 1, 0)) == [4]


@pytest.mark.parametrize("mod,code", [
    (GroupMod(type=OFPGT_ALL, group_id=1), OFPGMFC_GROUP_EXISTS),
    (GroupMod(command=OFPGC_MODIFY, type=OFPGT_ALL, group_id=9), OFPGMFC_UNKNOWN_GROUP),
    (GroupMod(type=OFPGT_INDIRECT, group_id=5, buckets=[]), OFPGMFC_INVALID_GROUP),
    (GroupMod(type=OFPGT_FF, group_id=5, buckets=[Bucket(actions=[Output(1)])]), OFPGMFC_BAD_WATCH),
    (GroupMod(type=OFPGT_ALL, group_id=5, buckets=[Bucket(actions=[Group(8)])]), OFPGMFC_INVALID_GROUP),
    (GroupMod(command=OFPGC_MODIFY, type=OFPGT_ALL, group_id=1,
              buckets=[Bucket(actions=[Group(2)])]), OFPGMFC_LOOP),
    (GroupMod(type=OFPGT_ALL, group_id=0xFFFFFFF0), OFPGMFC_INVALID_GROUP),
])
def test_group_mod_errors(mod, code):
    dp = make_dp()
    group(dp, 1, OFPGT_ALL, Bucket(actions=[Output(2)]))
    group(dp, 2, OFPGT_ALL, Bucket(actions=[Group(1)]))
    assert error_of(dp.handle(mod, 0)) == (OFPET_GROUP_MOD_FAILED, code)


def test_group_delete_removes_referencing_flows():
    dp = make_dp()
    group(dp, 1, OFPGT_ALL, Bucket(actions=[Output(2)]))
    group(dp, 2, OFPGT_ALL, Bucket(actions=[Output(3)]))
    install(dp, priority=1, match=dict(in_port=1), actions=[Group(1)], flags=OFPFF_SEND_FLOW_REM)
    install(dp, priority=1, match=dict(in_port=2), actions=[Group(2)])
    (rem,) = send(dp, GroupMod(command=OFPGC_DELETE, group_id=1))
    assert rem.reason == OFPRR_GROUP_DELETE and len(dp.tables[0]) == 1
    assert send(dp, GroupMod(command=OFPGC_DELETE, group_id=77)) == []
    (gd,) = send(dp, GroupDescStatsRequest())
    assert [(g.group_id, g.type, g.buckets[0].actions) for g in gd.body] == [(2, OFPGT_ALL, [Output(3)])]
    send(dp, GroupMod(command=OFPGC_DELETE, group_id=OFPG_ALL))
    assert len(dp.tables[0]) == 0 and send(dp, GroupStatsRequest())[0].body == []


# --- meters -----------------------------------------------------------------------

def meter(dp, mid, flags, *bands, command=0):
    return send(dp, MeterMod(command=command, flags=flags, meter_id=mid, bands=list(bands)))


def _blast(dp, frame, pps, seconds, start=0.0):
    passed = 0
    n = int(pps * seconds)
    for i in range(n):
        r = dp.process(frame, 1, start + i / pps)
        passed += bool(r.outputs)
    return passed, n


def test_kbps_meter_drops_above_rate():
    dp = make_dp()
    f = udp_frame(size=1250)                      # 10 kbit per frame
    meter(dp, 1, OFPMF_KBPS | OFPMF_STATS, MeterBandDrop(rate=1000))   # 1 Mbit/s = 100 frames/s
    install(dp, priority=1, instructions=[Meter(1), ApplyActions([Output(2)])])
    passed, sent = _blast(dp, f, pps=200, seconds=10)   # offered: 2 Mbit/s
    # long-run rate plus the initial (1 s) bucket
    assert 1000 <= passed <= 1100 + 2 and sent == 2000
    r = dp.process(f, 1, 10.0)
    assert r.meters == [1]
    (ms,) = send(dp, MeterStatsRequest(), 10.0)[0].body
    assert ms.packet_in_count == sent + 1 and ms.flow_count == 1
    assert ms.band_stats[0].packet_band_count == sent + 1 - passed - bool(r.outputs)
    assert dp.meter_rate_bps(1) == 1_000_000
    r = dp.process(f, 1, 10.0)                    # bucket empty again: dropped by the meter
    assert r.dropped and r.reason == "meter" and r.meters == [1]


def test_meter_conforming_traffic_passes_and_refills():
    dp = make_dp()
    meter(dp, 1, OFPMF_KBPS, MeterBandDrop(rate=1000))
    install(dp, priority=1, instructions=[Meter(1), ApplyActions([Output(2)])])
    f = udp_frame(size=1250)
    passed, sent = _blast(dp, f, pps=90, seconds=5)
    assert passed == sent


def test_pktps_meter_with_burst():
    dp = make_dp()
    meter(dp, 2, OFPMF_PKTPS | OFPMF_BURST, MeterBandDrop(rate=10, burst_size=5))
    install(dp, priority=1, instructions=[Meter(2), ApplyActions([Output(2)])])
    f = udp_frame()
    burst = sum(bool(dp.process(f, 1, 0.0).outputs) for _ in range(20))
    assert burst == 5                              # the bucket depth, all at t=0
    passed, _ = _blast(dp, f, pps=100, seconds=10, start=1.0)
    assert 100 <= passed <= 106
    assert dp.meter_rate_bps(2, packet_bytes=100) == 10 * 100 * 8


def test_meter_highest_exceeded_band_applies():
    dp = make_dp()
    meter(dp, 1, OFPMF_PKTPS | OFPMF_BURST, MeterBandDscpRemark(rate=5, burst_size=1),
          MeterBandDrop(rate=10, burst_size=1))
    install(dp, priority=1, instructions=[Meter(1), ApplyActions([Output(2)])])
    f = udp_frame()
    # 8 pkt/s: exceeds the 5 pkt/s remark band only -> passes
    passed, sent = _blast(dp, f, pps=8, seconds=5)
    assert passed == sent
    assert dp.meter_rate_bps(1, 100) == 10 * 800


def test_meter_mod_config_stats_and_delete():
    dp = make_dp()
    meter(dp, 1, OFPMF_KBPS, MeterBandDrop(rate=500, burst_size=10))
    meter(dp, 3, OFPMF_PKTPS, MeterBandDrop(rate=20))
    install(dp, priority=1, match=dict(in_port=1), instructions=[Meter(1), GotoTable(1)],
            flags=OFPFF_SEND_FLOW_REM)
    (mc,) = send(dp, MeterConfigStatsRequest())
    assert [(c.meter_id, c.flags, c.bands[0].rate) for c in mc.body] == [
        (1, OFPMF_KBPS, 500), (3, OFPMF_PKTPS, 20)]
    meter(dp, 1, OFPMF_KBPS, MeterBandDrop(rate=2000), command=OFPMC_MODIFY)
    assert dp.meter_rate_bps(1) == 2_000_000
    (ms,) = send(dp, MeterStatsRequest(meter_id=3))
    assert [m.meter_id for m in ms.body] == [3]
    (rem,) = send(dp, MeterMod(command=OFPMC_DELETE, meter_id=1))
    assert rem.reason == OFPRR_DELETE and len(dp.tables[0]) == 0
    assert dp.meter_rate_bps(1) is None
    send(dp, MeterMod(command=OFPMC_DELETE, meter_id=OFPM_ALL))
    assert send(dp, MeterConfigStatsRequest())[0].body == []


@pytest.mark.parametrize("mod,code", [
    (MeterMod(flags=OFPMF_KBPS, meter_id=1, bands=[MeterBandDrop(rate=1)]), OFPMMFC_METER_EXISTS),
    (MeterMod(command=OFPMC_MODIFY, meter_id=9, bands=[MeterBandDrop(rate=1)]), OFPMMFC_UNKNOWN_METER),
    (MeterMod(flags=OFPMF_KBPS | OFPMF_PKTPS, meter_id=2, bands=[MeterBandDrop(rate=1)]), OFPMMFC_BAD_FLAGS),
    (MeterMod(meter_id=2, bands=[MeterBandDrop(rate=0)]), OFPMMFC_BAD_RATE),
    (MeterMod(meter_id=0, bands=[MeterBandDrop(rate=1)]), OFPMMFC_INVALID_METER),
])
def test_meter_mod_errors(mod, code):
    dp = make_dp()
    meter(dp, 1, OFPMF_KBPS, MeterBandDrop(rate=100))
    assert error_of(dp.handle(mod, 0)) == (OFPET_METER_MOD_FAILED, code)


def test_lookup_route_reports_meters():
    dp = make_dp()
    meter(dp, 4, OFPMF_KBPS, MeterBandDrop(rate=100))
    install(dp, priority=1, instructions=[Meter(4), ApplyActions([Output(3)])])
    ports, meters, entries = dp.lookup_route(pk.parse_headers(udp_frame()), 1)
    assert (ports, meters, len(entries)) == ([3], [4], 1)
    assert dp.meters.get(4).packet_in_count == 0    # the fast path meters nothing
