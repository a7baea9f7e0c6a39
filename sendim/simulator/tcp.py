"""A bulk TCP-like transfer for packet and chunk granularity.

Real frames both ways: a SYN / SYN-ACK handshake, data segments, one
cumulative ACK per segment. The sender follows Reno with SACK closely
enough for throughput to mean something: slow start from an initial window
of 10 segments, congestion avoidance (+1 segment per RTT), fast recovery on
three duplicate ACKs that halves the window and retransmits every hole the
SACK scoreboard shows, conserving the pipe (RFC 6675 in spirit; each ACK
names the segment that triggered it, the first SACK block of RFC 2018), and
a retransmission timeout per RFC 6298 (SRTT/RTTVAR from timestamps echoed by
the receiver, minimum 200 ms as Linux, exponential backoff) that falls back
to slow start and go-back-N. The receiver keeps out-of-order segments. The
sender's own NIC queue pushes back instead of dropping, as TCP small queues
do on Linux: losses happen in the network.

Sequence numbers count segments; they travel in the frame's tag (the bytes
carry a per-flow template header), so the switches see real TCP headers
while the simulator avoids rebuilding checksums per segment. A segment is
``mss`` application bytes; the wire carries ``mss + headers`` bytes (for
chunk granularity one frame stands for a whole chunk).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sendim.simulator import packets as pk
from sendim.simulator.links import Frame
from sendim.simulator.records import FlowRecord
from sendim.simulator.timing import Call

if TYPE_CHECKING:
    from sendim.simulator.engine import Simulation
    from sendim.simulator.hosts import SimHost

INITIAL_WINDOW = 10
MAX_WINDOW = 4096            # segments (a receive window)
RTO_INITIAL = 1.0
RTO_MIN = 0.2
RTO_MAX = 60.0
SYN_RETRIES = 6
DATA_RETRIES = 15            # consecutive timeouts before giving up (Linux tcp_retries2)
TCP_HEADERS = 40             # IPv4 + TCP
ETH_HEADER = 14

SYN, SYNACK, DATA, ACK = 0, 1, 2, 3


def segment_packet(src: "SimHost", dst: "SimHost", sport: int, dport: int,
                   payload: int, flags: int) -> bytes:
    """An IPv4 packet carrying a TCP segment with *payload* zero bytes."""
    return pk.ipv4(src.ip, dst.ip, pk.IPPROTO_TCP,
                   pk.tcp(sport, dport, bytes(payload), flags=flags))


class TcpTransfer:
    """Sender on ``src``, receiver on ``dst``; updates ``rec`` as bytes arrive."""

    def __init__(self, sim: "Simulation", rec: FlowRecord, src: "SimHost", dst: "SimHost",
                 mss: int, chunked: bool) -> None:
        flow = rec.flow
        self.sim = sim
        self.env = sim.env
        self.rec = rec
        self.src, self.dst = src, dst
        sport, dport = rec.src_port, rec.dst_port
        self.mss = mss
        self.size = flow.size
        self.stop_at = rec.start_s + flow.duration if flow.duration is not None else None
        # segments to send: known for sized flows, decided at stop_at otherwise
        self.total: float = math.ceil(flow.size / mss) if flow.size is not None else math.inf
        wire = mss + TCP_HEADERS + ETH_HEADER
        if chunked:
            self.data_pkt = segment_packet(src, dst, sport, dport, 0, pk.TCP_ACK | pk.TCP_PSH)
            self.wire = wire
        else:
            self.data_pkt = segment_packet(src, dst, sport, dport, mss, pk.TCP_ACK | pk.TCP_PSH)
            self.wire = None
        self.syn_pkt = segment_packet(src, dst, sport, dport, 0, pk.TCP_SYN)
        self.synack_pkt = segment_packet(dst, src, dport, sport, 0, pk.TCP_SYN | pk.TCP_ACK)
        self.ack_pkt = segment_packet(dst, src, dport, sport, 0, pk.TCP_ACK)
        src.bind(pk.IPPROTO_TCP, sport, dst.ip, dport, self._at_sender)
        dst.bind(pk.IPPROTO_TCP, dport, src.ip, sport, self._at_receiver)
        # sender state
        self.established = False
        self.finished = False
        self.snd_una = 0
        self.snd_nxt = 0
        self.high = 0                 # highest segment ever sent + 1
        self.cwnd = float(INITIAL_WINDOW)
        self.ssthresh = float(MAX_WINDOW)
        self.dupacks = 0
        self.recover = -1             # in loss recovery while snd_una < recover
        self.sacked: set[int] = set()  # segments above snd_una the receiver holds
        self.hi_sacked = -1
        self.rtx_next = 0             # next hole to retransmit in recovery
        self.sacked_below = 0         # SACKed segments in [snd_una, rtx_next)
        self._waking = False
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.rto = RTO_INITIAL
        self.backoffs = 0
        self.deadline = math.inf
        self._timer: Call | None = None
        # receiver state
        self.rcv_nxt = 0
        self.ooo: set[int] = set()
        self.syn_seen = False

    # -- sender -----------------------------------------------------------------
    def start(self) -> None:
        self._send_syn(SYN_RETRIES)

    def _send_syn(self, left: int) -> None:
        if self.established or self.finished:
            return
        if left < 0:
            self._fail("no answer to SYN")
            return
        self.src.send_ip(self.dst.ip, self.syn_pkt, (SYN, 0, self.env.now))
        Call(self.env, RTO_INITIAL * 2 ** (SYN_RETRIES - left), self._send_syn, (left - 1,))

    def _fail(self, why: str) -> None:
        self.finished = True
        self.rec.failed = why
        self.sim.flow_done(self.rec)

    def _at_sender(self, frame: Frame, l4: int, src_ip: int) -> None:
        tag = frame.tag
        if self.finished or type(tag) is not tuple:
            return
        kind = tag[0]
        if kind == SYNACK:
            if not self.established:
                self.established = True
                self._rtt_sample(self.env.now - tag[2])
                if self.stop_at is not None:
                    Call(self.env, max(0.0, self.stop_at - self.env.now), self._stop_sending)
                self._send_more()
        elif kind == ACK:
            self._on_ack(tag[1], tag[2], tag[3])

    def _stop_sending(self) -> None:
        if self.total == math.inf:
            self.total = self.high
            if self.snd_nxt > self.total:
                self.snd_nxt = self.total
            if self.rcv_nxt >= self.total and not self.finished:
                self._complete(self.env.now)

    def _send_more(self) -> None:
        if self.finished:
            return
        if self.stop_at is not None and self.total == math.inf and self.env.now >= self.stop_at:
            self._stop_sending()
        while True:
            if self.recover >= 0:                       # SACK recovery (RFC 6675-like)
                if self._pipe() >= self.cwnd:
                    break
                hole = self._next_hole()
                if hole is not None:
                    if not self._room():
                        break
                    self._send(hole)
                    self.rtx_next = hole + 1
                    continue
            elif self.snd_nxt - self.snd_una - len(self.sacked) >= self.cwnd:
                break
            if self.snd_nxt >= self.total or self.snd_nxt >= self.snd_una + MAX_WINDOW:
                break
            if not self._room():
                break
            self._send(self.snd_nxt)
            self.snd_nxt += 1
        if self.snd_una < self.snd_nxt and self._timer is None:
            self._arm()

    def _room(self) -> bool:
        """The sender's own NIC queue pushes back instead of dropping (as TSQ)."""
        wait = self.src.out.room(self.env.now, self.wire or self.mss + TCP_HEADERS + ETH_HEADER) \
            if self.src.out is not None else 0.0
        if wait <= 0:
            return True
        if not self._waking:
            self._waking = True
            Call(self.env, wait, self._wake)
        return False

    def _wake(self) -> None:
        self._waking = False
        self._send_more()

    def _pipe(self) -> float:
        """Segments believed in the network (outstanding - SACKed - lost)."""
        lost = 0
        if self.hi_sacked >= self.rtx_next:
            span = self.hi_sacked - self.rtx_next
            lost = span - (len(self.sacked) - self.sacked_below - 1)
        return self.snd_nxt - self.snd_una - len(self.sacked) - max(0, lost)

    def _next_hole(self) -> int | None:
        """The lowest segment not SACKed and not yet retransmitted, below the highest SACK."""
        nxt = self.rtx_next
        sacked = self.sacked
        while nxt in sacked:
            nxt += 1
            self.sacked_below += 1
        self.rtx_next = nxt
        return nxt if nxt < self.hi_sacked else None

    def _send(self, seq: int) -> None:
        rec = self.rec
        rec.tx_frames += 1
        if seq < self.high:
            rec.retransmits += 1
        else:
            self.high = seq + 1
            rec.offered += self._payload(seq)
        self.src.send_ip(self.dst.ip, self.data_pkt, (DATA, seq, self.env.now), self.wire)

    def _payload(self, seq: int) -> int:
        if self.size is not None and seq == self.total - 1:
            return self.size - seq * self.mss
        return self.mss

    def _on_ack(self, ack: int, sack: int, echoed: float) -> None:
        sacked = self.sacked
        if ack <= sack < self.snd_nxt and sack not in sacked:
            sacked.add(sack)
            if sack > self.hi_sacked:
                self.hi_sacked = sack
            if sack < self.rtx_next:
                self.sacked_below += 1
        if ack > self.snd_una:
            newly = ack - self.snd_una
            if sacked:
                removed = 0
                for seq in range(self.snd_una, ack):
                    if seq in sacked:
                        sacked.discard(seq)
                        removed += 1
                self.sacked_below = max(0, self.sacked_below - removed)
                if self.hi_sacked < ack:
                    self.hi_sacked = -1
            self.snd_una = ack
            if self.rtx_next < ack:
                self.rtx_next = ack
                self.sacked_below = 0
            if self.snd_nxt < ack:
                self.snd_nxt = ack
            self.dupacks = 0
            self.backoffs = 0
            self._rtt_sample(self.env.now - echoed)
            if self.recover >= 0:
                if ack >= self.recover:                  # recovery over
                    self.cwnd = self.ssthresh
                    self.recover = -1
            elif self.cwnd < self.ssthresh:
                self.cwnd += newly
            else:
                self.cwnd += newly / self.cwnd
            if self.cwnd > MAX_WINDOW:
                self.cwnd = float(MAX_WINDOW)
            self.deadline = self.env.now + self.rto if self.snd_una < self.snd_nxt else math.inf
        elif ack == self.snd_una and self.snd_una < self.snd_nxt:
            self.dupacks += 1
        if (self.recover < 0 and self.snd_una < self.snd_nxt
                and (self.dupacks >= 3 or len(sacked) >= 3)):
            flight = self.snd_nxt - self.snd_una - len(sacked)
            self.ssthresh = max(flight / 2.0, 2.0)
            self.cwnd = self.ssthresh
            self.recover = self.snd_nxt
            self.rtx_next = self.snd_una
            self.sacked_below = 0
        self._send_more()

    def _rtt_sample(self, r: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = r, r / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - r)
            self.srtt = 0.875 * self.srtt + 0.125 * r
        self.rto = min(RTO_MAX, max(RTO_MIN, self.srtt + 4 * self.rttvar))

    def _arm(self) -> None:
        self.deadline = self.env.now + self.rto
        self._timer = Call(self.env, self.rto, self._check_timer)

    def _check_timer(self) -> None:
        self._timer = None
        if self.finished or self.snd_una >= self.snd_nxt:
            return
        now = self.env.now
        if now < self.deadline:
            self._timer = Call(self.env, self.deadline - now, self._check_timer)
            return
        self.backoffs += 1
        if self.backoffs > DATA_RETRIES:
            self._fail("retransmission timeout")
            return
        flight = self.snd_nxt - self.snd_una - len(self.sacked)
        self.ssthresh = max(flight / 2.0, 2.0)
        self.cwnd = 1.0
        self.recover = -1
        self.dupacks = 0
        self.snd_nxt = self.snd_una
        self.sacked.clear()          # go back N: the receiver drops what it has
        self.hi_sacked = -1
        self.rtx_next = self.snd_una
        self.sacked_below = 0
        self.rto = min(RTO_MAX, self.rto * 2)
        self._send_more()
        self.deadline = now + self.rto
        if self._timer is None:
            self._arm()

    # -- receiver ---------------------------------------------------------------
    def _at_receiver(self, frame: Frame, l4: int, src_ip: int) -> None:
        tag = frame.tag
        if type(tag) is not tuple:
            return
        kind = tag[0]
        now = self.env.now
        if kind == SYN:
            self.dst.send_ip(self.src.ip, self.synack_pkt, (SYNACK, 0, tag[2]))
            return
        if kind != DATA:
            return
        rec = self.rec
        rec.frame_arrived(frame.path, now)
        seq = tag[1]
        if seq == self.rcv_nxt:
            nxt = seq + 1
            ooo = self.ooo
            while nxt in ooo:
                ooo.discard(nxt)
                nxt += 1
            self.rcv_nxt = nxt
            got = nxt * self.mss
            rec.bytes = min(got, self.size) if self.size is not None else got
        elif seq > self.rcv_nxt:
            self.ooo.add(seq)
        self.dst.send_ip(self.src.ip, self.ack_pkt, (ACK, self.rcv_nxt, seq, tag[2]))
        if self.rcv_nxt >= self.total and not self.finished:
            self._complete(now)

    def _complete(self, now: float) -> None:
        self.finished = True
        self.rec.end = now
        self.sim.flow_done(self.rec)
