"""Several system files composing one system; language details."""

from __future__ import annotations

from pathlib import Path

import pytest

from sendim.errors import DescriptorError
from sendim.model import EventTarget, Granularity, Protocol, Traffic
from sendim.parser import load_system, parse_system_string

TOPOLOGY = """<system name="net">
  <switch id="s1"/>
  <switch id="s2"/>
  <host id="h1"/>
  <host id="h2"/>
  <link src="h1" dst="s1"/>
  <link src="s2" dst="h2"/>
  <link src="s1" dst="s2" bw="10Mbps"/>
</system>
"""
TRAFFIC = """<system>
  <flow src="h1" dst="h2" size="1MB"/>
  <flow id="f1" src="h2" dst="h1" duration="2s"/>
  <event at="1s" action="down" link="s1-s2"/>
</system>
"""


def _write(tmp_path: Path, **files: str) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = tmp_path / f"{name}.xml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def test_files_compose_one_system_with_cross_references(tmp_path: Path) -> None:
    system = load_system(_write(tmp_path, topology=TOPOLOGY, traffic=TRAFFIC))
    assert system.name == "net"
    assert system.summary() == {"switches": 2, "hosts": 2, "links": 3, "flows": 2, "events": 1,
                                "execs": 0}
    # an unnamed flow gets fN (N = its position) unless that id is taken
    assert [f.id for f in system.flows] == ["f2", "f1"]
    assert system.events[0].ref == "s1-s2"


def test_first_name_given_wins_whatever_the_order(tmp_path: Path) -> None:
    topo, traffic = _write(tmp_path, topology=TOPOLOGY, traffic=TRAFFIC)
    a = load_system([topo, traffic])
    b = load_system([traffic, topo])
    assert a.name == b.name == "net"      # the first name given wins
    assert [f.id for f in a.flows] == [f.id for f in b.flows]
    assert a == b


def test_errors_name_the_file_they_are_in(tmp_path: Path) -> None:
    traffic = TRAFFIC.replace('dst="h1"', 'dst="h7"')
    with pytest.raises(DescriptorError) as info:
        load_system(_write(tmp_path, topology=TOPOLOGY, traffic=traffic))
    [problem] = info.value.problems
    assert Path(problem.file).name == "traffic.xml" and problem.line == 3
    assert "'h7' is not a known node" in problem.message


def test_all_files_are_checked_before_reporting(tmp_path: Path) -> None:
    bad1 = TOPOLOGY.replace('bw="10Mbps"', 'bw="10 furlongs"')
    bad2 = TRAFFIC.replace("<flow ", "<flw ", 1)
    with pytest.raises(DescriptorError) as info:
        load_system(_write(tmp_path, topology=bad1, traffic=bad2))
    assert [(Path(p.file).name, p.line) for p in info.value.problems] == [
        ("topology.xml", 8), ("traffic.xml", 2)]


def test_a_single_path_may_be_a_string_or_a_path(tmp_path: Path) -> None:
    [path] = _write(tmp_path, topology=TOPOLOGY)
    assert load_system(str(path)) == load_system(path) == load_system([path])


def test_no_file_at_all_is_an_error() -> None:
    with pytest.raises(DescriptorError, match="no system file"):
        load_system([])


def test_parse_system_string_locates_problems_in_the_given_name() -> None:
    with pytest.raises(DescriptorError) as info:
        parse_system_string('<system name="x">\n<link src="a" dst="b"/>\n</system>', "mem.xml")
    assert {(p.file, p.line) for p in info.value.problems} == {("mem.xml", 2)}


def test_defaults_are_the_model_defaults() -> None:
    system = parse_system_string("""<system name="d">
      <switch id="s7"/><switch id="core"/>
      <host id="a"/><host id="b" ip="10.1.0.9"/>
      <link src="a" dst="s7"/><link src="b" dst="core"/><link src="s7" dst="core"/>
      <link src="s7" dst="core"/>
      <flow src="a" dst="b" protocol="icmp" duration="3s"/>
      <flow src="a" dst="b" granularity="chunk" size="1MB"/>
      <event at="2s" action="down" node="core"/>
    </system>""")
    assert system.switches["s7"].dpid == 7 and system.switches["core"].dpid == 1
    assert system.switches["core"].protocol == "OpenFlow13"
    assert system.hosts["a"].ip == "10.0.0.1/8" and system.hosts["b"].ip == "10.1.0.9/8"
    assert [link.id for link in system.links] == ["a-s7", "b-core", "s7-core", "s7-core-2"]
    assert [(link.src_port, link.dst_port) for link in system.links] == [(1, 1), (1, 1), (2, 2), (3, 3)]
    ping, bulk = system.flows
    assert (ping.protocol, ping.traffic, ping.interval) == (Protocol.ICMP, Traffic.PING, 1.0)
    assert (bulk.granularity, bulk.chunk_size, bulk.traffic) == (Granularity.CHUNK, 64_000, Traffic.BULK)
    assert system.events[0].target is EventTarget.NODE


def test_units_and_dpids_are_parsed() -> None:
    system = parse_system_string("""<system name="u">
      <switch id="a" dpid="0x1F"/><switch id="b" dpid="32"/>
    </system>""")
    assert system.switches["a"].dpid == 31 and system.switches["b"].dpid == 32
    system = parse_system_string("""<system name="u">
      <switch id="s1"/><host id="h1" memory="1GiB" cpu="0.5"/>
      <link src="h1" dst="s1" bw="2.5 Gbps" delay="250us" loss="0.5%" queue="64"/>
    </system>""")
    link = system.links[0]
    assert (link.bandwidth, link.delay, link.loss, link.max_queue) == (2.5e9, 250e-6, 0.005, 64)
    assert system.hosts["h1"].memory == 2**30 and system.hosts["h1"].cpu == 0.5


def test_neighbours_declared_twice_are_one_link() -> None:
    system = parse_system_string("""<system name="n">
      <switch id="s1">
        <neighbour node="s2" bw="10Mbps" port="4"/>
        <neighbour node="s3"/>
        <neighbour node="s2" id="second"/>
      </switch>
      <switch id="s2">
        <neighbour node="s1" delay="3ms" peer-port="4" port="9"/>
        <neighbour node="s1"/>
        <neighbour node="s1" id="third"/>
      </switch>
      <switch id="s3"/>
    </system>""")
    first, to_s3, second, third = system.links
    assert (first.src, first.dst, first.src_port, first.dst_port) == ("s1", "s2", 4, 9)
    assert (first.bandwidth, first.delay) == (10e6, 0.003)
    assert (to_s3.src, to_s3.dst) == ("s1", "s3")
    assert second.id == "second"          # paired in order: s2's 2nd with s1's 2nd
    assert (third.id, third.src, third.dst) == ("third", "s2", "s1")


def test_neighbour_and_explicit_links_mix_across_files(tmp_path: Path) -> None:
    a = '<system name="m"><switch id="s1"><neighbour node="s2" bw="1Gbps"/></switch></system>'
    b = '<system><switch id="s2"><neighbour node="s1" bw="1000Mbps"/></switch></system>'
    system = load_system(_write(tmp_path, a=a, b=b))
    assert len(system.links) == 1 and system.links[0].bandwidth == 1e9


def test_neighbour_conflict_across_files_names_both(tmp_path: Path) -> None:
    a = '<system name="m">\n<switch id="s1">\n<neighbour node="s2" delay="1ms"/>\n</switch>\n</system>'
    b = '<system>\n<switch id="s2">\n<neighbour node="s1" delay="2ms"/>\n</switch>\n</system>'
    with pytest.raises(DescriptorError) as info:
        load_system(_write(tmp_path, a=a, b=b))
    [problem] = info.value.problems
    assert (Path(problem.file).name, problem.line) == ("b.xml", 3)
    assert "a.xml:3" in problem.message and "'1ms'" in problem.message and "'2ms'" in problem.message


def test_properties_are_kept_verbatim() -> None:
    system = parse_system_string("""<system name="p">
      <property name="k" value=" spaced  value "/>
      <switch id="s1"><property name="rack" value="A"/></switch>
      <host id="h1"><property name="os" value="linux"/></host>
      <link src="h1" dst="s1"><property name="cable" value="cat6"/></link>
    </system>""")
    assert system.properties == {"k": " spaced  value "}
    assert system.switches["s1"].properties == {"rack": "A"}
    assert system.hosts["h1"].properties == {"os": "linux"}
    assert system.links[0].properties == {"cable": "cat6"}


def test_comments_and_processing_instructions_are_ignored() -> None:
    system = parse_system_string("""<?xml version="1.0"?>
      <!-- leading comment --><?tool hint?>
      <system name="c"><!-- inside --><switch id="s1"/><?pi?><switch id="s2"/></system>""")
    assert list(system.switches) == ["s1", "s2"]


def test_many_elements_stream_with_exact_lines() -> None:
    n = 3000
    body = "\n".join(f'<switch id="s{i}"/>' for i in range(1, n + 1))
    links = "\n".join(f'<link src="s{i}" dst="s{i + 1}"/>' for i in range(1, n))
    text = f'<system name="big">\n{body}\n{links}\n<link src="s1" dst="s{n + 5}"/>\n</system>'
    with pytest.raises(DescriptorError) as info:
        parse_system_string(text, "big.xml")
    [problem] = info.value.problems
    assert problem.line == 2 * n + 1
    assert f"unknown node 's{n + 5}'" in problem.message
