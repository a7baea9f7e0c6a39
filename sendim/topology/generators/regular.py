"""Regular topologies: Mininet's linear and tree, the ring and the 2-D torus.

Hosts are numbered and ports assigned in Mininet's order where Mininet has
the same topology, so a converted script and the simulator agree on ports.
"""

from __future__ import annotations

from sendim.model import System

from .common import _indexed, _int, _Net, _without_gc


@_without_gc
def linear(n: int, hosts_per_switch: int = 1, bw: float | str | None = None,
           delay: float | str | None = None, name: str | None = None) -> System:
    """A chain ``s1 - s2 - ... - sN`` with hosts on every switch (Mininet's LinearTopo).

    Links are declared in Mininet's order (each switch's hosts, then the link
    back to the previous switch), so ports match Mininet's. Hosts are
    numbered ``h1..hM`` switch by switch.
    """
    _int("n", n, 1)
    _int("hosts_per_switch", hosts_per_switch, 0)
    net = _Net(name or f"linear-{n}", bw, delay)
    ids = net.switches(n)
    for i, sid in enumerate(ids):
        net.attach_hosts([sid], hosts_per_switch)
        if i:
            net.link(sid, ids[i - 1])
    return net.done()


@_without_gc
def tree(depth: int, fanout: int, bw: float | str | None = None,
         delay: float | str | None = None, name: str | None = None) -> System:
    """A tree of switches *depth* levels deep with *fanout* children each (TreeTopo).

    As in Mininet, hosts are the leaves (``fanout**depth`` of them, ``fanout``
    per bottom switch), switches are numbered in depth-first pre-order and
    links are declared in Mininet's order, so ports match Mininet's.
    """
    _int("depth", depth, 1)
    _int("fanout", fanout, 1)
    net = _Net(name or f"tree-{depth}-{fanout}", bw, delay)

    def subtree(level: int) -> str:
        if level == 0:
            return net.host()
        sid = net.switches(1)[0]
        for _ in range(fanout):
            child = subtree(level - 1)
            net.link(sid, child)
        return sid

    subtree(depth)
    return net.done()


def _ring_pairs(n: int) -> list[tuple[int, int]]:
    return [(i, (i + 1) % n) for i in range(n)]


def _torus_pairs(rows: int, cols: int) -> list[tuple[int, int]]:
    pairs = []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            pairs.append((i, r * cols + (c + 1) % cols))
            pairs.append((i, ((r + 1) % rows) * cols + c))
    return pairs


@_without_gc
def ring(n: int, hosts_per_switch: int = 1, bw: float | str | None = None,
         delay: float | str | None = None, name: str | None = None) -> System:
    """A ring ``s1 - s2 - ... - sN - s1`` (n >= 3) with hosts on every switch."""
    _int("n", n, 3)
    _int("hosts_per_switch", hosts_per_switch, 0)
    net = _Net(name or f"ring-{n}", bw, delay)
    ids = net.switches(n)
    net.attach_hosts(ids, hosts_per_switch)
    net.links(_indexed(ids, _ring_pairs(n)))
    return net.done()


@_without_gc
def torus(rows: int, cols: int, hosts_per_switch: int = 1, bw: float | str | None = None,
          delay: float | str | None = None, name: str | None = None) -> System:
    """A 2-D torus of ``rows x cols`` switches (both >= 3), each of degree 4.

    Switch ``s(r*cols+c+1)`` sits at row r, column c and links to its right
    and lower neighbours with wrap-around; each has ``hosts_per_switch`` hosts.
    """
    _int("rows", rows, 3)
    _int("cols", cols, 3)
    _int("hosts_per_switch", hosts_per_switch, 0)
    net = _Net(name or f"torus-{rows}x{cols}", bw, delay)
    ids = net.switches(rows * cols)
    net.attach_hosts(ids, hosts_per_switch)
    net.links(_indexed(ids, _torus_pairs(rows, cols)))
    return net.done()
