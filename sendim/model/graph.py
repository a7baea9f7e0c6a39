"""A networkx view of a system, for algorithms written as free functions."""

from __future__ import annotations

import networkx as nx

from sendim.model.system import System


def to_graph(system: System, *, hosts: bool = True) -> nx.Graph:
    """An undirected graph of *system*.

    Nodes carry ``kind`` (``"switch"``/``"host"``); edges carry ``link``
    (the first link's id), ``links`` (all parallel link ids), ``bandwidth``
    (summed over parallel links, None if any is unlimited), ``delay`` (the
    smallest) and ``weight`` (= delay, or 1 when delays are zero).
    """
    g = nx.Graph(name=system.name)
    g.add_nodes_from(system.switches, kind="switch")
    if hosts:
        g.add_nodes_from(system.hosts, kind="host")
    for link in system.links:
        if not g.has_node(link.src) or not g.has_node(link.dst):
            continue
        data = g.get_edge_data(link.src, link.dst)
        if data is None:
            g.add_edge(link.src, link.dst, link=link.id, links=[link.id],
                       bandwidth=link.bandwidth, delay=link.delay)
        else:
            data["links"].append(link.id)
            if data["bandwidth"] is not None and link.bandwidth is not None:
                data["bandwidth"] += link.bandwidth
            else:
                data["bandwidth"] = None
            data["delay"] = min(data["delay"], link.delay)
    for _, _, data in g.edges(data=True):
        data["weight"] = data["delay"] or 1.0
    return g


def to_multigraph(system: System) -> nx.MultiGraph:
    """A multigraph with one edge per link, keyed by link id."""
    g = nx.MultiGraph(name=system.name)
    g.add_nodes_from(system.switches, kind="switch")
    g.add_nodes_from(system.hosts, kind="host")
    for link in system.links:
        g.add_edge(link.src, link.dst, key=link.id, bandwidth=link.bandwidth,
                   delay=link.delay, loss=link.loss, src_port=link.src_port,
                   dst_port=link.dst_port, src=link.src)
    return g
