"""Summary statistics of a system (``sendim show``), as free functions."""

from __future__ import annotations

from collections import deque
from typing import Any

from sendim.model.sequences import sequence_names, steps
from sendim.model.system import System

EXACT_DIAMETER_LIMIT = 2000
"""Above this many switches the diameter is a double-sweep lower bound."""


def _adjacency(system: System) -> dict[str, set[str]]:
    adj: dict[str, set[str]] = {s: set() for s in system.switches}
    for link in system.links:
        if link.src in adj and link.dst in adj:
            adj[link.src].add(link.dst)
            adj[link.dst].add(link.src)
    return adj


def _bfs(adj: dict[str, set[str]], start: str) -> dict[str, int]:
    dist = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        d = dist[node] + 1
        for nb in adj[node]:
            if nb not in dist:
                dist[nb] = d
                queue.append(nb)
    return dist


def _components(adj: dict[str, set[str]]) -> list[list[str]]:
    seen: set[str] = set()
    comps = []
    for node in adj:
        if node not in seen:
            comp = list(_bfs(adj, node))
            seen.update(comp)
            comps.append(comp)
    return comps


def switch_diameter(system: System) -> tuple[int, bool]:
    """(diameter in switch hops of the largest component, exact?)."""
    adj = _adjacency(system)
    if not adj:
        return 0, True
    largest = max(_components(adj), key=len)
    if len(largest) <= EXACT_DIAMETER_LIMIT:
        return max(max(_bfs(adj, n).values()) for n in largest), True
    # Double sweep, repeated from a few far nodes: a tight lower bound, linear time.
    best, node = 0, largest[0]
    for _ in range(4):
        dist = _bfs(adj, node)
        far = max(dist, key=dist.__getitem__)
        if dist[far] <= best:
            break
        best, node = dist[far], far
    return best, False


def summarize(system: System) -> dict[str, Any]:
    """Counts, switch degrees, diameter, components and link capacity."""
    adj = _adjacency(system)
    degrees = [len(nbs) for nbs in adj.values()]
    bws = [link.bandwidth for link in system.links]
    finite = [b for b in bws if b is not None]
    diameter, exact = switch_diameter(system)
    hosts_on: dict[str, int] = {}
    for link in system.links:
        for a, b in ((link.src, link.dst), (link.dst, link.src)):
            if a in system.hosts and b in system.switches:
                hosts_on[b] = hosts_on.get(b, 0) + 1
    return {
        "name": system.name,
        **system.summary(),
        "switch_degree": {
            "min": min(degrees, default=0),
            "avg": round(sum(degrees) / len(degrees), 3) if degrees else 0.0,
            "max": max(degrees, default=0),
        },
        "hosts_per_switch_max": max(hosts_on.values(), default=0),
        "components": len(_components(adj)) if adj else 0,
        "diameter": diameter,
        "diameter_exact": exact,
        "capacity_bps": {
            "total": sum(finite),
            "min": min(finite, default=None),
            "max": max(finite, default=None),
            "unlimited_links": len(bws) - len(finite),
        },
        "properties": dict(system.properties),
        "sequences": {name: len(steps(system, name)) for name in sequence_names(system)},
    }
