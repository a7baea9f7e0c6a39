"""controller_apps/_routing.py: the plain-Python topology, host table and profile format."""

from __future__ import annotations

import pytest

from controller_apps._routing import HostTable, Topology, parse_profile


def _ring(n: int) -> Topology:
    topo = Topology()
    for i in range(1, n + 1):
        j = i % n + 1
        topo.add_link(i, 1, j, 2)     # port 1 clockwise, port 2 counter-clockwise
        topo.add_link(j, 2, i, 1)
    return topo


def test_paths_follow_one_tree_per_destination() -> None:
    topo = _ring(6)
    assert topo.distances(1) == {1: 0, 2: 1, 6: 1, 3: 2, 5: 2, 4: 3}
    assert topo.next_hops(4, 1) == [3, 5]
    for src in range(2, 7):
        path = topo.path(src, 1)
        assert path[0] == src and path[-1] == 1 and len(path) - 1 == topo.distances(1)[src]
        # whatever the source, a switch always picks the same next hop (a tree)
        for u, v in zip(path, path[1:]):
            assert topo.next_hop(u, 1) == v
    assert topo.shortest_dag(4, 1) == {4: [3, 5], 3: [2], 5: [6], 2: [1], 6: [1], 1: []}


def test_link_changes_and_paths_without_a_link() -> None:
    topo = _ring(4)
    assert topo.is_link_port(1, 1) and topo.is_link_port(2, 2) and not topo.is_link_port(1, 3)
    assert topo.path_without(1, 2, 1, 2) == [1, 4, 3, 2]
    version = topo.version
    assert topo.remove_link(1, 1, 2, 2) and topo.version > version
    assert not topo.remove_link(1, 1, 2, 2)
    assert topo.is_link_port(1, 1) is False and topo.is_link_port(2, 2) is True  # 2 -> 1 left
    assert topo.path(1, 2) == [1, 4, 3, 2]
    assert topo.path(2, 1) == [2, 1]
    topo.remove_switch(4)
    assert topo.path(1, 2) is None and topo.path(3, 1) == [3, 2, 1]


def test_parallel_links() -> None:
    topo = Topology()
    assert topo.add_link(1, 5, 2, 5) and topo.add_link(1, 3, 2, 3)
    assert not topo.add_link(1, 3, 2, 3)
    assert topo.port_to(1, 2) == 3 and topo.peer(1, 5) == 2
    topo.remove_link(1, 3, 2, 3)
    assert topo.port_to(1, 2) == 5 and topo.path(1, 2) == [1, 2]


def test_host_table() -> None:
    hosts = HostTable()
    h, new = hosts.learn("aa", "10.0.0.1", 1, 3)
    assert new and hosts.by_ip["10.0.0.1"] is h
    assert hosts.learn("aa", "10.0.0.1", 1, 3)[1] is False
    assert hosts.learn("aa", None, 2, 4)[1] is True and (h.dpid, h.port) == (2, 4)
    assert hosts.forget_port(2, 4) == [h] and len(hosts) == 0 and not hosts.by_ip


def test_profiles(tmp_path) -> None:
    assert parse_profile("10.0.0.1=1000, AA:BB:CC:DD:EE:FF 500kbps; 10.0.0.9=7") == {
        "10.0.0.1": 1000, "aa:bb:cc:dd:ee:ff": 500, "10.0.0.9": 7}
    f = tmp_path / "p"
    f.write_text("# quotas\n10.0.0.2 300  # alice\n\n")
    assert parse_profile(str(f)) == {"10.0.0.2": 300}
    assert parse_profile("") == {} and parse_profile(None) == {}
    for bad in ("10.0.0.1", "10.0.0.1=fast", "10.0.0.1=0"):
        with pytest.raises(ValueError):
            parse_profile(bad)
