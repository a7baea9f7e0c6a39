"""Random topologies: a connected random graph and the Small-World Datacenter.

Each takes a ``seed`` and gives the same system for the same seed on every
platform (only :class:`random.Random` draws are used).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable

from sendim.errors import GeneratorError
from sendim.model import System

from .common import _indexed, _int, _Net, _without_gc
from .regular import _ring_pairs, _torus_pairs


@_without_gc
def random_graph(nodes: int, degree: float, seed: int = 0, hosts_per_switch: int = 1,
                 bw: float | str | None = None, delay: float | str | None = None,
                 name: str | None = None) -> System:
    """A connected random switch graph of average degree *degree* (no parallel links).

    ``round(nodes*degree/2)`` links: a Hamiltonian path through a random
    permutation (so the graph is connected and every switch has degree >= 1)
    plus uniformly random extra links, drawn by rejection (or, for dense
    graphs, sampled from the list of free pairs). Linear expected time;
    deterministic for a given *seed*. Needs ``degree >= 2*(nodes-1)/nodes``.
    """
    _int("nodes", nodes, 1)
    _int("hosts_per_switch", hosts_per_switch, 0)
    if isinstance(degree, bool) or not isinstance(degree, (int, float)) or not degree >= 0:
        raise GeneratorError(f"degree must be a non-negative number, got {degree!r}")
    n = nodes
    links = round(n * degree / 2)
    possible = n * (n - 1) // 2
    if links < n - 1:
        raise GeneratorError(f"degree {degree} is too low to connect {n} switches "
                             f"(need at least {2 * (n - 1) / n:g})")
    if links > possible:
        raise GeneratorError(f"degree {degree} is too high for {n} switches "
                             f"(at most {n - 1})")
    rng = random.Random(seed)
    order = list(range(n))
    rng.shuffle(order)
    pairs = [(a, b) if a < b else (b, a) for a, b in zip(order, order[1:])]
    seen = {a * n + b for a, b in pairs}
    extra = links - len(pairs)
    if extra > (possible - len(pairs)) // 2:   # dense: O(n^2) = O(links)
        free = [(a, b) for a in range(n) for b in range(a + 1, n) if a * n + b not in seen]
        pairs += sorted(rng.sample(free, extra))
    else:
        rand = rng.random
        while extra:
            a, b = int(rand() * n), int(rand() * n)
            if a == b:
                continue
            if a > b:
                a, b = b, a
            if a * n + b not in seen:
                seen.add(a * n + b)
                pairs.append((a, b))
                extra -= 1
    net = _Net(name or f"random-{n}-{seed}", bw, delay)
    ids = net.switches(n)
    net.attach_hosts(ids, hosts_per_switch)
    net.links(_indexed(ids, pairs))
    return net.done()


def _harmonic_sampler(rng: random.Random, maximum: int) -> Callable[[], int]:
    """Draws d in 1..maximum with probability proportional to 1/d."""
    cumulative = list(itertools.accumulate(1.0 / d for d in range(1, maximum + 1)))
    total, rand = cumulative[-1], rng.random

    def draw() -> int:
        return min(bisect.bisect_right(cumulative, rand() * total), maximum - 1) + 1
    return draw


def _torus_shape(n: int) -> tuple[int, int]:
    rows = math.isqrt(n)
    while n % rows:
        rows -= 1
    if rows < 3:
        raise GeneratorError(f"a torus lattice needs n = rows*cols with rows, cols >= 3; "
                             f"{n} has no such factors")
    return rows, n // rows


@_without_gc
def small_world_dc(n: int, degree: int = 6, seed: int = 0, lattice: str = "ring",
                   hosts_per_switch: int = 1, bw: float | str | None = None,
                   delay: float | str | None = None, name: str | None = None) -> System:
    """A Small-World Datacenter (Shin, Wong, Sirer, SoCC 2011).

    Nodes sit on a regular lattice and use their remaining ports for random
    long-range links: ``lattice="ring"`` is SW-Ring (2 ring links +
    ``degree-2`` random ones: 2 + 4 with the paper's 6 ports) and
    ``lattice="torus"`` is SW-2DTorus (4 torus links + ``degree-4`` random;
    n must factor as rows*cols, both >= 3, as square as possible). As in the
    paper, a random link joins nodes at lattice distance d with probability
    proportional to ``d**-dim`` (Kleinberg's distribution: dim 1 for the ring,
    2 for the torus; targets on the torus are uniform among the lattice
    points at that distance). Nodes are visited in a random order; each
    draws targets with a free port until its own ports are used (at most 16
    draws per port); ports still free then are paired uniformly at random,
    so almost every switch ends with exactly *degree* switch links (never
    more). Each node carries ``hosts_per_switch`` hosts (the paper's server).
    """
    _int("n", n, 3)
    _int("hosts_per_switch", hosts_per_switch, 0)
    if lattice == "ring":
        base, pairs = 2, _ring_pairs(n)
        rows, cols, reach = 1, n, n // 2
    elif lattice == "torus":
        rows, cols = _torus_shape(n)
        base, pairs = 4, _torus_pairs(rows, cols)
        reach = rows // 2 + cols // 2
    else:
        raise GeneratorError(f'lattice must be "ring" or "torus", got {lattice!r}')
    _int("degree", degree, base)
    rng = random.Random(seed)
    seen = {min(a, b) * n + max(a, b) for a, b in pairs}
    free = [degree - base] * n
    distance = _harmonic_sampler(rng, reach)
    rand = rng.random

    def target(u: int) -> int:
        d = distance()
        if rows == 1:
            return (u + d if rand() < 0.5 else u - d) % n
        t = int(rand() * 4 * d)
        i = t % d
        dx, dy = ((i, d - i), (d - i, -i), (-i, i - d), (i - d, i))[t // d]
        r, c = divmod(u, cols)
        return ((r + dy) % rows) * cols + (c + dx) % cols

    def connect(u: int, v: int) -> None:
        a, b = (u, v) if u < v else (v, u)
        if a != b and free[v] and a * n + b not in seen:
            seen.add(a * n + b)
            pairs.append((a, b))
            free[u] -= 1
            free[v] -= 1

    order = list(range(n))
    rng.shuffle(order)
    for u in order:
        tries = 0
        while free[u] and tries < 16 * (degree - base):
            tries += 1
            connect(u, target(u))
    stubs = [u for u in range(n) for _ in range(free[u])]
    for _ in range(4):  # pair the leftovers uniformly at random
        rng.shuffle(stubs)
        for u, v in zip(stubs[::2], stubs[1::2]):
            if free[u]:
                connect(u, v)
        stubs = [u for u in range(n) for _ in range(free[u])]
    net = _Net(name or f"small-world-{lattice}-{n}-{seed}", bw, delay)
    ids = net.switches(n)
    net.attach_hosts(ids, hosts_per_switch)
    net.links(_indexed(ids, pairs))
    return net.done()
