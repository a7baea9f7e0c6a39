"""Mininet custom topology files import without Mininet, leaving sys.modules clean."""

import importlib.util
import sys
import types
from pathlib import Path

import pytest

from sendim.errors import TopologyImportError
from sendim.topology import Topo
from sendim.topology.importers import import_topology
from sendim.topology.importers.mininet_topo import mininet_modules, split_args

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HAS_MININET = importlib.util.find_spec("mininet") is not None


def mininet_entries():
    return {k: v for k, v in sys.modules.items() if k == "mininet" or k.startswith("mininet.")}


def test_classic_custom_topo_file():
    result = import_topology(FIXTURES / "topo_2sw_2host.py")
    expected = Topo("mytopo")
    for node in ("s3", "s4"):
        expected.add_switch(node)
    for node in ("h1", "h2"):
        expected.add_host(node)
    expected.add_link("h1", "s3")
    expected.add_link("s3", "s4")
    expected.add_link("s4", "h2")
    expected.set_property("source", "topo_2sw_2host.py")
    expected.set_property("format", "mininet")
    expected.set_property("topo", "mytopo")
    assert result.system == expected.build_system()
    assert [s.dpid for s in result.system.switches.values()] == [3, 4]
    assert result.system.hosts["h1"].ip == "10.0.0.1/8"
    assert result.format == "mininet"
    flavour = "installed" if HAS_MININET else "stand-in"
    assert result.notes[0] == f"topology 'mytopo' built with the {flavour} Mininet modules"


def test_tclink_parameters_dpids_addresses_and_ports():
    result = import_topology(FIXTURES / "tclink_topo.py")
    system = result.system
    assert system.name == "dumbbell"
    s1, s2 = system.switches["s1"], system.switches["s2"]
    assert (s1.dpid, s2.dpid, s1.protocol) == (0xA1, 0xB2, "OpenFlow13")
    assert s1.properties["cls"] == "OVSKernelSwitch"
    h1, h3 = system.hosts["h1"], system.hosts["h3"]
    assert (h1.ip, h1.mac, h1.cpu) == ("192.168.0.1/24", "00:00:00:00:01:01", 0.25)
    assert (h3.ip, h3.mac) == ("10.0.0.1/8", "00:00:00:00:00:01")
    links = {link.id: link for link in system.links}
    bottleneck = links["s1-s2"]
    assert (bottleneck.bandwidth, bottleneck.delay, bottleneck.loss, bottleneck.max_queue) == \
        (10e6, 0.005, 0.01, 100)
    assert bottleneck.properties == {"jitter": "1ms", "cls": "TCLink"}
    assert (bottleneck.src_port, bottleneck.dst_port) == (3, 3)      # Mininet's own numbering
    parallel = links["s1-s2-2"]
    assert (parallel.src_port, parallel.dst_port, parallel.bandwidth) == (10, 20, 1.5e6)
    assert parallel.delay == pytest.approx(250e-6)
    assert any("delay 250 has no unit" in n for n in result.notes)
    assert (links["h1-s1"].bandwidth, links["h1-s1"].delay, links["h1-s1"].src_port) == (100e6, 0.001, 1)


def test_mn_style_arguments_and_selection():
    assert split_args("dumbbell,3,scale=1.5,x=a") == ("dumbbell", [3], {"scale": 1.5, "x": "a"})
    assert len(import_topology(f"{FIXTURES / 'tclink_topo.py'}:dumbbell,3").system.hosts) == 6
    assert len(import_topology(FIXTURES / "tclink_topo.py", topo="DumbbellTopo",
                               kwargs={"n": 4}).system.hosts) == 8
    first = import_topology(FIXTURES / "two_classes.py")
    assert first.system.name == "StarTopo" and len(first.system.hosts) == 3
    assert "used 'StarTopo', the first Topo subclass in the file (others: PairTopo)" in first.notes
    pair = import_topology(f"{FIXTURES / 'two_classes.py'}:PairTopo", name="pair")
    assert pair.system.name == "pair" and list(pair.system.switches) == ["s1", "s2"]
    with pytest.raises(TopologyImportError, match=r"named 'Nope'; found \[StarTopo, PairTopo\]"):
        import_topology(f"{FIXTURES / 'two_classes.py'}:Nope")
    imported = import_topology(f"{FIXTURES / 'two_classes.py'}:LinearTopo,3").system   # by name only
    assert list(imported.switches) == ["s1", "s2", "s3"] and len(imported.hosts) == 3
    extra = import_topology(FIXTURES / "topo_2sw_2host.py", hosts_per_switch=2).system
    assert len(extra.hosts) == 6 and "h3" in extra.hosts


@pytest.mark.parametrize("name,fragment", [
    ("starts_network.py", r"starts_network\.py:6: the file starts a Mininet network"),
    ("broken_topo.py", r"broken_topo\.py:9: building BrokenTopo failed: RuntimeError: boom"),
    ("router_topo.py", r"router_topo\.py: host\(s\) r0 have several links"),
])
@pytest.mark.may_skip
def test_bad_files_are_reported_with_their_line(name, fragment):
    if HAS_MININET and name == "starts_network.py":
        pytest.skip("with a real Mininet the file would really start a network")
    with pytest.raises(TopologyImportError, match=fragment):
        import_topology(FIXTURES / name)


def test_syntax_errors_and_files_without_topologies(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from mininet.topo import Topo\nclass X(Topo)\n    pass\n")
    with pytest.raises(TopologyImportError, match=r"bad\.py:2: loading the file failed: SyntaxError"):
        import_topology(bad)
    empty = tmp_path / "empty.py"
    empty.write_text("import mininet.node\nfrom mininet.examples.whatever import Thing\nx = Thing()\n")
    with pytest.raises(TopologyImportError, match="defines no Topo subclass and no topos dict"):
        import_topology(empty)


@pytest.mark.may_skip
@pytest.mark.skipif(HAS_MININET, reason="checks the stand-ins")
def test_sys_modules_is_left_clean():
    before = set(sys.modules)
    meta_path = list(sys.meta_path)
    for name in ("topo_2sw_2host.py", "tclink_topo.py", "two_classes.py"):
        import_topology(FIXTURES / name)
    with pytest.raises(TopologyImportError):
        import_topology(FIXTURES / "broken_topo.py")
    with pytest.raises(TopologyImportError):
        import_topology(FIXTURES / "starts_network.py")
    assert set(sys.modules) == before
    assert sys.meta_path == meta_path
    assert not mininet_entries() and importlib.util.find_spec("mininet") is None
    assert not any(k.startswith("_sendim_topo_") for k in sys.modules)
    assert not (FIXTURES / "__pycache__").exists()


@pytest.mark.may_skip
@pytest.mark.skipif(HAS_MININET, reason="checks the stand-ins")
def test_previous_mininet_entries_are_restored():
    fake = types.ModuleType("mininet")
    sys.modules["mininet"] = fake
    try:
        with mininet_modules() as flavour:
            assert flavour == "stand-in"
            from mininet.topo import Topo as StandinTopo      # noqa: PLC0415
            assert sys.modules["mininet"] is not fake
            topo = StandinTopo()
            topo.addSwitch("s1")
            topo.addHost("h1")
            key = topo.addLink("h1", "s1", bw=5)
            assert topo.links(withKeys=True) == [("h1", "s1", key)]
            assert topo.port("h1", "s1") == (0, 1)
            assert topo.linkInfo("s1", "h1")["bw"] == 5
            assert topo.nodeInfo("s1") == {"isSwitch": True}
        assert sys.modules["mininet"] is fake
    finally:
        del sys.modules["mininet"]
    assert not mininet_entries()
