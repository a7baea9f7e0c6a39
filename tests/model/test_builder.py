import pytest

from sendim.errors import ModelError
from sendim.model import EventTarget, Granularity, Protocol, Traffic, to_graph
from sendim.topology import Topo


def small() -> Topo:
    t = Topo("small")
    t.add_switch("s1")
    t.add_switch("s2")
    t.add_host("h1")
    t.add_host("h2")
    t.add_link("h1", "s1")
    t.add_link("s1", "s2", bw="10Mbps", delay="5ms", loss="1%", max_queue=50)
    t.add_link("s2", "h2")
    return t


def test_defaults_are_deterministic_and_mininet_like():
    system = small().build_system()
    assert [s.dpid for s in system.switches.values()] == [1, 2]
    h1, h2 = system.hosts["h1"], system.hosts["h2"]
    assert (h1.ip, h2.ip) == ("10.0.0.1/8", "10.0.0.2/8")
    assert (h1.mac, h2.mac) == ("00:00:00:00:00:01", "00:00:00:00:00:02")
    link = system.links[1]
    assert (link.id, link.src_port, link.dst_port) == ("s1-s2", 2, 1)
    assert (link.bandwidth, link.delay, link.loss, link.max_queue) == (10e6, 0.005, 0.01, 50)
    assert small().build_system() == system


def test_explicit_values_are_kept_and_defaults_avoid_them():
    t = Topo("x")
    t.add_switch("s1", dpid=2)
    t.add_switch("s2")          # wants 2, taken: gets the smallest free
    t.add_switch("core")        # no digits
    t.add_host("h1", ip="10.0.0.1/24")
    t.add_host("h2")            # must not reuse 10.0.0.1
    t.add_link("s1", "s2", port1=1)
    t.add_link("s1", "core")
    t.add_link("h1", "s1")
    t.add_link("h2", "s2")
    s = t.build_system()
    assert [sw.dpid for sw in s.switches.values()] == [2, 1, 3]
    assert s.hosts["h2"].ip == "10.0.0.2/8"
    assert s.links[1].src_port == 2  # port 1 on s1 is taken explicitly


def test_parallel_links_get_distinct_ids_and_ports():
    t = Topo("p")
    t.add_switch("s1")
    t.add_switch("s2")
    ids = [t.add_link("s1", "s2") for _ in range(3)]
    assert ids == ["s1-s2", "s1-s2-2", "s1-s2-3"]
    s = t.build_system()
    assert [l.src_port for l in s.links] == [1, 2, 3]
    g = to_graph(s)
    assert g.edges["s1", "s2"]["links"] == ids


def test_flows_and_events():
    t = small()
    fid = t.add_flow("h1", "h2", size="10MB", start="1s")
    t.add_flow("h1", "h2", protocol="udp", rate="5Mbps", duration="2s", granularity="packet")
    t.add_flow("h2", "h1", protocol="icmp", duration="3s")
    t.add_flow("h1", "h2", size="1MB", granularity="chunk")
    t.add_event("2s", "down", link="s1-s2")
    t.add_event("3s", "up", link="s1-s2")
    s = t.build_system()
    f1, f2, f3, f4 = s.flows
    assert fid == "f1" and f1.size == 10_000_000 and f1.start == 1.0 and f1.traffic is Traffic.BULK
    assert f2.protocol is Protocol.UDP and f2.traffic is Traffic.CBR and f2.granularity is Granularity.PACKET
    assert f3.traffic is Traffic.PING and f3.interval == 1.0
    assert f4.chunk_size == 64_000
    assert [e.target for e in s.events] == [EventTarget.LINK] * 2


def test_all_problems_reported_at_once():
    t = Topo("bad")
    t.add_switch("s1")
    t.add_switch("s2")
    t.add_host("h1", ip="10.0.0.1")
    t.add_host("h2", ip="10.0.0.1")
    t.add_link("s1", "s1")
    t.add_link("h1", "s1")
    t.add_link("s1", "ghost")
    t.add_flow("h1", "h2", size=1000)        # h2 unreachable
    t.add_flow("h1", "s2", size=1000)        # to a switch
    t.add_flow("h1", "h1")                   # same host, no size
    t.add_event(1, "up", link="s1-ghost")    # up before down
    with pytest.raises(ModelError) as info:
        t.build_system()
    text = str(info.value)
    for needle in ["connects node 's1' to itself", "IP 10.0.0.1 is already used",
                   "unknown node 'ghost'", "cannot be reached", "is a switch",
                   "same host", "give a size or a duration", "never taken down"]:
        assert needle in text, needle


def test_duplicate_node_is_refused_immediately():
    t = Topo("d")
    t.add_switch("s1")
    with pytest.raises(ModelError, match="already exists"):
        t.add_host("s1")


@pytest.mark.parametrize("hostile", ["s1;rm -rf /", 'h1"); import os #', "a b", "x" * 65, "-x", ""])
def test_hostile_ids_are_refused(hostile):
    t = Topo("h")
    t.add_switch(hostile)
    with pytest.raises(ModelError, match="is not allowed"):
        t.build_system()


def test_mininet_aliases_use_mininet_units():
    class MyTopo(Topo):
        def build(self):
            s1 = self.addSwitch("s1", dpid="000000000000000a")
            h1 = self.addHost("h1", ip="10.1.0.1/16")
            self.addLink(h1, s1, bw=10, delay="5ms", loss=2, max_queue_size=100)

    s = MyTopo("mn").build_system()
    link = s.links[0]
    assert s.switches["s1"].dpid == 10
    assert (link.bandwidth, link.delay, link.loss, link.max_queue) == (10e6, 0.005, 0.02, 100)
    assert s.hosts["h1"].ip == "10.1.0.1/16"
