"""GraphML/GML importing on small hand-made files: safety, edge cases, errors."""

import networkx as nx
import pytest

from sendim.errors import RegistryError, TopologyImportError
from sendim.model import check_id
from sendim.topology.importers import detect_format, import_topology, split_target
from sendim.topology.importers.base import UniqueIds, sanitize_id
from sendim.topology.importers.graphml import from_networkx, haversine_km

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def small_graph():
    g = nx.MultiGraph(name="small")
    g.add_node("a", label="Zürich (ZH)", Latitude=47.37, Longitude=8.54)
    g.add_node("b", label="Genève", Latitude=46.2, Longitude=6.15)
    g.add_node("c", label="h1")                    # no coordinates, clashes with a host id
    g.add_node("d", label="Genève")               # duplicate label, isolated
    g.add_edge("a", "b", LinkSpeedRaw=1e10)
    g.add_edge("a", "b", LinkSpeed="2.5", LinkSpeedUnits="G")
    g.add_edge("b", "c", bandwidth="100Mbps", delay="3ms")
    g.add_edge("c", "c")
    return g


def test_from_networkx_edge_cases():
    result = from_networkx(small_graph(), naming="label", hosts_per_switch=1)
    system = result.system
    assert list(system.switches) == ["Zurich_ZH", "Geneve", "h1", "Geneve_2"]
    assert list(system.hosts) == ["h2", "h3", "h4", "h5"]             # h1 is a switch
    links = [l for l in system.links if l.src in system.switches]
    assert [l.bandwidth for l in links] == [1e10, 2.5e9, 100e6]
    km = haversine_km(47.37, 8.54, 46.2, 6.15)
    assert 220 < km < 230 and links[0].delay == pytest.approx(km * 5e-6, abs=1e-9)
    assert links[2].delay == 0.003
    notes = "\n".join(result.notes)
    for fragment in ["1 self-loop(s) dropped", "1 parallel edge(s) kept",
                     "2 disconnected parts (sizes 3, 1)", "1 label(s) are shared by several nodes (their switches get distinct ids): 'Genève'",
                     "'Zürich (ZH) -> Zurich_ZH'", "2 node(s) have no coordinates (labels: 'h1', 'Genève')"]:
        assert fragment in notes


def test_sanitize_ids():
    for text in ["Washington, DC", "Zürich", "?", "", "1st street", "a" * 100, "NOAA {[Boulder}}",
                 "St John's", "東京"]:
        assert check_id(sanitize_id(text)) is None, text
    assert sanitize_id("Washington, DC") == "Washington_DC"
    assert sanitize_id("1st") == "n1st"
    ids = UniqueIds()
    assert [ids.take(x) for x in ["?", "!", "a b", "a_b"]] == ["n", "n_2", "a_b", "a_b_2"]


def test_directed_graphs_pair_opposite_edges():
    g = nx.MultiDiGraph()
    g.add_edges_from([("x", "y"), ("y", "x"), ("y", "z"), ("x", "y")])
    result = from_networkx(g, hosts_per_switch=0)
    assert [(l.src, l.dst) for l in result.system.links] == [("s1", "s2"), ("s1", "s2"), ("s2", "s3")]
    assert any("1 edge(s) paired with an opposite edge" in n for n in result.notes)


def test_graphml_file_with_attributes(tmp_path):
    path = write(tmp_path, "tiny.graphml", HEAD + """
  <key id="lat" for="node" attr.name="Latitude" attr.type="double"/>
  <key id="lon" for="node" attr.name="Longitude" attr.type="double"/>
  <key id="lbl" for="node" attr.name="label" attr.type="string"/>
  <key id="raw" for="edge" attr.name="LinkSpeedRaw" attr.type="double"/>
  <graph edgedefault="undirected">
    <node id="n0"><data key="lbl">A &amp; B</data><data key="lat">0</data><data key="lon">0</data></node>
    <node id="n1"><data key="lbl">C</data><data key="lat">0</data><data key="lon">1</data></node>
    <edge source="n0" target="n1"><data key="raw">155000000</data></edge>
  </graph>
</graphml>""")
    result = import_topology(path, hosts_per_switch=0, default_delay="2ms")
    (link,) = result.system.links
    one_degree_km = 6371 * 3.141592653589793 / 180
    assert link.bandwidth == 155e6 and link.delay == pytest.approx(one_degree_km * 5e-6, abs=1e-9)
    assert result.system.switches["s1"].properties["label"] == "A & B"
    assert result.system.name == "tiny" and result.format == "graphml"


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE graphml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',                       # entity expansion
    '<!DOCTYPE graphml [<!ENTITY x SYSTEM "file:///etc/passwd">]>',          # external entity
    '<!DOCTYPE graphml SYSTEM "http://127.0.0.1:9/graphml.dtd">',            # external DTD
])
def test_graphml_with_a_doctype_is_refused(tmp_path, doctype):
    path = write(tmp_path, "evil.graphml", '<?xml version="1.0"?>\n' + doctype + """
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="l" for="node" attr.name="label" attr.type="string"/>
  <graph edgedefault="undirected"><node id="n0"><data key="l">&c;</data></node></graph>
</graphml>""".replace("&c;", "&c;" if "ENTITY c" in doctype else "x"))
    with pytest.raises(TopologyImportError, match="DOCTYPE"):
        import_topology(path)


@pytest.mark.parametrize("text,fragment", [
    (HEAD + "<graph><node id='a'></graph></graphml>", "evil.graphml:3: not well-formed XML"),
    ("<?xml version='1.0'?><svg/>", "not GraphML"),
    (HEAD + "<graph edgedefault='undirected'></graph></graphml>", "has no nodes"),
    (HEAD + "<graph edgedefault='undirected'><node id='a'/><edge source='a' target='b'>"
     "<data key='nokey'>1</data></edge></graph></graphml>", "invalid GraphML"),
])
def test_broken_graphml_is_reported(tmp_path, text, fragment):
    path = write(tmp_path, "evil.graphml", text)
    with pytest.raises(TopologyImportError, match=fragment.replace(".", r"\.")):
        import_topology(path)


def test_gml_round_trip_and_parallel_edges_without_multigraph_flag(tmp_path):
    g = nx.Graph()
    g.add_node(0, label="Same", Latitude=10.0, Longitude=10.0)
    g.add_node(1, label="Same", Latitude=10.0, Longitude=11.0)
    g.add_node(2, label="Other")
    g.add_edge(0, 1, LinkSpeedRaw=1e9)
    g.add_edge(1, 2)
    path = tmp_path / "dup.gml"
    nx.write_gml(g, path, stringizer=str)
    result = import_topology(path, hosts_per_switch=0)
    assert len(result.system.switches) == 3 and result.format == "gml"
    assert [l.bandwidth for l in result.system.links] == [1e9, 1e9]
    text = path.read_text().replace("  edge [\n    source 1", "  edge [\n    source 0\n    target 1\n  ]\n  edge [\n    source 1", 1)
    path.write_text(text)
    result = import_topology(path, hosts_per_switch=0)
    assert len(result.system.links) == 3
    assert "no 'multigraph 1'" in result.notes[0]


def test_dispatch_errors(tmp_path):
    with pytest.raises(RegistryError) as info:
        import_topology(write(tmp_path, "x.txt", ""))
    assert str(info.value).startswith('importer "txt" is not supported. '
                                      "Supported kinds are [gml, graphml, mininet]")
    with pytest.raises(RegistryError, match='importer "dot"'):
        import_topology(write(tmp_path, "x.graphml", ""), format="dot")
    with pytest.raises(TopologyImportError, match="no such file"):
        import_topology(tmp_path / "missing.graphml")
    with pytest.raises(TopologyImportError, match="unexpected keyword argument 'colour'"):
        import_topology(write(tmp_path, "y.gml", "graph [ node [ id 0 ] ]"), colour="red")
    with pytest.raises(TopologyImportError, match="only applies to Mininet"):
        import_topology(str(tmp_path / "z.py") + ":X", format="gml")
    with pytest.raises(TopologyImportError, match="parallel"):
        import_topology(write(tmp_path, "w.gml", "graph [ node [ id 0 ] ]"), parallel="sum")
    with pytest.raises(TopologyImportError, match="system name"):
        import_topology(write(tmp_path, "v.gml", "graph [ node [ id 0 ] ]"), name="bad name")


def test_paths_and_formats():
    assert split_target("dir/topo.py:MyTopo,3") == (split_target("dir/topo.py")[0], "MyTopo,3")
    assert split_target("C:/data/a.graphml") == (split_target("C:/data/a.graphml")[0], None)
    assert detect_format(split_target("A.GraphML")[0]) == "graphml"
