"""controller_apps/ecmp.py in simulation: flows spread over every equal-cost
path (core switches of a fat-tree), seen in paths and in group statistics."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pytest

pytestmark = pytest.mark.ryu

from app_support import cores, graph, hops, run  # noqa: E402

from sendim.model import Event, EventAction, EventTarget, Flow, Granularity, Protocol  # noqa: E402
from sendim.topology.generators import fat_tree, ring  # noqa: E402

GROUP_PROBE = '''
from ryu.base import app_manager
from ryu.controller import ofp_event
from ryu.controller.handler import MAIN_DISPATCHER, DEAD_DISPATCHER, set_ev_cls
from ryu.lib import hub


class GroupStatsProbe(app_manager.RyuApp):
    """Asks every switch for its group statistics every second."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dps = {}
        self.stats = {}          # dpid -> {group id: [(packets, bytes) per bucket]}
        hub.spawn(self._poll)

    @set_ev_cls(ofp_event.EventOFPStateChange, [MAIN_DISPATCHER, DEAD_DISPATCHER])
    def _state(self, ev):
        if ev.state == MAIN_DISPATCHER:
            self.dps[ev.datapath.id] = ev.datapath

    def _poll(self):
        while True:
            hub.sleep(1)
            for dp in list(self.dps.values()):
                dp.send_msg(dp.ofproto_parser.OFPGroupStatsRequest(dp, 0, dp.ofproto.OFPG_ALL))

    @set_ev_cls(ofp_event.EventOFPGroupStatsReply, MAIN_DISPATCHER)
    def _reply(self, ev):
        self.stats[ev.msg.datapath.id] = {
            s.group_id: [(b.packet_count, b.byte_count) for b in s.bucket_stats]
            for s in ev.msg.body}
'''


def _to_one_host(system, n: int, granularity: Granularity = Granularity.FLOW,
                 dst: str = "h16") -> None:
    for i in range(n):
        src = f"h{1 + i % 4}"                       # pod 0
        system.flows.append(Flow(f"f{i}", src, dst, Protocol.TCP, size=500_000, start=1.0,
                                 granularity=granularity, src_port=20000 + i))


def _core_of(path: list[str], core_ids: set[str]) -> str:
    return next(s for s in path if s in core_ids)


def test_flows_to_one_host_spread_over_every_core() -> None:
    used: dict[str, Counter] = {}
    paths: dict[str, set] = {}
    for app in ("ecmp", "shortest_path"):
        system = fat_tree(4, bw="100Mbps")
        _to_one_host(system, 32)
        r = run(app, system)
        g = graph(system)
        for f in r.results.flows:
            assert f.extra["completed"]
            assert hops(f.path) == nx.shortest_path_length(g, f.src, f.dst)
        used[app] = Counter(_core_of(f.path, cores(system)) for f in r.results.flows)
        paths[app] = {tuple(f.path) for f in r.results.flows}
        assert r.clean()
    assert len(used["ecmp"]) == 4 and min(used["ecmp"].values()) >= 2   # 32 flows, 4 cores
    assert len(paths["ecmp"]) == 8            # 2 source edge switches x 4 cores
    assert len(used["shortest_path"]) == 1    # one tree per destination
    assert len(paths["shortest_path"]) == 2


def test_group_statistics_show_the_split(tmp_path) -> None:
    probe = tmp_path / "sendim_group_probe.py"
    probe.write_text(GROUP_PROBE)
    system = fat_tree(4, bw="100Mbps")
    for i in range(16):
        system.flows.append(Flow(f"u{i}", "h1", "h16", Protocol.UDP, rate=1e6, duration=3.0,
                                 start=1.0, granularity=Granularity.PACKET, src_port=30000 + i))
    r = run(["ecmp", str(probe)], system)
    ecmp, stats = r.ctl.apps["ECMP"], r.ctl.apps["GroupStatsProbe"].stats
    gid = ecmp.group_ids[r.sim.switches["s20"].dpid]      # h16's edge switch
    edge = stats[r.sim.switches["s7"].dpid][gid]          # h1's edge switch: 2 aggregations
    assert len(edge) == 2 and all(b > 0 for _, b in edge)
    sent = sum(f.bytes for f in r.results.flows)
    assert 0.5 * sent < sum(b for _, b in edge) <= 1.2 * sent   # polled up to 1 s before the end
    assert min(b for _, b in edge) > 0.2 * sum(b for _, b in edge)
    core_bytes = {}
    for sid in ("s5", "s6"):                               # pod 0's aggregation switches
        for (_, b), port in zip(stats[r.sim.switches[sid].dpid][gid],
                                ecmp.groups[(r.sim.switches[sid].dpid, gid)]):
            core_bytes[(sid, port)] = b
    assert len(core_bytes) == 4 and all(b > 0 for b in core_bytes.values())
    assert r.clean()


def test_a_dead_core_link_leaves_the_other_paths() -> None:
    system = fat_tree(4, bw="100Mbps")
    _to_one_host(system, 16, Granularity.PACKET)
    system.events.append(Event(1.02, EventAction.DOWN, EventTarget.LINK, "s5-s1"))
    r = run("ecmp", system)
    assert all(f.extra["completed"] for f in r.results.flows)
    late = [f for f in r.results.flows if f.extra["reroutes"]]
    assert late, "no flow used the link that died"
    for f in r.results.flows:
        assert ("s5", "s1") not in zip(f.extra["paths"][-1], f.extra["paths"][-1][1:])
    s5 = r.sim.switches["s5"]
    gid = r.ctl.apps["ECMP"].group_ids[r.sim.switches["s20"].dpid]
    assert len(s5.dp.groups.groups[gid].buckets) == 1      # the controller removed the bucket
    assert r.clean()


def test_pingall_on_an_even_ring() -> None:
    system = ring(6)
    r = run("ecmp", system, pingall=True, settle=1.0)
    assert r.pings() == (30, 30)
    assert r.clean()
