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

Import everything from here; the modules are the layers of the codec:
:mod:`~sendim.simulator.packets.wire` (constants, address conversions,
checksums), :mod:`~sendim.simulator.packets.parse` (:class:`Headers`,
parsing), :mod:`~sendim.simulator.packets.build` (builders) and
:mod:`~sendim.simulator.packets.rewrite` (set-field, VLAN, TTL). The names
here are those functions themselves, not wrappers.
"""

from sendim.simulator.packets.wire import (
    ARP_REPLY, ARP_REQUEST, BROADCAST_MAC, ETH_MIN_PAYLOAD, ETH_TYPE_8021AD, ETH_TYPE_8021Q,
    ETH_TYPE_ARP, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_LLDP, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST,
    IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, LLDP_CHASSIS_ID_LOCALLY_ASSIGNED,
    LLDP_MAC_NEAREST_BRIDGE, LLDP_PORT_ID_PORT_COMPONENT, OFPVID_NONE, OFPVID_PRESENT, TCP_ACK,
    TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, VLAN_TYPES, checksum,
    int_to_ip, int_to_mac, ip_to_bytes, ip_to_int, l4_checksum, mac_to_bytes, mac_to_int,
)
from sendim.simulator.packets.parse import HEADER_FIELDS, Headers, parse_headers, parse_lldp
from sendim.simulator.packets.build import (
    arp, arp_reply, arp_request, build_frame, ethernet, icmp, icmp_echo, ipv4, lldp, tcp, udp,
)
from sendim.simulator.packets.rewrite import (
    SETTABLE_FIELDS, dec_ttl, pop_vlan, push_vlan, set_field, verify_checksums,
)

__all__ = [
    # wire: constants
    "ARP_REPLY", "ARP_REQUEST", "BROADCAST_MAC", "ETH_MIN_PAYLOAD", "ETH_TYPE_8021AD",
    "ETH_TYPE_8021Q", "ETH_TYPE_ARP", "ETH_TYPE_IP", "ETH_TYPE_IPV6", "ETH_TYPE_LLDP",
    "ICMP_ECHO_REPLY", "ICMP_ECHO_REQUEST", "IPPROTO_ICMP", "IPPROTO_TCP", "IPPROTO_UDP",
    "LLDP_CHASSIS_ID_LOCALLY_ASSIGNED", "LLDP_MAC_NEAREST_BRIDGE", "LLDP_PORT_ID_PORT_COMPONENT",
    "OFPVID_NONE", "OFPVID_PRESENT", "TCP_ACK", "TCP_CWR", "TCP_ECE", "TCP_FIN", "TCP_PSH",
    "TCP_RST", "TCP_SYN", "TCP_URG", "VLAN_TYPES",
    # wire: conversions and checksums
    "checksum", "int_to_ip", "int_to_mac", "ip_to_bytes", "ip_to_int", "l4_checksum",
    "mac_to_bytes", "mac_to_int",
    # parse
    "HEADER_FIELDS", "Headers", "parse_headers", "parse_lldp",
    # build
    "arp", "arp_reply", "arp_request", "build_frame", "ethernet", "icmp", "icmp_echo", "ipv4",
    "lldp", "tcp", "udp",
    # rewrite
    "SETTABLE_FIELDS", "dec_ttl", "pop_vlan", "push_vlan", "set_field", "verify_checksums",
]
