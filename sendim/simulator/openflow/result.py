"""Per-packet results, port counters and the packet buffer of a datapath."""

from __future__ import annotations

from dataclasses import dataclass, field

from sendim.simulator.openflow.messages import PacketIn
from sendim.simulator.openflow.tables import FlowEntry

DROP_TABLE_MISS = "table_miss"
DROP_METER = "meter"
DROP_INVALID_TTL = "invalid_ttl"
DROP_PORT_DOWN = "port_down"
DROP_BAD_PORT = "bad_port"
DROP_NO_ACTION = "no_action"


@dataclass(slots=True, init=False)
class Result:
    """What one packet did in the switch.

    ``outputs``: ``(port_no, frame)`` to transmit, in action order.
    ``packet_ins``: messages for the controller. ``meters``: meter ids passed
    through. ``entries``: flow entries hit, in pipeline order; ``table_path``:
    tables looked up. ``dropped``: no output and no packet-in. ``reason``: why
    the pipeline stopped early (``table_miss``, ``meter``, ``invalid_ttl``,
    ``port_down``, ``bad_port``) or, for a drop without one, ``no_action``.
    """

    outputs: list[tuple[int, bytes]]
    packet_ins: list[PacketIn]
    meters: list[int]
    entries: list[FlowEntry]
    table_path: list[int]
    dropped: bool
    reason: str

    def __init__(self) -> None:
        self.outputs = []
        self.packet_ins = []
        self.meters = []
        self.entries = []
        self.table_path = []
        self.dropped = False
        self.reason = ""

    def finish(self) -> Result:
        """Set ``dropped`` / ``reason`` once processing is over."""
        if not self.outputs and not self.packet_ins:
            self.dropped = True
            self.reason = self.reason or DROP_NO_ACTION
        return self


@dataclass(slots=True)
class PortCounters:
    """Per-port counters (the fields of ``PortStats``)."""

    rx_packets: int = 0
    tx_packets: int = 0
    rx_bytes: int = 0
    tx_bytes: int = 0
    rx_dropped: int = 0
    tx_dropped: int = 0
    since: float = 0.0


class PacketBuffer:
    """``n`` slots of buffered packets; ids grow, the oldest slot is reused."""

    def __init__(self, n: int):
        self.n = n
        self._slots: list[tuple[int, bytes, int] | None] = [None] * n
        self._next = 0

    def store(self, frame: bytes, in_port: int) -> int:
        """Buffer a packet; returns its ``buffer_id``."""
        bid = self._next
        self._next = (bid + 1) & 0x7FFFFFFF
        self._slots[bid % self.n] = (bid, frame, in_port)
        return bid

    def pop(self, buffer_id: int) -> tuple[bytes, int] | None:
        """Take out ``(frame, in_port)``, or ``None`` if unknown / overwritten."""
        if not self.n:
            return None
        s = self._slots[buffer_id % self.n]
        if s is None or s[0] != buffer_id:
            return None
        self._slots[buffer_id % self.n] = None
        return s[1], s[2]
