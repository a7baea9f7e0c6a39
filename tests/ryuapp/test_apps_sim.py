"""Unmodified apps from the installed ryu package driving the simulator."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.ryu

from sendim.model import Flow, Granularity, Protocol  # noqa: E402
from sendim.ryuapp.adapter import RyuController  # noqa: E402
from sendim.simulator.engine import Simulation  # noqa: E402
from sendim.topology.generators import ring, tree  # noqa: E402


def _pings(sim: Simulation) -> tuple[int, int]:
    return sum(p.received for p in sim.pings), len(sim.pings)


def test_simple_switch_13_pingall_on_a_tree() -> None:
    from ryu.lib import hub

    spawn = hub.spawn
    system = tree(2, 3)  # 4 switches, 9 hosts
    ctl = RyuController(["ryu.app.simple_switch_13"])
    sim = Simulation(system, controller=ctl, pingall=True, settle=1.0)
    start = time.perf_counter()
    sim.run()
    wall = time.perf_counter() - start
    received, sent = _pings(sim)
    assert sent == 9 * 8 and received == sent
    for sw in sim.switches.values():  # learned flows live in the simulated tables
        priorities = sorted({e.priority for e in sw.dp.tables[0].entries()})
        assert priorities == [0, 1]
    assert sim.channel.counts["packet_in"] > 0 and sim.channel.counts["flow_mod"] > 4
    assert ctl.errors == [] and ctl.untranslatable == []
    assert hub.spawn is spawn  # the simulated hub is gone after the run
    assert wall < 10


def test_simple_monitor_13_reports_simulated_byte_counts() -> None:
    system = tree(2, 2)
    hosts = list(system.hosts)
    system.flows.append(Flow("f1", hosts[0], hosts[-1], Protocol.UDP, duration=25.0,
                             rate=1e6, granularity=Granularity.PACKET))
    ctl = RyuController(["ryu.app.simple_monitor_13"])
    sim = Simulation(system, controller=ctl)
    sim.run()
    assert sim.channel.counts["port_stats_request"] >= 6
    assert sim.channel.counts["flow_stats_reply"] >= 6
    stats = [(t, msg) for t, name, _lvl, msg in ctl.log  # flow-stats lines of s1 in-port 1
             if name == "SimpleMonitor13" and msg.startswith("0000000000000001        1 ")
             and ":" in msg]
    assert [t for t, _ in stats] == [10.0, 20.0]  # its hub.sleep(10) loop, simulated
    flow_bytes = int(stats[-1][1].split()[-1])   # flow stats: bytes of h1 -> h4
    assert 0 < flow_bytes <= sim.flows[0].bytes + 100_000


def test_simple_switch_stp_13_converges_on_a_ring() -> None:
    system = ring(4)
    ctl = RyuController(["ryu.app.simple_switch_stp_13"])
    sim = Simulation(system, controller=ctl, pingall=True, settle=60.0)
    sim.run()
    received, sent = _pings(sim)
    assert sent == 12 and received == sent


TOPOLOGY_PROBE = '''
from ryu.base import app_manager
from ryu.controller.handler import set_ev_cls
from ryu.lib import hub
from ryu.topology import api, event


class TopologyProbe(app_manager.RyuApp):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.added = []
        self.snapshots = []
        hub.spawn(self._poll)

    def _poll(self):
        while True:
            hub.sleep(5)
            self.snapshots.append((len(api.get_switch(self)), len(api.get_link(self))))

    @set_ev_cls(event.EventLinkAdd)
    def _link_add(self, ev):
        self.added.append((ev.link.src.dpid, ev.link.dst.dpid))
'''


def test_topology_discovery_with_observe_links(tmp_path) -> None:
    app = tmp_path / "sendim_topology_probe.py"
    app.write_text(TOPOLOGY_PROBE)
    ctl = RyuController([str(app)], ["--observe-links"])
    sim = Simulation(ring(4), controller=ctl, until=12)
    sim.run()
    probe = ctl.apps["TopologyProbe"]
    expected = {(a, b) for a in range(1, 5) for b in range(1, 5) if (a - b) % 4 in (1, 3)}
    assert set(probe.added) == expected  # via simulated LLDP packet-outs / packet-ins
    assert probe.snapshots == [(4, 8), (4, 8)]  # get_switch/get_link: send_request
    assert sim.channel.counts["packet_in"] >= 8


def test_broadcast_storm_is_stopped_and_ryu_is_cleaned_up() -> None:
    from ryu.lib import hub

    from sendim.errors import SimulationError

    spawn = hub.spawn
    with RyuController(["ryu.app.simple_switch_13"]) as ctl:  # plain learning switch
        sim = Simulation(ring(4), controller=ctl, pingall=True, settle=1.0)
        start = time.perf_counter()
        with pytest.raises(SimulationError, match="storm"):
            sim.run()
        assert time.perf_counter() - start < 10
    assert hub.spawn is spawn


def test_runs_are_reproducible() -> None:
    def once() -> list[tuple[float, str, int, str]]:
        ctl = RyuController(["ryu.app.simple_switch_13"])
        sim = Simulation(tree(2, 2), controller=ctl, pingall=True, settle=1.0)
        seen: list[tuple[float, str, int, str]] = []
        sim.channel.observe(lambda d, dpid, m: seen.append((sim.env.now, d, dpid, repr(m))))
        sim.run()
        return seen

    first = once()
    assert first and once() == first  # same messages, same xids, same times
