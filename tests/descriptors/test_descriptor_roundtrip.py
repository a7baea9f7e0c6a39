"""Writer round trips: load → write → load gives an equal model."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from descriptors import EXAMPLES_DIR, SCHEMA_DIR
from sendim.errors import ModelError
from sendim.model import System
from sendim.parser import load, load_system, parse_system_string, write_deployment, write_system
from sendim.topology import generators
from sendim.topology.builder import Topo


def _full_topo() -> System:
    """A system using every attribute the language has."""
    t = Topo("everything")
    t.set_property("note", 'quotes " and \' & <angle> brackets\nnew line\ttab é ✓')
    s1 = t.add_switch("s1", dpid="ff", protocol="OpenFlow10,OpenFlow13", rack="A")
    s2 = t.add_switch("s2", dpid=2**64 - 1)
    s3 = t.add_switch("sw_3.core")
    h1 = t.add_host("h1", ip="192.168.1.10/24", mac="0A:00:00:00:00:01", cpu=0.25, memory="512MiB")
    h2 = t.add_host("h2", cpu=1e-05)
    h3 = t.add_host("h3", role="db")
    t.add_link(h1, s1, bw="1Gbps", delay="10us", loss="0.001%", max_queue=50, cable="x&y")
    t.add_link(s1, s2, bw=1234.5, delay=1e-11, loss=1 / 3, port1=7, port2=9)
    t.add_link(s1, s2, bw="10Mbps", id="backup")       # a parallel link
    t.add_link(s2, s3, delay="1.5ms")
    t.add_link(s3, h2)
    t.add_link(s3, h3, bw="2.5Gbps")
    t.add_flow(h1, h2, size="1.5MB", rate="10Mbps", start="250ms", granularity="chunk",
               chunk_size="1KiB", src_port=4000, dst_port=80)
    t.add_flow(h1, h3, protocol="udp", rate="2Mbps", duration="3s", packet_size=512)
    t.add_flow(h2, h3, protocol="udp", traffic="poisson", rate="1Mbps", size="5MB",
               granularity="packet")
    t.add_flow(h3, h1, protocol="icmp", duration="10s", interval="0.2s", id="ping")
    t.add_event("1s", "down", link="backup")
    t.add_event("2s", "up", link="backup")
    t.add_event("3s", "down", node="sw_3.core")
    t.add_exec(h1, "iperf3 -s -p 5202", "start", wait=False)
    t.add_exec(h2, 'for i in 1 2; do\n  ping -c1 "$1" && echo <ok> & true\r\ndone', "start, test",
               timeout="2.5s")
    t.add_exec(s1, "ovs-ofctl dump-flows s1", ["test"])
    t.add_cmd_seq("all", ["start", "test"])
    return t.build_system()


def _dumbbell() -> System:
    t = Topo("dumbbell")
    for s in ("s1", "s2"):
        t.add_switch(s)
    for i in range(1, 5):
        t.add_host(f"h{i}")
    t.add_link("h1", "s1")
    t.add_link("h2", "s1")
    t.add_link("s2", "h3")
    t.add_link("s2", "h4")
    t.add_link("s1", "s2", bw="10Mbps", delay="5ms")
    t.add_flow("h1", "h3", size="10MB")
    t.add_flow("h2", "h4", duration="5s", rate="1Mbps", protocol="udp")
    return t.build_system()


def _mininet_style() -> System:
    t = Topo("mininet")
    s1 = t.addSwitch("s1", dpid="000000000000000a")
    h1, h2 = t.addHost("h1", ip="10.0.0.1/8"), t.addHost("h2")
    t.addLink(h1, s1, bw=10, delay="1ms", loss=2, max_queue_size=1000)
    t.addLink(h2, s1, port1=1, port2=5)
    return t.build_system()


SYSTEMS = {
    "everything": _full_topo,
    "dumbbell": _dumbbell,
    "mininet": _mininet_style,
    "linear": lambda: generators.linear(5, 2, bw="100Mbps", delay="1ms"),
    "tree": lambda: generators.tree(2, 3),
    "fat_tree": lambda: generators.fat_tree(4, bw=1e9),
    "random": lambda: generators.random_graph(30, 4, seed=7, delay="2ms"),
}


@pytest.mark.parametrize("make", SYSTEMS.values(), ids=SYSTEMS.keys())
def test_round_trip_gives_an_equal_system(make, tmp_path: Path) -> None:
    system = make()
    text = write_system(system)
    assert parse_system_string(text) == system
    path = tmp_path / "out.xml"
    assert write_system(system, path) == str(path)
    assert path.read_text(encoding="utf-8") == text
    assert load_system(path) == system


@pytest.mark.parametrize("make", SYSTEMS.values(), ids=SYSTEMS.keys())
def test_written_systems_validate_against_the_schema(make) -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "system.xsd")))
    doc = etree.fromstring(write_system(make()).encode())
    assert schema.validate(doc), schema.error_log


def test_writer_is_deterministic_and_explicit() -> None:
    system = _dumbbell()
    text = write_system(system)
    assert write_system(_dumbbell()) == text
    # every resolved value is spelled out: ports, ids, addresses, traffic shapes
    assert '<link id="s1-s2" src="s1" dst="s2" src-port="3" dst-port="3" bw="10Mbps" ' \
           'delay="5ms" loss="0%"/>' in text
    assert '<host id="h3" ip="10.0.0.3/8" mac="00:00:00:00:00:03"/>' in text
    assert 'traffic="cbr"' in text and 'traffic="bulk"' in text
    assert '<switch id="s2" dpid="2" protocol="OpenFlow13"/>' in text
    # one element per line, indented
    assert all(line.startswith(("<", "  <")) for line in text.splitlines())


def test_unresolved_system_loads_back_resolved() -> None:
    t = Topo("raw")
    t.add_switch("s1")
    t.add_host("h1")
    t.add_host("h2")
    t.add_link("h1", "s1")
    t.add_link("h2", "s1")
    t.add_flow("h1", "h2", size="1MB", id="")
    raw = t.system                      # not resolved: dpid 0, ports 0, no ips
    text = write_system(raw)
    assert "dpid" not in text and "port" not in text and "ip=" not in text
    assert parse_system_string(text) == _resolved_copy(raw)


def _resolved_copy(system: System) -> System:
    from copy import deepcopy

    from sendim.model import resolve
    copy = deepcopy(system)
    copy.flows[0].id = "f1"
    return resolve(copy)


def test_writer_escapes_hostile_text() -> None:
    system = _full_topo()
    text = write_system(system)
    assert "&amp;" in text and "&lt;angle&gt;" in text and "&#10;" in text
    assert parse_system_string(text).properties == system.properties


def test_exec_steps_keep_their_command_text_and_order() -> None:
    system = _full_topo()
    again = parse_system_string(write_system(system))
    assert [(x.node, x.seqs, x.wait, x.timeout) for x in again.execs] == [
        ("h1", ("start",), False, None), ("h2", ("start", "test"), True, 2.5),
        ("s1", ("test",), True, None)]
    assert again.execs[1].command == 'for i in 1 2; do\n  ping -c1 "$1" && echo <ok> & true\r\ndone'
    assert again.cmd_seqs == {"all": ("start", "test")}


def test_writer_refuses_text_xml_cannot_hold() -> None:
    system = _dumbbell()
    system.properties["bad"] = "bell\x07"
    with pytest.raises(ModelError, match="cannot represent"):
        write_system(system)


def test_example_round_trips(tmp_path: Path) -> None:
    system = load_system(EXAMPLES_DIR / "system.xml")
    text = write_system(system)
    again = parse_system_string(text)
    assert again == system
    assert write_system(again) == text


def test_deployment_round_trips(tmp_path: Path) -> None:
    system, dep = load(None, EXAMPLES_DIR / "deployment.xml")
    out = tmp_path / "sub" / "deployment.xml"
    out.parent.mkdir()
    write_deployment(dep, out)
    text = out.read_text(encoding="utf-8")
    # paths are written relative to the new file, and resolve to the same files
    assert 'file="/' not in text and 'path="/' not in text
    assert '<system file="../' in text
    system2, dep2 = load(None, out)
    assert dep2 == dep
    assert system2 == system


def test_deployment_written_without_path_keeps_absolute_paths() -> None:
    _, dep = load(None, EXAMPLES_DIR / "deployment.xml")
    text = write_deployment(dep)
    assert f'<system file="{EXAMPLES_DIR / "system.xml"}"/>' in text
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "deployment.xsd")))
    assert schema.validate(etree.fromstring(text.encode())), schema.error_log


def test_large_system_round_trips() -> None:
    system = generators.random_graph(2000, 6, seed=3, bw="1Gbps", delay="1ms")
    assert parse_system_string(write_system(system)) == system
