"""Deterministic defaults for everything a descriptor may leave out.

:func:`resolve` fills, in declaration order and without touching anything
given explicitly:

* switch dpids: the trailing number of the id (``s12`` → 12, as Mininet
  does) when free, otherwise the smallest unused positive number;
* link ports: per node, the smallest port number not used yet;
* host IPs: ``10.0.0.N/8`` with N the smallest unused host number, as
  Mininet does; MACs: ``00:00:00:00:00:01``… from the same counter;
* link ids: ``src-dst`` (``src-dst-2``, ``-3``… for parallel links);
* flow traffic shapes, chunk sizes and ping intervals.

Every step is linear in the size of the system.
"""

from __future__ import annotations

import ipaddress
import re

from sendim.model.checks import parse_ipv4_interface
from sendim.model.system import Flow, Granularity, Protocol, System, Traffic

DEFAULT_CHUNK_SIZE = 64_000          # bytes
DEFAULT_PING_INTERVAL = 1.0          # seconds
DEFAULT_HOST_NETWORK = ipaddress.IPv4Network("10.0.0.0/8")

_TRAILING_DIGITS = re.compile(r"(\d+)$")


class _Counter:
    """Hands out the smallest positive integers not in ``used``."""

    def __init__(self, used: set[int], start: int = 1):
        self.used = used
        self.next = start

    def take(self) -> int:
        while self.next in self.used:
            self.next += 1
        value = self.next
        self.used.add(value)
        return value


def _resolve_dpids(system: System) -> None:
    used = {s.dpid for s in system.switches.values() if s.dpid}
    pending = []
    for switch in system.switches.values():
        if switch.dpid:
            continue
        m = _TRAILING_DIGITS.search(switch.id)
        wanted = int(m.group(1)) if m else 0
        if 0 < wanted < 2**64 and wanted not in used:
            switch.dpid = wanted
            used.add(wanted)
        else:
            pending.append(switch)
    counter = _Counter(used)
    for switch in pending:
        switch.dpid = counter.take()


def _resolve_ports(system: System) -> None:
    # Nodes without explicit ports (nearly all) take 1, 2, 3... from a plain
    # counter; only nodes with explicit ports go through the slower _Counter.
    explicit: dict[str, set[int]] = {}
    for link in system.links:
        if link.src_port:
            explicit.setdefault(link.src, set()).add(link.src_port)
        if link.dst_port:
            explicit.setdefault(link.dst, set()).add(link.dst_port)
    counters = {node: _Counter(used) for node, used in explicit.items()}
    plain: dict[str, int] = {}
    for link in system.links:
        if not link.src_port:
            counter = counters.get(link.src)
            if counter is None:
                link.src_port = plain[link.src] = plain.get(link.src, 0) + 1
            else:
                link.src_port = counter.take()
        if not link.dst_port:
            counter = counters.get(link.dst)
            if counter is None:
                link.dst_port = plain[link.dst] = plain.get(link.dst, 0) + 1
            else:
                link.dst_port = counter.take()


def _mac(n: int) -> str:
    return ":".join(f"{(n >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))


def _resolve_addresses(system: System) -> None:
    used_numbers: set[int] = set()
    base = int(DEFAULT_HOST_NETWORK.network_address)
    for host in system.hosts.values():
        if host.ip:
            parsed = parse_ipv4_interface(host.ip)
            if parsed is not None:   # malformed ones are reported by check()
                used_numbers.add(parsed[0] - base)
    ip_counter = _Counter(set(used_numbers))
    used_macs = {h.mac.lower() for h in system.hosts.values() if h.mac}
    mac_counter = _Counter(set())
    prefix = DEFAULT_HOST_NETWORK.prefixlen
    for host in system.hosts.values():
        if not host.ip:
            n = base + ip_counter.take()
            host.ip = f"{n >> 24}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}/{prefix}"
        elif "/" not in host.ip:
            host.ip = f"{host.ip}/{prefix}"
        if host.mac:
            host.mac = host.mac.lower()
        else:
            mac = _mac(mac_counter.take())
            while mac in used_macs:
                mac = _mac(mac_counter.take())
            host.mac = mac


class LinkIds:
    """Hands out ``src-dst``, then ``src-dst-2``, ``-3``… avoiding taken ids."""

    def __init__(self, taken: set[str] | None = None):
        self.taken: set[str] = taken if taken is not None else set()
        self._next: dict[str, int] = {}

    def take(self, src: str, dst: str) -> str:
        stem = f"{src}-{dst}"
        n = self._next.get(stem, 1)
        candidate = stem if n == 1 else f"{stem}-{n}"
        while candidate in self.taken:
            n += 1
            candidate = f"{stem}-{n}"
        self._next[stem] = n + 1
        self.taken.add(candidate)
        return candidate


def _resolve_link_ids(system: System) -> None:
    ids = LinkIds({link.id for link in system.links if link.id})
    for link in system.links:
        if not link.id:
            link.id = ids.take(link.src, link.dst)


def default_traffic(flow: Flow) -> Traffic:
    """ICMP flows ping; flows with a rate and no size are CBR; others bulk."""
    if flow.protocol is Protocol.ICMP:
        return Traffic.PING
    if flow.rate is not None and flow.size is None:
        return Traffic.CBR
    return Traffic.BULK


def _resolve_flows(system: System) -> None:
    for flow in system.flows:
        if flow.traffic is None:
            flow.traffic = default_traffic(flow)
        if flow.granularity is Granularity.CHUNK and flow.chunk_size is None:
            flow.chunk_size = DEFAULT_CHUNK_SIZE
        if flow.traffic is Traffic.PING and flow.interval is None:
            flow.interval = DEFAULT_PING_INTERVAL


def resolve(system: System) -> System:
    """Fill every derivable field of *system* in place and return it."""
    _resolve_dpids(system)
    _resolve_ports(system)
    _resolve_addresses(system)
    _resolve_link_ids(system)
    _resolve_flows(system)
    return system
