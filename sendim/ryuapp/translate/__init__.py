"""Ryu OpenFlow 1.3 parser objects <-> sendim's OpenFlow messages.

- :func:`to_sendim` — a Ryu message (as an app sends it, or as Ryu parsed it)
  → the sendim dataclass; :class:`Untranslatable` (with the OpenFlow error a
  switch would return) for features sendim's switch lacks.
- :func:`to_ryu_all` / :func:`to_ryu` — a sendim message → Ryu object(s).
  Switch→controller messages are encoded to OpenFlow wire bytes
  (:mod:`.wire`) and parsed by Ryu's own parser, so handlers get exactly what
  a real switch would produce; controller→switch ones are built with Ryu's
  constructors.
- :func:`stand_in_datapath` — the minimal datapath Ryu's parser needs.

Importing this package imports ryu (with the eventlet compat fix applied).
"""

from __future__ import annotations

from typing import Any

from sendim.ryuapp.compat import apply_eventlet_compat

apply_eventlet_compat()

from ryu.ofproto import ofproto_parser as _ofproto_parser  # noqa: E402
from ryu.ofproto import ofproto_v1_3 as _ofp  # noqa: E402
from ryu.ofproto import ofproto_v1_3_parser as _parser  # noqa: E402

from sendim.ryuapp.translate import wire  # noqa: E402
from sendim.ryuapp.translate.fields import Untranslatable  # noqa: E402
from sendim.ryuapp.translate.messages import (  # noqa: E402
    packet_bytes, ryu_to_sendim, sendim_to_ryu_request)

__all__ = ["Untranslatable", "StandInDatapath", "stand_in_datapath", "to_sendim", "to_ryu",
           "to_ryu_all", "request_bytes", "packet_bytes", "wire"]


class StandInDatapath:
    """What Ryu's OF1.3 parser and message constructors need from a datapath."""

    def __init__(self, dpid: int | None = None) -> None:
        self.id = dpid
        self.ofproto = _ofp
        self.ofproto_parser = _parser

    def __repr__(self) -> str:
        return f"<StandInDatapath id={self.id}>"


def stand_in_datapath(dpid: int | None = None) -> StandInDatapath:
    """A fresh :class:`StandInDatapath` (OpenFlow 1.3)."""
    return StandInDatapath(dpid)


def to_sendim(msg: Any) -> Any:
    """Ryu OF1.3 message → sendim message (``Untranslatable`` if unsupported)."""
    return ryu_to_sendim(msg)


def request_bytes(dp: Any, request: Any) -> bytes:
    """Wire bytes of a controller→switch sendim message (for ``ErrorMsg.data``)."""
    ryu_msg = sendim_to_ryu_request(dp, request)
    if ryu_msg is None:
        return b""
    ryu_msg.serialize()
    return bytes(ryu_msg.buf)


def parse(dp: Any, raw: bytes) -> Any:
    """Parse one OpenFlow message with Ryu's parser, for datapath ``dp``."""
    version, msg_type, msg_len, xid = _ofproto_parser.header(raw)
    return _ofproto_parser.msg(dp, version, msg_type, msg_len, xid, bytearray(raw))


def to_ryu_all(dp: Any, msg: Any, request_bytes_fn: Any = None) -> list[Any]:
    """sendim message → Ryu object(s): several for a split multipart reply."""
    request = sendim_to_ryu_request(dp, msg)
    if request is not None:
        return [request]
    if request_bytes_fn is None:
        def request_bytes_fn(req: Any) -> bytes:
            return request_bytes(dp, req)
    return [parse(dp, raw) for raw in wire.encode(msg, request_bytes_fn)]


def to_ryu(dp: Any, msg: Any) -> Any:
    """sendim message → one Ryu object (``ValueError`` if it needs splitting)."""
    out = to_ryu_all(dp, msg)
    if len(out) != 1:
        raise ValueError(f"{type(msg).__name__} needs {len(out)} OpenFlow messages")
    return out[0]
