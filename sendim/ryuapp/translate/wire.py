"""sendim's switch→controller messages as OpenFlow 1.3 wire bytes.

The simulated switch "speaks" through this encoder and Ryu's own parser
(``ryu.ofproto.ofproto_parser.msg``) reads the bytes, so apps get exactly the
objects a real switch's messages would give them (``msg.buf``, ``msg_len``,
bytes ``name`` fields, parsed ``OFPMatch`` ...).  Pack formats are Ryu's
``ofproto_v1_3`` constants; nested structures use Ryu's own ``serialize``.

Multipart replies longer than a message allows are split in several with
``OFPMPF_REPLY_MORE`` set on all but the last, as a switch must.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from ryu.ofproto import ofproto_v1_3 as ofp
from ryu.ofproto import ofproto_v1_3_parser as parser

from sendim.ryuapp.translate import fields as f
from sendim.simulator.openflow import messages as sm
from sendim.simulator.openflow import multipart as mp
from sendim.simulator.openflow.match import FIELD_BITS

__all__ = ["encode", "MAX_MESSAGE"]

MAX_MESSAGE = 0xFFFF
"""Largest OpenFlow message (16-bit length)."""

_HEADER = struct.Struct(ofp.OFP_HEADER_PACK_STR)


def _message(msg_type: int, xid: int, body: bytes | bytearray) -> bytes:
    length = ofp.OFP_HEADER_SIZE + len(body)
    if length > MAX_MESSAGE:
        raise ValueError(f"OpenFlow message too long ({length} bytes)")
    return _HEADER.pack(ofp.OFP_VERSION, msg_type, length, xid & 0xFFFFFFFF) + bytes(body)


def _oxm_headers() -> dict[str, tuple[int, int]]:
    """OXM field name -> (header without mask/length bits, value width in bytes)."""
    out = {}
    for name, bits in FIELD_BITS.items():
        num, _value, _mask = ofp.oxm_from_user(name, 0)
        out[name] = (num << 9, (bits + 7) // 8)
    return out


_OXM = _oxm_headers()
_MATCH_HEAD = struct.Struct("!HH")


def _match(match: Any) -> bytes:
    """``ofp_match`` (OXM) bytes of a sendim Match, padded to 8 bytes.

    Byte-for-byte what Ryu's ``OFPMatch.serialize`` writes (tested), without
    building an ``OFPMatch``: this runs for every packet-in.
    """
    parts = []
    for name, (value, mask) in match.items():
        head, width = _OXM[name]
        if mask is None:
            parts.append(struct.pack("!I", head | width) + value.to_bytes(width, "big"))
        else:
            parts.append(struct.pack("!I", head | 0x100 | 2 * width)
                         + value.to_bytes(width, "big") + mask.to_bytes(width, "big"))
    fields = b"".join(parts)
    length = 4 + len(fields)
    pad = (-length) % 8
    return _MATCH_HEAD.pack(ofp.OFPMT_OXM, length) + fields + bytes(pad)


def _port(port: sm.Port) -> bytes:
    return struct.pack(ofp.OFP_PORT_PACK_STR, port.port_no, f.mac_bin(port.hw_addr),
                       port.name.encode("utf-8")[:ofp.OFP_MAX_PORT_NAME_LEN - 1],
                       port.config, port.state, port.curr, port.advertised, port.supported,
                       port.peer, port.curr_speed, port.max_speed)


def _serialized(objs: list[Any], size_attr: str) -> bytearray:
    """Ryu structures serialised back to back (each padded to its length)."""
    buf = bytearray()
    for obj in objs:
        offset = len(buf)
        obj.serialize(buf, offset)
        end = offset + getattr(obj, size_attr)
        if len(buf) < end:
            buf.extend(bytes(end - len(buf)))
    return buf


# -- multipart bodies ---------------------------------------------------------------

def _desc(d: mp.DescStats) -> bytes:
    return struct.pack(ofp.OFP_DESC_PACK_STR, d.mfr_desc.encode()[:255],
                       d.hw_desc.encode()[:255], d.sw_desc.encode()[:255],
                       d.serial_num.encode()[:31], d.dp_desc.encode()[:255])


def _flow_stats(s: mp.FlowStats) -> bytes:
    tail = _match(s.match) + _serialized(f.instructions_to_ryu(s.instructions), "len")
    length = struct.calcsize(ofp.OFP_FLOW_STATS_0_PACK_STR) + len(tail)
    head = struct.pack(ofp.OFP_FLOW_STATS_0_PACK_STR, length, s.table_id, s.duration_sec,
                       s.duration_nsec, s.priority, s.idle_timeout, s.hard_timeout, s.flags,
                       s.cookie, s.packet_count, s.byte_count)
    return head + tail


def _aggregate(s: mp.AggregateStats) -> bytes:
    return struct.pack(ofp.OFP_AGGREGATE_STATS_REPLY_PACK_STR, s.packet_count,
                       s.byte_count, s.flow_count)


def _table_stats(s: mp.TableStats) -> bytes:
    return struct.pack(ofp.OFP_TABLE_STATS_PACK_STR, s.table_id, s.active_count,
                       s.lookup_count, s.matched_count)


def _port_stats(s: mp.PortStats) -> bytes:
    return struct.pack(ofp.OFP_PORT_STATS_PACK_STR, s.port_no, s.rx_packets, s.tx_packets,
                       s.rx_bytes, s.tx_bytes, s.rx_dropped, s.tx_dropped, s.rx_errors,
                       s.tx_errors, s.rx_frame_err, s.rx_over_err, s.rx_crc_err,
                       s.collisions, s.duration_sec, s.duration_nsec)


def _group_stats(s: mp.GroupStats) -> bytes:
    counters = b"".join(struct.pack(ofp.OFP_BUCKET_COUNTER_PACK_STR, c.packet_count,
                                    c.byte_count) for c in s.bucket_stats)
    length = ofp.OFP_GROUP_STATS_SIZE + len(counters)
    return struct.pack(ofp.OFP_GROUP_STATS_PACK_STR, length, s.group_id, s.ref_count,
                       s.packet_count, s.byte_count, s.duration_sec,
                       s.duration_nsec) + counters


def _group_desc(s: mp.GroupDescStats) -> bytes:
    buckets = _serialized(f.buckets_to_ryu(s.buckets), "len")
    length = ofp.OFP_GROUP_DESC_STATS_SIZE + len(buckets)
    return struct.pack(ofp.OFP_GROUP_DESC_STATS_PACK_STR, length, s.type,
                       s.group_id) + bytes(buckets)


def _meter_stats(s: mp.MeterStats) -> bytes:
    bands = b"".join(struct.pack(ofp.OFP_METER_BAND_STATS_PACK_STR, b.packet_band_count,
                                 b.byte_band_count) for b in s.band_stats)
    length = ofp.OFP_METER_STATS_SIZE + len(bands)
    return struct.pack(ofp.OFP_METER_STATS_PACK_STR, s.meter_id, length, s.flow_count,
                       s.packet_in_count, s.byte_in_count, s.duration_sec,
                       s.duration_nsec) + bands


def _meter_config(s: mp.MeterConfigStats) -> bytes:
    bands = _serialized(f.bands_to_ryu(s.bands), "len")
    length = ofp.OFP_METER_CONFIG_SIZE + len(bands)
    return struct.pack(ofp.OFP_METER_CONFIG_PACK_STR, length, s.flags,
                       s.meter_id) + bytes(bands)


_MULTIPART: dict[type, tuple[int, Callable[[Any], bytes], bool]] = {
    mp.DescStatsReply: (ofp.OFPMP_DESC, _desc, True),
    mp.FlowStatsReply: (ofp.OFPMP_FLOW, _flow_stats, False),
    mp.AggregateStatsReply: (ofp.OFPMP_AGGREGATE, _aggregate, True),
    mp.TableStatsReply: (ofp.OFPMP_TABLE, _table_stats, False),
    mp.PortStatsReply: (ofp.OFPMP_PORT_STATS, _port_stats, False),
    mp.PortDescStatsReply: (ofp.OFPMP_PORT_DESC, _port, False),
    mp.GroupStatsReply: (ofp.OFPMP_GROUP, _group_stats, False),
    mp.GroupDescStatsReply: (ofp.OFPMP_GROUP_DESC, _group_desc, False),
    mp.MeterStatsReply: (ofp.OFPMP_METER, _meter_stats, False),
    mp.MeterConfigStatsReply: (ofp.OFPMP_METER_CONFIG, _meter_config, False),
}


def _multipart(msg: Any, spec: tuple[int, Callable[[Any], bytes], bool]) -> list[bytes]:
    mp_type, encode_one, single = spec
    items = [encode_one(msg.body)] if single else [encode_one(b) for b in msg.body]
    room = MAX_MESSAGE - ofp.OFP_MULTIPART_REPLY_SIZE
    chunks: list[list[bytes]] = [[]]
    size = 0
    for item in items:
        if chunks[-1] and size + len(item) > room:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += len(item)
    out = []
    for i, chunk in enumerate(chunks):
        flags = msg.flags | (ofp.OFPMPF_REPLY_MORE if i < len(chunks) - 1 else 0)
        head = struct.pack(ofp.OFP_MULTIPART_REPLY_PACK_STR, mp_type, flags)
        out.append(_message(ofp.OFPT_MULTIPART_REPLY, msg.xid, head + b"".join(chunk)))
    return out


# -- plain messages ---------------------------------------------------------------------

def _packet_in(m: sm.PacketIn) -> bytes:
    head = struct.pack(ofp.OFP_PACKET_IN_PACK_STR, m.buffer_id, m.total_len, m.reason,
                       m.table_id, m.cookie)
    return _message(ofp.OFPT_PACKET_IN, m.xid, head + _match(m.match) + b"\0\0" + bytes(m.data))


def _flow_removed(m: sm.FlowRemoved) -> bytes:
    head = struct.pack(ofp.OFP_FLOW_REMOVED_PACK_STR0, m.cookie, m.priority, m.reason,
                       m.table_id, m.duration_sec, m.duration_nsec, m.idle_timeout,
                       m.hard_timeout, m.packet_count, m.byte_count)
    return _message(ofp.OFPT_FLOW_REMOVED, m.xid, head + _match(m.match))


def _port_status(m: sm.PortStatus) -> bytes:
    return _message(ofp.OFPT_PORT_STATUS, m.xid, struct.pack("!B7x", m.reason) + _port(m.desc))


def _features(m: sm.FeaturesReply) -> bytes:
    body = struct.pack(ofp.OFP_SWITCH_FEATURES_PACK_STR, m.datapath_id, m.n_buffers,
                       m.n_tables, m.auxiliary_id, m.capabilities, 0)
    return _message(ofp.OFPT_FEATURES_REPLY, m.xid, body)


def _error(m: sm.ErrorMsg, request_bytes: Callable[[Any], bytes] | None) -> bytes:
    data = m.data
    if data is None:
        raw = b""
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    elif isinstance(data, str):
        raw = data.encode("utf-8")
    else:
        raw = request_bytes(data) if request_bytes is not None else b""
    raw = raw[:MAX_MESSAGE - ofp.OFP_ERROR_MSG_SIZE]
    return _message(ofp.OFPT_ERROR, m.xid, struct.pack(ofp.OFP_ERROR_MSG_PACK_STR,
                                                       m.type, m.code) + raw)


_PLAIN: dict[type, Callable[[Any], bytes]] = {
    sm.PacketIn: _packet_in,
    sm.FlowRemoved: _flow_removed,
    sm.PortStatus: _port_status,
    sm.FeaturesReply: _features,
    sm.BarrierReply: lambda m: _message(ofp.OFPT_BARRIER_REPLY, m.xid, b""),
    sm.EchoReply: lambda m: _message(ofp.OFPT_ECHO_REPLY, m.xid, bytes(m.data)),
    sm.EchoRequest: lambda m: _message(ofp.OFPT_ECHO_REQUEST, m.xid, bytes(m.data)),
    sm.GetConfigReply: lambda m: _message(
        ofp.OFPT_GET_CONFIG_REPLY, m.xid,
        struct.pack(ofp.OFP_SWITCH_CONFIG_PACK_STR, m.flags, m.miss_send_len)),
}


def hello(xid: int = 0) -> bytes:
    """An OFPT_HELLO offering OpenFlow 1.3 (header only, as many switches send)."""
    return _message(ofp.OFPT_HELLO, xid, b"")


def encode(msg: Any, request_bytes: Callable[[Any], bytes] | None = None) -> list[bytes]:
    """Wire bytes of a switch→controller sendim message (several if split).

    ``request_bytes(request)`` gives the offending request's bytes for an
    ``ErrorMsg`` whose ``data`` is a sendim message object.
    """
    kind = type(msg)
    plain = _PLAIN.get(kind)
    if plain is not None:
        return [plain(msg)]
    if kind is sm.ErrorMsg:
        return [_error(msg, request_bytes)]
    spec = _MULTIPART.get(kind)
    if spec is not None:
        return _multipart(msg, spec)
    raise TypeError(f"not a switch-to-controller message: {kind.__name__}")


_ = parser  # Ryu's parser registers the structures serialised above
