"""Open-loop traffic for packet and chunk granularity: UDP and ping.

* :class:`UdpStream` sends datagrams at a constant bit rate (CBR) or with
  exponential gaps of the same mean (Poisson), for ``duration`` seconds or
  until ``size`` bytes have left; losses are what does not arrive.
* :class:`Pinger` sends ICMP echo requests every ``interval`` and records the
  round-trip time of each reply (a ping flow, or one pair of a pingall).

Sending times follow the flow's own seeded generator, so adding a flow never
changes another's arrivals.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from sendim.simulator import packets as pk
from sendim.simulator.hosts import EchoReplyTag
from sendim.simulator.links import Frame
from sendim.simulator.records import FlowRecord, PingRecord
from sendim.simulator.timing import Call

if TYPE_CHECKING:
    from sendim.simulator.engine import Simulation
    from sendim.simulator.hosts import SimHost

UDP_HEADERS = 28          # IPv4 + UDP
ICMP_HEADERS = 28         # IPv4 + ICMP echo
PING_TIMEOUT = 3.0        # seconds a reply may take after the last request


def udp_packet(src: "SimHost", dst: "SimHost", sport: int, dport: int, payload: int) -> bytes:
    """An IPv4 packet carrying a UDP datagram with *payload* zero bytes."""
    return pk.ipv4(src.ip, dst.ip, pk.IPPROTO_UDP, pk.udp(sport, dport, bytes(payload)))


class UdpStream:
    """CBR or Poisson datagrams from ``src`` to ``dst``.

    With ``tcp`` the datagrams are TCP segments without a handshake or
    congestion control (an open-loop TCP source at a fixed rate).
    """

    def __init__(self, sim: "Simulation", rec: FlowRecord, src: "SimHost", dst: "SimHost",
                 payload: int, chunked: bool, poisson: bool, rng: random.Random,
                 tcp: bool = False) -> None:
        flow = rec.flow
        self.sim, self.env, self.rec = sim, sim.env, rec
        self.src, self.dst = src, dst
        self.payload = payload
        headers = 40 if tcp else UDP_HEADERS
        proto = pk.IPPROTO_TCP if tcp else pk.IPPROTO_UDP

        def packet(n: int) -> bytes:
            if tcp:
                return pk.ipv4(src.ip, dst.ip, proto, pk.tcp(rec.src_port, rec.dst_port, bytes(n)))
            return udp_packet(src, dst, rec.src_port, rec.dst_port, n)

        if chunked:
            self.pkt = packet(0)
            self.wire: int | None = payload + headers + 14
        else:
            self.pkt = packet(payload)
            self.wire = None
        bits = (payload + headers) * 8.0
        self.gap = bits / flow.rate if flow.rate else 0.0
        self.poisson = poisson
        self.rng = rng
        self.count = math.ceil(flow.size / payload) if flow.size is not None else math.inf
        self.stop_at = rec.start_s + flow.duration if flow.duration is not None else math.inf
        self.seq = 0
        dst.bind(proto, rec.dst_port, src.ip, rec.src_port, self._receive)

    def start(self) -> None:
        self._tick()

    def _tick(self) -> None:
        now = self.env.now
        if self.seq >= self.count or now >= self.stop_at:
            self.sim.flow_done(self.rec, grace=True)
            return
        rec = self.rec
        rec.tx_frames += 1
        rec.offered += self.payload
        self.src.send_ip(self.dst.ip, self.pkt, self.seq, self.wire)
        self.seq += 1
        gap = self.rng.expovariate(1.0 / self.gap) if self.poisson and self.gap else self.gap
        Call(self.env, gap, self._tick)

    def _receive(self, frame: Frame, l4: int, src_ip: int) -> None:
        rec = self.rec
        now = self.env.now
        rec.frame_arrived(frame.path, now)
        rec.bytes += self.payload
        rec.end = now


class Pinger:
    """ICMP echo requests from ``src`` to ``dst`` every *interval*, *count* times."""

    def __init__(self, sim: "Simulation", record: PingRecord, src: "SimHost", dst: "SimHost",
                 ident: int, count: int, interval: float, payload: int,
                 on_done: Callable[[], None], timeout: float = PING_TIMEOUT) -> None:
        self.sim, self.env = sim, sim.env
        self.record = record
        self.src, self.dst = src, dst
        self.ident = ident & 0xFFFF
        self.count = max(1, count)
        self.interval = interval
        self.timeout = timeout
        self.body = bytes(max(0, payload))
        self.sent_at: dict[int, float] = {}
        self.on_done = on_done
        self.finished = False
        src.bind_ping(self.ident, self._reply)

    def start(self) -> None:
        self._send()

    def _send(self) -> None:
        seq = self.record.sent
        pkt = pk.ipv4(self.src.ip, self.dst.ip, pk.IPPROTO_ICMP,
                      pk.icmp_echo(self.ident, seq & 0xFFFF, self.body))
        self.sent_at[seq] = self.env.now
        self.record.sent += 1
        self.src.send_ip(self.dst.ip, pkt, ("ping", self.ident, seq))
        if self.record.sent < self.count:
            Call(self.env, self.interval, self._send)
        else:
            Call(self.env, self.timeout, self._finish)

    def _reply(self, frame: Frame) -> None:
        reply = frame.tag
        if self.finished or type(reply) is not EchoReplyTag:
            return
        tag = reply.request
        if type(tag) is not tuple or len(tag) != 3 or tag[0] != "ping" or tag[1] != self.ident:
            return
        sent = self.sent_at.pop(tag[2], None)
        if sent is None:
            return                       # duplicate reply
        rec = self.record
        rec.received += 1
        rec.last_rx = self.env.now
        rec.rtts.append(self.env.now - sent)
        if rec.path is None and reply.path is not None:
            rec.path = [sw for sw, _ in reply.path]
        if rec.received == self.count:
            self._finish()

    def _finish(self) -> None:
        if not self.finished:
            self.finished = True
            self.on_done()
