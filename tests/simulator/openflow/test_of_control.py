"""Controller messages: flow mods, timeouts, stats, errors, simple requests."""

import pytest

from sendim.simulator.openflow import (
    OFP_NO_BUFFER, OFPBAC_BAD_OUT_GROUP, OFPBAC_BAD_OUT_PORT, OFPBIC_BAD_TABLE_ID,
    OFPBRC_BAD_PORT, OFPBRC_BAD_TABLE_ID, OFPBRC_BAD_TYPE, OFPET_BAD_ACTION,
    OFPET_BAD_INSTRUCTION, OFPET_BAD_REQUEST, OFPET_FLOW_MOD_FAILED, OFPET_METER_MOD_FAILED,
    OFPET_PORT_MOD_FAILED, OFPFC_ADD, OFPFC_DELETE, OFPFC_DELETE_STRICT, OFPFC_MODIFY_STRICT,
    OFPFF_SEND_FLOW_REM, OFPFMFC_BAD_COMMAND, OFPFMFC_BAD_TABLE_ID, OFPMMFC_UNKNOWN_METER,
    OFPP_CONTROLLER, OFPP_NORMAL, OFPP_TABLE, OFPPMFC_BAD_PORT, OFPPR_ADD, OFPPR_DELETE,
    OFPPR_MODIFY, OFPPS_LINK_DOWN, OFPRR_DELETE, OFPRR_HARD_TIMEOUT, OFPRR_IDLE_TIMEOUT,
    OFPTT_ALL, AggregateStatsRequest, ApplyActions, BarrierReply, BarrierRequest, Datapath,
    DescStatsRequest, EchoReply, EchoRequest, FeaturesReply, FeaturesRequest, FlowMod,
    FlowRemoved, FlowStatsRequest, GetConfigReply, GetConfigRequest, GotoTable, Group, Match,
    Meter, Output, PacketOut, Port, PortDescStatsRequest, PortMod, PortStatsRequest, SetConfig,
    TableStatsRequest,
)
from of_helpers import error_of, install, make_dp, out_ports, send, udp_frame


def _populate(dp):
    install(dp, priority=10, match=dict(in_port=1, eth_dst=2), actions=[Output(2)], cookie=0x101,
            flags=OFPFF_SEND_FLOW_REM)
    install(dp, priority=10, match=dict(in_port=1, eth_dst=3), actions=[Output(3)], cookie=0x201)
    install(dp, priority=20, match=dict(in_port=1), actions=[Output(3)], cookie=0x102)
    install(dp, table_id=1, priority=10, match=dict(in_port=1, eth_dst=2), actions=[Output(2)],
            cookie=0x103)


def _matches(dp, table_id=0):
    return sorted((e.priority, tuple(e.match)) for e in dp.tables[table_id].entries())


def test_delete_non_strict_covers_more_specific_entries():
    dp = make_dp()
    _populate(dp)
    out = send(dp, FlowMod(command=OFPFC_DELETE, match=Match(in_port=1)), 5.0)
    assert len(dp.tables[0]) == 0 and len(dp.tables[1]) == 1       # one table only
    (rem,) = out                                                   # only SEND_FLOW_REM entries
    assert isinstance(rem, FlowRemoved) and rem.reason == OFPRR_DELETE and rem.cookie == 0x101
    assert rem.duration_sec == 5 and rem.match == Match(in_port=1, eth_dst=2)


def test_delete_all_tables_with_cookie_mask():
    dp = make_dp()
    _populate(dp)
    send(dp, FlowMod(command=OFPFC_DELETE, table_id=OFPTT_ALL, cookie=0x100, cookie_mask=0xF00))
    assert _matches(dp) == [(10, ("in_port", "eth_dst"))] and len(dp.tables[1]) == 0
    assert dp.tables[0].entries()[0].cookie == 0x201


def test_delete_with_out_port_filter():
    dp = make_dp()
    _populate(dp)
    send(dp, FlowMod(command=OFPFC_DELETE, match=Match(), out_port=3))
    assert [e.cookie for e in dp.tables[0].entries()] == [0x101]


def test_delete_strict_needs_exact_match_and_priority():
    dp = make_dp()
    _populate(dp)
    send(dp, FlowMod(command=OFPFC_DELETE_STRICT, match=Match(in_port=1), priority=10))
    assert len(dp.tables[0]) == 3
    send(dp, FlowMod(command=OFPFC_DELETE_STRICT, match=Match(in_port=1), priority=20))
    assert len(dp.tables[0]) == 2
    send(dp, FlowMod(command=OFPFC_DELETE_STRICT, match=Match(in_port=1, eth_dst=3), priority=10,
                     out_port=2))
    assert len(dp.tables[0]) == 2                   # out_port filter excluded it
    send(dp, FlowMod(command=OFPFC_DELETE_STRICT, match=Match(in_port=1, eth_dst=3), priority=10))
    assert [e.cookie for e in dp.tables[0].entries()] == [0x101]


def test_modify_strict_only_touches_exact_entry():
    dp = make_dp()
    _populate(dp)
    send(dp, FlowMod(command=OFPFC_MODIFY_STRICT, match=Match(in_port=1), priority=20,
                     instructions=[ApplyActions([Output(4)])]))
    by_cookie = {e.cookie: e for e in dp.tables[0].entries()}
    assert by_cookie[0x102].apply == (Output(4),) and by_cookie[0x101].apply == (Output(2),)
    assert out_ports(dp.process(udp_frame(), 1, 0)) == [4]


def test_add_identical_replaces_and_resets():
    dp = make_dp()
    install(dp, priority=1, match=dict(in_port=1), actions=[Output(2)])
    dp.process(udp_frame(), 1, 0)
    install(dp, priority=1, match=dict(in_port=1), actions=[Output(3)], now=4.0)
    (e,) = dp.tables[0].entries()
    assert e.packet_count == 0 and e.install_time == 4.0 and e.apply == (Output(3),)


def test_idle_and_hard_timeouts():
    dp = make_dp()
    install(dp, priority=1, match=dict(in_port=1), actions=[Output(2)], idle_timeout=10,
            flags=OFPFF_SEND_FLOW_REM, cookie=1)
    install(dp, priority=1, match=dict(in_port=2), actions=[Output(1)], hard_timeout=15,
            flags=OFPFF_SEND_FLOW_REM, cookie=2)
    install(dp, priority=1, match=dict(in_port=3), actions=[Output(1)], idle_timeout=5, cookie=3)
    assert dp.next_expiry() == 5
    assert dp.expire(4.9) == []
    assert dp.expire(5.0) == [] and len(dp.tables[0]) == 2      # no SEND_FLOW_REM: silent
    for t in (3.0, 8.0, 12.0):
        dp.process(udp_frame(), 1, t)                           # keeps the idle entry alive
        dp.process(udp_frame(), 2, t)
    assert dp.expire(14.9) == []
    (hard,) = dp.expire(15.0)
    assert hard.reason == OFPRR_HARD_TIMEOUT and hard.cookie == 2 and hard.packet_count == 3
    assert dp.next_expiry() <= 22.0
    assert dp.expire(21.9) == []
    (idle,) = dp.expire(22.0)
    assert idle.reason == OFPRR_IDLE_TIMEOUT and idle.cookie == 1 and idle.duration_sec == 22
    assert len(dp.tables[0]) == 0 and dp.next_expiry() is None


def test_timeouts_of_deleted_entries_are_forgotten():
    dp = make_dp()
    install(dp, priority=1, match=dict(in_port=1), actions=[Output(2)], hard_timeout=3,
            flags=OFPFF_SEND_FLOW_REM)
    send(dp, FlowMod(command=OFPFC_DELETE))
    assert dp.expire(10) == [] and dp.next_expiry() is None


def test_flow_stats_and_aggregate():
    dp = make_dp()
    _populate(dp)
    for _ in range(2):
        dp.process(udp_frame(1, 2), 1, 1.0)
    (rep,) = send(dp, FlowStatsRequest(xid=42), 3.5)
    assert rep.xid == 42 and len(rep.body) == 4
    top = [s for s in rep.body if s.priority == 20][0]
    assert (top.packet_count, top.byte_count, top.duration_sec, top.duration_nsec) == (2, 120, 3, 500_000_000)
    assert top.instructions == [ApplyActions([Output(3)])] and top.cookie == 0x102
    (rep,) = send(dp, FlowStatsRequest(table_id=1))
    assert [s.table_id for s in rep.body] == [1]
    (rep,) = send(dp, FlowStatsRequest(match=Match(in_port=1, eth_dst=2), out_port=2))
    assert sorted(s.cookie for s in rep.body) == [0x101, 0x103]
    (agg,) = send(dp, AggregateStatsRequest(match=Match(in_port=1)))
    assert (agg.body.flow_count, agg.body.packet_count, agg.body.byte_count) == (4, 2, 120)
    assert error_of(dp.handle(FlowStatsRequest(table_id=254), 0)) == (OFPET_BAD_REQUEST, OFPBRC_BAD_TABLE_ID)


def test_port_table_desc_stats():
    dp = make_dp(n_tables=3)
    install(dp, priority=1, actions=[Output(2)])
    dp.process(udp_frame(), 1, 0)
    (ps,) = send(dp, PortStatsRequest(), 2.0)
    assert [s.port_no for s in ps.body] == [1, 2, 3, 4]
    assert (ps.body[0].rx_packets, ps.body[1].tx_packets, ps.body[0].duration_sec) == (1, 1, 2)
    (one,) = send(dp, PortStatsRequest(port_no=2))
    assert [s.port_no for s in one.body] == [2]
    assert error_of(dp.handle(PortStatsRequest(port_no=9), 0)) == (OFPET_BAD_REQUEST, OFPBRC_BAD_PORT)
    (ts,) = send(dp, TableStatsRequest())
    assert [(t.table_id, t.active_count, t.lookup_count, t.matched_count) for t in ts.body] == [
        (0, 1, 1, 1), (1, 0, 0, 0), (2, 0, 0, 0)]
    (pd,) = send(dp, PortDescStatsRequest())
    assert [p.name for p in pd.body] == ["s1-eth1", "s1-eth2", "s1-eth3", "s1-eth4"]
    assert pd.body[0].hw_addr == "00:00:00:00:01:01" and pd.body[0].curr_speed == 1_000_000
    (desc,) = send(dp, DescStatsRequest())
    assert desc.body.dp_desc == "dpid:0000000000000001" and desc.body.mfr_desc


def test_simple_requests():
    dp = make_dp(dpid=0xABC, n_tables=10, n_buffers=64)
    (f,) = send(dp, FeaturesRequest(xid=1))
    assert isinstance(f, FeaturesReply) and (f.datapath_id, f.n_tables, f.n_buffers, f.xid) == (0xABC, 10, 64, 1)
    assert send(dp, BarrierRequest(xid=7)) == [BarrierReply(xid=7)]
    assert send(dp, EchoRequest(data=b"hi", xid=8)) == [EchoReply(data=b"hi", xid=8)]
    assert send(dp, SetConfig(flags=0, miss_send_len=256)) == []
    assert send(dp, GetConfigRequest(xid=3)) == [GetConfigReply(flags=0, miss_send_len=256, xid=3)]
    assert error_of(dp.handle(object(), 0)) == (OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE)


@pytest.mark.parametrize("fm,err", [
    (FlowMod(table_id=254), (OFPET_FLOW_MOD_FAILED, OFPFMFC_BAD_TABLE_ID)),
    (FlowMod(table_id=OFPTT_ALL), (OFPET_FLOW_MOD_FAILED, OFPFMFC_BAD_TABLE_ID)),
    (FlowMod(command=9), (OFPET_FLOW_MOD_FAILED, OFPFMFC_BAD_COMMAND)),
    (FlowMod(command=OFPFC_DELETE, table_id=200), (OFPET_FLOW_MOD_FAILED, OFPFMFC_BAD_TABLE_ID)),
    (FlowMod(table_id=2, instructions=[GotoTable(1)]), (OFPET_BAD_INSTRUCTION, OFPBIC_BAD_TABLE_ID)),
    (FlowMod(table_id=2, instructions=[GotoTable(2)]), (OFPET_BAD_INSTRUCTION, OFPBIC_BAD_TABLE_ID)),
    (FlowMod(instructions=[GotoTable(100)]), (OFPET_BAD_INSTRUCTION, OFPBIC_BAD_TABLE_ID)),
    (FlowMod(instructions=[ApplyActions([Group(5)])]), (OFPET_BAD_ACTION, OFPBAC_BAD_OUT_GROUP)),
    (FlowMod(instructions=[ApplyActions([Output(0)])]), (OFPET_BAD_ACTION, OFPBAC_BAD_OUT_PORT)),
    (FlowMod(instructions=[ApplyActions([Output(OFPP_NORMAL)])]), (OFPET_BAD_ACTION, OFPBAC_BAD_OUT_PORT)),
    (FlowMod(instructions=[ApplyActions([Output(OFPP_TABLE)])]), (OFPET_BAD_ACTION, OFPBAC_BAD_OUT_PORT)),
    (FlowMod(instructions=[Meter(3)]), (OFPET_METER_MOD_FAILED, OFPMMFC_UNKNOWN_METER)),
    (FlowMod(buffer_id=12345), (OFPET_BAD_REQUEST, 8)),
    (PacketOut(actions=[Group(1)]), (OFPET_BAD_ACTION, OFPBAC_BAD_OUT_GROUP)),
    (PacketOut(buffer_id=3, actions=[Output(1)]), (OFPET_BAD_REQUEST, 8)),
    (PortMod(port_no=77), (OFPET_PORT_MOD_FAILED, OFPPMFC_BAD_PORT)),
])
def test_error_replies(fm, err):
    dp = make_dp(n_tables=20)
    fm.xid = 99
    replies = dp.handle(fm, 0)
    assert error_of(replies) == err
    assert replies[0].xid == 99 and replies[0].data is fm
    if isinstance(fm, FlowMod) and fm.buffer_id == OFP_NO_BUFFER:
        assert sum(len(t) for t in dp.tables) == 0     # nothing installed


def test_port_status_add_delete_modify():
    dp = Datapath(5, {1: Port(1, "00:00:00:00:00:01", "a"), 2: Port(2, "00:00:00:00:00:02", "b")})
    st = dp.set_port_state(1, False)
    assert st.reason == OFPPR_MODIFY and st.desc.state & OFPPS_LINK_DOWN
    assert not dp.port_live(1) and dp.port_live(2)
    st.desc.name = "changed"                          # a snapshot, not the live port
    assert dp.ports[1].name == "a"
    assert dp.set_port_state(1, True).desc.state & OFPPS_LINK_DOWN == 0
    assert dp.add_port((3, 3, "c", 10_000_000)).reason == OFPPR_ADD
    assert dp.ports[3].hw_addr == "00:00:00:00:00:03" and dp.ports[3].curr_speed == 10_000
    assert dp.remove_port(2).reason == OFPPR_DELETE and 2 not in dp.ports
    (ps,) = send(dp, PortStatsRequest())
    assert [s.port_no for s in ps.body] == [1, 3]


def test_controller_output_is_valid_and_flowmod_add_default_command():
    dp = make_dp()
    assert FlowMod().command == OFPFC_ADD
    install(dp, priority=0, actions=[Output(OFPP_CONTROLLER)])
    assert dp.process(udp_frame(), 1, 0).packet_ins


def test_tables_are_created_on_first_use():
    dp = make_dp()
    assert list(dp.tables) == []
    (ts,) = send(dp, TableStatsRequest())
    assert len(ts.body) == 254 and all(t.active_count == t.lookup_count == 0 for t in ts.body)
    assert list(dp.tables) == []                       # stats did not create any
    dp.process(udp_frame(), 1, 0)                      # a lookup in table 0 creates it
    assert [t.table_id for t in dp.tables] == [0]
    install(dp, table_id=7, priority=1, actions=[Output(2)])
    assert [t.table_id for t in dp.tables] == [0, 7]
    send(dp, FlowMod(command=OFPFC_DELETE, table_id=OFPTT_ALL))
    assert [t.table_id for t in dp.tables] == [0, 7]
    with pytest.raises(IndexError):
        dp.tables[254]
    with pytest.raises(ValueError):
        make_dp(n_tables=0)


def test_check_overlap():
    from sendim.simulator.openflow import OFPFF_CHECK_OVERLAP, OFPFMFC_OVERLAP
    dp = make_dp()
    install(dp, priority=5, match=dict(in_port=1, eth_type=0x800))
    fm = FlowMod(priority=5, match=Match(eth_type=0x800, ipv4_dst="10.0.0.1"), flags=OFPFF_CHECK_OVERLAP)
    assert error_of(dp.handle(fm, 0)) == (OFPET_FLOW_MOD_FAILED, OFPFMFC_OVERLAP)
    install(dp, priority=6, match=dict(eth_type=0x800), flags=OFPFF_CHECK_OVERLAP)   # other priority
    install(dp, priority=5, match=dict(in_port=2, eth_type=0x800), flags=OFPFF_CHECK_OVERLAP)
    install(dp, priority=5, match=dict(in_port=1, eth_type=0x800), flags=OFPFF_CHECK_OVERLAP)  # identical: replace
    assert len(dp.tables[0]) == 3
    assert Match(ipv4_dst="10.0.0.0/8").overlaps(Match(ipv4_dst="10.1.0.0/16"))
    assert not Match(ipv4_dst="10.0.0.0/8").overlaps(Match(ipv4_dst="11.0.0.0/16"))
    assert Match(eth_dst=1).overlaps(Match(in_port=3))
