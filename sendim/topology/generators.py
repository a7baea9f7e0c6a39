"""Topology generators: free functions that return a resolved :class:`System`.

Every generator names its switches ``s1..sN`` and its hosts ``h1..hM`` in a
documented, deterministic order, applies the common link options ``bw``
(bit/s, or a string such as ``"10Mbps"``) and ``delay`` (seconds, or
``"5ms"``) to *every* link, host links included, and returns a system that
:func:`sendim.model.resolve` has completed. Host links are declared before
switch-to-switch links on each switch, so hosts sit on the lowest ports.
The random generators take a ``seed`` and give the same system for the same
seed on every platform. All of them run in time linear in the size of the
result (the Kleinberg sampling of :func:`small_world_dc` adds a log factor).

:data:`GENERATORS` describes each generator and its parameters, so a command
line can offer ``sendim generate KIND --param value`` without knowing them;
:func:`generate` builds one by kind. Bad parameters raise
:class:`GeneratorError`, which is both an :class:`~sendim.errors.InputError`
(exit code 2 in the CLI) and a :class:`~sendim.errors.ModelError`
(a ``ValueError`` for Python callers).
"""

from __future__ import annotations

import bisect
import functools
import gc
import itertools
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sendim.errors import GeneratorError, RegistryError
from sendim.model import Host, Link, Switch, System, resolve
from sendim.units import parse_bandwidth, parse_time


# -- parameter checks ----------------------------------------------------------
def _int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GeneratorError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise GeneratorError(f"{name} must be at least {minimum}, got {value}")
    return value


def link_bandwidth(value: float | str | None) -> float | None:
    """``bw`` as bit/s: a positive number, a string with a unit, or None (unlimited)."""
    if value is None:
        return None
    bps = parse_bandwidth(value) if isinstance(value, str) else float(value)
    if not (bps > 0 and math.isfinite(bps)):
        raise GeneratorError(f"bw must be a positive bandwidth, got {value!r}")
    return bps


def link_delay(value: float | str | None) -> float:
    """``delay`` as seconds: a number, a string with a unit, or None (0)."""
    if value is None:
        return 0.0
    seconds = parse_time(value) if isinstance(value, str) else float(value)
    if not (seconds >= 0 and math.isfinite(seconds)):
        raise GeneratorError(f"delay must not be negative, got {value!r}")
    return seconds


def _without_gc(function: Callable[..., System]) -> Callable[..., System]:
    """Pause the cyclic garbage collector while *function* runs.

    Generators allocate millions of acyclic objects; the collector would
    rescan them again and again and double the run time for big systems.
    """
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> System:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return wrapper


# -- assembly -------------------------------------------------------------------
class _Net:
    """Collects switches, hosts and links straight into a System (fast path).

    Ports and link ids are assigned here exactly as :func:`resolve` would
    (per node the next free port, in link order; ids ``src-dst``, unique as
    generators make no parallel links), which is much faster for big systems;
    ``resolve`` then fills dpids, IPs and MACs.
    """

    def __init__(self, name: str, bw: float | str | None, delay: float | str | None):
        self.system = System(name=name)
        self.bw = link_bandwidth(bw)
        self.delay = link_delay(delay)
        self.hosts = 0
        self.ports: dict[str, int] = {}

    def switches(self, count: int, **properties: str) -> list[str]:
        """Add *count* switches ``s<next>..``; returns their ids."""
        switches = self.system.switches
        start = len(switches) + 1
        ids = [f"s{i}" for i in range(start, start + count)]
        for sid in ids:
            switches[sid] = Switch(sid, 0, "OpenFlow13", dict(properties))
        return ids

    def host(self) -> str:
        self.hosts += 1
        hid = f"h{self.hosts}"
        self.system.hosts[hid] = Host(hid)
        return hid

    def links(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Add a link for each ``(a, b)``."""
        bw, delay, ports, get = self.bw, self.delay, self.ports, self.ports.get
        append = self.system.links.append
        for a, b in pairs:
            pa = ports[a] = get(a, 0) + 1
            pb = ports[b] = get(b, 0) + 1
            append(Link(a, b, pa, pb, bw, delay, 0.0, None, f"{a}-{b}"))

    def link(self, a: str, b: str) -> None:
        self.links(((a, b),))

    def attach_hosts(self, switch_ids: Iterable[str], per_switch: int) -> None:
        """``per_switch`` hosts on each switch, in order; link src is the host."""
        self.links((self.host(), sid) for sid in switch_ids for _ in range(per_switch))

    def done(self) -> System:
        """Resolve dpids, IPs and MACs; links are complete already.

        Links are set aside while resolving, which spares ``resolve`` a pass
        over ports and ids that are all given (the result is the same).
        """
        links, self.system.links = self.system.links, []
        resolve(self.system)
        self.system.links = links
        return self.system


def _indexed(ids: list[str], pairs: Iterable[tuple[int, int]]) -> Iterable[tuple[str, str]]:
    return ((ids[a], ids[b]) for a, b in pairs)


# -- regular topologies -------------------------------------------------------------
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


@_without_gc
def fat_tree(k: int, hosts_per_edge: int | None = None, bw: float | str | None = None,
             delay: float | str | None = None, name: str | None = None) -> System:
    """The k-ary fat-tree of Al-Fares et al.: ``(k/2)**2`` core switches, k pods.

    Each pod has k/2 aggregation and k/2 edge switches; every edge switch
    links to every aggregation switch of its pod and to ``hosts_per_edge``
    hosts (k/2 by default, so ``k**3/4`` hosts); aggregation switch j of each
    pod links to core switches ``j*k/2 .. j*k/2+k/2-1``. Numbering: cores
    first, then pod by pod its aggregation then its edge switches; properties
    ``role`` (core/aggregation/edge) and ``pod`` record the place of each.
    """
    _int("k", k, 2)
    if k % 2:
        raise GeneratorError(f"k must be even, got {k}")
    half = k // 2
    per_edge = half if hosts_per_edge is None else _int("hosts_per_edge", hosts_per_edge, 0)
    net = _Net(name or f"fat-tree-{k}", bw, delay)
    cores = net.switches(half * half, role="core")
    pods = []
    for pod in range(k):
        aggs = net.switches(half, role="aggregation", pod=str(pod))
        edges = net.switches(half, role="edge", pod=str(pod))
        pods.append((aggs, edges))
    for _, edges in pods:
        net.attach_hosts(edges, per_edge)
    for aggs, edges in pods:
        net.links((edge, agg) for edge in edges for agg in aggs)
    for aggs, _ in pods:
        net.links((agg, cores[j * half + c]) for j, agg in enumerate(aggs) for c in range(half))
    return net.done()


@_without_gc
def leaf_spine(leaves: int, spines: int, hosts_per_leaf: int = 1,
               bw: float | str | None = None, delay: float | str | None = None,
               name: str | None = None) -> System:
    """A two-tier Clos: every leaf links to every spine, hosts hang off leaves.

    Spines are ``s1..sS`` (property role=spine), leaves follow (role=leaf).
    """
    _int("leaves", leaves, 1)
    _int("spines", spines, 1)
    _int("hosts_per_leaf", hosts_per_leaf, 0)
    net = _Net(name or f"leaf-spine-{leaves}-{spines}", bw, delay)
    spine_ids = net.switches(spines, role="spine")
    leaf_ids = net.switches(leaves, role="leaf")
    net.attach_hosts(leaf_ids, hosts_per_leaf)
    net.links((leaf, spine) for leaf in leaf_ids for spine in spine_ids)
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


# -- random topologies ------------------------------------------------------------------
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


# -- registry ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a generator, described for a command line.

    ``type`` converts a command-line string (``int``, ``float`` or ``str``);
    ``default`` is the function's default (None for "unset"); ``required``
    parameters have no default. The flag is ``--`` + name with ``_`` → ``-``.
    """

    name: str
    type: Callable[[str], Any]
    help: str
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class GeneratorSpec:
    """A generator: its kind, function, one-line description and parameters."""

    kind: str
    function: Callable[..., System]
    description: str
    params: tuple[Param, ...]

    def param(self, name: str) -> Param:
        """The parameter called *name* (``-`` and ``_`` are interchangeable)."""
        wanted = name.replace("-", "_")
        for param in self.params:
            if param.name == wanted:
                return param
        raise GeneratorError(f"{self.kind} has no parameter {name!r}; its parameters are "
                             f"[{', '.join(p.name for p in self.params)}]")


def _p(name: str, type_: Callable[[str], Any], help_: str, default: Any = None,
       choices: tuple[str, ...] | None = None) -> Param:
    return Param(name, type_, help_, default, False, choices)


def _req(name: str, type_: Callable[[str], Any], help_: str) -> Param:
    return Param(name, type_, help_, None, True)


_LINK = (
    _p("bw", str, "bandwidth of every link, e.g. 10Mbps (unlimited if unset)"),
    _p("delay", str, "one-way delay of every link, e.g. 1ms"),
    _p("name", str, "system name (default: from the kind and parameters)"),
)
_HPS = _p("hosts_per_switch", int, "hosts attached to each switch", 1)
_SEED = _p("seed", int, "random seed (same seed, same topology)", 0)

GENERATORS: dict[str, GeneratorSpec] = {spec.kind: spec for spec in (
    GeneratorSpec("linear", linear, "a chain of n switches, hosts on each (Mininet's linear)",
                  (_req("n", int, "number of switches"), _HPS) + _LINK),
    GeneratorSpec("tree", tree, "a tree of switches with hosts at the leaves (Mininet's tree)",
                  (_req("depth", int, "levels of switches"),
                   _req("fanout", int, "children of every switch")) + _LINK),
    GeneratorSpec("fat-tree", fat_tree, "a k-ary fat-tree: (k/2)^2 core switches, k pods",
                  (_req("k", int, "switch port count (even)"),
                   _p("hosts_per_edge", int, "hosts per edge switch (default k/2)")) + _LINK),
    GeneratorSpec("leaf-spine", leaf_spine, "a two-tier Clos: every leaf linked to every spine",
                  (_req("leaves", int, "number of leaf switches"),
                   _req("spines", int, "number of spine switches"),
                   _p("hosts_per_leaf", int, "hosts attached to each leaf", 1)) + _LINK),
    GeneratorSpec("torus", torus, "a 2-D torus of switches (degree 4), hosts on each",
                  (_req("rows", int, "rows (>= 3)"), _req("cols", int, "columns (>= 3)"),
                   _HPS) + _LINK),
    GeneratorSpec("ring", ring, "a ring of n switches, hosts on each",
                  (_req("n", int, "number of switches (>= 3)"), _HPS) + _LINK),
    GeneratorSpec("random", random_graph, "a connected random switch graph of given average degree",
                  (_req("nodes", int, "number of switches"),
                   _req("degree", float, "average switch degree"), _SEED, _HPS) + _LINK),
    GeneratorSpec("small-world", small_world_dc,
                  "a small-world datacenter (SW-Ring/SW-2DTorus, Shin et al. 2011)",
                  (_req("n", int, "number of nodes"),
                   _p("degree", int, "ports per node: lattice links + random links", 6), _SEED,
                   _p("lattice", str, "ring (SW-Ring) or torus (SW-2DTorus)", "ring",
                      ("ring", "torus")), _HPS) + _LINK),
)}
"""Kind (as on the command line) → :class:`GeneratorSpec`."""


def generate(kind: str, **params: Any) -> System:
    """Build the topology *kind* of :data:`GENERATORS` with *params*.

    Parameter names may use ``-`` or ``_``; string values are converted with
    the parameter's type, so command-line text can be passed as is. Raises
    :class:`~sendim.errors.RegistryError` for an unknown kind and
    :class:`GeneratorError` for unknown, missing or bad parameters.
    """
    spec = GENERATORS.get(kind)
    if spec is None:
        raise RegistryError(f'generator "{kind}" is not supported. '
                            f"Supported kinds are [{', '.join(sorted(GENERATORS))}]")
    kwargs: dict[str, Any] = {}
    for key, value in params.items():
        param = spec.param(key)
        if isinstance(value, str) and param.type is not str:
            try:
                value = param.type(value)
            except ValueError:
                raise GeneratorError(f"{kind}: {param.name} must be of type "
                                     f"{param.type.__name__}, got {value!r}") from None
        if param.choices and value not in param.choices:
            raise GeneratorError(f"{kind}: {param.name} must be one of "
                                 f"[{', '.join(param.choices)}], got {value!r}")
        kwargs[param.name] = value
    missing = [p.name for p in spec.params if p.required and p.name not in kwargs]
    if missing:
        raise GeneratorError(f"{kind}: missing parameter(s) {', '.join(missing)}")
    return spec.function(**kwargs)
