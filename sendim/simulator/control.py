"""The control channel: how a controller app talks to the simulated switches.

A controller is any object with the three methods of :class:`ControllerApp`.
It is handed a :class:`ControlChannel` at ``t = 0`` and from then on only
speaks OpenFlow through it: messages it :meth:`~ControlChannel.send`\\ s reach
the switch after the one-way ``latency``, the switch's replies (and its
asynchronous messages: packet-in, port-status, flow-removed) reach the app
after the same latency, in order. Everything happens in simulated time.

A datapath is named by its ``dpid`` (an ``int``);
:meth:`ControlChannel.switch` gives its model id, features and ports. For code
that wants to wait (the Ryu adapter's ``hub.sleep``), :meth:`call_later`,
:meth:`timeout` and :meth:`process` schedule work on the simulation clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from simpy import Environment
from simpy.events import Process, Timeout

from sendim.simulator.timing import Call

if TYPE_CHECKING:
    from sendim.model import System


@runtime_checkable
class ControllerApp(Protocol):
    """What the simulator needs from a controller.

    Optional extras, called when present: ``switch_disconnected(dpid)`` when
    a switch goes down (node-down event) and ``stop()`` when the run ends.
    """

    def start(self, channel: "ControlChannel") -> None:
        """Called once at ``t = 0``, before any switch connects."""

    def switch_connected(self, dpid: int, features: Any, ports: list[Any]) -> None:
        """A switch finished the features handshake (``FeaturesReply``, ``Port`` list)."""

    def message(self, dpid: int, msg: Any) -> None:
        """An OpenFlow message from switch *dpid*: ``PacketIn``, ``PortStatus``,
        ``FlowRemoved``, multipart/barrier/echo replies, ``ErrorMsg``."""


@dataclass(slots=True)
class SwitchInfo:
    """What the controller may know about a connected datapath."""

    dpid: int
    name: str                       # the model's switch id
    features: Any = None            # FeaturesReply
    ports: list[Any] = field(default_factory=list)   # openflow Port descriptions


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def message_kind(msg: object) -> str:
    """``FlowMod`` → ``"flow_mod"``; Ryu's ``OFPFlowMod`` gives the same."""
    name = type(msg).__name__
    if name.startswith("OFP"):
        name = name[3:]
    kind = _KINDS.get(name)
    if kind is None:
        kind = _KINDS[name] = _CAMEL.sub("_", name).lower()
    return kind


_KINDS: dict[str, str] = {"SwitchFeatures": "features_reply"}


class SwitchEnd(Protocol):
    """The switch side of the channel (implemented by the simulator's switches)."""

    dpid: int
    connected: bool

    def handle_control(self, msg: Any) -> None: ...


class ControlChannel:
    """One OpenFlow channel per switch, multiplexed by dpid, with a fixed latency.

    ``counts`` holds the number of messages of each kind in both directions
    (``packet_in``, ``flow_mod``, ``packet_out``, ``port_status``...), in
    the order kinds first appeared.
    """

    def __init__(self, env: Environment, latency: float = 0.0,
                 system: "System | None" = None) -> None:
        if latency < 0:
            raise ValueError("control latency must not be negative")
        self.env = env
        self.latency = float(latency)
        self.system = system
        self.counts: dict[str, int] = {}
        self.app: ControllerApp | None = None
        self._switches: dict[int, SwitchEnd] = {}
        self._info: dict[int, SwitchInfo] = {}
        self._observers: list[Callable[[str, int, Any], None]] = []

    # -- clock ------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated time, seconds."""
        return self.env.now

    def call_later(self, delay: float, fn: Callable[..., Any], *args: Any) -> Call:
        """Run ``fn(*args)`` after *delay* simulated seconds; returns a cancellable handle."""
        return Call(self.env, max(0.0, delay), fn, args)

    def timeout(self, delay: float, value: Any = None) -> Timeout:
        """A SimPy event firing after *delay* simulated seconds (for ``yield``)."""
        return self.env.timeout(max(0.0, delay), value)

    def process(self, generator: Generator) -> Process:
        """Run a SimPy process generator on the simulation clock."""
        return self.env.process(generator)

    # -- datapaths --------------------------------------------------------
    def switch(self, dpid: int) -> SwitchInfo:
        """The datapath *dpid* (KeyError if the simulation has none)."""
        return self._info[dpid]

    @property
    def dpids(self) -> list[int]:
        """Every datapath of the simulation, in the model's order."""
        return list(self._info)

    def is_connected(self, dpid: int) -> bool:
        end = self._switches.get(dpid)
        return end is not None and end.connected

    def observe(self, fn: Callable[[str, int, Any], None]) -> None:
        """Call ``fn(direction, dpid, msg)`` for every message; direction is
        ``"to_switch"`` or ``"to_controller"`` (for logging and tests)."""
        self._observers.append(fn)

    # -- controller → switch ------------------------------------------------
    def send(self, dpid: int, msg: Any) -> None:
        """Send *msg* to switch *dpid*; it arrives after the latency.

        Messages to an unknown or disconnected switch are counted and dropped,
        as a TCP connection to a dead switch would lose them.
        """
        self._count(msg)
        for fn in self._observers:
            fn("to_switch", dpid, msg)
        Call(self.env, self.latency, self._deliver_to_switch, (dpid, msg))

    def _deliver_to_switch(self, dpid: int, msg: Any) -> None:
        end = self._switches.get(dpid)
        if end is None or not end.connected:
            self.counts["dropped_to_switch"] = self.counts.get("dropped_to_switch", 0) + 1
            return
        end.handle_control(msg)

    # -- switch → controller ------------------------------------------------
    def to_controller(self, dpid: int, msg: Any) -> None:
        """Called by a switch: *msg* reaches the app after the latency."""
        self._count(msg)
        for fn in self._observers:
            fn("to_controller", dpid, msg)
        Call(self.env, self.latency, self._deliver_to_app, (dpid, msg))

    def _deliver_to_app(self, dpid: int, msg: Any) -> None:
        if self.app is not None:
            self.app.message(dpid, msg)

    # -- connection life cycle (called by the simulation) ---------------------
    def attach(self, info: SwitchInfo, end: SwitchEnd) -> None:
        """Register a datapath (before it connects)."""
        self._info[info.dpid] = info
        self._switches[info.dpid] = end

    def connect(self, dpid: int, features: Any, ports: list[Any]) -> None:
        """The switch came up: handshake, then ``switch_connected`` after the latency."""
        info = self._info[dpid]
        info.features, info.ports = features, ports
        self._bump("features_request")
        self._bump("features_reply")
        Call(self.env, 2 * self.latency, self._connected, (dpid, features, ports))

    def _connected(self, dpid: int, features: Any, ports: list[Any]) -> None:
        if self.app is not None and self.is_connected(dpid):
            self.app.switch_connected(dpid, features, ports)

    def disconnect(self, dpid: int) -> None:
        """The switch went down: tell the app (if it listens) after the latency."""
        fn = getattr(self.app, "switch_disconnected", None)
        if fn is not None:
            Call(self.env, self.latency, fn, (dpid,))

    def start(self, app: ControllerApp) -> None:
        self.app = app
        app.start(self)

    # -- counting -------------------------------------------------------------
    def _count(self, msg: Any) -> None:
        self._bump(message_kind(msg))

    def _bump(self, kind: str) -> None:
        counts = self.counts
        counts[kind] = counts.get(kind, 0) + 1
