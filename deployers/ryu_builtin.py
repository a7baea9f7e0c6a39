"""The simulator's built-in shortest-path controller as a Ryu app, for emulations.

When a deployment names no controller app, the simulator routes with
:class:`sendim.simulator.builtin_controller.BuiltinShortestPath` (proxy ARP
from the host table, hop-count shortest paths installed as ``ipv4_dst``
routes on the first packet, routes through a dead link deleted on
port-status). This app runs *that same object* under ryu-manager: Ryu's
events are translated into the simulator's messages and its messages back
into Ryu's (:mod:`sendim.ryuapp.translate`), so a simulation and an
emulation without apps choose identical paths. The system comes from the
descriptor named by ``SENDIM_SYSTEM_FILE``. Runs only inside
``python -m sendim.ryuapp.launcher``.
"""

from __future__ import annotations

import os
from typing import Any

from ryu.base import app_manager
from ryu.controller import ofp_event
from ryu.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from ryu.ofproto import ofproto_v1_3

from sendim.parser import load_system
from sendim.ryuapp.translate import Untranslatable, to_ryu, to_sendim
from sendim.simulator.builtin_controller import BuiltinShortestPath

SYSTEM_ENV = "SENDIM_SYSTEM_FILE"


class _Channel:
    """The slice of the simulator's ControlChannel the built-in controller uses."""

    def __init__(self, app: "SendimShortestPath", system: Any) -> None:
        self.app = app
        self.system = system

    def send(self, dpid: int, msg: Any) -> None:
        dp = self.app.datapaths.get(dpid)
        if dp is None:
            return
        ryu_msg = to_ryu(dp, msg)
        ryu_msg.xid = None
        dp.send_msg(ryu_msg)


class SendimShortestPath(app_manager.RyuApp):
    """Ryu face of the simulator's built-in shortest-path routing."""

    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        path = os.environ.get(SYSTEM_ENV)
        if not path:
            raise RuntimeError(f"{SYSTEM_ENV} must name the system descriptor")
        self.datapaths: dict[int, Any] = {}
        self.core = BuiltinShortestPath()
        self.core.start(_Channel(self, load_system(path)))

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def _features(self, ev: Any) -> None:
        dp = ev.msg.datapath
        self.datapaths[dp.id] = dp
        self.core.switch_connected(dp.id, None, [])

    @set_ev_cls([ofp_event.EventOFPPacketIn, ofp_event.EventOFPPortStatus,
                 ofp_event.EventOFPErrorMsg], MAIN_DISPATCHER)
    def _message(self, ev: Any) -> None:
        try:
            msg = to_sendim(ev.msg)
        except Untranslatable:
            return
        self.core.message(ev.msg.datapath.id, msg)
