"""Packet codec: known-good bytes, checksums, round trips, rewriting."""

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendim.simulator import packets as pk


def ref_checksum(data: bytes) -> int:
    """RFC 1071 the slow way: add 16-bit words, fold carries, complement."""
    if len(data) % 2:
        data += b"\0"
    s = 0
    for i in range(0, len(data), 2):
        s += data[i] << 8 | data[i + 1]
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# --- conversions ----------------------------------------------------------------

def test_mac_and_ip_conversions():
    assert pk.mac_to_int("00:00:00:00:00:01") == 1
    assert pk.mac_to_int("AA:bb:cc:dd:ee:ff") == 0xAABBCCDDEEFF
    assert pk.mac_to_int(b"\x01\x02\x03\x04\x05\x06") == 0x010203040506
    assert pk.int_to_mac(0x0A0B0C0D0E0F) == "0a:0b:0c:0d:0e:0f"
    assert pk.mac_to_bytes("01:02:03:04:05:06") == bytes(range(1, 7))
    assert pk.ip_to_int("10.0.0.1") == 0x0A000001
    assert pk.int_to_ip(0xC0A80001) == "192.168.0.1"
    assert pk.ip_to_bytes("1.2.3.4") == b"\x01\x02\x03\x04"
    for bad in ("1.2.3", "1.2.3.256", "a.b.c.d"):
        with pytest.raises(ValueError):
            pk.ip_to_int(bad)
    for bad in ("00:00:00:00:00", "00:00:00:00:00:001", 1 << 48):
        with pytest.raises(ValueError):
            pk.mac_to_int(bad)


@given(st.integers(0, (1 << 48) - 1), st.integers(0, (1 << 32) - 1))
def test_conversion_round_trips(mac, ip):
    assert pk.mac_to_int(pk.int_to_mac(mac)) == mac
    assert pk.ip_to_int(pk.int_to_ip(ip)) == ip


# --- checksums ------------------------------------------------------------------

def test_rfc1071_example():
    assert pk.checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0x220D


@given(st.binary(max_size=200))
def test_checksum_matches_reference(data):
    assert pk.checksum(data) == ref_checksum(data)


def test_checksum_of_ones_complement_zero_sum():
    # Words summing to 0xffff: Ryu's fold gives checksum 0, so must we.
    assert pk.checksum(b"\xff\xff") == 0 == ref_checksum(b"\xff\xff")
    assert pk.checksum(b"\x00\x00") == 0xFFFF


def test_wikipedia_ipv4_header():
    # https://en.wikipedia.org/wiki/Internet_checksum example header (csum b861)
    pkt = pk.ipv4("192.168.0.1", "192.168.0.199", 17, bytes(0x73 - 20), ttl=64, flags=2,
                  fix_l4_checksum=False)
    assert pkt[:20] == bytes.fromhex("450000730000400040 11b861c0a80001c0a800c7".replace(" ", ""))


# --- known-good frames ------------------------------------------------------------

def test_arp_request_bytes():
    frame = pk.arp_request("00:00:00:00:00:01", "10.0.0.1", "10.0.0.2")
    expected = bytes.fromhex(
        "ffffffffffff" "000000000001" "0806"            # Ethernet
        "0001" "0800" "06" "04" "0001"                  # htype ptype hlen plen op
        "000000000001" "0a000001" "000000000000" "0a000002") + bytes(18)  # pad to 60
    assert frame == expected


def test_arp_reply_and_vlan_tag_bytes():
    frame = pk.arp_reply("00:00:00:00:00:02", "10.0.0.2", "00:00:00:00:00:01", "10.0.0.1",
                         vlan=10)
    assert frame[:18] == bytes.fromhex("000000000001" "000000000002" "8100" "000a" "0806")
    assert frame[18 + 6:18 + 8] == b"\x00\x02"
    assert len(frame) == 60


def test_icmp_echo_bytes():
    msg = pk.icmp_echo(ident=0x1234, seq=1, data=b"abcdefgh")
    body = bytes.fromhex("0800" "0000" "1234" "0001") + b"abcdefgh"
    cs = ref_checksum(body)
    assert msg == body[:2] + struct.pack("!H", cs) + body[4:]
    assert pk.icmp_echo(reply=True)[0] == 0


def test_lldp_bytes_as_ryu_sends_them():
    frame = pk.lldp(dpid=0x1, port_no=3, src_mac="00:00:00:00:00:aa", ttl=120)
    body = (bytes.fromhex("0216") + b"\x07" + b"dpid:0000000000000001"   # chassis id, subtype 7
            + bytes.fromhex("0405") + b"\x02" + (3).to_bytes(4, "big")   # port id, subtype 2
            + bytes.fromhex("0602" "0078")                              # TTL 120
            + bytes.fromhex("0000"))                                    # End
    expected = bytes.fromhex("0180c200000e" "0000000000aa" "88cc") + body
    expected += bytes(60 - len(expected))
    assert frame == expected
    assert pk.parse_lldp(frame) == (1, 3, 120)
    assert pk.parse_lldp(pk.arp_request(1, 1, 2)) is None
    h = pk.parse_headers(frame)
    assert (h.eth_type, h.eth_dst, h.ipv4_src) == (pk.ETH_TYPE_LLDP, pk.LLDP_MAC_NEAREST_BRIDGE, None)


def test_tcp_and_udp_checksums_against_reference():
    for proto, seg in ((6, pk.tcp(1234, 80, b"hello", seq=7, ack=9, flags=pk.TCP_SYN | pk.TCP_ACK)),
                       (17, pk.udp(5353, 53, b"query!"))):
        pkt = pk.ipv4("10.0.0.1", "10.0.0.2", proto, seg)
        l4 = bytearray(pkt[20:])
        off = 16 if proto == 6 else 6
        got = l4[off] << 8 | l4[off + 1]
        l4[off:off + 2] = b"\0\0"
        pseudo = pk.ip_to_bytes("10.0.0.1") + pk.ip_to_bytes("10.0.0.2") + bytes([0, proto]) \
            + struct.pack("!H", len(l4))
        assert got == ref_checksum(pseudo + bytes(l4))
        assert ref_checksum(pkt[:20]) == 0
        # standalone with IPs gives the same segment
        if proto == 6:
            assert pk.tcp(1234, 80, b"hello", seq=7, ack=9, flags=pk.TCP_SYN | pk.TCP_ACK,
                          src_ip="10.0.0.1", dst_ip="10.0.0.2") == pkt[20:]
        else:
            assert pk.udp(5353, 53, b"query!", src_ip="10.0.0.1", dst_ip="10.0.0.2") == pkt[20:]


def test_tcp_header_fields():
    seg = pk.tcp(1, 2, seq=0x01020304, ack=0x05060708, flags=pk.TCP_FIN | pk.TCP_PSH, window=1000)
    sp, dp, seq, ack, off, flags, win = struct.unpack_from("!HHIIBBH", seg)
    assert (sp, dp, seq, ack, off >> 4, flags, win) == (1, 2, 0x01020304, 0x05060708, 5, 9, 1000)


# --- parsing ----------------------------------------------------------------------

def test_parse_all_fields_tcp_vlan():
    f = pk.build_frame("00:00:00:00:00:01", "00:00:00:00:00:02", vlan=100, vlan_pcp=5,
                       ipv4_src="10.0.0.1", ipv4_dst="10.0.0.2", tcp_src=1234, tcp_dst=80,
                       ip_dscp=46)
    h = pk.parse_headers(f)
    assert h.eth_src == 1 and h.eth_dst == 2 and h.eth_type == pk.ETH_TYPE_IP
    assert h.vlan_vid == pk.OFPVID_PRESENT | 100 and h.vlan_pcp == 5
    assert (h.ip_proto, h.ip_dscp, h.ipv4_src, h.ipv4_dst) == (6, 46, 0x0A000001, 0x0A000002)
    assert (h.tcp_src, h.tcp_dst, h.udp_src, h.icmpv4_type) == (1234, 80, None, None)
    assert h.in_port is None and h.arp_op is None
    assert pk.verify_checksums(f)


def test_parse_untagged_udp_icmp_arp():
    h = pk.parse_headers(pk.build_frame(1, 2, ipv4_src=1, ipv4_dst=2, udp_src=5, udp_dst=6))
    assert (h.vlan_vid, h.vlan_pcp, h.ip_proto, h.udp_src, h.udp_dst, h.tcp_src) == (0, None, 17, 5, 6, None)
    h = pk.parse_headers(pk.build_frame(1, 2, ipv4_src=1, ipv4_dst=2, icmpv4_type=0))
    assert (h.ip_proto, h.icmpv4_type, h.icmpv4_code) == (1, 0, 0)
    h = pk.parse_headers(pk.arp_reply(1, "10.0.0.1", 2, "10.0.0.2"))
    assert (h.arp_op, h.arp_sha, h.arp_spa, h.arp_tha, h.arp_tpa) == (2, 1, 0x0A000001, 2, 0x0A000002)
    assert h.ipv4_src is None


def test_parse_qinq_uses_outer_tag_and_inner_type():
    f = pk.push_vlan(pk.build_frame(1, 2, vlan=20, ipv4_src=1, ipv4_dst=2), pk.ETH_TYPE_8021AD)
    f = pk.set_field(f, "vlan_vid", 30)
    h = pk.parse_headers(f)
    assert h.vlan_vid == pk.OFPVID_PRESENT | 30 and h.eth_type == pk.ETH_TYPE_IP
    assert h.ipv4_dst == 2


def test_parse_truncated_and_fragments():
    f = pk.build_frame(1, 2, ipv4_src=1, ipv4_dst=2, tcp_src=1, tcp_dst=2)
    assert pk.parse_headers(f[:10]).eth_dst is None
    h = pk.parse_headers(f[:30])
    assert h.eth_type == pk.ETH_TYPE_IP and h.ipv4_src is None
    frag = pk.ethernet(2, 1, pk.ETH_TYPE_IP, pk.ipv4(1, 2, 6, bytes(20), fragment_offset=10))
    h = pk.parse_headers(frag)
    assert h.ip_proto == 6 and h.tcp_src is None


@settings(max_examples=60)
@given(src=st.integers(0, (1 << 48) - 1), dst=st.integers(0, (1 << 48) - 1),
       ips=st.tuples(st.integers(0, (1 << 32) - 1), st.integers(0, (1 << 32) - 1)),
       ports=st.tuples(st.integers(0, 65535), st.integers(0, 65535)),
       proto=st.sampled_from(["tcp", "udp", "icmp"]), vlan=st.none() | st.integers(0, 4095),
       payload=st.binary(max_size=64), size=st.none() | st.integers(0, 1500))
def test_build_parse_round_trip(src, dst, ips, ports, proto, vlan, payload, size):
    kw = {"tcp": dict(tcp_src=ports[0], tcp_dst=ports[1]),
          "udp": dict(udp_src=ports[0], udp_dst=ports[1]),
          "icmp": dict(icmpv4_type=8)}[proto]
    f = pk.build_frame(src, dst, ipv4_src=ips[0], ipv4_dst=ips[1], vlan=vlan, payload=payload,
                       size=size, **kw)
    assert len(f) >= 60 and (size is None or len(f) >= size)
    if size is not None and size >= 60 + len(payload) + 60:
        assert len(f) == size
    h = pk.parse_headers(f)
    assert (h.eth_src, h.eth_dst, h.ipv4_src, h.ipv4_dst) == (src, dst, ips[0], ips[1])
    assert h.vlan_vid == (0 if vlan is None else pk.OFPVID_PRESENT | vlan)
    for k, v in kw.items():
        assert getattr(h, k) == v
    assert pk.verify_checksums(f)


# --- rewriting --------------------------------------------------------------------

REWRITES = [("eth_src", 0x0A0B0C0D0E0F), ("eth_dst", 0xFFFFFFFFFFFF), ("ipv4_src", 0xC0A80101),
            ("ipv4_dst", 0x08080808), ("ip_dscp", 10), ("ip_ecn", 1)]


@pytest.mark.parametrize("proto", ["tcp", "udp", "icmp"])
@pytest.mark.parametrize("field,value", REWRITES + [("l4_src", 4242), ("l4_dst", 53)])
def test_set_field_keeps_checksums_valid(proto, field, value):
    kw = {"tcp": dict(tcp_src=1000, tcp_dst=80), "udp": dict(udp_src=1000, udp_dst=53),
          "icmp": dict(icmpv4_type=8)}[proto]
    f = pk.build_frame(1, 2, ipv4_src="10.0.0.1", ipv4_dst="10.0.0.2", vlan=7,
                       payload=b"some payload bytes", **kw)
    if field.startswith("l4_"):
        field = {"tcp": "tcp_", "udp": "udp_", "icmp": "icmpv4_"}[proto] + (
            "type" if proto == "icmp" and field == "l4_src" else
            "code" if proto == "icmp" else field[3:])
        value = value & 0xFF if proto == "icmp" else value
    g = pk.set_field(f, field, value)
    assert len(g) == len(f)
    assert pk.verify_checksums(g)
    before, after = pk.parse_headers(f).present(), pk.parse_headers(g).present()
    assert after[field] == value
    assert {k: v for k, v in after.items() if k != field} == {k: v for k, v in before.items() if k != field}


def test_set_field_udp_without_checksum_stays_without():
    seg = pk.udp(1, 2, b"x")
    pkt = pk.ipv4(1, 2, 17, seg, fix_l4_checksum=False)
    f = pk.ethernet(2, 1, pk.ETH_TYPE_IP, pkt)
    g = pk.set_field(f, "ipv4_src", 99)
    assert g[14 + 20 + 6:14 + 20 + 8] == b"\0\0"
    assert pk.verify_checksums(g)


def test_set_field_absent_field_is_noop():
    arp = pk.arp_request(1, "10.0.0.1", "10.0.0.2")
    assert pk.set_field(arp, "ipv4_src", 5) == arp
    assert pk.set_field(arp, "vlan_vid", 5) == arp
    assert pk.parse_headers(pk.set_field(arp, "arp_tpa", 7)).arp_tpa == 7
    udp = pk.build_frame(1, 2, ipv4_src=1, ipv4_dst=2, udp_src=1, udp_dst=2)
    assert pk.set_field(udp, "tcp_dst", 5) == udp


def test_vlan_push_pop_and_pcp():
    f = pk.build_frame(1, 2, ipv4_src=1, ipv4_dst=2, udp_src=3, udp_dst=4)
    g = pk.push_vlan(f)
    assert pk.parse_headers(g).vlan_vid == pk.OFPVID_PRESENT | 0
    g = pk.set_field(pk.set_field(g, "vlan_vid", pk.OFPVID_PRESENT | 42), "vlan_pcp", 3)
    h = pk.parse_headers(g)
    assert (h.vlan_vid, h.vlan_pcp, h.udp_dst) == (pk.OFPVID_PRESENT | 42, 3, 4)
    assert pk.push_vlan(g)[14:16] == g[14:16]  # VID/PCP copied into the new outer tag
    assert pk.pop_vlan(g) == f
    assert pk.pop_vlan(f) == f
    assert pk.verify_checksums(g)


def test_dec_ttl():
    f = pk.build_frame(1, 2, ipv4_src=1, ipv4_dst=2, tcp_src=1, tcp_dst=2, ttl=2)
    g = pk.dec_ttl(f)
    assert g[14 + 8] == 1 and pk.verify_checksums(g)
    assert pk.dec_ttl(g) is None
    arp = pk.arp_request(1, 1, 2)
    assert pk.dec_ttl(arp) == arp


# --- cross-check with ryu.lib.packet (when ryu is installed) -------------------------

def _ryu():
    return pytest.importorskip("ryu.lib.packet.packet")


def _ryu_bytes(*protos):
    packet = _ryu()
    p = packet.Packet()
    for x in protos:
        p.add_protocol(x)
    p.serialize()
    return bytes(p.data)


@pytest.mark.ryu
def test_ryu_serializes_the_same_bytes():
    _ryu()
    from ryu.lib.packet import arp, ethernet, icmp, ipv4, lldp, tcp, udp, vlan
    a, b = "00:00:00:00:00:01", "00:00:00:00:00:02"
    assert _ryu_bytes(ethernet.ethernet("ff:ff:ff:ff:ff:ff", a, 0x0806),
                      arp.arp_ip(1, a, "10.0.0.1", "00:00:00:00:00:00", "10.0.0.2")) \
        == pk.arp_request(a, "10.0.0.1", "10.0.0.2")
    assert _ryu_bytes(ethernet.ethernet(b, a, 0x0800),
                      ipv4.ipv4(ttl=64, proto=6, src="10.0.0.1", dst="10.0.0.2"),
                      tcp.tcp(src_port=1234, dst_port=80, seq=7, ack=9,
                              bits=tcp.TCP_SYN | tcp.TCP_ACK, window_size=65535), b"hello") \
        == pk.ethernet(b, a, 0x0800, pk.ipv4("10.0.0.1", "10.0.0.2", 6, pk.tcp(
            1234, 80, b"hello", seq=7, ack=9, flags=pk.TCP_SYN | pk.TCP_ACK)))
    assert _ryu_bytes(ethernet.ethernet(b, a, 0x8100), vlan.vlan(pcp=3, vid=42, ethertype=0x0800),
                      ipv4.ipv4(ttl=64, proto=17, src="10.0.0.1", dst="10.0.0.2"),
                      udp.udp(src_port=5353, dst_port=53), b"query") \
        == pk.ethernet(b, a, 0x0800, pk.ipv4("10.0.0.1", "10.0.0.2", 17, pk.udp(5353, 53, b"query")),
                       vlan=42, vlan_pcp=3)
    assert _ryu_bytes(ethernet.ethernet(b, a, 0x0800),
                      ipv4.ipv4(ttl=64, proto=1, src="10.0.0.1", dst="10.0.0.2"),
                      icmp.icmp(type_=8, code=0, data=icmp.echo(id_=0x1234, seq=1, data=b"abcdefgh"))) \
        == pk.ethernet(b, a, 0x0800, pk.ipv4("10.0.0.1", "10.0.0.2", 1, pk.icmp_echo(0x1234, 1, b"abcdefgh")))
    # What ryu.topology.switches.LLDPPacket.lldp_packet builds:
    tlvs = (lldp.ChassisID(subtype=lldp.ChassisID.SUB_LOCALLY_ASSIGNED, chassis_id=b"dpid:%016x" % 5),
            lldp.PortID(subtype=lldp.PortID.SUB_PORT_COMPONENT, port_id=struct.pack("!I", 7)),
            lldp.TTL(ttl=120), lldp.End())
    assert _ryu_bytes(ethernet.ethernet(lldp.LLDP_MAC_NEAREST_BRIDGE, "00:00:00:00:00:aa", 0x88CC),
                      lldp.lldp(tlvs)) == pk.lldp(5, 7, "00:00:00:00:00:aa", 120)


@pytest.mark.ryu
@settings(max_examples=40, deadline=None)
@given(src=st.integers(0, (1 << 48) - 1), ips=st.tuples(st.integers(0, (1 << 32) - 1),
                                                        st.integers(0, (1 << 32) - 1)),
       ports=st.tuples(st.integers(0, 65535), st.integers(0, 65535)),
       proto=st.sampled_from(["tcp", "udp", "icmp"]), vlan=st.none() | st.integers(1, 4095),
       rewrite=st.sampled_from(REWRITES))
def test_ryu_parses_our_frames_and_checksums(src, ips, ports, proto, vlan, rewrite):
    packet = _ryu()
    from ryu.lib.packet import ethernet, icmp, ipv4, tcp, udp
    from ryu.lib.packet import vlan as rvlan
    kw = {"tcp": dict(tcp_src=ports[0], tcp_dst=ports[1]),
          "udp": dict(udp_src=ports[0], udp_dst=ports[1]), "icmp": {}}[proto]
    f = pk.set_field(pk.build_frame(src, 2, ipv4_src=ips[0], ipv4_dst=ips[1], vlan=vlan,
                                    payload=b"data", **kw), *rewrite)
    h = pk.parse_headers(f)
    p = packet.Packet(f)
    eth = p.get_protocol(ethernet.ethernet)
    assert pk.mac_to_int(eth.src) == h.eth_src and pk.mac_to_int(eth.dst) == h.eth_dst
    if vlan is not None:
        assert p.get_protocol(rvlan.vlan).vid == h.vlan_vid & 0xFFF
    ip = p.get_protocol(ipv4.ipv4)
    assert (pk.ip_to_int(ip.src), pk.ip_to_int(ip.dst), ip.tos >> 2) == (h.ipv4_src, h.ipv4_dst, h.ip_dscp)
    l4 = p.get_protocol({"tcp": tcp.tcp, "udp": udp.udp, "icmp": icmp.icmp}[proto])
    # Re-serialising with csum=0 makes ryu recompute every checksum: same bytes.
    ip.csum = 0
    l4.csum = 0
    if proto != "icmp":
        assert (l4.src_port, l4.dst_port) == ((h.tcp_src, h.tcp_dst) if proto == "tcp" else (h.udp_src, h.udp_dst))
    p.serialize()
    assert bytes(p.data)[:len(f)] == f
