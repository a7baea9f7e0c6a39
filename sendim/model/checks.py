"""Semantic checks over a resolved system, shared by the parser and builder.

:func:`check` returns every problem at once, each naming the element it is
about as a :class:`Ref` (kind plus id or index); the parser turns refs into
``file:line`` locations, the builder into plain messages. All checks are
linear in the size of the system (sets and a union-find, no pairwise loops).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from sendim.model.system import EventAction, EventTarget, Granularity, System, Traffic

MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
"""Ids that are safe as Python identifiers-ish, interface and file names."""


@dataclass(frozen=True, slots=True)
class Ref:
    """Which element a finding is about: ``("link", 3)``, ``("switch", "s1")``."""

    kind: str          # system | switch | host | link | flow | event
    key: str | int     # id for nodes, index for links, flows and events


@dataclass(frozen=True, slots=True)
class Finding:
    ref: Ref
    message: str


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:
            parent[x], x = root, parent.get(x, x)
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def check_id(value: str) -> str | None:
    """Why *value* is not a valid id, or None when it is."""
    if not ID_RE.match(value):
        return (f"id {value!r} is not allowed: use letters, digits, '_', '-' "
                f"or '.', starting with a letter or '_', at most 64 characters")
    return None


def _check_nodes(system: System, out: list[Finding]) -> None:
    dpids: dict[int, str] = {}
    for sid, sw in system.switches.items():
        ref = Ref("switch", sid)
        if (why := check_id(sid)):
            out.append(Finding(ref, why))
        if sid in system.hosts:
            out.append(Finding(ref, f"id {sid!r} is used by a switch and a host"))
        if not 0 < sw.dpid < 2**64:
            out.append(Finding(ref, f"switch {sid!r}: dpid {sw.dpid} is out of range 1..2^64-1"))
        elif sw.dpid in dpids:
            out.append(Finding(ref, f"switch {sid!r}: dpid {sw.dpid} is already used by switch {dpids[sw.dpid]!r}"))
        else:
            dpids[sw.dpid] = sid
    ips: dict[str, str] = {}
    macs: dict[str, str] = {}
    for hid, host in system.hosts.items():
        ref = Ref("host", hid)
        if (why := check_id(hid)):
            out.append(Finding(ref, why))
        try:
            iface = ipaddress.IPv4Interface(host.ip)
        except ValueError:
            out.append(Finding(ref, f"host {hid!r}: {host.ip!r} is not an IPv4 address with prefix (e.g. 10.0.0.1/24)"))
        else:
            addr = str(iface.ip)
            if addr in ips:
                out.append(Finding(ref, f"host {hid!r}: IP {addr} is already used by host {ips[addr]!r}"))
            else:
                ips[addr] = hid
        if not MAC_RE.match(host.mac):
            out.append(Finding(ref, f"host {hid!r}: {host.mac!r} is not a MAC address (e.g. 00:00:00:00:00:01)"))
        elif host.mac in macs:
            out.append(Finding(ref, f"host {hid!r}: MAC {host.mac} is already used by host {macs[host.mac]!r}"))
        else:
            macs[host.mac] = hid
        if host.cpu is not None and not host.cpu > 0:
            out.append(Finding(ref, f"host {hid!r}: cpu must be positive"))
        if host.memory is not None and host.memory <= 0:
            out.append(Finding(ref, f"host {hid!r}: memory must be positive"))


def _check_links(system: System, out: list[Finding], components: _UnionFind) -> None:
    link_ids: set[str] = set()
    ports: set[tuple[str, int]] = set()
    host_links: dict[str, int] = {}
    for i, link in enumerate(system.links):
        ref = Ref("link", i)
        name = link.id or f"{link.src}-{link.dst}"
        if link.id in link_ids:
            out.append(Finding(ref, f"duplicate link id {link.id!r}"))
        link_ids.add(link.id)
        ok = True
        for end in (link.src, link.dst):
            if not system.has_node(end):
                out.append(Finding(ref, f"link {name!r} refers to unknown node {end!r}"))
                ok = False
        if link.src == link.dst:
            out.append(Finding(ref, f"link {name!r} connects node {link.src!r} to itself"))
            ok = False
        for node, port in ((link.src, link.src_port), (link.dst, link.dst_port)):
            if not 0 < port < 0xFFFFFF00:
                out.append(Finding(ref, f"link {name!r}: port {port} on {node!r} is out of range"))
            elif (node, port) in ports:
                out.append(Finding(ref, f"link {name!r}: port {port} on {node!r} is already used by another link"))
            ports.add((node, port))
        if link.bandwidth is not None and not link.bandwidth > 0:
            out.append(Finding(ref, f"link {name!r}: bandwidth must be positive"))
        if link.delay < 0:
            out.append(Finding(ref, f"link {name!r}: delay must not be negative"))
        if not 0 <= link.loss <= 1:
            out.append(Finding(ref, f"link {name!r}: loss must lie between 0% and 100%"))
        if link.max_queue is not None and link.max_queue <= 0:
            out.append(Finding(ref, f"link {name!r}: queue must be positive"))
        if ok:
            components.union(link.src, link.dst)
            for end in (link.src, link.dst):
                if end in system.hosts:
                    host_links[end] = host_links.get(end, 0) + 1
    for hid, count in host_links.items():
        if count > 1:
            out.append(Finding(Ref("host", hid), f"host {hid!r} has {count} links; a host has one interface"))


def _check_flows(system: System, out: list[Finding], components: _UnionFind) -> None:
    flow_ids: set[str] = set()
    for i, flow in enumerate(system.flows):
        ref = Ref("flow", i)
        if (why := check_id(flow.id)):
            out.append(Finding(ref, why))
        if flow.id in flow_ids:
            out.append(Finding(ref, f"duplicate flow id {flow.id!r}"))
        flow_ids.add(flow.id)
        ends_ok = True
        for role, end in (("source", flow.src), ("destination", flow.dst)):
            if not system.has_node(end):
                out.append(Finding(ref, f"flow {flow.id!r}: {role} {end!r} is not a known node"))
                ends_ok = False
            elif not system.is_host(end):
                out.append(Finding(ref, f"flow {flow.id!r}: {role} {end!r} is a switch; flows run between hosts"))
                ends_ok = False
        if ends_ok and flow.src == flow.dst:
            out.append(Finding(ref, f"flow {flow.id!r}: source and destination are the same host"))
        elif ends_ok and components.find(flow.src) != components.find(flow.dst):
            out.append(Finding(ref, f"flow {flow.id!r}: {flow.dst!r} cannot be reached from {flow.src!r}"))
        if flow.start < 0:
            out.append(Finding(ref, f"flow {flow.id!r}: start time must not be negative"))
        if flow.size is not None and flow.size <= 0:
            out.append(Finding(ref, f"flow {flow.id!r}: size must be positive"))
        if flow.duration is not None and flow.duration <= 0:
            out.append(Finding(ref, f"flow {flow.id!r}: duration must be positive"))
        if flow.rate is not None and flow.rate <= 0:
            out.append(Finding(ref, f"flow {flow.id!r}: rate must be positive"))
        if flow.traffic in (Traffic.BULK,) and flow.size is None and flow.duration is None:
            out.append(Finding(ref, f"flow {flow.id!r}: give a size or a duration"))
        if flow.traffic in (Traffic.CBR, Traffic.POISSON) and flow.rate is None:
            out.append(Finding(ref, f"flow {flow.id!r}: {flow.traffic.value} traffic needs a rate"))
        if flow.traffic in (Traffic.CBR, Traffic.POISSON, Traffic.PING) and flow.size is None and flow.duration is None:
            out.append(Finding(ref, f"flow {flow.id!r}: give a size or a duration"))
        if flow.granularity is Granularity.CHUNK and (flow.chunk_size or 0) <= 0:
            out.append(Finding(ref, f"flow {flow.id!r}: chunk granularity needs a positive chunk size"))
        if not 28 <= flow.packet_size <= 65535:
            out.append(Finding(ref, f"flow {flow.id!r}: packet size must lie between 28 and 65535 bytes"))
        for port in (flow.src_port, flow.dst_port):
            if port is not None and not 0 < port < 65536:
                out.append(Finding(ref, f"flow {flow.id!r}: transport port {port} is out of range"))


def _check_events(system: System, out: list[Finding]) -> None:
    link_ids = {link.id for link in system.links}
    # (target kind, ref) -> is it down at the latest event time seen so far
    state: dict[tuple[EventTarget, str], bool] = {}
    order = sorted(range(len(system.events)), key=lambda i: system.events[i].time)
    for i in order:
        ev = system.events[i]
        ref = Ref("event", i)
        if ev.time < 0:
            out.append(Finding(ref, f"event at {ev.time}s: time must not be negative"))
        known = ev.ref in link_ids if ev.target is EventTarget.LINK else system.has_node(ev.ref)
        if not known:
            out.append(Finding(ref, f"event refers to unknown {ev.target.value} {ev.ref!r}"))
            continue
        key = (ev.target, ev.ref)
        down = state.get(key, False)
        if ev.action is EventAction.DOWN and down:
            out.append(Finding(ref, f"{ev.target.value} {ev.ref!r} is taken down at {ev.time:g}s but is already down"))
        elif ev.action is EventAction.UP and not down:
            out.append(Finding(ref, f"{ev.target.value} {ev.ref!r} is brought up at {ev.time:g}s but was never taken down"))
        state[key] = ev.action is EventAction.DOWN


def check(system: System) -> list[Finding]:
    """Every semantic problem of a resolved *system*, in a stable order."""
    out: list[Finding] = []
    if (why := check_id(system.name)):
        out.append(Finding(Ref("system", system.name), "system name: " + why))
    components = _UnionFind()
    _check_nodes(system, out)
    _check_links(system, out, components)
    _check_flows(system, out, components)
    _check_events(system, out)
    return out
