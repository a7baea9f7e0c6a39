"""Data-centre fabrics: the k-ary fat-tree and the two-tier leaf-spine Clos.

Switches carry a ``role`` property (and ``pod`` in a fat-tree) that records
their tier.
"""

from __future__ import annotations

from sendim.errors import GeneratorError
from sendim.model import System

from .common import _int, _Net, _without_gc


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
