"""Ryu ofproto_v1_3_parser objects <-> sendim OpenFlow messages, every kind."""

from __future__ import annotations

import struct

import pytest

pytestmark = pytest.mark.ryu

from sendim.ryuapp import translate  # noqa: E402
from sendim.ryuapp.translate import Untranslatable  # noqa: E402
from sendim.simulator.openflow import actions as sa  # noqa: E402
from sendim.simulator.openflow import messages as sm  # noqa: E402
from sendim.simulator.openflow import multipart as mp  # noqa: E402
from sendim.simulator.openflow.match import Match  # noqa: E402

from ryu.ofproto import ofproto_v1_3 as ofp  # noqa: E402
from ryu.ofproto import ofproto_v1_3_parser as p  # noqa: E402

MATCH = Match(in_port=1, eth_type=0x0800, eth_dst="00:00:00:00:00:02",
              ipv4_dst=("10.0.0.0", "255.255.255.0"), ip_proto=6, tcp_dst=80)
ACTIONS = [sa.SetField("eth_src", "00:00:00:00:00:aa"), sa.PushVlan(), sa.PopVlan(),
           sa.SetQueue(3), sa.DecNwTtl(), sa.Group(7), sa.Output(2, 128)]
INSTRUCTIONS = [sa.Meter(5), sa.ApplyActions(tuple(ACTIONS)), sa.ClearActions(),
                sa.WriteActions((sa.Output(3),)), sa.WriteMetadata(0xAB, 0xFF),
                sa.GotoTable(2)]
BUCKETS = [sm.Bucket(weight=1, watch_port=2, actions=[sa.Output(2)]),
           sm.Bucket(weight=3, watch_port=3, actions=[sa.Output(3)])]
BANDS = [sm.MeterBandDrop(rate=1000, burst_size=100),
         sm.MeterBandDscpRemark(rate=2000, burst_size=10, prec_level=1)]
PORT = sm.Port(port_no=3, hw_addr="00:00:00:00:01:03", name="s1-eth3", config=0,
               state=ofp.OFPPS_LIVE, curr=0x840, curr_speed=10_000_000, max_speed=10_000_000)


@pytest.fixture
def dp() -> translate.StandInDatapath:
    return translate.stand_in_datapath(1)


CONTROLLER_TO_SWITCH = [
    sm.FlowMod(command=ofp.OFPFC_ADD, table_id=1, priority=100, match=MATCH,
               instructions=INSTRUCTIONS, idle_timeout=10, hard_timeout=30, cookie=0xC0,
               cookie_mask=0xFF, flags=ofp.OFPFF_SEND_FLOW_REM, out_port=4, out_group=5,
               buffer_id=0xFFFFFFFF, xid=11),
    sm.FlowMod(command=ofp.OFPFC_DELETE, table_id=ofp.OFPTT_ALL, match=Match(), xid=12),
    sm.GroupMod(command=ofp.OFPGC_ADD, type=ofp.OFPGT_SELECT, group_id=7, buckets=BUCKETS,
                xid=13),
    sm.MeterMod(command=ofp.OFPMC_ADD, flags=ofp.OFPMF_KBPS, meter_id=5, bands=BANDS, xid=14),
    sm.PortMod(port_no=3, hw_addr="00:00:00:00:01:03", config=ofp.OFPPC_PORT_DOWN,
               mask=ofp.OFPPC_PORT_DOWN, advertise=0, xid=15),
    sm.PacketOut(buffer_id=0xFFFFFFFF, in_port=1, actions=[sa.Output(ofp.OFPP_FLOOD)],
                 data=b"\x01" * 60, xid=16),
    sm.SetConfig(flags=0, miss_send_len=128, xid=17),
    sm.GetConfigRequest(xid=18),
    sm.FeaturesRequest(xid=19),
    sm.BarrierRequest(xid=20),
    mp.DescStatsRequest(xid=21),
    mp.FlowStatsRequest(table_id=0, out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY,
                        cookie=1, cookie_mask=1, match=Match(in_port=2), xid=22),
    mp.AggregateStatsRequest(match=Match(eth_type=0x0806), xid=23),
    mp.PortStatsRequest(port_no=ofp.OFPP_ANY, xid=24),
    mp.PortDescStatsRequest(xid=25),
    mp.TableStatsRequest(xid=26),
    mp.GroupStatsRequest(group_id=ofp.OFPG_ALL, xid=27),
    mp.GroupDescStatsRequest(xid=28),
    mp.MeterStatsRequest(meter_id=ofp.OFPM_ALL, xid=29),
    mp.MeterConfigStatsRequest(meter_id=5, xid=30),
]


@pytest.mark.parametrize("msg", CONTROLLER_TO_SWITCH, ids=lambda m: type(m).__name__)
def test_controller_to_switch_round_trip(dp, msg) -> None:
    ryu_msg = translate.to_ryu(dp, msg)
    assert type(ryu_msg).__module__ == p.__name__
    ryu_msg.serialize()  # Ryu can put it on the wire
    assert len(ryu_msg.buf) >= 8
    assert translate.to_sendim(ryu_msg) == msg


def test_flow_mod_survives_ryus_own_wire_parser(dp) -> None:
    msg = CONTROLLER_TO_SWITCH[0]
    ryu_msg = translate.to_ryu(dp, msg)
    ryu_msg.serialize()
    parsed = translate.parse(dp, bytes(ryu_msg.buf))
    assert isinstance(parsed, p.OFPFlowMod)
    assert translate.to_sendim(parsed) == msg


SWITCH_TO_CONTROLLER = [
    sm.FeaturesReply(datapath_id=0x1A, n_buffers=256, n_tables=254, auxiliary_id=0,
                     capabilities=ofp.OFPC_FLOW_STATS | ofp.OFPC_PORT_STATS, xid=1),
    sm.PacketIn(buffer_id=0xFFFFFFFF, total_len=61, reason=ofp.OFPR_NO_MATCH, table_id=0,
                cookie=0, match=Match(in_port=2), data=bytes(range(61)), xid=0),
    sm.PacketIn(buffer_id=17, total_len=100, reason=ofp.OFPR_ACTION, table_id=3, cookie=9,
                match=Match(in_port=2, metadata=5), data=b"\xff" * 64, xid=0),
    sm.FlowRemoved(cookie=4, priority=10, reason=ofp.OFPRR_IDLE_TIMEOUT, table_id=0,
                   duration_sec=12, duration_nsec=500, idle_timeout=10, hard_timeout=0,
                   packet_count=3, byte_count=300, match=MATCH, xid=0),
    sm.PortStatus(reason=ofp.OFPPR_MODIFY, desc=PORT, xid=0),
    sm.ErrorMsg(type=ofp.OFPET_BAD_REQUEST, code=ofp.OFPBRC_BAD_TYPE, data=b"\x04\x0e" * 8,
                xid=5),
    sm.BarrierReply(xid=6),
    sm.EchoReply(data=b"ping", xid=7),
    sm.EchoRequest(data=b"", xid=8),
    sm.GetConfigReply(flags=0, miss_send_len=128, xid=9),
    mp.DescStatsReply(body=mp.DescStats("sendim", "hw", "sw", "0001", "dp 1"), xid=10),
    mp.FlowStatsReply(body=[
        mp.FlowStats(table_id=0, duration_sec=5, duration_nsec=10, priority=1,
                     idle_timeout=0, hard_timeout=0, flags=0, cookie=0, packet_count=10,
                     byte_count=1000, match=Match(in_port=1, eth_dst="00:00:00:00:00:02"),
                     instructions=[sa.ApplyActions((sa.Output(2),))]),
        mp.FlowStats(table_id=0, priority=0, match=Match(),
                     instructions=[sa.ApplyActions((sa.Output(ofp.OFPP_CONTROLLER, 0xFFFF),))]),
        mp.FlowStats(table_id=1, match=MATCH, instructions=INSTRUCTIONS),
    ], xid=11),
    mp.FlowStatsReply(body=[], xid=12),
    mp.AggregateStatsReply(body=mp.AggregateStats(packet_count=5, byte_count=500,
                                                  flow_count=2), xid=13),
    mp.TableStatsReply(body=[mp.TableStats(0, 3, 100, 90), mp.TableStats(1, 0, 0, 0)], xid=14),
    mp.PortStatsReply(body=[mp.PortStats(port_no=1, rx_packets=1, tx_packets=2, rx_bytes=3,
                                         tx_bytes=4, rx_dropped=5, tx_dropped=6,
                                         duration_sec=7, duration_nsec=8)], xid=15),
    mp.PortDescStatsReply(body=[PORT, sm.Port(port_no=ofp.OFPP_LOCAL, name="s1")], xid=16),
    mp.GroupStatsReply(body=[mp.GroupStats(group_id=7, ref_count=1, packet_count=4,
                                           byte_count=400, duration_sec=1,
                                           bucket_stats=[mp.BucketCounter(1, 100),
                                                         mp.BucketCounter(3, 300)])], xid=17),
    mp.GroupDescStatsReply(body=[mp.GroupDescStats(type=ofp.OFPGT_SELECT, group_id=7,
                                                   buckets=BUCKETS)], xid=18),
    mp.MeterStatsReply(body=[mp.MeterStats(meter_id=5, flow_count=1, packet_in_count=9,
                                           byte_in_count=900, duration_sec=3,
                                           band_stats=[mp.MeterBandStats(2, 200),
                                                       mp.MeterBandStats(0, 0)])], xid=19),
    mp.MeterConfigStatsReply(body=[mp.MeterConfigStats(flags=ofp.OFPMF_KBPS, meter_id=5,
                                                       bands=BANDS)], xid=20),
]


@pytest.mark.parametrize("msg", SWITCH_TO_CONTROLLER, ids=lambda m: type(m).__name__)
def test_switch_to_controller_round_trip(dp, msg) -> None:
    ryu_msg = translate.to_ryu(dp, msg)
    assert ryu_msg.datapath is dp
    assert ryu_msg.xid == msg.xid and ryu_msg.version == ofp.OFP_VERSION
    assert ryu_msg.msg_len == len(ryu_msg.buf)
    assert translate.to_sendim(ryu_msg) == msg


def test_packet_in_looks_like_a_real_switchs(dp) -> None:
    from ryu.lib.packet import ethernet, packet

    frame = packet.Packet()
    frame.add_protocol(ethernet.ethernet(dst="ff:ff:ff:ff:ff:ff", src="00:00:00:00:00:01",
                                         ethertype=0x0806))
    frame.serialize()
    msg = translate.to_ryu(dp, sm.PacketIn(total_len=len(frame.data), match=Match(in_port=4),
                                           data=bytes(frame.data)))
    assert isinstance(msg, p.OFPPacketIn)
    assert msg.match["in_port"] == 4
    eth = packet.Packet(msg.data).get_protocols(ethernet.ethernet)[0]
    assert eth.src == "00:00:00:00:00:01" and eth.dst == "ff:ff:ff:ff:ff:ff"


def test_port_desc_as_ryu_parses_it(dp) -> None:
    reply = translate.to_ryu(dp, mp.PortDescStatsReply(body=[PORT]))
    assert isinstance(reply, p.OFPPortDescStatsReply)
    port = reply.body[0]
    assert isinstance(port, p.OFPPort)
    assert port.name == b"s1-eth3" and port.hw_addr == "00:00:00:00:01:03"
    assert port.curr_speed == 10_000_000


def test_big_multipart_reply_is_split_with_reply_more(dp) -> None:
    body = [mp.FlowStats(table_id=0, priority=i, match=Match(in_port=i % 100 + 1),
                         instructions=[sa.ApplyActions((sa.Output(1),))]) for i in range(3000)]
    parts = translate.to_ryu_all(dp, mp.FlowStatsReply(body=body, xid=3))
    assert len(parts) > 1
    assert all(part.flags & ofp.OFPMPF_REPLY_MORE for part in parts[:-1])
    assert not parts[-1].flags & ofp.OFPMPF_REPLY_MORE
    assert all(part.xid == 3 and part.msg_len <= 0xFFFF for part in parts)
    joined = [s for part in parts for s in translate.to_sendim(part).body]
    assert joined == body
    with pytest.raises(ValueError):
        translate.to_ryu(dp, mp.FlowStatsReply(body=body))


def test_error_msg_carries_the_offending_request(dp) -> None:
    request = sm.FlowMod(priority=1, match=Match(in_port=1), xid=0x1234)
    err = translate.to_ryu(dp, sm.ErrorMsg(type=ofp.OFPET_BAD_ACTION,
                                           code=ofp.OFPBAC_BAD_OUT_PORT, data=request,
                                           xid=0x1234))
    assert isinstance(err, p.OFPErrorMsg)
    version, msg_type, _length, xid = struct.unpack_from("!BBHI", err.data)
    assert (version, msg_type, xid) == (ofp.OFP_VERSION, ofp.OFPT_FLOW_MOD, 0x1234)


def test_apps_style_ryu_messages(dp) -> None:
    """Messages built the way apps build them (incl. Ryu's old match API)."""
    match = p.OFPMatch(in_port=1, eth_dst="00:00:00:00:00:02")
    actions = [p.OFPActionSetField(vlan_vid=0x1000 | 10), p.OFPActionOutput(2)]
    inst = [p.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
    fm = translate.to_sendim(p.OFPFlowMod(dp, priority=1, match=match, instructions=inst))
    assert fm.match == Match(in_port=1, eth_dst="00:00:00:00:00:02")
    assert fm.instructions == [sa.ApplyActions((sa.SetField("vlan_vid", 0x100A),
                                                sa.Output(2)))]
    assert fm.xid == 0 and fm.buffer_id == ofp.OFP_NO_BUFFER
    old = p.OFPMatch()
    old.set_in_port(3)
    old.set_dl_dst(b"\x00\x00\x00\x00\x00\x09")
    assert translate.to_sendim(p.OFPFlowStatsRequest(dp, match=old)).match == \
        Match(in_port=3, eth_dst="00:00:00:00:00:09")
    from ryu.lib.packet import ethernet, packet
    frame = packet.Packet()
    frame.add_protocol(ethernet.ethernet())
    out = translate.to_sendim(p.OFPPacketOut(dp, ofp.OFP_NO_BUFFER, 1,
                                             [p.OFPActionOutput(2)], frame))
    assert len(out.data) == 60 and out.data[:6] == b"\xff" * 6  # Ryu pads to 60


@pytest.mark.parametrize("build,err_type", [
    (lambda dp: p.OFPFlowMod(dp, match=p.OFPMatch(ipv6_src="::1")), ofp.OFPET_BAD_MATCH),
    (lambda dp: p.OFPPacketOut(dp, ofp.OFP_NO_BUFFER, 1, [p.OFPActionPushMpls()], b""),
     ofp.OFPET_BAD_ACTION),
    (lambda dp: p.OFPFlowMod(dp, instructions=[p.OFPInstructionActions(
        ofp.OFPIT_APPLY_ACTIONS, [p.OFPActionSetField(ipv6_dst="::1")])]),
     ofp.OFPET_BAD_ACTION),
    (lambda dp: p.OFPQueueStatsRequest(dp), ofp.OFPET_BAD_REQUEST),
    (lambda dp: p.OFPRoleRequest(dp, ofp.OFPCR_ROLE_EQUAL, 0), ofp.OFPET_BAD_REQUEST),
], ids=["ipv6-match", "push-mpls", "set-ipv6", "queue-stats", "role-request"])
def test_unsupported_features_map_to_openflow_errors(dp, build, err_type) -> None:
    with pytest.raises(Untranslatable) as info:
        translate.to_sendim(build(dp))
    assert info.value.err_type == err_type


@pytest.mark.parametrize("match", [
    Match(), Match(in_port=1), Match(in_port=7, metadata=5), MATCH,
    Match(eth_src=("00:00:00:00:00:01", "ff:ff:ff:00:00:00"), vlan_vid=0x1005, vlan_pcp=3,
          ip_dscp=10, ip_ecn=1, eth_type=0x0806, arp_op=1, arp_spa="10.0.0.1",
          arp_tpa=("10.0.0.0", "255.0.0.0"), arp_sha="00:00:00:00:00:03",
          arp_tha="00:00:00:00:00:04"),
    Match(eth_type=0x0800, ip_proto=17, ipv4_src="10.0.0.1", udp_src=5, udp_dst=6),
    Match(eth_type=0x0800, ip_proto=1, icmpv4_type=8, icmpv4_code=0,
          metadata=(0xF0, 0xFF)),
], ids=lambda m: repr(m)[:40])
def test_fast_match_encoding_is_ryus_bytes(match) -> None:
    from sendim.ryuapp.translate import fields, wire

    expected = bytearray()
    fields.match_to_ryu(match).serialize(expected, 0)
    assert wire._match(match) == bytes(expected)
