"""A control channel with real sendim datapaths behind it, without the engine."""

from __future__ import annotations

from typing import Any

import simpy

from sendim.simulator.openflow import Datapath
from sendim.simulator.openflow.messages import FeaturesRequest, Port


class FakeChannel:
    """Enough of ``ControlChannel`` for a controller app; switches are sendim
    ``Datapath`` objects answering ``handle()`` after ``latency``."""

    def __init__(self, latency: float = 0.001) -> None:
        self.env = simpy.Environment()
        self.latency = latency
        self.app: Any = None
        self.switches: dict[int, Datapath] = {}
        self.sent: list[tuple[float, int, Any]] = []
        self.received: list[tuple[float, int, Any]] = []

    @property
    def now(self) -> float:
        return float(self.env.now)

    def call_later(self, delay: float, fn: Any, *args: Any) -> None:
        ev = self.env.timeout(max(0.0, delay))
        ev.callbacks.append(lambda _e: fn(*args))

    def send(self, dpid: int, msg: Any) -> None:
        self.sent.append((self.now, dpid, msg))
        self.call_later(self.latency, self._deliver, dpid, msg)

    def _deliver(self, dpid: int, msg: Any) -> None:
        dp = self.switches.get(dpid)
        if dp is None:
            return
        for reply in dp.handle(msg, self.now):
            if hasattr(reply, "xid"):
                self.to_controller(dpid, reply)

    def to_controller(self, dpid: int, msg: Any) -> None:
        self.received.append((self.now, dpid, msg))
        self.call_later(self.latency, self.app.message, dpid, msg)

    # -- helpers ----------------------------------------------------------------------
    def start(self, app: Any) -> None:
        self.app = app
        app.start(self)

    def add_switch(self, dpid: int, n_ports: int = 2) -> Datapath:
        ports = [(n, f"00:00:00:00:{dpid:02x}:{n:02x}", f"s{dpid}-eth{n}", 1_000_000_000)
                 for n in range(1, n_ports + 1)]
        dp = Datapath(dpid, ports)
        self.switches[dpid] = dp
        features = dp.handle(FeaturesRequest(), self.now)[0]
        port_list: list[Port] = list(dp.ports.values())
        self.call_later(2 * self.latency, self.app.switch_connected, dpid, features, port_list)
        return dp

    def remove_switch(self, dpid: int) -> None:
        self.switches.pop(dpid, None)
        self.call_later(self.latency, self.app.switch_disconnected, dpid)
