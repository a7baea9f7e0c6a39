"""Topology and path helpers shared by the controller apps (plain Python + networkx).

Nothing here talks OpenFlow: :class:`Topology` is the switch graph the apps
build from Ryu's topology-discovery events, :class:`HostTable` the hosts
they learn from packet-ins, and :func:`parse_profile` reads the throttling
profile format. Datapaths are named by dpid (``int``), ports by number.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

__all__ = ["Host", "HostTable", "Topology", "mix", "parse_profile"]


def mix(*values: int) -> int:
    """A fixed 32-bit hash of small integers (independent of ``PYTHONHASHSEED``)."""
    x = 0x811C9DC5
    for v in values:
        x = ((x ^ (v & 0xFFFFFFFF)) * 0x01000193) & 0xFFFFFFFF
        x = ((x ^ (v >> 32)) * 0x01000193) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    x ^= x >> 12
    return x


class Topology:
    """The switch-to-switch links seen by topology discovery, as a directed graph.

    Edge ``(u, v)`` carries ``ports``: the sorted output ports of ``u`` whose
    links lead to ``v`` (parallel links). Hop counts towards a destination
    are computed by BFS on demand and cached until the graph changes.
    Equal-cost choices are made by a fixed hash of ``(destination, switch,
    neighbour)``, so the next hops towards one destination form a tree (all
    switches agree) while different destinations spread over equal-cost links.
    """

    def __init__(self) -> None:
        self.graph = nx.DiGraph()
        self._link_ports: dict[int, set[int]] = {}
        self._dist: dict[int, dict[int, int]] = {}
        self._dist_without: dict[tuple[int, frozenset[int], int], dict[int, int]] = {}
        self.version = 0
        """Bumped on every change (callers key their own caches on it)."""

    # -- changes ---------------------------------------------------------------------
    def _changed(self) -> None:
        self._dist.clear()
        self._dist_without.clear()
        self.version += 1

    def add_switch(self, dpid: int) -> None:
        if dpid not in self.graph:
            self.graph.add_node(dpid)
            self._changed()

    def remove_switch(self, dpid: int) -> None:
        if dpid in self.graph:
            for u, v in list(self.graph.in_edges(dpid)):
                self._forget_ports(u, self.graph.edges[u, v]["ports"])
            self.graph.remove_node(dpid)
            self._link_ports.pop(dpid, None)
            self._changed()

    def add_link(self, src: int, src_port: int, dst: int, dst_port: int) -> bool:
        """Record the directed link ``src:src_port → dst:dst_port``; True if new."""
        self._link_ports.setdefault(src, set()).add(src_port)
        self._link_ports.setdefault(dst, set()).add(dst_port)
        if self.graph.has_edge(src, dst):
            ports = self.graph.edges[src, dst]["ports"]
            if src_port in ports:
                return False
            ports.append(src_port)
            ports.sort()
        else:
            self.graph.add_edge(src, dst, ports=[src_port])
        self._changed()
        return True

    def remove_link(self, src: int, src_port: int, dst: int, dst_port: int) -> bool:
        """Forget the directed link; True if it was known."""
        if not self.graph.has_edge(src, dst):
            return False
        ports = self.graph.edges[src, dst]["ports"]
        if src_port not in ports:
            return False
        ports.remove(src_port)
        if not ports:
            self.graph.remove_edge(src, dst)
        self._forget_ports(src, [src_port])
        if not self._reverse_uses(dst, dst_port, src):
            self._forget_ports(dst, [dst_port])
        self._changed()
        return True

    def _reverse_uses(self, node: int, port: int, peer: int) -> bool:
        return self.graph.has_edge(node, peer) and port in self.graph.edges[node, peer]["ports"]

    def _forget_ports(self, node: int, ports: Iterable[int]) -> None:
        known = self._link_ports.get(node)
        if known is not None:
            known.difference_update(ports)

    # -- queries ---------------------------------------------------------------------
    def is_link_port(self, dpid: int, port: int) -> bool:
        """True if a discovered switch-to-switch link uses ``dpid:port``."""
        return port in self._link_ports.get(dpid, ())

    def port_to(self, u: int, v: int) -> int | None:
        """The (lowest) port of ``u`` whose link leads to ``v``."""
        data = self.graph.get_edge_data(u, v)
        return data["ports"][0] if data else None

    def peer(self, u: int, port: int) -> int | None:
        """The switch at the other end of ``u:port``, if a link is known there."""
        for v in self.graph.successors(u):
            if port in self.graph.edges[u, v]["ports"]:
                return v
        return None

    def distances(self, dst: int) -> dict[int, int]:
        """Hop counts from every switch that can reach ``dst`` to ``dst``."""
        dist = self._dist.get(dst)
        if dist is None:
            if dst not in self.graph:
                return {}
            dist = nx.single_source_shortest_path_length(self.graph.reverse(copy=False), dst)
            self._dist[dst] = dist
        return dist

    def next_hops(self, u: int, dst: int, dist: dict[int, int] | None = None) -> list[int]:
        """Every neighbour of ``u`` one hop closer to ``dst`` (sorted by dpid)."""
        dist = self.distances(dst) if dist is None else dist
        left = dist.get(u)
        if not left:
            return []
        return sorted(v for v in self.graph.successors(u) if dist.get(v) == left - 1)

    def next_hop(self, u: int, dst: int, dist: dict[int, int] | None = None) -> int | None:
        """The one next hop of ``u`` on the tree of shortest paths to ``dst``."""
        hops = self.next_hops(u, dst, dist)
        if not hops:
            return None
        return min(hops, key=lambda v: (mix(dst, u, v), v))

    def path(self, src: int, dst: int) -> list[int] | None:
        """Switches from ``src`` to ``dst`` along the destination's tree, or None."""
        dist = self.distances(dst)
        if src not in dist:
            return None
        path = [src]
        while path[-1] != dst:
            nxt = self.next_hop(path[-1], dst, dist)
            if nxt is None:
                return None
            path.append(nxt)
        return path

    def shortest_dag(self, src: int, dst: int) -> dict[int, list[int]]:
        """All shortest paths from ``src`` to ``dst``: switch → its next hops.

        Contains every switch on some shortest path (empty if none exists);
        ``dst`` maps to ``[]``.
        """
        dist = self.distances(dst)
        if src not in dist:
            return {}
        dag: dict[int, list[int]] = {}
        todo = [src]
        while todo:
            u = todo.pop()
            if u in dag:
                continue
            dag[u] = self.next_hops(u, dst, dist)
            todo.extend(v for v in dag[u] if v not in dag)
        return dag

    def distances_without(self, dst: int, a: int, b: int) -> dict[int, int]:
        """Hop counts to ``dst`` when the links between ``a`` and ``b`` are gone."""
        key = (dst, frozenset((a, b)), self.version)
        dist = self._dist_without.get(key)
        if dist is None:
            view = nx.restricted_view(self.graph, [], [(a, b), (b, a)])
            dist = nx.single_source_shortest_path_length(view.reverse(copy=False), dst) \
                if dst in self.graph else {}
            self._dist_without[key] = dist
        return dist

    def path_without(self, src: int, dst: int, a: int, b: int) -> list[int] | None:
        """A shortest path from ``src`` to ``dst`` avoiding the ``a``–``b`` links.

        Deterministic per ``(dst, a, b)``: the paths of one failure towards one
        destination form a tree, so switches on them never disagree.
        """
        dist = self.distances_without(dst, a, b)
        if src not in dist:
            return None
        path = [src]
        while path[-1] != dst:
            u = path[-1]
            left = dist[u] - 1
            hops = [v for v in self.graph.successors(u)
                    if dist.get(v) == left and {u, v} != {a, b}]
            if not hops:
                return None
            path.append(min(hops, key=lambda v: (mix(dst, u, v), v)))
        return path


@dataclass(slots=True)
class Host:
    """A host learned from its packets: where it is attached."""

    mac: str
    ip: str | None
    dpid: int
    port: int


class HostTable:
    """Hosts by MAC and by IPv4 address."""

    def __init__(self) -> None:
        self.by_mac: dict[str, Host] = {}
        self.by_ip: dict[str, Host] = {}

    def learn(self, mac: str, ip: str | None, dpid: int, port: int) -> tuple[Host, bool]:
        """Record ``mac`` (and ``ip``) at ``dpid:port``; returns (host, moved or new)."""
        host = self.by_mac.get(mac)
        changed = host is None or (host.dpid, host.port) != (dpid, port)
        if host is None:
            host = self.by_mac[mac] = Host(mac, ip, dpid, port)
        else:
            host.dpid, host.port = dpid, port
        if ip and ip != "0.0.0.0" and host.ip != ip:
            if host.ip is not None and self.by_ip.get(host.ip) is host:
                del self.by_ip[host.ip]
            host.ip = ip
            changed = True
        if host.ip:
            self.by_ip[host.ip] = host
        return host, changed

    def forget_port(self, dpid: int, port: int) -> list[Host]:
        """Forget hosts believed at ``dpid:port`` (it turned out to be a link port)."""
        gone = [h for h in self.by_mac.values() if h.dpid == dpid and h.port == port]
        for h in gone:
            del self.by_mac[h.mac]
            if h.ip is not None and self.by_ip.get(h.ip) is h:
                del self.by_ip[h.ip]
        return gone

    def __len__(self) -> int:
        return len(self.by_mac)


def parse_profile(text: str | None) -> dict[str, int]:
    """A throttling profile: host (IPv4 or MAC address) → rate in kbit/s.

    ``text`` is either the path of a file or the profile inline. Entries are
    ``HOST=RATE`` or ``HOST RATE``, separated by commas, semicolons or new
    lines; ``#`` starts a comment. MAC addresses are lower-cased. Raises
    ``ValueError`` on a malformed entry or a rate that is not a positive integer.
    """
    if not text or not text.strip():
        return {}
    text = text.strip()
    if "\n" not in text and os.path.isfile(text):
        with open(text, encoding="utf-8") as fh:
            text = fh.read()
    profile: dict[str, int] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        for item in line.replace(";", ",").split(","):
            item = item.strip()
            if not item:
                continue
            key, sep, value = item.replace("=", " ", 1).partition(" ")
            value = value.strip()
            if not sep or not value:
                raise ValueError(f"throttle profile: {item!r} is not HOST=RATE_KBPS")
            try:
                rate = int(value.lower().removesuffix("kbps"))
            except ValueError:
                raise ValueError(f"throttle profile: rate {value!r} of {key} is not an "
                                 "integer (kbit/s)") from None
            if rate <= 0:
                raise ValueError(f"throttle profile: rate of {key} must be positive")
            profile[key.strip().lower()] = rate
    return profile
