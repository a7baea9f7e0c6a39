"""RyuController against sendim datapaths behind a fake control channel."""

from __future__ import annotations

import itertools
import textwrap
import time

import pytest

pytestmark = pytest.mark.ryu

from sendim.ryuapp import simhub  # noqa: E402
from sendim.ryuapp.adapter import RyuController  # noqa: E402
from sendim.simulator.openflow import messages as sm  # noqa: E402
from sendim.simulator.openflow.match import Match  # noqa: E402

from ryuapp_fakes import FakeChannel  # noqa: E402

_ids = itertools.count()

PROBE_APP = '''
import time
from ryu.base import app_manager
from ryu.controller import ofp_event
from ryu.controller.handler import (CONFIG_DISPATCHER, DEAD_DISPATCHER, MAIN_DISPATCHER,
                                    set_ev_cls)
from ryu.lib import hub
from ryu.ofproto import ofproto_v1_3


class Probe(app_manager.RyuApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticks = []
        self.states = []
        self.features = []
        self.barriers = []
        self.errors = []
        self.datapaths = {}
        self.thread = hub.spawn(self._loop)

    def _loop(self):
        while True:
            hub.sleep(10)
            self.ticks.append(time.time())
            for dp in list(self.datapaths.values()):
                dp.send_msg(dp.ofproto_parser.OFPBarrierRequest(dp))

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def _features(self, ev):
        dp = ev.msg.datapath
        self.features.append((ev.msg.datapath_id, ev.msg.n_tables))
        parser, ofp = dp.ofproto_parser, dp.ofproto
        inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, [
            parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)])]
        dp.send_msg(parser.OFPFlowMod(dp, priority=0, match=parser.OFPMatch(),
                                      instructions=inst))

    @set_ev_cls(ofp_event.EventOFPStateChange, [MAIN_DISPATCHER, DEAD_DISPATCHER])
    def _state(self, ev):
        self.states.append((ev.state, ev.datapath.id))
        if ev.state == MAIN_DISPATCHER:
            self.datapaths[ev.datapath.id] = ev.datapath
        else:
            self.datapaths.pop(ev.datapath.id, None)

    @set_ev_cls(ofp_event.EventOFPBarrierReply, MAIN_DISPATCHER)
    def _barrier(self, ev):
        self.barriers.append((ev.msg.datapath.id, ev.msg.xid))

    @set_ev_cls(ofp_event.EventOFPErrorMsg, MAIN_DISPATCHER)
    def _error(self, ev):
        self.errors.append((ev.msg.type, ev.msg.code))
'''


@pytest.fixture
def probe_app(tmp_path):
    path = tmp_path / f"sendim_probe_app_{next(_ids)}.py"
    path.write_text(textwrap.dedent(PROBE_APP))
    return str(path)


def _run(channel: FakeChannel, until: float) -> None:
    channel.env.run(until=until)


def test_handshake_table_miss_and_background_thread(probe_app) -> None:
    channel = FakeChannel()
    ctl = RyuController([probe_app])
    channel.start(ctl)
    dp1 = channel.add_switch(1)
    channel.add_switch(2)
    start = time.perf_counter()
    try:
        _run(channel, 35)
        probe = ctl.apps["Probe"]
        assert sorted(probe.features) == [(1, 254), (2, 254)]
        assert sorted(probe.states) == [("main", 1), ("main", 2)]
        # the table-miss entry reached the simulated switch
        entries = list(dp1.tables[0].entries())
        assert len(entries) == 1 and entries[0].priority == 0
        # hub.sleep(10) ran in simulated time; time.time() follows the simulation
        assert probe.ticks == [simhub.DEFAULT_EPOCH + t for t in (10, 20, 30)]
        assert len(probe.barriers) == 6
        assert ctl.datapath(1).id == 1 and ctl.datapath(1).ports.keys() == {1, 2}
        assert ctl.errors == []
    finally:
        ctl.close()
    assert time.perf_counter() - start < 5


def test_packet_in_reaches_simple_switch_and_flows_are_installed() -> None:
    channel = FakeChannel()
    ctl = RyuController(["ryu.app.simple_switch_13"])
    channel.start(ctl)
    dp = channel.add_switch(1, n_ports=3)
    try:
        _run(channel, 1)
        frame = bytes.fromhex("000000000002" "000000000001" "0800") + bytes(46)
        # a frame from port 1 to an unknown destination: flooded by packet-out
        res = dp.process(frame, 1, channel.now)
        for pin in res.packet_ins:
            channel.to_controller(1, pin)
        _run(channel, 2)
        outs = [m for _, _, m in channel.sent if isinstance(m, sm.PacketOut)]
        assert len(outs) == 1 and outs[0].data == frame
        # the reply from port 2 teaches the switch both hosts: a flow is installed
        back = bytes.fromhex("000000000001" "000000000002" "0800") + bytes(46)
        for pin in dp.process(back, 2, channel.now).packet_ins:
            channel.to_controller(1, pin)
        _run(channel, 3)
        flows = [m for _, _, m in channel.sent if isinstance(m, sm.FlowMod) and m.priority == 1]
        assert flows and flows[0].match == Match(in_port=2, eth_dst="00:00:00:00:00:01",
                                                 eth_src="00:00:00:00:00:02")
        assert ctl.apps["SimpleSwitch13"].mac_to_port[1] == {"00:00:00:00:00:01": 1,
                                                            "00:00:00:00:00:02": 2}
    finally:
        ctl.close()


def test_disconnect_gives_dead_state_and_reconnect_works(probe_app) -> None:
    channel = FakeChannel()
    ctl = RyuController([probe_app])
    channel.start(ctl)
    channel.add_switch(1)
    try:
        _run(channel, 1)
        channel.remove_switch(1)
        _run(channel, 2)
        channel.add_switch(1)
        _run(channel, 3)
        assert ctl.apps["Probe"].states == [("main", 1), ("dead", 1), ("main", 1)]
    finally:
        ctl.close()


def test_unsupported_message_comes_back_as_openflow_error(probe_app) -> None:
    channel = FakeChannel()
    ctl = RyuController([probe_app])
    channel.start(ctl)
    channel.add_switch(1)
    try:
        _run(channel, 1)
        dp = ctl.datapath(1)
        parser, ofp = dp.ofproto_parser, dp.ofproto
        dp.send_msg(parser.OFPFlowMod(dp, match=parser.OFPMatch(ipv6_dst="::1")))
        _run(channel, 2)
        assert ctl.apps["Probe"].errors == [(ofp.OFPET_BAD_MATCH, ofp.OFPBMC_BAD_FIELD)]
        assert ctl.untranslatable and ctl.untranslatable[0][1] == "OFPFlowMod"
    finally:
        ctl.close()


def test_close_restores_ryu_globals(probe_app) -> None:
    from ryu.base import app_manager
    from ryu.lib import hub
    from ryu.ofproto import ofproto_protocol

    spawn = hub.spawn
    versions = set(ofproto_protocol._supported_versions)
    channel = FakeChannel()
    ctl = RyuController([probe_app, "ryu.app.simple_switch_13"])
    channel.start(ctl)
    assert hub.spawn != spawn
    assert "ofp_event" in app_manager.SERVICE_BRICKS
    channel.add_switch(1)
    _run(channel, 12)
    ctl.stop()
    ctl.close()  # idempotent
    assert hub.spawn is spawn
    assert app_manager.SERVICE_BRICKS == {}
    assert ofproto_protocol._supported_versions == versions
    assert ctl.hub is not None and ctl.hub.threads == []


def test_bad_app_name_fails_cleanly() -> None:
    from ryu.lib import hub

    spawn = hub.spawn
    channel = FakeChannel()
    with pytest.raises(ImportError):
        channel.start(RyuController(["no.such.ryu_app_module"]))
    assert hub.spawn is spawn


def test_a_controller_left_running_is_closed_by_the_next_one(probe_app) -> None:
    first = RyuController([probe_app])
    FakeChannel().start(first)  # never stopped (its simulation "raised")
    channel = FakeChannel()
    second = RyuController(["ryu.app.simple_switch_13"])
    channel.start(second)
    try:
        assert first._closed and first.hub is not None and first.hub.threads == []
        channel.add_switch(1)
        _run(channel, 1)
        assert second.datapath(1) is not None
    finally:
        second.close()
