"""A Ryu app the emulation deployer adds next to the user's apps: what the controller saw.

It changes nothing on the network. It writes, to the JSON file named by
``SENDIM_CONTROLLER_STATUS``, the datapaths that reached MAIN_DISPATCHER
(the generated script waits for all of them before traffic starts) and the
number of OpenFlow messages of each kind in both directions, named as the
simulator names them (``packet_in``, ``flow_mod``...). Messages the
controller receives are counted through Ryu's own events; messages it sends
by wrapping ``Datapath.send_msg`` in this (controller) process only.
Runs only inside ``python -m sendim.ryuapp.launcher`` (ryu-manager).
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Any

from ryu.base import app_manager
from ryu.controller import controller, ofp_event
from ryu.controller.handler import (
    CONFIG_DISPATCHER, DEAD_DISPATCHER, HANDSHAKE_DISPATCHER, MAIN_DISPATCHER, set_ev_cls)
from ryu.lib import hub

STATUS_ENV = "SENDIM_CONTROLLER_STATUS"
WRITE_EVERY = 0.2
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPECIAL = {"SwitchFeatures": "features_reply"}

_counts: dict[str, int] = {}
_lock = threading.Lock()


def message_kind(msg: object) -> str:
    """``OFPFlowMod`` → ``flow_mod`` (as :func:`sendim.simulator.control.message_kind`)."""
    name = type(msg).__name__
    if name.startswith("OFP"):
        name = name[3:]
    return _SPECIAL.get(name) or _CAMEL.sub("_", name).lower()


def _bump(kind: str) -> None:
    with _lock:
        _counts[kind] = _counts.get(kind, 0) + 1


_original_send_msg = controller.Datapath.send_msg


def _counting_send_msg(self: Any, msg: Any, *args: Any, **kwargs: Any) -> Any:
    _bump(message_kind(msg))
    return _original_send_msg(self, msg, *args, **kwargs)


if getattr(controller.Datapath.send_msg, "__name__", "") != "_counting_send_msg":
    controller.Datapath.send_msg = _counting_send_msg

_MSG_EVENTS = sorted(
    (cls for name, cls in vars(ofp_event).items()
     if name.startswith("EventOFP") and isinstance(cls, type)
     and issubclass(cls, ofp_event.EventOFPMsgBase) and cls is not ofp_event.EventOFPMsgBase),
    key=lambda cls: cls.__name__)
_ALL_STATES = [HANDSHAKE_DISPATCHER, CONFIG_DISPATCHER, MAIN_DISPATCHER, DEAD_DISPATCHER]


class SendimMonitor(app_manager.RyuApp):
    """Connected datapaths and message counts, written to a status file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.path = os.environ.get(STATUS_ENV)
        self.dpids: set[int] = set()
        self._written: str | None = None
        if self.path:
            self._write()
            self.threads.append(hub.spawn(self._writer))

    @set_ev_cls(_MSG_EVENTS, _ALL_STATES)
    def _message(self, ev: Any) -> None:
        _bump(message_kind(ev.msg))

    @set_ev_cls(ofp_event.EventOFPStateChange, [MAIN_DISPATCHER, DEAD_DISPATCHER])
    def _state(self, ev: Any) -> None:
        dpid = ev.datapath.id
        if dpid is None:
            return
        if ev.state == MAIN_DISPATCHER:
            self.dpids.add(dpid)
        else:
            self.dpids.discard(dpid)
        self._write()

    def _writer(self) -> None:
        while True:
            hub.sleep(WRITE_EVERY)
            self._write()

    def _write(self) -> None:
        with _lock:
            doc = {"pid": os.getpid(), "dpids": sorted(self.dpids), "counts": dict(_counts)}
        text = json.dumps(doc)
        if text == self._written or not self.path:
            return
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, self.path)
        self._written = text
