"""Pipeline semantics: outputs, packet-ins, action set, multiple tables, VLANs."""

import pytest

from sendim.simulator import packets as pk
from sendim.simulator.openflow import (
    OFP_NO_BUFFER, OFPBRC_BUFFER_UNKNOWN, OFPC_INVALID_TTL_TO_CONTROLLER, OFPCML_NO_BUFFER,
    OFPET_BAD_REQUEST, OFPP_ALL, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_TABLE,
    OFPPC_NO_FWD, OFPPC_NO_PACKET_IN, OFPPC_NO_RECV, OFPPS_BLOCKED, OFPR_ACTION,
    OFPR_INVALID_TTL, OFPR_NO_MATCH, OFPVID_PRESENT, ApplyActions, ClearActions, DecNwTtl,
    FlowMod, GotoTable, Group, GroupMod, Bucket, Match, Output, PacketOut, PopVlan, PortMod,
    PushVlan, SetConfig, SetField, SetQueue, WriteActions, WriteMetadata, OFPGT_ALL,
)
from of_helpers import (
    error_of, install, ip, mac, make_dp, out_ports, result_of, send, table_miss_to_controller,
    tcp_frame, udp_frame,
)


def test_no_entry_means_drop():
    dp = make_dp()
    r = dp.process(udp_frame(), 1, 0.0)
    assert r.dropped and r.reason == "table_miss" and not r.outputs and not r.packet_ins
    assert r.table_path == [0] and r.entries == []
    assert dp.tables[0].lookup_count == 1 and dp.tables[0].matched_count == 0


def test_ryu_simple_switch_flow():
    dp = make_dp()
    table_miss_to_controller(dp)
    f = udp_frame(1, 2)
    r = dp.process(f, 1, 0.0)
    assert not r.dropped and r.outputs == []
    (pin,) = r.packet_ins
    assert pin.reason == OFPR_NO_MATCH and pin.buffer_id == OFP_NO_BUFFER
    assert pin.data == f and pin.total_len == len(f) and pin.match["in_port"] == 1
    assert pin.table_id == 0 and pin.cookie == 0
    install(dp, priority=1, match=dict(in_port=1, eth_dst=mac(2), eth_src=mac(1)), actions=[Output(2)])
    r = dp.process(f, 1, 1.0)
    assert r.outputs == [(2, f)] and r.packet_ins == [] and r.entries[0].priority == 1
    assert dp.process(udp_frame(1, 3), 1, 1.0).packet_ins


def test_priorities_and_masks_in_datapath():
    dp = make_dp()
    install(dp, priority=10, match=dict(eth_type=0x800, ipv4_dst=("10.0.0.0", "255.255.255.0")),
            actions=[Output(2)])
    install(dp, priority=20, match=dict(eth_type=0x800, ipv4_dst=("10.0.0.0", "255.255.255.252")),
            actions=[Output(3)])
    install(dp, priority=30, match=dict(eth_dst=("01:00:00:00:00:00", "01:00:00:00:00:00")),
            actions=[Output(4)])
    assert out_ports(dp.process(udp_frame(1, 2), 1, 0)) == [3]
    assert out_ports(dp.process(udp_frame(1, 9), 1, 0)) == [2]
    assert out_ports(dp.process(pk.arp_request(mac(1), ip(1), ip(2)), 1, 0)) == [4]


def test_flood_all_in_port_and_ingress_skipping():
    dp = make_dp(5)
    f = udp_frame()
    install(dp, priority=5, match=dict(in_port=1), actions=[Output(OFPP_FLOOD)])
    install(dp, priority=5, match=dict(in_port=2), actions=[Output(OFPP_ALL)])
    install(dp, priority=5, match=dict(in_port=3), actions=[Output(OFPP_IN_PORT), Output(3)])
    assert out_ports(dp.process(f, 1, 0)) == [2, 3, 4, 5]
    dp.set_port_state(4, False)
    dp.ports[5].state |= OFPPS_BLOCKED
    dp._refresh_ports()
    assert out_ports(dp.process(f, 1, 0)) == [2, 3]          # down and blocked skipped
    assert out_ports(dp.process(f, 2, 0)) == [1, 3, 5]       # ALL ignores BLOCKED
    assert out_ports(dp.process(f, 3, 0)) == [3]             # IN_PORT yes, plain in_port no
    send(dp, PortMod(port_no=2, config=OFPPC_NO_FWD, mask=OFPPC_NO_FWD))
    assert out_ports(dp.process(f, 1, 0)) == [3]


def test_controller_output_reason_action_max_len_and_buffer():
    dp = make_dp()
    f = udp_frame(payload=bytes(200))
    install(dp, priority=5, cookie=0xC0FFEE, actions=[Output(OFPP_CONTROLLER, 64), Output(2)])
    r = dp.process(f, 1, 0)
    (pin,) = r.packet_ins
    assert pin.reason == OFPR_ACTION and pin.cookie == 0xC0FFEE
    assert pin.data == f[:64] and pin.total_len == len(f) and pin.buffer_id != OFP_NO_BUFFER
    assert out_ports(r) == [2]
    # Releasing the buffered packet with a PacketOut sends the whole frame.
    res = result_of(send(dp, PacketOut(buffer_id=pin.buffer_id, in_port=1, actions=[Output(3)])))
    assert res.outputs == [(3, f)]
    # A buffer is used once.
    assert error_of(dp.handle(PacketOut(buffer_id=pin.buffer_id, in_port=1,
                                        actions=[Output(3)]), 0)) == (OFPET_BAD_REQUEST, OFPBRC_BUFFER_UNKNOWN)


def test_flow_mod_with_buffer_id_forwards_buffered_packet():
    dp = make_dp()
    install(dp, priority=0, actions=[Output(OFPP_CONTROLLER, 128)])
    f = udp_frame()
    pin = dp.process(f, 1, 0).packet_ins[0]
    res = result_of(install(dp, priority=1, match=dict(in_port=1), actions=[Output(2)],
                            buffer_id=pin.buffer_id))
    assert res.outputs == [(2, f)] and res.entries[0].priority == 1
    assert dp.port_counters[1].rx_packets == 1     # not counted twice


def test_packet_buffer_overwrites_oldest():
    dp = make_dp(n_buffers=2)
    install(dp, priority=0, actions=[Output(OFPP_CONTROLLER, 10)])
    ids = [dp.process(udp_frame(sport=i), 1, 0).packet_ins[0].buffer_id for i in range(3)]
    assert len(set(ids)) == 3
    assert error_of(dp.handle(PacketOut(buffer_id=ids[0], actions=[Output(2)]), 0))
    assert result_of(send(dp, PacketOut(buffer_id=ids[2], actions=[Output(2)]))).outputs
    dp0 = make_dp(n_buffers=0)
    install(dp0, priority=0, actions=[Output(OFPP_CONTROLLER, 10)])
    assert dp0.process(udp_frame(), 1, 0).packet_ins[0].buffer_id == OFP_NO_BUFFER


def test_packet_out_data_flood_and_table():
    dp = make_dp()
    f = udp_frame()
    r = result_of(send(dp, PacketOut(in_port=1, actions=[Output(OFPP_FLOOD)], data=f)))
    assert out_ports(r) == [2, 3, 4]
    r = result_of(send(dp, PacketOut(in_port=OFPP_CONTROLLER, actions=[Output(OFPP_ALL)], data=f)))
    assert out_ports(r) == [1, 2, 3, 4]
    install(dp, priority=3, match=dict(in_port=1), actions=[Output(4)])
    r = result_of(send(dp, PacketOut(in_port=1, actions=[Output(OFPP_TABLE)], data=f)))
    assert out_ports(r) == [4] and r.table_path == [0]
    assert dp.port_counters[1].rx_packets == 0 and dp.port_counters[4].tx_packets == 3


def test_apply_actions_rewrite_then_output_keeps_checksums():
    dp = make_dp()
    f = tcp_frame(1, 2)
    install(dp, priority=1, actions=[
        Output(2), SetField("ipv4_dst", "192.168.1.1"), SetField("tcp_dst", 8080),
        SetField("eth_dst", "aa:bb:cc:dd:ee:ff"), Output(3), SetQueue(1)])
    r = dp.process(f, 1, 0)
    (p2, f2), (p3, f3) = r.outputs
    assert (p2, f2) == (2, f)
    h = pk.parse_headers(f3)
    assert p3 == 3 and h.ipv4_dst == pk.ip_to_int("192.168.1.1") and h.tcp_dst == 8080
    assert h.eth_dst == 0xAABBCCDDEEFF and pk.verify_checksums(f3)


def test_set_field_on_absent_field_is_ignored():
    dp = make_dp()
    install(dp, priority=1, actions=[SetField("tcp_dst", 1), SetField("vlan_vid", OFPVID_PRESENT | 3),
                                     Output(2)])
    f = udp_frame()
    assert dp.process(f, 1, 0).outputs == [(2, f)]


def test_action_set_order_and_apply_first():
    dp = make_dp()
    # Written in the "wrong" order: the action set runs set-field before output.
    install(dp, priority=1, instructions=[
        WriteActions([Output(3), SetField("udp_dst", 53)]),
        ApplyActions([Output(2)])])
    f = udp_frame()
    r = dp.process(f, 1, 0)
    assert out_ports(r) == [2, 3]
    assert r.outputs[0][1] == f and pk.parse_headers(r.outputs[1][1]).udp_dst == 53


def test_write_actions_merge_and_clear_across_tables():
    dp = make_dp()
    install(dp, table_id=0, priority=1, instructions=[
        WriteActions([Output(2), SetField("udp_dst", 1)]), GotoTable(1)])
    install(dp, table_id=1, priority=1, match=dict(in_port=1), instructions=[
        WriteActions([Output(3)]), GotoTable(2)])           # replaces the output
    install(dp, table_id=1, priority=1, match=dict(in_port=2), instructions=[
        ClearActions(), WriteActions([Output(4)])])
    install(dp, table_id=2, priority=1, instructions=[])
    r = dp.process(udp_frame(), 1, 0)
    assert out_ports(r) == [3] and pk.parse_headers(r.outputs[0][1]).udp_dst == 1
    assert r.table_path == [0, 1, 2] and [e.table_id for e in r.entries] == [0, 1, 2]
    r = dp.process(udp_frame(), 2, 0)
    assert out_ports(r) == [4] and pk.parse_headers(r.outputs[0][1]).udp_dst == 2000


def test_table_miss_in_later_table_discards_action_set():
    dp = make_dp()
    install(dp, priority=1, instructions=[WriteActions([Output(2)]), GotoTable(3)])
    r = dp.process(udp_frame(), 1, 0)
    assert r.dropped and r.reason == "table_miss" and r.table_path == [0, 3]


def test_group_in_action_set_overrides_output():
    dp = make_dp()
    send(dp, GroupMod(type=OFPGT_ALL, group_id=7, buckets=[Bucket(actions=[Output(4)])]))
    install(dp, priority=1, instructions=[WriteActions([Output(2), Group(7)])])
    assert out_ports(dp.process(udp_frame(), 1, 0)) == [4]


def test_goto_table_and_write_metadata():
    dp = make_dp()
    install(dp, table_id=0, priority=1, match=dict(in_port=1),
            instructions=[WriteMetadata(0xA0, 0xF0), GotoTable(1)])
    install(dp, table_id=0, priority=1, match=dict(in_port=2),
            instructions=[WriteMetadata(0xB0, 0xF0), GotoTable(1)])
    install(dp, table_id=1, priority=1, match=dict(metadata=(0xA0, 0xF0)), actions=[Output(3)])
    install(dp, table_id=1, priority=1, match=dict(metadata=0xB0), actions=[Output(OFPP_CONTROLLER)])
    assert out_ports(dp.process(udp_frame(), 1, 0)) == [3]
    pin = dp.process(udp_frame(), 2, 0).packet_ins[0]
    assert pin.match["metadata"] == 0xB0 and pin.table_id == 1 and pin.reason == OFPR_ACTION


def test_vlan_push_set_match_pop_across_tables():
    dp = make_dp()
    install(dp, table_id=0, priority=1, match=dict(in_port=1), instructions=[
        ApplyActions([PushVlan(), SetField("vlan_vid", OFPVID_PRESENT | 100), SetField("vlan_pcp", 5)]),
        GotoTable(1)])
    install(dp, table_id=1, priority=1, match=dict(vlan_vid=OFPVID_PRESENT | 100),
            actions=[Output(2), PopVlan(), Output(3)])
    install(dp, table_id=0, priority=1, match=dict(in_port=4, vlan_vid=0), actions=[Output(1)])
    f = udp_frame()
    r = dp.process(f, 1, 0)
    assert out_ports(r) == [2, 3]
    h = pk.parse_headers(r.outputs[0][1])
    assert h.vlan_vid == OFPVID_PRESENT | 100 and h.vlan_pcp == 5 and h.udp_dst == 2000
    assert r.outputs[1][1] == f
    assert dp.process(r.outputs[0][1], 4, 0).dropped           # tagged: vlan_vid=0 does not match
    assert out_ports(dp.process(f, 4, 0)) == [1]


def test_dec_ttl_and_invalid_ttl():
    dp = make_dp()
    install(dp, priority=1, actions=[DecNwTtl(), Output(2)])
    r = dp.process(tcp_frame(ttl=5), 1, 0)
    assert r.outputs[0][1][14 + 8] == 4 and pk.verify_checksums(r.outputs[0][1])
    r = dp.process(tcp_frame(ttl=1), 1, 0)
    assert r.dropped and r.reason == "invalid_ttl"
    send(dp, SetConfig(flags=OFPC_INVALID_TTL_TO_CONTROLLER, miss_send_len=OFPCML_NO_BUFFER))
    r = dp.process(tcp_frame(ttl=1), 1, 0)
    assert r.packet_ins[0].reason == OFPR_INVALID_TTL and r.outputs == []


def test_port_config_no_recv_no_packet_in_and_down_ports():
    dp = make_dp()
    table_miss_to_controller(dp)
    send(dp, PortMod(port_no=2, config=OFPPC_NO_RECV, mask=OFPPC_NO_RECV))
    r = dp.process(udp_frame(), 2, 0)
    assert r.dropped and r.reason == "port_down" and dp.port_counters[2].rx_dropped == 1
    send(dp, PortMod(port_no=3, config=OFPPC_NO_PACKET_IN, mask=OFPPC_NO_PACKET_IN))
    assert dp.process(udp_frame(), 3, 0).packet_ins == []   # table miss: suppressed
    install(dp, priority=5, match=dict(in_port=3), actions=[Output(OFPP_CONTROLLER)])
    explicit = dp.process(udp_frame(), 3, 0).packet_ins      # explicit action: reported (as OVS)
    assert len(explicit) == 1 and explicit[0].reason == OFPR_ACTION
    dp.set_port_state(1, False)
    assert dp.process(udp_frame(), 1, 0).reason == "port_down"
    assert dp.process(udp_frame(), 99, 0).reason == "bad_port"


@pytest.mark.parametrize("in_port", [1, 2, 3])
def test_lookup_route_agrees_with_process(in_port):
    dp = make_dp()
    send(dp, GroupMod(type=OFPGT_ALL, group_id=1, buckets=[
        Bucket(actions=[SetField("udp_dst", 9), Output(4)]), Bucket(actions=[Output(3)])]))
    install(dp, table_id=0, priority=2, match=dict(in_port=1),
            instructions=[ApplyActions([SetField("eth_dst", mac(9))]), GotoTable(1)])
    install(dp, table_id=0, priority=1, actions=[Output(OFPP_FLOOD), Output(OFPP_CONTROLLER)])
    install(dp, table_id=1, priority=1, match=dict(eth_dst=mac(9)), actions=[Group(1), Output(2)])
    install(dp, table_id=0, priority=3, match=dict(in_port=3), actions=[Output(OFPP_IN_PORT)])
    f = udp_frame()
    ports, meters, entries = dp.lookup_route(pk.parse_headers(f), in_port)
    r = dp.process(f, in_port, 0)
    want = out_ports(r) + [OFPP_CONTROLLER] * len(r.packet_ins)
    assert sorted(ports) == sorted(want) and entries == r.entries and meters == r.meters


def test_port_and_entry_counters():
    dp = make_dp()
    install(dp, priority=1, match=dict(in_port=1), actions=[Output(2), Output(3)])
    f = udp_frame()
    for _ in range(3):
        dp.process(f, 1, 0)
    e = dp.tables[0].entries()[0]
    assert (e.packet_count, e.byte_count) == (3, 3 * len(f))
    c1, c2 = dp.port_counters[1], dp.port_counters[2]
    assert (c1.rx_packets, c1.rx_bytes, c1.tx_packets) == (3, 3 * len(f), 0)
    assert (c2.tx_packets, c2.tx_bytes, c2.rx_packets) == (3, 3 * len(f), 0)
    assert dp.tables[0].lookup_count == 3 and dp.tables[0].matched_count == 3
    dp2 = make_dp(count_tx_in_process=False)
    install(dp2, priority=1, actions=[Output(2)])
    dp2.process(f, 1, 0)
    assert dp2.port_counters[2].tx_packets == 0
    dp2.count_tx(2, 100)
    dp2.count_tx_dropped(2)
    assert (dp2.port_counters[2].tx_packets, dp2.port_counters[2].tx_bytes,
            dp2.port_counters[2].tx_dropped) == (1, 100, 1)


def test_flow_mod_modify_keeps_counters_unless_reset():
    from sendim.simulator.openflow import OFPFC_MODIFY, OFPFF_RESET_COUNTS
    dp = make_dp()
    install(dp, priority=1, match=dict(in_port=1), actions=[Output(2)])
    dp.process(udp_frame(), 1, 0)
    install(dp, command=OFPFC_MODIFY, match=dict(in_port=1), actions=[Output(3)])
    e = dp.tables[0].entries()[0]
    assert e.packet_count == 1 and out_ports(dp.process(udp_frame(), 1, 0)) == [3]
    install(dp, command=OFPFC_MODIFY, match=dict(), actions=[Output(4)], flags=OFPFF_RESET_COUNTS)
    assert e.packet_count == 0 and out_ports(dp.process(udp_frame(), 1, 0)) == [4]
    # modify never adds
    install(dp, command=OFPFC_MODIFY, match=dict(in_port=2), actions=[Output(4)])
    assert len(dp.tables[0]) == 1
    assert isinstance(FlowMod().match, Match)
