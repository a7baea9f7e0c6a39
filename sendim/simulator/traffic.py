"""Turning the model's flows (and ``--pingall``) into sources in the simulation.

Each flow starts at ``max(flow.start, sim.traffic_start)`` (settle, or when the control plane is up) with the machinery its
granularity and traffic shape call for:

=================  ==========================================================
ping / ICMP        :class:`~sendim.simulator.sources.Pinger` (always per packet)
granularity flow   :class:`~sendim.simulator.fluidflows.FluidFlow`
bulk TCP           :class:`~sendim.simulator.tcp.TcpTransfer` (packets or chunks)
CBR, Poisson, UDP  :class:`~sendim.simulator.sources.UdpStream` (open loop; a
                   bulk UDP flow without a rate sends at its host link's rate)
=================  ==========================================================

Transport ports: the flow's, else source port ``10000 + index`` (mod 50000)
and destination port 5001 (iperf's). Ping identifiers count per source host.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from typing import TYPE_CHECKING

from sendim.model import Granularity, Protocol, Traffic
from sendim.simulator.records import FlowRecord, PingRecord
from sendim.simulator.sources import ICMP_HEADERS, UDP_HEADERS, Pinger, UdpStream
from sendim.simulator.tcp import TCP_HEADERS, TcpTransfer
from sendim.simulator.timing import Call

if TYPE_CHECKING:
    from sendim.simulator.engine import Simulation
    from sendim.simulator.hosts import SimHost

PINGALL_PAYLOAD = 56          # bytes, as ping's default
PINGALL_TIMEOUT = 1.0         # seconds to wait for each pingall reply (ping -W 1)
OPEN_LOOP_DEFAULT_BPS = 1e9   # a rate-less UDP flow on an unlimited link


def schedule_traffic(sim: "Simulation") -> int:
    """Schedule every flow (and the pingall); returns how many units of traffic
    the simulation must see finish (see :meth:`Simulation.flow_done`)."""
    active = 0
    idents: dict[str, int] = {}
    for index, flow in enumerate(sim.system.flows):
        traffic = flow.traffic or Traffic.BULK
        rec = FlowRecord(flow, index, flow.granularity.value, traffic.value,
                         flow.src_port or 10000 + index % 50000, flow.dst_port or 5001)
        rec.start_s = max(flow.start, sim.traffic_start)
        sim.flows.append(rec)
        active += 1
        Call(sim.env, rec.start_s, _start_flow, (sim, rec, idents))
    if sim.pingall and len(sim.hosts) > 1:
        active += 1
        Call(sim.env, sim.traffic_start, _start_pingall, (sim, idents))
    return active


def _ident(idents: dict[str, int], host: str) -> int:
    n = idents.get(host, 0) + 1
    idents[host] = n
    return n & 0xFFFF


def _start_flow(sim: "Simulation", rec: FlowRecord, idents: dict[str, int]) -> None:
    flow = rec.flow
    src, dst = sim.hosts[flow.src], sim.hosts[flow.dst]
    traffic = flow.traffic or Traffic.BULK
    if traffic is Traffic.PING or flow.protocol is Protocol.ICMP:
        _start_ping_flow(sim, rec, src, dst, idents)
        return
    if flow.granularity is Granularity.FLOW:
        sim.fluid.add(rec, src, dst).start()
        return
    chunked = flow.granularity is Granularity.CHUNK
    tcp = flow.protocol is Protocol.TCP
    headers = TCP_HEADERS if tcp else UDP_HEADERS
    unit = (flow.chunk_size or 64_000) if chunked else max(1, flow.packet_size - headers)
    if traffic is Traffic.BULK and tcp:
        TcpTransfer(sim, rec, src, dst, unit, chunked).start()
        return
    if flow.rate is None:
        rec.flow = replace(flow, rate=src.link.model.bandwidth or OPEN_LOOP_DEFAULT_BPS)
    rng = random.Random(f"{sim.seed}/flow/{flow.id}")
    UdpStream(sim, rec, src, dst, unit, chunked, traffic is Traffic.POISSON, rng,
              tcp=tcp).start()


def _start_ping_flow(sim: "Simulation", rec: FlowRecord, src: "SimHost", dst: "SimHost",
                     idents: dict[str, int]) -> None:
    flow = rec.flow
    interval = flow.interval or 1.0
    payload = max(0, flow.packet_size - ICMP_HEADERS)
    if flow.duration is not None:
        count = max(1, int(math.floor(flow.duration / interval + 1e-9)))
    elif flow.size is not None:
        count = max(1, math.ceil(flow.size / max(1, payload)))
    else:
        count = 1
    ping = PingRecord(src.id, dst.id, flow.id)
    sim.pings.append(ping)
    sim.ping_series[rec.index] = (rec, ping)
    Pinger(sim, ping, src, dst, _ident(idents, src.id), count, interval, payload,
           lambda: sim.flow_done(rec)).start()


def _start_pingall(sim: "Simulation", idents: dict[str, int]) -> None:
    """Every host pings every other host once, one pair after the other.

    As Mininet's ``pingAll`` (``mn --test pingall``) does: sequentially, in
    host order, each echo waiting for its reply or PINGALL_TIMEOUT. Sending
    all pairs at once would flood a learning controller with packet-ins that
    no real pingall produces.
    """
    hosts = list(sim.hosts.values())
    pairs = iter([(a, b) for a in hosts for b in hosts if a is not b])

    def next_pair() -> None:
        pair = next(pairs, None)
        if pair is None:
            sim.traffic_done()
            return
        a, b = pair
        ping = PingRecord(a.id, b.id)
        sim.pings.append(ping)
        Pinger(sim, ping, a, b, _ident(idents, a.id), 1, 1.0, PINGALL_PAYLOAD,
               next_pair, timeout=PINGALL_TIMEOUT).start()

    next_pair()
