"""Group table: all, select, indirect and fast-failover groups.

Select groups pick one live bucket by a deterministic hash of the packet's
L2/L3/L4 5-tuple-ish fields (:func:`flow_hash`), in proportion to the bucket
weights: all packets of one flow take one bucket, different flows spread.
Fast-failover groups use the first bucket whose ``watch_port`` (or
``watch_group``) is live. Executing bucket actions is the datapath's job;
this module chooses buckets and keeps counters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sendim.simulator.openflow.actions import ACTION_TYPES, Group, Output
from sendim.simulator.openflow.constants import (
    OFPET_GROUP_MOD_FAILED, OFPG_ALL, OFPG_ANY, OFPG_MAX, OFPGC_ADD, OFPGC_DELETE,
    OFPGC_MODIFY, OFPGMFC_BAD_BUCKET, OFPGMFC_BAD_COMMAND, OFPGMFC_BAD_TYPE,
    OFPGMFC_BAD_WATCH, OFPGMFC_GROUP_EXISTS, OFPGMFC_INVALID_GROUP, OFPGMFC_LOOP,
    OFPGMFC_UNKNOWN_GROUP, OFPGT_ALL, OFPGT_FF, OFPGT_INDIRECT, OFPGT_SELECT, OFPP_ANY,
)
from sendim.simulator.openflow.messages import Bucket, ErrorMsg, GroupMod

_MASK64 = 0xFFFFFFFFFFFFFFFF
_HASH_FIELDS = ("eth_src", "eth_dst", "eth_type", "vlan_vid", "ipv4_src", "ipv4_dst",
                "ip_proto", "tcp_src", "tcp_dst", "udp_src", "udp_dst")


def flow_hash(headers: Any) -> int:
    """A deterministic 64-bit hash of a packet's flow fields (stable across
    runs: no ``PYTHONHASHSEED`` dependence)."""
    x = 0x9E3779B97F4A7C15
    for n in _HASH_FIELDS:
        v = getattr(headers, n)
        x = ((x ^ (v if v is not None else 0xDEAD)) * 0x100000001B3) & _MASK64
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & _MASK64
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & _MASK64
    return x ^ (x >> 33)


@dataclass(slots=True, eq=False)
class GroupEntry:
    """An installed group with its counters (``bucket_counts[i] = [packets, bytes]``)."""

    group_id: int
    type: int
    buckets: list[Bucket]
    install_time: float = 0.0
    packet_count: int = 0
    byte_count: int = 0
    bucket_counts: list[list[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bucket_counts = [[0, 0] for _ in self.buckets]


class GroupTable:
    """The groups of one switch."""

    def __init__(self) -> None:
        self.groups: dict[int, GroupEntry] = {}

    def __contains__(self, group_id: int) -> bool:
        return group_id in self.groups

    def get(self, group_id: int) -> GroupEntry | None:
        """The group ``group_id``, or ``None``."""
        return self.groups.get(group_id)

    # --- group mod -----------------------------------------------------------
    def mod(self, msg: GroupMod, now: float,
            valid_port: Callable[[int], bool] = lambda p: True) -> tuple[ErrorMsg | None, list[int]]:
        """Apply a group mod. Returns ``(error or None, deleted group ids)``;
        the caller removes flow entries that referenced deleted groups."""
        def err(code: int) -> tuple[ErrorMsg, list[int]]:
            return ErrorMsg(type=OFPET_GROUP_MOD_FAILED, code=code, data=msg, xid=msg.xid), []

        gid = msg.group_id
        if msg.command == OFPGC_DELETE:
            if gid == OFPG_ALL:
                gone = list(self.groups)
                self.groups.clear()
                return None, gone
            return None, [gid] if self.groups.pop(gid, None) is not None else []
        if msg.command not in (OFPGC_ADD, OFPGC_MODIFY):
            return err(OFPGMFC_BAD_COMMAND)
        if gid > OFPG_MAX:
            return err(OFPGMFC_INVALID_GROUP)
        if msg.command == OFPGC_ADD and gid in self.groups:
            return err(OFPGMFC_GROUP_EXISTS)
        if msg.command == OFPGC_MODIFY and gid not in self.groups:
            return err(OFPGMFC_UNKNOWN_GROUP)
        if msg.type not in (OFPGT_ALL, OFPGT_SELECT, OFPGT_INDIRECT, OFPGT_FF):
            return err(OFPGMFC_BAD_TYPE)
        if msg.type == OFPGT_INDIRECT and len(msg.buckets) != 1:
            return err(OFPGMFC_INVALID_GROUP)
        for b in msg.buckets:
            if msg.type == OFPGT_FF and b.watch_port == OFPP_ANY and b.watch_group == OFPG_ANY:
                return err(OFPGMFC_BAD_WATCH)
            for a in b.actions:
                if type(a) is Group:
                    if a.group_id not in self.groups:
                        return err(OFPGMFC_INVALID_GROUP)
                    if a.group_id == gid or self._reaches(a.group_id, gid):
                        return err(OFPGMFC_LOOP)
                elif type(a) is Output and not valid_port(a.port):
                    return err(OFPGMFC_BAD_BUCKET)
                elif not isinstance(a, ACTION_TYPES):
                    return err(OFPGMFC_BAD_BUCKET)
        old = self.groups.get(gid)
        g = GroupEntry(gid, msg.type, list(msg.buckets), now if old is None else old.install_time)
        if old is not None:
            g.packet_count, g.byte_count = old.packet_count, old.byte_count
        self.groups[gid] = g
        return None, []

    def _reaches(self, start: int, target: int, depth: int = 0) -> bool:
        g = self.groups.get(start)
        if g is None or depth > 32:
            return depth > 32
        for b in g.buckets:
            for a in b.actions:
                if type(a) is Group and (a.group_id == target
                                         or self._reaches(a.group_id, target, depth + 1)):
                    return True
        return False

    # --- bucket choice -------------------------------------------------------
    def live(self, group_id: int, port_live: Callable[[int], bool], depth: int = 0) -> bool:
        """A group is live if one of its buckets is."""
        g = self.groups.get(group_id)
        if g is None or depth > 16:
            return False
        return any(self.bucket_live(b, port_live, depth + 1) for b in g.buckets)

    def bucket_live(self, b: Bucket, port_live: Callable[[int], bool], depth: int = 0) -> bool:
        """A bucket is live unless it watches a port/group that is not."""
        if b.watch_port != OFPP_ANY and not port_live(b.watch_port):
            return False
        if b.watch_group != OFPG_ANY and not self.live(b.watch_group, port_live, depth):
            return False
        return True

    def choose(self, g: GroupEntry, headers: Any, port_live: Callable[[int], bool]) -> list[int]:
        """Indices of the buckets a packet with ``headers`` goes through."""
        if g.type == OFPGT_ALL:
            return list(range(len(g.buckets)))
        if g.type == OFPGT_INDIRECT:
            return [0] if g.buckets else []
        if g.type == OFPGT_FF:
            for i, b in enumerate(g.buckets):
                if self.bucket_live(b, port_live):
                    return [i]
            return []
        live = [(i, b.weight) for i, b in enumerate(g.buckets)
                if b.weight > 0 and self.bucket_live(b, port_live)]
        total = sum(w for _, w in live)
        if not total:
            return []
        r = flow_hash(headers) % total
        for i, w in live:
            if r < w:
                return [i]
            r -= w
        return []  # unreachable

    def count(self, g: GroupEntry, indices: list[int], nbytes: int) -> None:
        """Count one packet of ``nbytes`` through ``g`` and its chosen buckets."""
        g.packet_count += 1
        g.byte_count += nbytes
        for i in indices:
            c = g.bucket_counts[i]
            c[0] += 1
            c[1] += nbytes
