"""Links: frames in flight, directional channels with drop-tail queues.

A model :class:`~sendim.model.Link` becomes a :class:`SimLink` holding two
:class:`Channel` objects, one per direction. A channel is event-free while
idle: it keeps the time its transmitter becomes free and the finishing
times of the frames it has accepted, so sending a frame costs one scheduled
arrival event (serialization + propagation) and no process. The queue is
drop-tail: a frame that finds ``max_queue`` frames not yet fully
transmitted is dropped. Loss is drawn from a per-link seeded generator.
Taking a link down drops everything queued or on the wire (an epoch counter
invalidates scheduled arrivals).
"""

from __future__ import annotations

import random
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from sendim.model import Link
from sendim.simulator.timing import Call

if TYPE_CHECKING:
    from simpy import Environment

DEFAULT_MAX_QUEUE = 1000
"""Packets per direction when the model leaves ``max_queue`` unset (like a txqueuelen)."""
MTU_FRAME = 1514
"""A queue of N packets also holds at most N full-size frames' bytes (chunks)."""


class Lineage:
    """Shared by every copy of one injected frame: counts switch arrivals.

    A unicast frame crosses a handful of switches and a flood reaches each
    switch once, so a lineage that keeps growing far beyond the number of
    switches is a frame circulating in a loop: a broadcast storm.
    """

    __slots__ = ("hops",)

    def __init__(self) -> None:
        self.hops = 0


class Frame:
    """One frame in flight: its bytes plus simulator bookkeeping.

    ``size`` is what the wire carries (bytes) and may exceed ``len(data)``
    for chunk granularity, where one header frame stands for a whole chunk.
    ``path`` lists the switches crossed so far when tracing, else None.
    ``tag`` is the sender's note (flow, sequence number...) for its peer.
    """

    __slots__ = ("data", "size", "lineage", "path", "tag", "born")

    def __init__(self, data: bytes, size: int, lineage: Lineage, path: tuple | None,
                 tag: Any, born: float) -> None:
        self.data = data
        self.size = size
        self.lineage = lineage
        self.path = path
        self.tag = tag
        self.born = born

    def copy(self, data: bytes) -> "Frame":
        """The same frame (possibly rewritten) leaving by another port."""
        size = self.size if len(data) == len(self.data) else self.size - len(self.data) + len(data)
        return Frame(data, size, self.lineage, self.path, self.tag, self.born)


class Probe:
    """The tag of a frame sent to discover a fluid flow's path.

    Switches note, per ``(switch id, in_port)``, the bytes the probe arrived
    with, so the flow's meters and entries can be looked up afterwards.
    """

    __slots__ = ("owner", "seen")

    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.seen: dict[tuple[str, int], bytes] = {}


class Receiver(Protocol):
    def receive(self, frame: Frame, port: int) -> None: ...


class Guard(Protocol):
    """What channels report to: the simulation's storm/memory guard."""

    inflight: int
    flight_limit: int
    active_channels: list

    def on_flight_limit(self) -> None: ...


class Channel:
    """One direction of a link: queue, transmitter, propagation, loss."""

    __slots__ = ("env", "link", "src", "dst", "dst_port", "bandwidth", "delay", "loss",
                 "max_queue", "max_bytes", "queued_bytes", "up", "epoch", "busy_until",
                 "finishes", "rng", "guard",
                 "tx_bytes", "tx_frames", "drop_queue", "drop_loss", "drop_down", "receiver")

    def __init__(self, env: "Environment", link: Link, src: str, dst: str, dst_port: int,
                 guard: Guard, rng: random.Random | None) -> None:
        self.env = env
        self.link = link
        self.src = src
        self.dst = dst
        self.dst_port = dst_port
        self.bandwidth = link.bandwidth
        self.delay = link.delay
        self.loss = link.loss
        self.max_queue = link.max_queue or DEFAULT_MAX_QUEUE
        self.max_bytes = self.max_queue * MTU_FRAME
        self.queued_bytes = 0
        self.up = True
        self.epoch = 0
        self.busy_until = 0.0
        self.finishes: deque[tuple[float, int]] = deque()   # (end of transmission, bytes)
        self.rng = rng
        self.guard = guard
        self.tx_bytes = 0
        self.tx_frames = 0
        self.drop_queue = 0
        self.drop_loss = 0
        self.drop_down = 0
        self.receiver: Receiver | None = None  # bound lazily by the simulation

    def send(self, frame: Frame) -> bool:
        """Queue *frame* for transmission; False when it is dropped at once."""
        if not self.up:
            self.drop_down += 1
            return False
        env = self.env
        now = env._now
        size = frame.size
        bandwidth = self.bandwidth
        if bandwidth:
            q = self.finishes
            while q and q[0][0] <= now:
                self.queued_bytes -= q.popleft()[1]
            if len(q) >= self.max_queue or (self.queued_bytes + size > self.max_bytes
                                             and len(q) >= 2):
                self.drop_queue += 1
                return False
            busy = self.busy_until
            done = (busy if busy > now else now) + size * 8.0 / bandwidth
            self.busy_until = done
            q.append((done, size))
            self.queued_bytes += size
        else:
            done = now
        guard = self.guard
        if not self.tx_frames:
            guard.active_channels.append(self)
        self.tx_bytes += size
        self.tx_frames += 1
        if self.loss and self.rng is not None and self.rng.random() < self.loss:
            self.drop_loss += 1
            return True  # it left; the wire lost it
        guard.inflight += 1
        if guard.inflight > guard.flight_limit:
            guard.on_flight_limit()
        Call(env, done + self.delay - now, self._arrive, (frame, self.epoch))
        return True

    def _arrive(self, frame: Frame, epoch: int) -> None:
        self.guard.inflight -= 1
        if epoch != self.epoch:
            self.drop_down += 1
            return
        self.receiver.receive(frame, self.dst_port)

    def backlog(self, now: float) -> int:
        """Frames queued or being transmitted at *now*."""
        return sum(1 for t, _ in self.finishes if t > now)

    def sent_bytes(self, now: float) -> float:
        """Bytes on the wire by *now*, counting the frame being sent pro rata."""
        waiting = 0.0
        head = None
        for t, n in self.finishes:
            if t > now:
                waiting += n
                if head is None:
                    head = (t, n)
        if head is not None and self.bandwidth:
            done_in = head[0] - now
            waiting -= max(0.0, head[1] - done_in * self.bandwidth / 8.0)
        return self.tx_bytes - waiting

    def room(self, now: float, size: int) -> float:
        """0 if a frame of *size* bytes fits in the queue now, else the time
        (from now) when the oldest queued frame leaves: for senders that
        wait instead of dropping (a host's own queue pushes back)."""
        q = self.finishes
        if not self.bandwidth or not self.up:
            return 0.0
        while q and q[0][0] <= now:
            self.queued_bytes -= q.popleft()[1]
        if len(q) < self.max_queue and (self.queued_bytes + size <= self.max_bytes
                                        or len(q) < 2):
            return 0.0
        return q[0][0] - now

    def set_up(self, up: bool, now: float) -> None:
        if up == self.up:
            return
        self.up = up
        if not up:
            self.epoch += 1
            self.finishes.clear()
            self.queued_bytes = 0
            self.busy_until = now


class SimLink:
    """A model link brought to life: two channels and an up/down state."""

    __slots__ = ("model", "fwd", "rev", "up", "admin_up")

    def __init__(self, env: "Environment", model: Link, guard: Guard, seed: int) -> None:
        self.model = model
        rng = random.Random(f"{seed}/link/{model.id}") if model.loss else None
        self.fwd = Channel(env, model, model.src, model.dst, model.dst_port, guard, rng)
        self.rev = Channel(env, model, model.dst, model.src, model.src_port, guard, rng)
        self.up = True
        self.admin_up = True      # False after a link-down event, whatever the nodes do

    def channel_from(self, node: str) -> Channel:
        """The channel that carries frames sent by *node*."""
        return self.fwd if node == self.model.src else self.rev

    def set_up(self, up: bool, now: float) -> None:
        self.up = up
        self.fwd.set_up(up, now)
        self.rev.set_up(up, now)
