"""Rewriting: OpenFlow set-field, push/pop VLAN and decrement-TTL on frames.

Each returns a new frame with the IPv4 header and TCP/UDP/ICMP checksums
fixed; :func:`verify_checksums` checks them.
"""

from __future__ import annotations

import struct

from sendim.simulator.packets.wire import (
    ETH_TYPE_8021Q, ETH_TYPE_ARP, ETH_TYPE_IP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP,
    VLAN_TYPES, checksum, l4_checksum,
)
from sendim.simulator.packets.wire import L4_CHECKSUM_OFFSET as _CSUM_OFF

# Defined here, not imported: CPython 3.11+ compiles ``name.pack(...)`` on an
# imported name as LOAD_ATTR (a bound method per call) instead of LOAD_METHOD.
_P_H = struct.Struct("!H")
_P_I = struct.Struct("!I")


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
