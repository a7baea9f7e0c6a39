"""Semantic checks over a resolved system, shared by the parser and builder.

:func:`check` returns every problem at once, each naming the element it is
about as a :class:`Ref` (kind plus id or index); the parser turns refs into
``file:line`` locations, the builder into plain messages. All checks are
linear in the size of the system (sets and a union-find, no pairwise loops).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sendim.model.system import EventAction, EventTarget, Granularity, Link, System, Traffic

MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
"""Node and flow ids: safe in generated code, shell commands and file names."""
LINK_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
"""Link ids: as node ids, without the length cap (derived ``src-dst`` ids are longer)."""
MAX_PORT = 0xFFFFFF00  # OFPP_MAX: above it, port numbers are reserved


@dataclass(frozen=True, slots=True)
class Ref:
    """Which element a finding is about: ``("link", 3)``, ``("switch", "s1")``."""

    kind: str          # system | switch | host | link | flow | event | exec | cmd-seq
    key: str | int     # id for nodes and cmd-seqs, index for links, flows, events, execs


@dataclass(frozen=True, slots=True)
class Finding:
    ref: Ref
    message: str


def _components(system: System, index: dict[str, int]) -> list[int]:
    """Connected-component root of every node index (union-find, path halving)."""
    parent = list(range(len(index)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    get = index.get
    for link in system.links:
        a, b = get(link.src), get(link.dst)
        if a is not None and b is not None:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
    return [find(i) for i in range(len(parent))]


def parse_ipv4_interface(text: str) -> tuple[int, int] | None:
    """``"10.0.0.1/8"`` → (address as int, prefix length); None if malformed.

    Strict like :mod:`ipaddress` (four decimal octets, no leading zeros, a
    prefix 0..32) but several times faster, which matters at 100k hosts.
    """
    addr, sep, prefix = text.partition("/")
    parts = addr.split(".")
    if len(parts) != 4 or (sep and not (prefix.isdigit() and len(prefix) <= 2)):
        return None
    value = 0
    for part in parts:
        if not part.isdigit() or not part.isascii() or len(part) > 3 or (part[0] == "0" and len(part) > 1):
            return None
        octet = int(part)
        if octet > 255:
            return None
        value = value << 8 | octet
    plen = int(prefix) if sep else 32
    return (value, plen) if plen <= 32 else None


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
    ips: dict[int, str] = {}
    macs: dict[str, str] = {}
    for hid, host in system.hosts.items():
        ref = Ref("host", hid)
        if (why := check_id(hid)):
            out.append(Finding(ref, why))
        parsed = parse_ipv4_interface(host.ip)
        if parsed is None:
            out.append(Finding(ref, f"host {hid!r}: {host.ip!r} is not an IPv4 address with prefix (e.g. 10.0.0.1/24)"))
        elif parsed[0] in ips:
            out.append(Finding(ref, f"host {hid!r}: IP {host.address} is already used by host {ips[parsed[0]]!r}"))
        else:
            ips[parsed[0]] = hid
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


def _check_links(system: System, out: list[Finding], index: dict[str, int]) -> None:
    """Links: endpoints, ids, ports, values.

    One tight pass; messages are only built for links that fail a cheap test.
    Ports are keyed as ``node_index << 32 | port`` ints, not tuples.
    """
    n_switches = len(system.switches)
    host_links = [0] * len(system.hosts)
    link_ids: set[str] = set()
    ports: set[int] = set()
    port_clashes: list[int] = []
    get = index.get
    match_id = LINK_ID_RE.match
    for i, link in enumerate(system.links):
        si, di = get(link.src), get(link.dst)
        sp, dp = link.src_port, link.dst_port
        n_ids = len(link_ids)
        link_ids.add(link.id)
        duplicate_id = len(link_ids) == n_ids
        if si is not None and di is not None:
            n_ports = len(ports)
            ports.add(si << 32 | sp)
            ports.add(di << 32 | dp)
            if len(ports) != n_ports + 2 and si != di:
                port_clashes.append(i)
        bw, mq = link.bandwidth, link.max_queue
        if (si is None or di is None or si == di or duplicate_id or not match_id(link.id)
                or not (0 < sp < MAX_PORT and 0 < dp < MAX_PORT)
                or (bw is not None and not bw > 0) or not link.delay >= 0
                or not 0 <= link.loss <= 1 or (mq is not None and mq <= 0)):
            _link_findings(i, link, si, di, duplicate_id, out)
            if si is None or di is None or si == di:
                continue
        if si >= n_switches:
            host_links[si - n_switches] += 1
        if di >= n_switches:
            host_links[di - n_switches] += 1
    if port_clashes:
        _port_clash_findings(system, port_clashes, out)
    for hid, count in zip(system.hosts, host_links):
        if count > 1:
            out.append(Finding(Ref("host", hid), f"host {hid!r} has {count} links; a host has one interface"))


def _link_findings(i: int, link: Link, si: int | None, di: int | None,
                   duplicate_id: bool, out: list[Finding]) -> None:
    """Say exactly what is wrong with link number *i* (the rare path)."""
    ref = Ref("link", i)
    name = link.id or f"{link.src}-{link.dst}"
    if duplicate_id:
        out.append(Finding(ref, f"duplicate link id {link.id!r}"))
    elif not LINK_ID_RE.match(link.id):
        out.append(Finding(ref, f"link id {link.id!r} is not allowed: use letters, digits, "
                                f"'_', '-' or '.', starting with a letter or '_'"))
    for end, idx in ((link.src, si), (link.dst, di)):
        if idx is None:
            out.append(Finding(ref, f"link {name!r} refers to unknown node {end!r}"))
    if link.src == link.dst:
        out.append(Finding(ref, f"link {name!r} connects node {link.src!r} to itself"))
    for node, port in ((link.src, link.src_port), (link.dst, link.dst_port)):
        if not 0 < port < MAX_PORT:
            out.append(Finding(ref, f"link {name!r}: port {port} on {node!r} is out of range"))
    if link.bandwidth is not None and not link.bandwidth > 0:
        out.append(Finding(ref, f"link {name!r}: bandwidth must be positive"))
    if not link.delay >= 0:
        out.append(Finding(ref, f"link {name!r}: delay must not be negative"))
    if not 0 <= link.loss <= 1:
        out.append(Finding(ref, f"link {name!r}: loss must lie between 0% and 100%"))
    if link.max_queue is not None and link.max_queue <= 0:
        out.append(Finding(ref, f"link {name!r}: queue must be positive"))


def _port_clash_findings(system: System, clashes: list[int], out: list[Finding]) -> None:
    """One linear pass naming, for each clashing link, the port and its first user."""
    first: dict[tuple[str, int], str] = {}
    suspects = set(clashes)
    for i, link in enumerate(system.links):
        for node, port in ((link.src, link.src_port), (link.dst, link.dst_port)):
            owner = first.setdefault((node, port), link.id)
            if owner != link.id and i in suspects and 0 < port < MAX_PORT:
                out.append(Finding(Ref("link", i), f"link {link.id!r}: port {port} on {node!r} "
                                                   f"is already used by link {owner!r}"))


def _check_flows(system: System, out: list[Finding], index: dict[str, int]) -> None:
    if not system.flows:
        return
    roots = _components(system, index)
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
        elif ends_ok and roots[index[flow.src]] != roots[index[flow.dst]]:
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


def _bad_seq_name(name: str) -> str:
    return (f"sequence name {name!r} is not allowed: use letters, digits, '_', '-' or "
            f"'.', starting with a letter or '_', at most 64 characters")


def _check_sequences(system: System, out: list[Finding]) -> None:
    """Exec steps (by index) and composed sequences (by name), linear in their number."""
    exec_seqs: set[str] = set()
    for i, step in enumerate(system.execs):
        ref, node = Ref("exec", i), step.node
        if not system.has_node(node):
            out.append(Finding(ref, f"exec refers to unknown node {node!r}"))
        if not step.seqs:
            out.append(Finding(ref, "exec names no sequence"))
        for seq in step.seqs:
            if not ID_RE.match(seq):
                out.append(Finding(ref, "exec " + _bad_seq_name(seq)))
            exec_seqs.add(seq)
        if not step.command.strip():
            out.append(Finding(ref, f"exec in {node!r}: the command is empty"))
        elif "\x00" in step.command:
            out.append(Finding(ref, f"exec in {node!r}: the command contains a NUL byte"))
        if step.timeout is not None and not step.timeout > 0:
            out.append(Finding(ref, f"exec in {node!r}: timeout must be positive"))
    for name, parts in system.cmd_seqs.items():
        ref = Ref("cmd-seq", name)
        if not ID_RE.match(name):
            out.append(Finding(ref, "cmd-seq " + _bad_seq_name(name)))
        if name in exec_seqs:
            out.append(Finding(ref, f"cmd-seq {name!r} is also the name of an <exec> sequence; "
                                    f"a name means one or the other"))
        if not parts:
            out.append(Finding(ref, f"cmd-seq {name!r} lists no sequence"))
        for part in parts:
            if part not in exec_seqs and part not in system.cmd_seqs:
                out.append(Finding(ref, f"cmd-seq {name!r} refers to unknown sequence {part!r}"))
    _check_cycles(system.cmd_seqs, out)


def _check_cycles(graph: dict[str, tuple[str, ...]], out: list[Finding]) -> None:
    """One finding per cycle of composed sequences (iterative DFS)."""
    state: dict[str, int] = {}          # 1 = on the current path, 2 = done
    for root in graph:
        if state.get(root):
            continue
        path: list[str] = [root]
        todo: list[Iterator[str]] = [iter(graph[root])]
        state[root] = 1
        while path:
            nxt = next(todo[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                todo.pop()
            elif nxt in graph and state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                message = "cmd-seq forms a cycle: " + " -> ".join(cycle)
                out.append(Finding(Ref("cmd-seq", nxt), message))
            elif nxt in graph and not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter(graph[nxt]))


def check(system: System) -> list[Finding]:
    """Every semantic problem of a resolved *system*, in a stable order."""
    out: list[Finding] = []
    if (why := check_id(system.name)):
        out.append(Finding(Ref("system", system.name), "system name: " + why))
    # Every node gets an index: switches first, then hosts (see _check_links).
    index = {node_id: i for i, node_id in enumerate(system.switches)}
    n = len(index)
    index.update((host_id, n + i) for i, host_id in enumerate(system.hosts))
    _check_nodes(system, out)
    _check_links(system, out, index)
    _check_flows(system, out, index)
    _check_events(system, out)
    if system.execs or system.cmd_seqs:
        _check_sequences(system, out)
    return out
