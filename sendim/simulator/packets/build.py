"""Builders: byte-exact Ethernet, ARP, IPv4, ICMP, TCP, UDP and LLDP.

Each returns ``bytes`` as ``ryu.lib.packet`` would serialize it (Ethernet
padded to 60 bytes, checksums filled in); :func:`build_frame` composes them
from match-field names.
"""

from __future__ import annotations

import struct

from sendim.simulator.packets.wire import (
    ARP_REPLY, ARP_REQUEST, BROADCAST_MAC, ETH_MIN_PAYLOAD, ETH_TYPE_8021Q, ETH_TYPE_ARP,
    ETH_TYPE_IP, ETH_TYPE_LLDP, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, IPPROTO_ICMP, IPPROTO_TCP,
    IPPROTO_UDP, LLDP_CHASSIS_ID_LOCALLY_ASSIGNED, LLDP_MAC_NEAREST_BRIDGE,
    LLDP_PORT_ID_PORT_COMPONENT, TCP_ACK, checksum, ip_to_bytes, ip_to_int, l4_checksum,
    mac_to_bytes,
)
from sendim.simulator.packets.wire import L4_CHECKSUM_OFFSET as _CSUM_OFF

_P_IPHDR = struct.Struct("!BBHHHBBHII").pack
# Defined here, not imported: CPython 3.11+ compiles ``name.pack(...)`` on an
# imported name as LOAD_ATTR (a bound method per call) instead of LOAD_METHOD.
_P_H = struct.Struct("!H")
_P_I = struct.Struct("!I")


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
