"""Simulated end hosts: a small Linux-like stack on one interface.

A :class:`SimHost` resolves neighbours with ARP (broadcast request, cache,
retries every second, at most three; packets wait in a bounded queue
meanwhile), answers ARP requests for its address and ICMP echo requests,
and hands TCP/UDP segments and echo replies to the endpoints registered on
it. Every frame it sends is a real Ethernet frame (``ryu.lib.packet`` parses
it); it drops frames that are not for its MAC (or broadcast) and IPv4
packets that are not for its address, as a host without promiscuous mode or
forwarding would.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sendim.model import Host
from sendim.simulator import packets as pk
from sendim.simulator.links import Channel, Frame, Lineage, SimLink
from sendim.simulator.timing import Call

if TYPE_CHECKING:
    from simpy import Environment

ARP_RETRIES = 3          # requests before giving up (Linux: ucast/mcast_solicit)
ARP_RETRY_S = 1.0        # seconds between requests (Linux: retrans_time_ms)
ARP_QUEUE = 101          # packets waiting per unresolved neighbour (Linux: unres_qlen)

_BCAST = b"\xff" * 6
_IP_TYPE = b"\x08\x00"
_ARP_TYPE = b"\x08\x06"
_U16 = struct.Struct("!H").unpack_from

Handler = Callable[[Frame, int, int], None]
"""``handler(frame, l4_offset, src_ip)`` for a segment addressed to an endpoint."""


class EchoReplyTag:
    """The tag of an echo reply: the request's tag and the path it took."""

    __slots__ = ("request", "path")

    def __init__(self, request: Any, path: tuple | None) -> None:
        self.request = request
        self.path = path


def eth_frame(dst_mac: bytes, src_mac: bytes, ip_packet: bytes) -> bytes:
    """An Ethernet II IPv4 frame, padded to 60 bytes like Ryu's serializer."""
    frame = dst_mac + src_mac + _IP_TYPE + ip_packet
    if len(frame) < 60:
        frame += bytes(60 - len(frame))
    return frame


class SimHost:
    """One host: ARP, ICMP echo, and dispatch of TCP/UDP to endpoints."""

    def __init__(self, env: "Environment", model: Host) -> None:
        self.env = env
        self.model = model
        self.id = model.id
        self.mac = pk.mac_to_int(model.mac)
        self.mac_b = self.mac.to_bytes(6, "big")
        self.ip = pk.ip_to_int(model.address)
        self.ip_b = self.ip.to_bytes(4, "big")
        self.out: Channel | None = None      # the channel leaving the host, set by the simulation
        self.link: SimLink | None = None      # the host's one link
        self.up = True
        self.arp: dict[int, bytes] = {}       # ip → mac (6 bytes)
        self._pending: dict[int, list[tuple]] = {}
        self._arp_timer: dict[int, Call] = {}
        self._endpoints: dict[tuple[int, int, int, int], Handler] = {}
        self._pings: dict[int, Callable[[Frame], None]] = {}
        self.rx_frames = 0
        self.rx_ignored = 0
        self.tx_frames = 0
        self.arp_failures = 0
        self.dropped_unresolved = 0

    # -- endpoints --------------------------------------------------------
    def bind(self, proto: int, local_port: int, remote_ip: int, remote_port: int,
             handler: Handler) -> None:
        """Deliver segments (proto, from remote_ip:remote_port to local_port) to *handler*."""
        self._endpoints[(proto, local_port, remote_ip, remote_port)] = handler

    def bind_ping(self, ident: int, handler: Callable[[Frame], None]) -> None:
        """Deliver echo replies carrying *ident* to *handler*."""
        self._pings[ident] = handler

    # -- sending ------------------------------------------------------------
    def send_ip(self, dst_ip: int, ip_packet: bytes, tag: Any = None,
                size: int | None = None) -> None:
        """Send an IPv4 packet to *dst_ip*, resolving its MAC first if needed.

        *size* is the wire size when it differs from the frame (chunks).
        """
        if not self.up:
            return
        mac = self.arp.get(dst_ip)
        if mac is not None:
            self._emit(eth_frame(mac, self.mac_b, ip_packet), tag, size)
            return
        queue = self._pending.get(dst_ip)
        if queue is None:
            self._pending[dst_ip] = [(ip_packet, tag, size)]
            self._solicit(dst_ip, ARP_RETRIES)
        elif len(queue) < ARP_QUEUE:
            queue.append((ip_packet, tag, size))
        else:
            self.dropped_unresolved += 1

    def _emit(self, data: bytes, tag: Any, size: int | None = None) -> None:
        out = self.out
        if out is None:
            return
        self.tx_frames += 1
        out.send(Frame(data, size or len(data), Lineage(), (), tag, self.env.now))

    def _solicit(self, ip: int, left: int) -> None:
        if ip not in self._pending or not self.up:
            self._arp_timer.pop(ip, None)
            return
        if left == 0:
            self.arp_failures += 1
            self.dropped_unresolved += len(self._pending.pop(ip))
            self._arp_timer.pop(ip, None)
            return
        self._emit(pk.arp_request(self.mac, self.ip, ip), None)
        self._arp_timer[ip] = Call(self.env, ARP_RETRY_S, self._solicit, (ip, left - 1))

    def _learn(self, ip: int, mac: int) -> None:
        mac_b = mac.to_bytes(6, "big")
        self.arp[ip] = mac_b
        waiting = self._pending.pop(ip, None)
        timer = self._arp_timer.pop(ip, None)
        if timer is not None:
            timer.cancel()
        if waiting:
            for ip_packet, tag, size in waiting:
                self._emit(eth_frame(mac_b, self.mac_b, ip_packet), tag, size)

    # -- receiving ----------------------------------------------------------
    def receive(self, frame: Frame, port: int) -> None:
        """A frame arrived on the host's interface."""
        if not self.up:
            return
        data = frame.data
        dst = data[0:6]
        if dst != self.mac_b and dst != _BCAST:
            self.rx_ignored += 1
            return
        self.rx_frames += 1
        etype = data[12:14]
        if etype == _IP_TYPE:
            self._ipv4(frame, data)
        elif etype == _ARP_TYPE:
            self._arp(data)
        else:
            self.rx_ignored += 1       # LLDP, VLAN-tagged, ... not for this stack

    def _arp(self, data: bytes) -> None:
        h = pk.parse_headers(data)
        if h.arp_tpa != self.ip or h.arp_spa is None:
            return
        if h.arp_op == pk.ARP_REQUEST:
            self._learn(h.arp_spa, h.arp_sha)
            self._emit(pk.arp_reply(self.mac, self.ip, h.arp_sha, h.arp_spa), None)
        elif h.arp_op == pk.ARP_REPLY:
            self._learn(h.arp_spa, h.arp_sha)

    def _ipv4(self, frame: Frame, data: bytes) -> None:
        if len(data) < 34 or data[30:34] != self.ip_b:
            self.rx_ignored += 1
            return
        l4 = 14 + ((data[14] & 15) << 2)
        proto = data[23]
        src_ip = int.from_bytes(data[26:30], "big")
        if proto == pk.IPPROTO_TCP or proto == pk.IPPROTO_UDP:
            sport, dport = _U16(data, l4)[0], _U16(data, l4 + 2)[0]
            handler = self._endpoints.get((proto, dport, src_ip, sport))
            if handler is None:
                self.rx_ignored += 1
                return
            handler(frame, l4, src_ip)
        elif proto == pk.IPPROTO_ICMP:
            kind = data[l4]
            if kind == pk.ICMP_ECHO_REQUEST:
                self._echo_reply(frame, data, l4, src_ip)
            elif kind == pk.ICMP_ECHO_REPLY:
                handler = self._pings.get(_U16(data, l4 + 4)[0])
                if handler is not None:
                    handler(frame)
        else:
            self.rx_ignored += 1

    def _echo_reply(self, frame: Frame, data: bytes, l4: int, src_ip: int) -> None:
        total = _U16(data, 16)[0]
        ident, seq = _U16(data, l4 + 4)[0], _U16(data, l4 + 6)[0]
        body = data[l4 + 8:14 + total]
        reply = pk.ipv4(self.ip, src_ip, pk.IPPROTO_ICMP, pk.icmp_echo(ident, seq, body, reply=True))
        self.send_ip(src_ip, reply, EchoReplyTag(frame.tag, frame.path))

    # -- life cycle -----------------------------------------------------------
    def set_up(self, up: bool) -> None:
        """A node-down event powers the host off: caches and queues are lost."""
        self.up = up
        if not up:
            self.arp.clear()
            for timer in self._arp_timer.values():
                timer.cancel()
            self._arp_timer.clear()
            for queue in self._pending.values():
                self.dropped_unresolved += len(queue)
            self._pending.clear()
