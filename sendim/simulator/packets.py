"""Packet codec: real wire formats, built and parsed in pure Python.

Builders produce byte-exact frames of the kinds ``ryu.lib.packet`` builds and
parses: Ethernet II (optionally 802.1Q-tagged, padded to 60 bytes like Ryu
does), ARP, IPv4 (header checksum), ICMP echo, TCP and UDP (pseudo-header
checksums) and LLDP as Ryu's topology discovery sends it.

:func:`parse_headers` extracts the OpenFlow 1.3 match fields of a frame into
a :class:`Headers`. Representation (chosen so matching is integer compares):

* MAC addresses are 48-bit ``int`` (``0x000000000001``),
* IPv4 addresses are 32-bit ``int``,
* ``vlan_vid`` follows OXM: ``OFPVID_PRESENT | vid`` for a tagged frame,
  ``OFPVID_NONE`` (0) for an untagged one,
* a field absent from the frame is ``None`` (and never matches).

:func:`mac_to_int`, :func:`int_to_mac`, :func:`ip_to_int`, :func:`int_to_ip`
convert to and from the usual strings. :func:`set_field`, :func:`push_vlan`,
:func:`pop_vlan` and :func:`dec_ttl` rewrite frames and fix checksums.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, fields
from operator import attrgetter

# --- constants ---------------------------------------------------------------

ETH_TYPE_IP = 0x0800
ETH_TYPE_ARP = 0x0806
ETH_TYPE_8021Q = 0x8100
ETH_TYPE_8021AD = 0x88A8
ETH_TYPE_IPV6 = 0x86DD
ETH_TYPE_LLDP = 0x88CC
VLAN_TYPES = (ETH_TYPE_8021Q, ETH_TYPE_8021AD)

IPPROTO_ICMP = 1
IPPROTO_TCP = 6
IPPROTO_UDP = 17

ARP_REQUEST = 1
ARP_REPLY = 2

ICMP_ECHO_REPLY = 0
ICMP_ECHO_REQUEST = 8

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG, TCP_ECE, TCP_CWR = (
    1, 2, 4, 8, 16, 32, 64, 128)

OFPVID_PRESENT = 0x1000
OFPVID_NONE = 0x0000

BROADCAST_MAC = 0xFFFFFFFFFFFF
LLDP_MAC_NEAREST_BRIDGE = 0x0180C200000E
LLDP_CHASSIS_ID_LOCALLY_ASSIGNED = 7
LLDP_PORT_ID_PORT_COMPONENT = 2

ETH_MIN_PAYLOAD = 46  # frames shorter than 60 bytes (no FCS) are padded

_U_ETH = struct.Struct("!HIHIH").unpack_from
_U_TCI = struct.Struct("!HH").unpack_from
_U_IP = struct.Struct("!BBHHHBBHII").unpack_from
_U_ARP = struct.Struct("!HHBBHHIIHII").unpack_from
_U_PORTS = struct.Struct("!HH").unpack_from
_P_IPHDR = struct.Struct("!BBHHHBBHII").pack
_P_H = struct.Struct("!H")
_P_I = struct.Struct("!I")


# --- conversions -----------------------------------------------------------------

def mac_to_int(mac: str | bytes | int) -> int:
    """``'00:00:00:00:00:01'`` (or 6 bytes, or an int) → ``1``."""
    if isinstance(mac, int):
        if not 0 <= mac < 1 << 48:
            raise ValueError(f"MAC {mac!r} out of range")
        return mac
    if isinstance(mac, (bytes, bytearray)):
        if len(mac) != 6:
            raise ValueError(f"MAC must be 6 bytes, got {len(mac)}")
        return int.from_bytes(mac, "big")
    parts = mac.replace("-", ":").split(":")
    if len(parts) != 6 or not all(1 <= len(p) <= 2 for p in parts):
        raise ValueError(f"bad MAC address {mac!r}")
    return int("".join(p.zfill(2) for p in parts), 16)


def int_to_mac(value: int) -> str:
    """``1`` → ``'00:00:00:00:00:01'``."""
    h = f"{value:012x}"
    return ":".join(h[i:i + 2] for i in range(0, 12, 2))


def mac_to_bytes(mac: str | bytes | int) -> bytes:
    """Any MAC representation → 6 bytes."""
    return mac_to_int(mac).to_bytes(6, "big")


def ip_to_int(ip: str | bytes | int) -> int:
    """``'10.0.0.1'`` (or 4 bytes, or an int) → ``0x0a000001``."""
    if isinstance(ip, int):
        if not 0 <= ip < 1 << 32:
            raise ValueError(f"IPv4 address {ip!r} out of range")
        return ip
    if isinstance(ip, (bytes, bytearray)):
        if len(ip) != 4:
            raise ValueError(f"IPv4 address must be 4 bytes, got {len(ip)}")
        return int.from_bytes(ip, "big")
    parts = ip.split(".")
    if len(parts) != 4:
        raise ValueError(f"bad IPv4 address {ip!r}")
    value = 0
    for p in parts:
        b = int(p)
        if not 0 <= b <= 255 or not p.isdigit():
            raise ValueError(f"bad IPv4 address {ip!r}")
        value = value << 8 | b
    return value


def int_to_ip(value: int) -> str:
    """``0x0a000001`` → ``'10.0.0.1'``."""
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


def ip_to_bytes(ip: str | bytes | int) -> bytes:
    """Any IPv4 representation → 4 bytes."""
    return ip_to_int(ip).to_bytes(4, "big")


def checksum(data: bytes) -> int:
    """Internet checksum (RFC 1071), the value Ryu's ``packet_utils`` computes.

    The ones' complement sum of 16-bit words equals the big-endian integer
    value modulo 0xffff, which CPython computes in C.
    """
    if len(data) & 1:
        data = bytes(data) + b"\0"
    x = int.from_bytes(data, "big")
    s = x % 0xFFFF
    if s == 0 and x:
        s = 0xFFFF
    return ~s & 0xFFFF


# --- headers -------------------------------------------------------------------

@dataclass(slots=True)
class Headers:
    """The OpenFlow 1.3 match fields of one packet (``None``: absent).

    ``in_port`` is not a header: :func:`parse_headers` leaves it ``None`` and
    the switch fills it in; ``metadata`` is pipeline state (starts at 0).
    """

    in_port: int | None = None
    metadata: int = 0
    eth_dst: int | None = None
    eth_src: int | None = None
    eth_type: int | None = None
    vlan_vid: int | None = None
    vlan_pcp: int | None = None
    ip_dscp: int | None = None
    ip_ecn: int | None = None
    ip_proto: int | None = None
    ipv4_src: int | None = None
    ipv4_dst: int | None = None
    tcp_src: int | None = None
    tcp_dst: int | None = None
    udp_src: int | None = None
    udp_dst: int | None = None
    icmpv4_type: int | None = None
    icmpv4_code: int | None = None
    arp_op: int | None = None
    arp_spa: int | None = None
    arp_tpa: int | None = None
    arp_sha: int | None = None
    arp_tha: int | None = None

    def copy(self) -> Headers:
        """An independent copy."""
        return Headers(*_ALL(self))

    def present(self) -> dict[str, int]:
        """The fields present, as a dict (in_port included if set)."""
        return {n: v for n, v in zip(HEADER_FIELDS, _ALL(self)) if v is not None}


HEADER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Headers))
_ALL = attrgetter(*HEADER_FIELDS)


def parse_headers(frame: bytes) -> Headers:
    """Parse the match fields of an Ethernet frame (truncation-tolerant).

    VLAN fields come from the outermost tag; ``eth_type`` is the type after
    all tags. TCP/UDP/ICMP fields are parsed only from first fragments.
    """
    n = len(frame)
    if n < 14:
        return Headers()
    dh, dl, sh, sl, et = _U_ETH(frame, 0)
    dst = dh << 32 | dl
    src = sh << 32 | sl
    off = 14
    vid = OFPVID_NONE
    pcp = None
    if et == 0x8100 or et == 0x88A8:
        if n < 18:
            return Headers(None, 0, dst, src, et)
        tci, et = _U_TCI(frame, 14)
        vid = OFPVID_PRESENT | (tci & 0xFFF)
        pcp = tci >> 13
        off = 18
        while (et == 0x8100 or et == 0x88A8) and n >= off + 4:
            et = _U_TCI(frame, off)[1]
            off += 4
    if et == 0x0800 and n >= off + 20:
        vihl, tos, _tl, _id, frag, _ttl, proto, _cs, s, d = _U_IP(frame, off)
        l4 = off + ((vihl & 15) << 2)
        if not frag & 0x1FFF:
            if proto == 6:
                if n >= l4 + 4:
                    a, b = _U_PORTS(frame, l4)
                    return Headers(None, 0, dst, src, et, vid, pcp, tos >> 2, tos & 3, proto, s, d, a, b)
            elif proto == 17:
                if n >= l4 + 4:
                    a, b = _U_PORTS(frame, l4)
                    return Headers(None, 0, dst, src, et, vid, pcp, tos >> 2, tos & 3, proto, s, d,
                                   None, None, a, b)
            elif proto == 1:
                if n >= l4 + 2:
                    return Headers(None, 0, dst, src, et, vid, pcp, tos >> 2, tos & 3, proto, s, d,
                                   None, None, None, None, frame[l4], frame[l4 + 1])
        return Headers(None, 0, dst, src, et, vid, pcp, tos >> 2, tos & 3, proto, s, d)
    if et == 0x0806 and n >= off + 28:
        _ht, _pt, _hl, _pl, op, sha_h, sha_l, spa, tha_h, tha_l, tpa = _U_ARP(frame, off)
        return Headers(None, 0, dst, src, et, vid, pcp, arp_op=op, arp_spa=spa, arp_tpa=tpa,
                       arp_sha=sha_h << 32 | sha_l, arp_tha=tha_h << 32 | tha_l)
    return Headers(None, 0, dst, src, et, vid, pcp)


# --- builders ------------------------------------------------------------------

def ethernet(dst: str | bytes | int, src: str | bytes | int, ethertype: int,
             payload: bytes = b"", vlan: int | None = None, vlan_pcp: int = 0,
             pad: bool = True) -> bytes:
    """An Ethernet II frame (no FCS), 802.1Q-tagged if ``vlan`` is a VID.

    Padded with zeros to 60 bytes as Ryu's ``ethernet.serialize`` does.
    """
    if vlan is not None:
        tci = (vlan_pcp & 7) << 13 | (vlan & 0xFFF)
        head = mac_to_bytes(dst) + mac_to_bytes(src) + struct.pack("!HHH", ETH_TYPE_8021Q, tci, ethertype)
        body_len = 4 + len(payload)
    else:
        head = mac_to_bytes(dst) + mac_to_bytes(src) + _P_H.pack(ethertype)
        body_len = len(payload)
    frame = head + bytes(payload)
    if pad and body_len < ETH_MIN_PAYLOAD:
        frame += bytes(ETH_MIN_PAYLOAD - body_len)
    return frame


def arp(op: int, src_mac, src_ip, dst_mac, dst_ip) -> bytes:
    """A 28-byte ARP packet for Ethernet/IPv4 (the Ethernet payload)."""
    return (struct.pack("!HHBBH", 1, ETH_TYPE_IP, 6, 4, op) + mac_to_bytes(src_mac)
            + ip_to_bytes(src_ip) + mac_to_bytes(dst_mac) + ip_to_bytes(dst_ip))


def arp_request(src_mac, src_ip, dst_ip, vlan: int | None = None) -> bytes:
    """A broadcast ARP request frame (target MAC all zeros)."""
    return ethernet(BROADCAST_MAC, src_mac, ETH_TYPE_ARP,
                    arp(ARP_REQUEST, src_mac, src_ip, 0, dst_ip), vlan=vlan)


def arp_reply(src_mac, src_ip, dst_mac, dst_ip, vlan: int | None = None) -> bytes:
    """A unicast ARP reply frame from ``src`` to ``dst``."""
    return ethernet(dst_mac, src_mac, ETH_TYPE_ARP,
                    arp(ARP_REPLY, src_mac, src_ip, dst_mac, dst_ip), vlan=vlan)


def _pseudo(src: int, dst: int, proto: int, length: int) -> bytes:
    return struct.pack("!IIBBH", src, dst, 0, proto, length)


def l4_checksum(src_ip: int, dst_ip: int, proto: int, segment: bytes) -> int:
    """TCP/UDP checksum of ``segment`` (its checksum field must be zero)."""
    return checksum(_pseudo(src_ip, dst_ip, proto, len(segment)) + segment)


_CSUM_OFF = {IPPROTO_TCP: 16, IPPROTO_UDP: 6}


def _with_l4_checksum(src: int, dst: int, proto: int, segment: bytes) -> bytes:
    off = _CSUM_OFF[proto]
    seg = bytearray(segment)
    seg[off:off + 2] = b"\0\0"
    cs = l4_checksum(src, dst, proto, bytes(seg))
    if proto == IPPROTO_UDP and cs == 0:
        cs = 0xFFFF
    seg[off:off + 2] = _P_H.pack(cs)
    return bytes(seg)


def ipv4(src, dst, proto: int, payload: bytes = b"", ttl: int = 64, dscp: int = 0,
         ecn: int = 0, identification: int = 0, flags: int = 0, fragment_offset: int = 0,
         fix_l4_checksum: bool = True) -> bytes:
    """An IPv4 packet (20-byte header with checksum, then ``payload``).

    With ``fix_l4_checksum`` the TCP/UDP checksum of ``payload`` is (re)computed
    over the pseudo header of this packet.
    """
    s, d = ip_to_int(src), ip_to_int(dst)
    if fix_l4_checksum and proto in _CSUM_OFF and fragment_offset == 0 and not flags & 1:
        payload = _with_l4_checksum(s, d, proto, payload)
    hdr = _P_IPHDR(0x45, (dscp << 2) | (ecn & 3), 20 + len(payload), identification,
                   (flags & 7) << 13 | (fragment_offset & 0x1FFF), ttl, proto, 0, s, d)
    return hdr[:10] + _P_H.pack(checksum(hdr)) + hdr[12:] + bytes(payload)


def icmp(type_: int, code: int, body: bytes = b"") -> bytes:
    """An ICMP message with checksum (``body`` follows the 4-byte header)."""
    msg = bytes([type_, code]) + b"\0\0" + bytes(body)
    return msg[:2] + _P_H.pack(checksum(msg)) + msg[4:]


def icmp_echo(ident: int = 0, seq: int = 0, data: bytes = b"", reply: bool = False) -> bytes:
    """An ICMP echo request (or reply) message with checksum."""
    return icmp(ICMP_ECHO_REPLY if reply else ICMP_ECHO_REQUEST, 0,
                struct.pack("!HH", ident, seq) + bytes(data))


def tcp(src_port: int, dst_port: int, payload: bytes = b"", seq: int = 0, ack: int = 0,
        flags: int = TCP_ACK, window: int = 65535, urgent: int = 0,
        src_ip=None, dst_ip=None) -> bytes:
    """A TCP segment (20-byte header). The checksum is computed when both IPs
    are given; :func:`ipv4` fills it in anyway."""
    seg = struct.pack("!HHIIBBHHH", src_port, dst_port, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      5 << 4, flags & 0xFF, window, 0, urgent) + bytes(payload)
    if src_ip is not None and dst_ip is not None:
        seg = _with_l4_checksum(ip_to_int(src_ip), ip_to_int(dst_ip), IPPROTO_TCP, seg)
    return seg


def udp(src_port: int, dst_port: int, payload: bytes = b"", src_ip=None, dst_ip=None) -> bytes:
    """A UDP datagram. The checksum is computed when both IPs are given;
    :func:`ipv4` fills it in anyway."""
    seg = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0) + bytes(payload)
    if src_ip is not None and dst_ip is not None:
        seg = _with_l4_checksum(ip_to_int(src_ip), ip_to_int(dst_ip), IPPROTO_UDP, seg)
    return seg


def _tlv(type_: int, value: bytes) -> bytes:
    return _P_H.pack(type_ << 9 | len(value)) + value


def lldp(dpid: int, port_no: int, src_mac, ttl: int = 120) -> bytes:
    """The LLDP frame Ryu's ``switches`` app sends (``LLDPPacket.lldp_packet``).

    Chassis id subtype 7 ``b'dpid:%016x'``, port id subtype 2 holding the port
    number as 4 bytes big-endian, TTL, End; to 01:80:c2:00:00:0e, padded.
    """
    body = (_tlv(1, bytes([LLDP_CHASSIS_ID_LOCALLY_ASSIGNED]) + b"dpid:%016x" % dpid)
            + _tlv(2, bytes([LLDP_PORT_ID_PORT_COMPONENT]) + _P_I.pack(port_no))
            + _tlv(3, _P_H.pack(ttl)) + _tlv(0, b""))
    return ethernet(LLDP_MAC_NEAREST_BRIDGE, src_mac, ETH_TYPE_LLDP, body)


def parse_lldp(frame: bytes) -> tuple[int, int, int] | None:
    """``(dpid, port_no, ttl)`` of a Ryu-style LLDP frame, else ``None``."""
    et = frame[12] << 8 | frame[13] if len(frame) >= 14 else 0
    off = 14
    while et in VLAN_TYPES and len(frame) >= off + 4:
        et = frame[off + 2] << 8 | frame[off + 3]
        off += 4
    if et != ETH_TYPE_LLDP:
        return None
    dpid = port = ttl = None
    while off + 2 <= len(frame):
        th = frame[off] << 8 | frame[off + 1]
        t, ln = th >> 9, th & 0x1FF
        v = frame[off + 2:off + 2 + ln]
        off += 2 + ln
        if t == 0:
            break
        if t == 1 and v[:1] == bytes([LLDP_CHASSIS_ID_LOCALLY_ASSIGNED]) and v[1:6] == b"dpid:":
            try:
                dpid = int(v[6:], 16)
            except ValueError:
                return None
        elif t == 2 and v[:1] == bytes([LLDP_PORT_ID_PORT_COMPONENT]) and len(v) == 5:
            port = int.from_bytes(v[1:], "big")
        elif t == 3 and len(v) == 2:
            ttl = int.from_bytes(v, "big")
    if dpid is None or port is None:
        return None
    return dpid, port, ttl if ttl is not None else 0


def build_frame(eth_src, eth_dst, *, eth_type: int | None = None, vlan: int | None = None,
                vlan_pcp: int = 0, ipv4_src=None, ipv4_dst=None, ip_proto: int | None = None,
                ip_dscp: int = 0, ttl: int = 64, tcp_src: int | None = None,
                tcp_dst: int | None = None, tcp_flags: int = TCP_ACK, udp_src: int | None = None,
                udp_dst: int | None = None, icmpv4_type: int = ICMP_ECHO_REQUEST,
                icmpv4_code: int = 0, payload: bytes = b"", size: int | None = None) -> bytes:
    """Convenience builder keyed by match-field names.

    With IPv4 addresses the L4 protocol is ``ip_proto`` or inferred from the
    tcp_*/udp_* ports given (default ICMP echo). Without IPv4 addresses an
    ``eth_type`` frame carrying ``payload`` is built. ``size`` pads the
    payload so the frame (no FCS) is ``size`` bytes long.
    """
    if ipv4_src is None and ipv4_dst is None:
        fixed = 14 + (4 if vlan is not None else 0)
        if size is not None and size > fixed + len(payload):
            payload = bytes(payload) + bytes(size - fixed - len(payload))
        return ethernet(eth_dst, eth_src, eth_type if eth_type is not None else 0x88B5,
                        payload, vlan=vlan, vlan_pcp=vlan_pcp)
    if ip_proto is None:
        ip_proto = (IPPROTO_TCP if tcp_src is not None or tcp_dst is not None else
                    IPPROTO_UDP if udp_src is not None or udp_dst is not None else IPPROTO_ICMP)
    hdr = {IPPROTO_TCP: 20, IPPROTO_UDP: 8, IPPROTO_ICMP: 8}.get(ip_proto, 0)
    fixed = 14 + (4 if vlan is not None else 0) + 20 + hdr
    if size is not None and size > fixed + len(payload):
        payload = bytes(payload) + bytes(size - fixed - len(payload))
    if ip_proto == IPPROTO_TCP:
        l4 = tcp(tcp_src or 0, tcp_dst or 0, payload, flags=tcp_flags)
    elif ip_proto == IPPROTO_UDP:
        l4 = udp(udp_src or 0, udp_dst or 0, payload)
    elif ip_proto == IPPROTO_ICMP:
        l4 = icmp(icmpv4_type, icmpv4_code, b"\0\0\0\0" + bytes(payload))
    else:
        l4 = bytes(payload)
    pkt = ipv4(ipv4_src if ipv4_src is not None else 0, ipv4_dst if ipv4_dst is not None else 0,
               ip_proto, l4, ttl=ttl, dscp=ip_dscp)
    return ethernet(eth_dst, eth_src, ETH_TYPE_IP, pkt, vlan=vlan, vlan_pcp=vlan_pcp)


# --- rewriting -----------------------------------------------------------------

def _l3(frame: bytes | bytearray) -> tuple[int, int, int]:
    """(eth_type after tags, L3 offset, offset of the outermost TCI or -1)."""
    et = frame[12] << 8 | frame[13]
    off, tci = 14, -1
    if et in VLAN_TYPES:
        tci = 14
        while et in VLAN_TYPES and len(frame) >= off + 4:
            et = frame[off + 2] << 8 | frame[off + 3]
            off += 4
    return et, off, tci


def _fix_ip(buf: bytearray, off: int) -> None:
    ihl = (buf[off] & 15) << 2
    buf[off + 10:off + 12] = b"\0\0"
    buf[off + 10:off + 12] = _P_H.pack(checksum(bytes(buf[off:off + ihl])))


def _fix_l4(buf: bytearray, off: int) -> None:
    """Recompute the TCP/UDP/ICMP checksum of the IPv4 packet at ``off``."""
    ihl = (buf[off] & 15) << 2
    if (buf[off + 6] << 8 | buf[off + 7]) & 0x3FFF:  # fragment: leave alone
        return
    proto = buf[off + 9]
    total = buf[off + 2] << 8 | buf[off + 3]
    l4, end = off + ihl, min(off + total, len(buf))
    if proto in _CSUM_OFF:
        c = l4 + _CSUM_OFF[proto]
        if c + 2 > end or (proto == IPPROTO_UDP and buf[c] == 0 and buf[c + 1] == 0):
            return  # truncated, or UDP without checksum
        buf[c:c + 2] = b"\0\0"
        src, dst = struct.unpack_from("!II", buf, off + 12)
        cs = l4_checksum(src, dst, proto, bytes(buf[l4:end]))
        if proto == IPPROTO_UDP and cs == 0:
            cs = 0xFFFF
        buf[c:c + 2] = _P_H.pack(cs)
    elif proto == IPPROTO_ICMP and l4 + 4 <= end:
        buf[l4 + 2:l4 + 4] = b"\0\0"
        buf[l4 + 2:l4 + 4] = _P_H.pack(checksum(bytes(buf[l4:end])))


_MAC_OFF = {"eth_dst": 0, "eth_src": 6}
_ARP = {"arp_op": (6, 2), "arp_sha": (8, 6), "arp_spa": (14, 4), "arp_tha": (18, 6),
        "arp_tpa": (24, 4)}
_IP_ADDR = {"ipv4_src": 12, "ipv4_dst": 16}
_L4_PORT = {"tcp_src": (IPPROTO_TCP, 0), "tcp_dst": (IPPROTO_TCP, 2),
            "udp_src": (IPPROTO_UDP, 0), "udp_dst": (IPPROTO_UDP, 2),
            "icmpv4_type": (IPPROTO_ICMP, 0), "icmpv4_code": (IPPROTO_ICMP, 1)}
SETTABLE_FIELDS = frozenset({"vlan_vid", "vlan_pcp", "ip_dscp", "ip_ecn", *_MAC_OFF, *_ARP,
                             *_IP_ADDR, *_L4_PORT})


def set_field(frame: bytes, field: str, value: int) -> bytes:
    """``frame`` with one match field rewritten and checksums fixed.

    A field the frame does not have is left alone (the frame is returned
    unchanged), as is an unknown field name.
    """
    if len(frame) < 14:
        return frame
    if field in _MAC_OFF:
        o = _MAC_OFF[field]
        return frame[:o] + value.to_bytes(6, "big") + frame[o + 6:]
    et, off, tci = _l3(frame)
    buf = bytearray(frame)
    if field == "vlan_vid" or field == "vlan_pcp":
        if tci < 0:
            return frame
        t = buf[tci] << 8 | buf[tci + 1]
        t = (t & 0xF000) | (value & 0xFFF) if field == "vlan_vid" else (t & 0x1FFF) | (value & 7) << 13
        buf[tci:tci + 2] = _P_H.pack(t)
        return bytes(buf)
    if field in _ARP:
        if et != ETH_TYPE_ARP or len(buf) < off + 28:
            return frame
        o, w = _ARP[field]
        buf[off + o:off + o + w] = value.to_bytes(w, "big")
        return bytes(buf)
    if et != ETH_TYPE_IP or len(buf) < off + 20:
        return frame
    if field in _IP_ADDR:
        o = off + _IP_ADDR[field]
        buf[o:o + 4] = _P_I.pack(value)
    elif field == "ip_dscp":
        buf[off + 1] = (value & 63) << 2 | (buf[off + 1] & 3)
    elif field == "ip_ecn":
        buf[off + 1] = (buf[off + 1] & 0xFC) | (value & 3)
    elif field in _L4_PORT:
        proto, o = _L4_PORT[field]
        l4 = off + ((buf[off] & 15) << 2)
        if buf[off + 9] != proto or (buf[off + 6] << 8 | buf[off + 7]) & 0x1FFF:
            return frame
        if proto == IPPROTO_ICMP:
            if len(buf) < l4 + 2:
                return frame
            buf[l4 + o] = value & 0xFF
        else:
            if len(buf) < l4 + 4:
                return frame
            buf[l4 + o:l4 + o + 2] = _P_H.pack(value)
        _fix_l4(buf, off)
        return bytes(buf)
    else:
        return frame
    _fix_ip(buf, off)
    if field in _IP_ADDR:
        _fix_l4(buf, off)
    return bytes(buf)


def push_vlan(frame: bytes, ethertype: int = ETH_TYPE_8021Q) -> bytes:
    """Push an outer VLAN tag; VID/PCP copied from an existing tag, else 0."""
    tci = frame[14:16] if (frame[12] << 8 | frame[13]) in VLAN_TYPES else b"\0\0"
    return frame[:12] + _P_H.pack(ethertype) + tci + frame[12:]


def pop_vlan(frame: bytes) -> bytes:
    """Remove the outermost VLAN tag (no-op for an untagged frame)."""
    if len(frame) < 18 or (frame[12] << 8 | frame[13]) not in VLAN_TYPES:
        return frame
    return frame[:12] + frame[16:]


def dec_ttl(frame: bytes) -> bytes | None:
    """Decrement the IPv4 TTL (checksum fixed); ``None`` if the TTL is 0 or 1
    (invalid: the packet must not be forwarded). Non-IPv4 frames are returned
    unchanged."""
    et, off, _ = _l3(frame)
    if et != ETH_TYPE_IP or len(frame) < off + 20:
        return frame
    if frame[off + 8] <= 1:
        return None
    buf = bytearray(frame)
    buf[off + 8] -= 1
    _fix_ip(buf, off)
    return bytes(buf)


def verify_checksums(frame: bytes) -> bool:
    """True if the IPv4 header checksum and the TCP/UDP/ICMP checksum of
    ``frame`` are valid (frames without IPv4 are trivially valid)."""
    et, off, _ = _l3(frame)
    if et != ETH_TYPE_IP:
        return True
    ihl = (frame[off] & 15) << 2
    if checksum(frame[off:off + ihl]) != 0:
        return False
    buf = bytearray(frame)
    before = bytes(buf)
    _fix_l4(buf, off)
    return bytes(buf) == before
