"""Parsing: the OpenFlow 1.3 match fields of a frame, and Ryu-style LLDP.

:func:`parse_headers` runs once per packet at every switch; it reads the
frame with precompiled :class:`struct.Struct` unpackers and builds the
:class:`Headers` positionally.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, fields
from operator import attrgetter

from sendim.simulator.packets.wire import (
    ETH_TYPE_LLDP, LLDP_CHASSIS_ID_LOCALLY_ASSIGNED, LLDP_PORT_ID_PORT_COMPONENT, OFPVID_NONE,
    OFPVID_PRESENT, VLAN_TYPES,
)

_U_ETH = struct.Struct("!HIHIH").unpack_from
_U_TCI = struct.Struct("!HH").unpack_from
_U_IP = struct.Struct("!BBHHHBBHII").unpack_from
_U_ARP = struct.Struct("!HHBBHHIIHII").unpack_from
_U_PORTS = struct.Struct("!HH").unpack_from


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
