"""Ryu's own ``Datapath`` over a simulated OpenFlow connection.

:class:`SimDatapath` *is* a ``ryu.controller.controller.Datapath``: Ryu's
``serve()`` runs unchanged in a simulated thread — the hello/features/
port-desc handshake through ``ofp_handler``, the receive loop that parses
bytes with Ryu's parser and dispatches ``EventOFP*`` events with the right
dispatcher state, the echo-request keepalive, the DEAD state on disconnect.

Only the two ends of the "socket" are simulated:

- inbound: the simulated switch's messages, encoded to OpenFlow bytes
  (:mod:`sendim.ryuapp.translate.wire`), are fed to a :class:`SimSocket`
  whose ``recv`` blocks in simulated time;
- outbound: :meth:`SimDatapath.send_msg` takes the app's Ryu message object
  (serialised as Ryu does, so invalid messages fail the same way) and hands
  it to the adapter, which translates it and sends it on the control channel.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable
from typing import Any

from ryu.controller import controller as ryu_controller
from ryu.ofproto import ofproto_parser

from sendim.ryuapp.simhub import Event

__all__ = ["SimSocket", "SimDatapath"]

LOG = logging.getLogger("sendim.ryuapp.datapath")


class SimSocket:
    """The controller end of a simulated OpenFlow TCP connection."""

    def __init__(self, on_raw_send: Callable[[bytes], None] | None = None) -> None:
        self._chunks: collections.deque[memoryview] = collections.deque()
        self._readable = Event()
        self._eof = False
        self.closed = False
        self._on_raw_send = on_raw_send

    # -- fed by the adapter (loop greenlet; never blocks) ----------------------------
    def feed(self, data: bytes) -> None:
        """Bytes from the switch."""
        if data and not self._eof:
            self._chunks.append(memoryview(data))
            self._readable.set()

    def feed_eof(self) -> None:
        """The switch went away: ``recv`` returns ``b''`` once drained."""
        self._eof = True
        self._readable.set()

    @property
    def pending(self) -> int:
        """Bytes fed but not yet read."""
        return sum(len(c) for c in self._chunks)

    # -- used by Ryu's Datapath (simulated threads) --------------------------------------
    def recv(self, bufsize: int) -> bytes:
        """Up to ``bufsize`` bytes; blocks in simulated time; ``b''`` at EOF."""
        while not self._chunks:
            if self._eof or self.closed:
                return b""
            self._readable.clear()
            self._readable.wait()
        head = self._chunks[0]
        if len(head) <= bufsize:
            self._chunks.popleft()
            return head.tobytes()
        self._chunks[0] = head[bufsize:]
        return head[:bufsize].tobytes()

    def sendall(self, data: bytes) -> None:
        """Raw bytes queued with ``Datapath.send`` (rare; apps use send_msg)."""
        if self._on_raw_send is not None:
            self._on_raw_send(bytes(data))

    send = sendall

    def setsockopt(self, *_args: Any) -> None:
        """Socket options are meaningless here."""

    def settimeout(self, _timeout: Any) -> None:
        """``recv`` blocks until data or EOF (Ryu retries on timeouts anyway)."""

    def shutdown(self, _how: int) -> None:
        """Ryu closing its write side: the connection is over."""
        self.closed = True
        self._readable.set()

    def close(self) -> None:
        """Close the connection."""
        self.shutdown(2)

    def getpeername(self) -> Any:
        return None


class SimDatapath(ryu_controller.Datapath):
    """A ``ryu.controller.controller.Datapath`` for one simulated switch.

    ``sink(datapath, msg)`` receives every message the apps send (after
    ``xid`` assignment and Ryu's serialisation).
    """

    def __init__(self, sock: SimSocket, address: tuple[str, int],
                 sink: Callable[[SimDatapath, Any], None], xid_seed: int = 0) -> None:
        self.sink = sink
        self.sim_socket = sock
        super().__init__(sock, address)
        self.xid = xid_seed & self.ofproto.MAX_XID  # deterministic, not random

    def send_msg(self, msg: Any, close_socket: bool = False) -> bool:
        """Ryu's ``send_msg``, delivering the object instead of queueing bytes."""
        assert isinstance(msg, self.ofproto_parser.MsgBase)
        if self.sim_socket.closed:
            LOG.debug("datapath %s closed: %s discarded", self.id, type(msg).__name__)
            return False
        if msg.xid is None:
            self.set_xid(msg)
        msg.serialize()
        self.sink(self, msg)
        if close_socket:
            self.sim_socket.shutdown(2)
        return True

    def raw_message(self, data: bytes) -> Any:
        """Parse bytes an app sent with ``Datapath.send`` (None if Ryu cannot)."""
        version, msg_type, msg_len, xid = ofproto_parser.header(data)
        try:
            return ofproto_parser.msg(self, version, msg_type, msg_len, xid, bytearray(data))
        except Exception:  # noqa: BLE001 - Ryu has no parser for most requests
            return None
