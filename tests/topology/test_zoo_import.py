"""Every Internet Topology Zoo file imports; bandwidth, delay and notes are right."""

import math
import os
from pathlib import Path

import networkx as nx
import pytest

from sendim.model import check, to_graph
from sendim.topology.importers import import_topology

ZOO = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "topologyzoo").resolve()
ZOO_FILES = sorted(ZOO.glob("*.graphml")) if ZOO.is_dir() else []


def zoo_file(name: str) -> Path:
    if not ZOO_FILES:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Topology Zoo data is missing: {ZOO}")
        pytest.skip(f"the Topology Zoo data is not here: {ZOO}")
    return ZOO / name


def test_the_whole_zoo_is_there():
    zoo_file("Abilene.graphml")
    assert len(ZOO_FILES) >= 276


@pytest.mark.parametrize("path", ZOO_FILES or [None], ids=lambda p: p.stem if p else "missing")
def test_every_zoo_file_imports(path):
    path = zoo_file(path.name if path else "missing")
    result = import_topology(path)
    system = result.system
    graph = nx.read_graphml(path, force_multigraph=True)
    loops = nx.number_of_selfloops(graph)
    assert len(system.switches) == len(system.hosts) == graph.number_of_nodes()
    assert len(system.links) == graph.number_of_edges() - loops + graph.number_of_nodes()
    assert check(system) == []
    labels = {str(d.get("label", n)) for n, d in graph.nodes(data=True)}
    assert {s.properties["label"] for s in system.switches.values()} == labels
    for link in system.links:
        if link.src in system.switches:
            assert link.bandwidth > 0 and 0 <= link.delay < 0.2      # < 40,000 km
    assert result.notes and all(isinstance(n, str) and n for n in result.notes)
    assert system.name == path.stem and system.properties["source"] == path.name
    components = nx.number_connected_components(graph)
    assert (components > 1) == any("disconnected parts" in n for n in result.notes)
    assert (loops > 0) == any("self-loop" in n for n in result.notes)


def test_nordu2005_bandwidth_delay_parallel_edges_and_notes():
    """Checked against the file by hand.

    Stockholm (59.33258 N, 18.0649 E) - Helsinki (60.16952 N, 24.93545 E): the
    spherical law of cosines with R = 6371 km gives 395.748 km, so 5 us/km
    makes 1.97874 ms. The two parallel Stockholm-Helsinki edges say
    LinkSpeedRaw 5e9 and 1e10; NETNOD-Stockholm has no speed and NETNOD has
    no coordinates: 1 Gbit/s and 1 ms by default.
    """
    result = import_topology(zoo_file("Nordu2005.graphml"))
    system = result.system
    by_label = {s.properties["label"]: sid for sid, s in system.switches.items()}
    sto, hel, netnod = by_label["Stockholm"], by_label["Helsinki"], by_label["NETNOD"]
    assert (sto, hel, netnod) == ("s2", "s3", "s1")
    a, b, c, d = map(math.radians, (59.33258, 18.0649, 60.16952, 24.93545))
    km = 6371 * math.acos(math.sin(a) * math.sin(c) + math.cos(a) * math.cos(c) * math.cos(d - b))
    assert km == pytest.approx(395.748, abs=1e-3)
    pair = [l for l in system.links if {l.src, l.dst} == {sto, hel}]
    assert sorted(l.bandwidth for l in pair) == [5e9, 10e9]
    for link in pair:
        assert link.delay == pytest.approx(km * 5e-6, rel=1e-9, abs=1e-9)
    assert len({(l.src_port, l.dst_port) for l in pair}) == 2          # distinct ports
    default = next(l for l in system.links if {l.src, l.dst} == {netnod, sto})
    assert (default.bandwidth, default.delay) == (1e9, 1e-3)
    notes = "\n".join(result.notes)
    assert "1 parallel edge(s) kept as separate links" in notes
    assert "3 node(s) have no coordinates (labels: 'NETNOD', 'GEANT', 'General Internet')" in notes
    assert "no speed known for 1 link(s): default bandwidth 1Gbps used" in notes
    assert "3 link(s) lack coordinates at an end: default delay 1ms used" in notes
    assert "link bandwidth from LinkSpeedRaw for 9 link(s)" in notes


def test_merging_parallel_edges_sums_bandwidth():
    result = import_topology(zoo_file("Nordu2005.graphml"), parallel="merge")
    pair = [l for l in result.system.links if {l.src, l.dst} == {"s2", "s3"}]
    assert len(pair) == 1 and pair[0].bandwidth == 15e9
    assert pair[0].properties["merged_edges"] == "2"
    assert any("merged into one link per node pair" in n for n in result.notes)


def test_carrier_names_give_bandwidth_and_labels_can_name_switches():
    result = import_topology(zoo_file("Abilene.graphml"), naming="label", hosts_per_switch=0)
    system = result.system
    assert "New_York" in system.switches and "Kansas_City" in system.switches
    assert system.switches["New_York"].properties["label"] == "New York"
    assert {l.bandwidth for l in system.links} == {9953.28e6}          # LinkType OC-192
    assert not system.hosts
    assert any("'New York -> New_York'" in n for n in result.notes)


def test_duplicate_and_odd_labels_get_valid_distinct_ids():
    result = import_topology(zoo_file("Kdl.graphml"), naming="label")
    ids = list(result.system.switches)
    assert len(ids) == len(set(ids)) == 754
    assert any("shared by several nodes" in n for n in result.notes)
    g = to_graph(result.system)
    assert g.number_of_nodes() == 2 * 754


def test_hosts_per_switch_and_determinism():
    path = zoo_file("Geant2012.graphml")
    two = import_topology(path, hosts_per_switch=2).system
    assert len(two.hosts) == 2 * len(two.switches)
    assert import_topology(path, hosts_per_switch=2).system == two
    first = next(l for l in two.links if l.dst == "s1")
    assert (first.src, first.dst_port) == ("h1", 1)                     # hosts on low ports
