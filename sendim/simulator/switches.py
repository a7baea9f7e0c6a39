"""Simulated switches: a :class:`~sendim.simulator.openflow.Datapath` wired to
links and to the control channel.

A frame arriving on a port runs through the datapath's pipeline at the
arrival time; its outputs are transmitted on the ports' channels (tx
counters count what the queue accepted, ``tx_dropped`` what it refused) and
its packet-ins go to the controller. Controller messages are applied by the
datapath; a packet-out's frames continue the history (lineage, trace, sender
tag) of the packet-in they answer, so a probe that detours through the
controller is still recognised at its destination, and a storm that loops
through the controller is still detected.

The datapath (which allocates every flow table) is created on first use,
which keeps building a 100k-node simulation cheap.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from sendim.model import Switch
from sendim.simulator.control import SwitchInfo
from sendim.simulator.links import Channel, Frame, Lineage, Probe
from sendim.simulator.openflow import (
    OFPC_FLOW_STATS, OFPC_GROUP_STATS, OFPC_PORT_STATS, OFPC_TABLE_STATS, OFPPS_LINK_DOWN,
    OFP_NO_BUFFER as NO_BUFFER, OFPPS_LIVE, Datapath, FeaturesReply, FlowMod, MeterMod, PacketIn,
    Port, Result,
)
from sendim.simulator.openflow import multipart as mp
from sendim.simulator.packets import int_to_mac
from sendim.simulator.timing import Call

if TYPE_CHECKING:
    from sendim.simulator.engine import Simulation

N_TABLES = 254
N_BUFFERS = 256
PIN_MEMORY = 65536
"""Packet-ins remembered (per simulation) to continue their frame's history."""

_STATS_REQUESTS = tuple(getattr(mp, n) for n in (
    "FlowStatsRequest", "AggregateStatsRequest", "PortStatsRequest", "TableStatsRequest",
    "GroupStatsRequest", "MeterStatsRequest"))


def port_mac(dpid: int, port_no: int) -> int:
    """A stable, locally administered MAC for a switch port."""
    return 0x020000000000 | (dpid & 0xFFFFFF) << 16 | (port_no & 0xFFFF)


class SimSwitch:
    """One OpenFlow switch of the simulation."""

    def __init__(self, sim: "Simulation", model: Switch) -> None:
        self.sim = sim
        self.model = model
        self.id = model.id
        self.dpid = model.dpid
        self.out: dict[int, Channel] = {}     # port → the channel leaving by it
        self.up = True
        self.connected = False
        self._dp: Datapath | None = None
        self._expiry: Call | None = None
        self._expiry_when = 0.0
        self.info = SwitchInfo(self.dpid, self.id)
        self.drops: dict[str, int] = {}

    # -- the datapath ---------------------------------------------------------
    @property
    def dp(self) -> Datapath:
        """The OpenFlow datapath, created on first use."""
        dp = self._dp
        if dp is None:
            dp = self._dp = Datapath(self.dpid, self.port_specs(), n_tables=self.sim.n_tables,
                                     n_buffers=N_BUFFERS, count_tx_in_process=False,
                                     now=self.sim.env.now)
            for port, ch in self.out.items():
                if not ch.up:
                    dp.set_port_state(port, False)
        return dp

    @property
    def materialized(self) -> bool:
        return self._dp is not None

    def port_specs(self) -> list[tuple]:
        return [(p, port_mac(self.dpid, p), f"{self.id}-eth{p}", ch.bandwidth or 0)
                for p, ch in self.out.items()]

    def features(self) -> tuple[FeaturesReply, list[Port]]:
        """What the handshake reports, without materializing the datapath."""
        caps = OFPC_FLOW_STATS | OFPC_TABLE_STATS | OFPC_PORT_STATS | OFPC_GROUP_STATS
        feats = FeaturesReply(datapath_id=self.dpid, n_buffers=N_BUFFERS,
                              n_tables=self.sim.n_tables, capabilities=caps)
        ports = []
        for p, ch in self.out.items():
            kbps = int(ch.bandwidth or 0) // 1000
            ports.append(Port(p, int_to_mac(port_mac(self.dpid, p)), f"{self.id}-eth{p}",
                              state=OFPPS_LIVE if ch.up else OFPPS_LINK_DOWN,
                              curr_speed=kbps, max_speed=kbps))
        return feats, ports

    # -- data plane -------------------------------------------------------------
    def receive(self, frame: Frame, port: int) -> None:
        """A frame arrived on *port*: run the pipeline, transmit, packet-in."""
        if not self.up:
            return
        sim = self.sim
        lineage = frame.lineage
        lineage.hops += 1
        if lineage.hops > sim.storm_hops:
            sim.storm(self, frame)
        res = self.dp.process(frame.data, port, sim.env.now)
        path = frame.path
        if path is not None:
            frame.path = path = path + ((self.id, port),)
            probe = frame.tag
            if type(probe) is Probe:
                probe.seen[(self.id, port)] = frame.data
        self._result(res, frame)

    def _result(self, res: Result, frame: Frame) -> None:
        outputs = res.outputs
        if outputs:
            if len(outputs) == 1:
                port, data = outputs[0]
                if data is not frame.data:
                    frame = frame.copy(data)
                self.transmit(port, frame)
            else:
                for port, data in outputs:
                    self.transmit(port, frame.copy(data))
        elif res.dropped and not res.packet_ins:
            self.drops[res.reason] = self.drops.get(res.reason, 0) + 1
        if res.packet_ins:
            self._packet_ins(res.packet_ins, frame)

    def _packet_ins(self, packet_ins: list[PacketIn], frame: Frame | None) -> None:
        sim = self.sim
        for pin in packet_ins:
            if frame is not None:     # a snapshot: the frame itself may travel on
                sim.pin_memory.remember(self.dpid, _pin_key(pin.buffer_id, pin.data),
                                        Frame(frame.data, frame.size, frame.lineage,
                                              frame.path, frame.tag, frame.born))
            sim.channel.to_controller(self.dpid, pin)


    def transmit(self, port: int, frame: Frame) -> None:
        ch = self.out.get(port)
        if ch is None:
            return
        if ch.send(frame):
            self.dp.count_tx(port, frame.size)
        else:
            self.dp.count_tx_dropped(port)

    # -- control plane ------------------------------------------------------------
    def handle_control(self, msg: Any) -> None:
        """A controller message arrived (after the channel latency)."""
        if not self.up:
            return
        sim = self.sim
        now = sim.env.now
        if isinstance(msg, _STATS_REQUESTS):
            sim.sync_counters(now)
        replies = self.dp.handle(msg, now)
        for reply in replies:
            if type(reply) is Result:
                self._packet_out_result(reply, msg)
            else:
                sim.channel.to_controller(self.dpid, reply)
        t = type(msg)
        if t is FlowMod and (msg.idle_timeout or msg.hard_timeout):
            self.schedule_expiry()
        elif t is MeterMod:
            sim.meter_changed(self, msg.meter_id)

    def _packet_out_result(self, res: Result, msg: Any) -> None:
        key = _pin_key(getattr(msg, "buffer_id", NO_BUFFER), getattr(msg, "data", b""))
        origin = self.sim.pin_memory.recall(self.dpid, key)
        if origin is None and res.outputs:
            data = res.outputs[0][1]
            origin = Frame(data, len(data), Lineage(), (), None, self.sim.env.now)
        for port, data in res.outputs:
            self.transmit(port, origin.copy(data))
        if res.packet_ins:
            self._packet_ins(res.packet_ins, origin)

    def schedule_expiry(self) -> None:
        """Make sure :meth:`_expire` runs when the next timeout may fire."""
        when = self.dp.next_expiry()
        if when is None:
            return
        current = self._expiry
        if current is not None and current.pending:
            if self._expiry_when <= when:      # already early enough
                return
            current.cancel()
        self._expiry = Call(self.sim.env, max(0.0, when - self.sim.env.now), self._expire)
        self._expiry_when = when

    def _expire(self) -> None:
        self._expiry = None
        if not self.up or self._dp is None:
            return
        sim = self.sim
        sim.sync_counters(sim.env.now)
        for removed in self._dp.expire(sim.env.now):
            sim.channel.to_controller(self.dpid, removed)
        self.schedule_expiry()

    # -- life cycle ---------------------------------------------------------------
    def set_port(self, port: int, up: bool) -> None:
        """The link on *port* went up/down: update the datapath, tell the controller."""
        if not self.up or self._dp is None and not self.connected:
            return
        status = self.dp.set_port_state(port, up)
        if self.connected:
            self.sim.channel.to_controller(self.dpid, status)

    def power(self, up: bool) -> None:
        """Node down loses all state (tables, groups, meters); node up reconnects."""
        self.up = up
        if not up:
            self._dp = None
            if self._expiry is not None:
                self._expiry.cancel()
                self._expiry = None
            if self.connected:
                self.connected = False
                self.sim.channel.disconnect(self.dpid)
        else:
            self.connect()

    def connect(self) -> None:
        self.connected = True
        feats, ports = self.features()
        self.sim.channel.connect(self.dpid, feats, ports)


def _pin_key(buffer_id: int, data: bytes) -> Any:
    return data if buffer_id == NO_BUFFER else buffer_id


class PacketInMemory:
    """The frames behind recent packet-ins, so that a packet-out answering one
    continues its history. Keyed by (dpid, buffer id or bytes), oldest first;
    at most ``limit`` frames are kept."""

    def __init__(self, limit: int = PIN_MEMORY) -> None:
        self.limit = limit
        self._frames: dict[tuple[int, Any], deque[Frame]] = {}
        self._size = 0

    def remember(self, dpid: int, key: Any, frame: Frame) -> None:
        k = (dpid, key)
        q = self._frames.get(k)
        if q is None:
            q = self._frames[k] = deque()
        q.append(frame)
        self._size += 1
        if self._size > self.limit:
            oldest = next(iter(self._frames))
            self._size -= len(self._frames.pop(oldest))

    def recall(self, dpid: int, key: Any) -> Frame | None:
        """The oldest remembered frame under *key* (removed), or None."""
        k = (dpid, key)
        q = self._frames.get(k)
        if not q:
            return None
        frame = q.popleft()
        self._size -= 1
        if not q:
            del self._frames[k]
        return frame
