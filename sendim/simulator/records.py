"""What the traffic machinery measures, per flow and per ping series.

The engine fills these while the simulation runs; :mod:`.collect` turns
them into the shared results schema. Paths are lists of switch ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sendim.model import Flow


@dataclass(slots=True)
class FlowRecord:
    """Measurements of one model flow (any granularity)."""

    flow: Flow
    index: int
    granularity: str
    traffic: str
    src_port: int = 0
    dst_port: int = 0
    start_s: float | None = None     # when the source started (flow.start, or settle)
    bytes: float = 0.0               # application bytes delivered (in order for TCP)
    offered: float = 0.0             # application bytes the source emitted (first copies)
    tx_frames: int = 0               # data frames sent, retransmissions included
    rx_frames: int = 0               # data frames received, duplicates included
    first_rx: float | None = None    # first data delivered (path established)
    last_rx: float | None = None
    end: float | None = None         # completion: last byte delivered
    done: bool = False
    failed: str | None = None        # why it never completed (no path, ...)
    paths: list[list[str]] = field(default_factory=list)
    path_times: list[float] = field(default_factory=list)
    stalled_s: float = 0.0           # time with no usable path (fluid) / longest gap (packet)
    stalls: int = 0
    retransmits: int = 0
    fluid_drops: float = 0.0         # fluid UDP: offered - delivered, in packets

    def saw_path(self, path: list[str], now: float) -> None:
        """Record the path a delivered frame took, if it is a new one."""
        if not self.paths or self.paths[-1] != path:
            self.paths.append(path)
            self.path_times.append(now)

    def frame_arrived(self, path: list | None, now: float) -> None:
        """Book a data frame delivered at *now*: count, path, first/last arrival, longest gap."""
        self.rx_frames += 1
        if path is not None:
            self.saw_path([sw for sw, _ in path], now)
        if self.first_rx is None:
            self.first_rx = now
        elif self.last_rx is not None and now - self.last_rx > self.stalled_s:
            self.stalled_s = now - self.last_rx
        self.last_rx = now

    @property
    def drops(self) -> int:
        """Data frames lost in the network (sent minus received)."""
        lost = max(0, self.tx_frames - self.rx_frames)
        return lost + int(round(self.fluid_drops))


@dataclass(slots=True)
class PingRecord:
    """An echo series from one host to another (a ping flow or a pingall pair)."""

    src: str
    dst: str
    flow_id: str | None = None
    sent: int = 0
    received: int = 0
    rtts: list[float] = field(default_factory=list)      # seconds, in arrival order
    path: list[str] | None = None                          # switches the first request crossed
    last_rx: float | None = None
