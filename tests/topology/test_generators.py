"""Generators: counts, degrees, naming, determinism and scale."""

import copy
import time
from collections import Counter

import networkx as nx
import pytest

from sendim.errors import InputError, ModelError
from sendim.model import check, resolve, to_graph
from sendim.topology.generators import (
    GeneratorError,
    fat_tree,
    leaf_spine,
    linear,
    random_graph,
    ring,
    small_world_dc,
    torus,
    tree,
)

ALL = [
    lambda **kw: linear(4, **kw),
    lambda **kw: tree(2, 3, **kw),
    lambda **kw: fat_tree(4, **kw),
    lambda **kw: leaf_spine(4, 2, 3, **kw),
    lambda **kw: torus(3, 4, **kw),
    lambda **kw: ring(5, **kw),
    lambda **kw: random_graph(30, 4, seed=1, **kw),
    lambda **kw: small_world_dc(40, seed=1, **kw),
    lambda **kw: small_world_dc(36, seed=1, lattice="torus", **kw),
]


def switch_degrees(system):
    """Degree of each switch counting every link (hosts included)."""
    deg = Counter()
    for link in system.links:
        deg[link.src] += 1
        deg[link.dst] += 1
    return {s: deg[s] for s in system.switches}


def switch_graph(system):
    return to_graph(system, hosts=False)


@pytest.mark.parametrize("make", ALL)
def test_every_generator_gives_a_valid_resolved_deterministic_system(make):
    system = make()
    assert check(system) == []
    assert resolve(copy.deepcopy(system)) == system          # nothing left to resolve
    assert make() == system                                    # deterministic
    assert list(system.switches) == [f"s{i}" for i in range(1, len(system.switches) + 1)]
    assert list(system.hosts) == [f"h{i}" for i in range(1, len(system.hosts) + 1)]
    assert len({link.id for link in system.links}) == len(system.links)
    assert nx.is_connected(to_graph(system))


@pytest.mark.parametrize("make", ALL)
def test_link_options_apply_to_every_link(make):
    system = make(bw="10Mbps", delay="1ms")
    assert {(link.bandwidth, link.delay) for link in system.links} == {(10e6, 0.001)}
    system = make(bw=2e9, delay=0.5e-3)
    assert {(link.bandwidth, link.delay) for link in system.links} == {(2e9, 0.5e-3)}
    assert {link.bandwidth for link in make().links} == {None}


def test_linear_matches_mininet_ports_and_names():
    system = linear(3)
    assert system.summary()["switches"] == 3 and system.summary()["hosts"] == 3
    ports = {(l.src, l.dst): (l.src_port, l.dst_port) for l in system.links}
    # Mininet's LinearTopo: each switch's host first, then the link to the previous switch
    assert ports == {("h1", "s1"): (1, 1), ("h2", "s2"): (1, 1), ("s2", "s1"): (2, 2),
                     ("h3", "s3"): (1, 1), ("s3", "s2"): (2, 3)}
    two = linear(3, hosts_per_switch=2)
    assert list(two.hosts) == ["h1", "h2", "h3", "h4", "h5", "h6"]
    assert [l.dst for l in two.links if l.src == "h4"] == ["s2"]
    assert switch_degrees(linear(1, hosts_per_switch=0)) == {"s1": 0}


@pytest.mark.parametrize("depth,fanout", [(1, 2), (2, 3), (3, 2), (4, 3)])
def test_tree_counts_and_degrees(depth, fanout):
    system = tree(depth, fanout)
    n_switches = sum(fanout ** i for i in range(depth))
    assert len(system.switches) == n_switches
    assert len(system.hosts) == fanout ** depth
    assert len(system.links) == n_switches - 1 + fanout ** depth
    deg = switch_degrees(system)
    assert deg["s1"] == fanout
    assert set(deg.values()) <= {fanout, fanout + 1}


def test_tree_numbers_switches_in_preorder_like_mininet():
    system = tree(3, 2)
    parent = {l.dst: l.src for l in system.links}
    assert parent["s2"] == "s1" and parent["s3"] == "s2" and parent["s4"] == "s2"
    assert parent["s5"] == "s1" and parent["h1"] == "s3" and parent["h8"] == "s7"
    leaf = next(l for l in system.links if l.src == "s3" and l.dst == "h1")
    assert leaf.src_port == 1                 # hosts on the low ports, uplink last
    up = next(l for l in system.links if l.dst == "s3")
    assert up.dst_port == 3


@pytest.mark.parametrize("k", [2, 4, 8, 16])
def test_fat_tree_counts(k):
    system = fat_tree(k)
    half = k // 2
    assert len(system.switches) == 5 * k * k // 4
    assert len(system.hosts) == k ** 3 // 4
    assert len(system.links) == 3 * k ** 3 // 4
    roles = Counter(s.properties["role"] for s in system.switches.values())
    assert roles == {"core": half * half, "aggregation": k * half, "edge": k * half}
    assert set(switch_degrees(system).values()) == {k}      # every port used


def test_fat_tree_k4_and_k16_counts_from_the_brief():
    assert (len(fat_tree(4).switches), len(fat_tree(4).hosts)) == (20, 16)
    assert (len(fat_tree(16).switches), len(fat_tree(16).hosts)) == (320, 1024)


def test_fat_tree_wiring():
    k = 6
    system = fat_tree(k)
    sw = system.switches
    g = switch_graph(system)
    for sid, s in sw.items():
        neighbours = [sw[n] for n in g[sid]]
        role = s.properties["role"]
        if role == "core":        # one aggregation switch in every pod
            assert sorted(int(n.properties["pod"]) for n in neighbours) == list(range(k))
        elif role == "edge":      # all aggregation switches of its pod, k/2 hosts
            assert {(n.properties["role"], n.properties["pod"]) for n in neighbours} == \
                {("aggregation", s.properties["pod"])}
            assert sum(1 for l in system.links if l.dst == sid and l.src.startswith("h")) == k // 2
    assert nx.diameter(g) == 4
    assert len(fat_tree(4, hosts_per_edge=1).hosts) == 8


def test_leaf_spine():
    system = leaf_spine(leaves=6, spines=3, hosts_per_leaf=4)
    deg = switch_degrees(system)
    assert [deg[f"s{i}"] for i in range(1, 4)] == [6, 6, 6]
    assert [deg[f"s{i}"] for i in range(4, 10)] == [7] * 6
    assert len(system.hosts) == 24
    assert nx.diameter(switch_graph(system)) == 2


@pytest.mark.parametrize("rows,cols", [(3, 3), (4, 5), (10, 10)])
def test_torus_degree_four_plus_a_host(rows, cols):
    system = torus(rows, cols)
    assert len(system.switches) == len(system.hosts) == rows * cols
    assert set(switch_degrees(system).values()) == {5}
    g = switch_graph(system)
    assert set(dict(g.degree()).values()) == {4}
    assert nx.diameter(g) == rows // 2 + cols // 2


def test_ring():
    system = ring(7, hosts_per_switch=2)
    g = switch_graph(system)
    assert set(dict(g.degree()).values()) == {2} and nx.is_connected(g)
    assert len(system.hosts) == 14 and len(system.links) == 21


@pytest.mark.parametrize("call", [
    lambda: fat_tree(3), lambda: fat_tree(0), lambda: linear(0), lambda: ring(2),
    lambda: torus(2, 5), lambda: tree(0, 2), lambda: linear(2, hosts_per_switch=-1),
    lambda: linear(2, bw=0), lambda: linear(2, delay=-1.0), lambda: linear("3"),
    lambda: random_graph(10, 1), lambda: random_graph(10, 10), lambda: random_graph(10, -1),
    lambda: small_world_dc(10, degree=1), lambda: small_world_dc(13, lattice="torus"),
    lambda: small_world_dc(16, lattice="cube"), lambda: leaf_spine(0, 1),
])
def test_bad_parameters_raise(call):
    with pytest.raises(GeneratorError) as info:
        call()
    assert isinstance(info.value, InputError) and isinstance(info.value, ModelError)


@pytest.mark.parametrize("nodes,degree", [(200, 4), (500, 10), (1000, 3.5), (10, 8), (12, 11)])
def test_random_graph_degree_connectivity_simple(nodes, degree):
    system = random_graph(nodes, degree, seed=7)
    g = switch_graph(system)
    assert g.number_of_nodes() == nodes and nx.is_connected(g)
    assert g.number_of_edges() == round(nodes * degree / 2)          # no parallel links
    assert abs(2 * g.number_of_edges() / nodes - degree) <= 1 / nodes
    assert all(l.src != l.dst for l in system.links)
    assert len(system.hosts) == nodes


def test_random_graph_is_deterministic_by_seed():
    a, b, c = random_graph(300, 6, seed=1), random_graph(300, 6, seed=1), random_graph(300, 6, seed=2)
    assert a == b
    assert {l.id for l in a.links} != {l.id for l in c.links}
    assert len(random_graph(50, 4, hosts_per_switch=0).hosts) == 0


def test_small_world_ring_properties():
    n = 400
    system = small_world_dc(n, seed=3)
    g = switch_graph(system)
    degrees = Counter(dict(g.degree()).values())
    assert max(degrees) == 6 and degrees[6] >= 0.98 * n                 # 6 ports, nearly all used
    assert all(g.has_edge(f"s{i}", f"s{i % n + 1}") for i in range(1, n + 1))   # the ring
    assert nx.diameter(g) < nx.diameter(switch_graph(ring(n)))          # n/2 = 200
    assert nx.diameter(g) <= 12
    assert small_world_dc(n, seed=3) == system
    assert small_world_dc(n, seed=4) != system


def test_small_world_random_links_follow_kleinberg():
    """P(link at ring distance d) ~ 1/d: short links are far more common than uniform."""
    n = 2000
    system = small_world_dc(n, seed=5)
    dist = []
    for link in system.links:
        if link.src.startswith("s") and link.dst.startswith("s"):
            a, b = int(link.src[1:]), int(link.dst[1:])
            d = min(abs(a - b), n - abs(a - b))
            if d > 1:
                dist.append(d)
    short = sum(1 for d in dist if d <= n // 8) / len(dist)
    assert short > 0.6          # uniform random links would give about 0.25


def test_small_world_torus_variant():
    system = small_world_dc(100, seed=2, lattice="torus")     # 10 x 10
    g = switch_graph(system)
    assert set(dict(g.degree()).values()) <= {5, 6}
    assert sum(1 for _, d in g.degree() if d == 6) >= 98
    assert all(g.has_edge(f"s{r * 10 + c + 1}", f"s{r * 10 + (c + 1) % 10 + 1}")
               for r in range(10) for c in range(10))
    assert nx.diameter(g) < nx.diameter(switch_graph(torus(10, 10)))
    assert small_world_dc(100, degree=4, lattice="torus") == torus(10, 10, name="small-world-torus-100-0")


def test_random_graph_100k_nodes_degree_10_builds_in_seconds():
    start = time.perf_counter()
    system = random_graph(100_000, 10, seed=1)
    elapsed = time.perf_counter() - start
    assert len(system.switches) == len(system.hosts) == 100_000
    assert len(system.links) == 500_000 + 100_000
    assert system.links[-1].src_port and system.hosts["h100000"].ip == "10.1.134.160/8"
    assert elapsed < 60      # a few seconds in practice; quadratic would take hours


@pytest.mark.slow
def test_big_generators_stay_linear_and_valid():
    for make in (lambda: small_world_dc(100_000, seed=1), lambda: fat_tree(74)):
        start = time.perf_counter()
        system = make()
        assert time.perf_counter() - start < 60
        assert check(system) == []
