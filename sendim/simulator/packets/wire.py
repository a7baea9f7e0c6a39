"""Wire constants, address conversions and the Internet checksum.

The layer every other part of :mod:`sendim.simulator.packets` builds on:
EtherType/IP-protocol/ARP/ICMP/TCP constants, MAC and IPv4 address
conversions (``int`` is the working representation), and the RFC 1071
checksum with the TCP/UDP pseudo-header variant.
"""

from __future__ import annotations

import struct

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


# --- checksums -------------------------------------------------------------------

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


def _pseudo(src: int, dst: int, proto: int, length: int) -> bytes:
    return struct.pack("!IIBBH", src, dst, 0, proto, length)


def l4_checksum(src_ip: int, dst_ip: int, proto: int, segment: bytes) -> int:
    """TCP/UDP checksum of ``segment`` (its checksum field must be zero)."""
    return checksum(_pseudo(src_ip, dst_ip, proto, len(segment)) + segment)


L4_CHECKSUM_OFFSET = {IPPROTO_TCP: 16, IPPROTO_UDP: 6}
"""Offset of the checksum field in a TCP and in a UDP header."""
