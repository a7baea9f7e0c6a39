"""Read OpenFlow tables back from Open vSwitch and follow a packet through them.

``ovs-ofctl -O OpenFlow13 --no-names --no-stats dump-flows BRIDGE`` prints one
entry per line (``priority=10,ip,nw_dst=10.0.0.2 actions=output:3``).
:func:`parse_dump` turns that text into :class:`Entry` objects and
:func:`trace_path` follows a flow's first packet (its real addresses and
ports) from the switch its source host hangs off, entry by entry and link by
link, to the destination host: the path the switches would forward it on.
Fields this evaluator does not know make an entry *not* match (and are
reported), so a path is never invented.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

PROTOCOL_WORDS = {
    "ip": {"dl_type": 0x0800}, "ipv4": {"dl_type": 0x0800},
    "tcp": {"dl_type": 0x0800, "nw_proto": 6}, "udp": {"dl_type": 0x0800, "nw_proto": 17},
    "icmp": {"dl_type": 0x0800, "nw_proto": 1}, "sctp": {"dl_type": 0x0800, "nw_proto": 132},
    "arp": {"dl_type": 0x0806}, "rarp": {"dl_type": 0x8035}, "ipv6": {"dl_type": 0x86DD},
    "tcp6": {"dl_type": 0x86DD, "nw_proto": 6}, "udp6": {"dl_type": 0x86DD, "nw_proto": 17},
    "icmp6": {"dl_type": 0x86DD, "nw_proto": 58}, "mpls": {"dl_type": 0x8847},
}
ALIASES = {
    "eth_src": "dl_src", "eth_dst": "dl_dst", "eth_type": "dl_type",
    "ip_src": "nw_src", "ip_dst": "nw_dst", "ipv4_src": "nw_src", "ipv4_dst": "nw_dst",
    "ip_proto": "nw_proto", "tcp_src": "tp_src", "tcp_dst": "tp_dst",
    "udp_src": "tp_src", "udp_dst": "tp_dst", "sctp_src": "tp_src", "sctp_dst": "tp_dst",
    "icmpv4_type": "icmp_type", "icmpv4_code": "icmp_code",
}
NOT_MATCH_FIELDS = {"priority", "cookie", "table", "idle_timeout", "hard_timeout",
                    "importance", "send_flow_rem", "check_overlap", "reset_counts",
                    "no_packet_counts", "no_byte_counts", "out_port", "out_group",
                    "duration", "n_packets", "n_bytes", "idle_age", "hard_age"}
ZERO_FIELDS = {"nw_tos", "nw_ecn", "ip_dscp", "ip_ecn", "metadata", "vlan_tci",
               "tun_id", "pkt_mark", "skb_priority"} | {f"reg{i}" for i in range(16)}
MAC_FIELDS = {"dl_src", "dl_dst"}
IP_FIELDS = {"nw_src", "nw_dst"}
INT_FIELDS = {"in_port", "dl_type", "nw_proto", "tp_src", "tp_dst", "icmp_type", "icmp_code"}


@dataclass(slots=True)
class Entry:
    """One flow entry: where it lives, what it matches and what it does."""

    table: int
    priority: int
    match: dict[str, str]
    actions: list[str]
    cookie: int = 0
    unknown: list[str] = field(default_factory=list)


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split *text* on *sep* outside parentheses."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return [part.strip() for part in out if part.strip()]


def parse_entry(line: str) -> Entry | None:
    """One ``dump-flows`` line as an :class:`Entry` (None for headers and blanks)."""
    line = line.strip()
    if not line or " actions=" not in f" {line}" or line.startswith(("OFPST_", "NXST_")):
        return None
    head, _, acts = line.partition("actions=")
    entry = Entry(table=0, priority=32768, match={}, actions=split_top(acts))
    for token in split_top(head.replace(", ", ",")):
        key, eq, value = token.partition("=")
        key = key.strip()
        if not eq:
            if key in PROTOCOL_WORDS:
                entry.match.update({k: str(v) for k, v in PROTOCOL_WORDS[key].items()})
            elif key not in NOT_MATCH_FIELDS:
                entry.unknown.append(key)
            continue
        key = ALIASES.get(key, key)
        if key == "table":
            entry.table = int(value)
        elif key == "priority":
            entry.priority = int(value)
        elif key == "cookie":
            entry.cookie = int(value, 0)
        elif key in NOT_MATCH_FIELDS:
            continue
        else:
            entry.match[key] = value.strip()
    return entry


def parse_dump(text: str) -> dict[int, list[Entry]]:
    """``dump-flows`` output → entries per table, highest priority first."""
    tables: dict[int, list[Entry]] = {}
    for line in text.splitlines():
        entry = parse_entry(line)
        if entry is not None:
            tables.setdefault(entry.table, []).append(entry)
    for entries in tables.values():
        entries.sort(key=lambda e: -e.priority)
    return tables


def _int(text: str) -> int:
    return int(text, 0)


def _field_matches(key: str, want: str, packet: dict[str, object]) -> bool | None:
    """Whether the packet's *key* matches *want*; None when the field is unknown."""
    value, _, mask = want.partition("/")
    if key in MAC_FIELDS:
        have = packet.get(key)
        if have is None:
            return False
        h, v = int(str(have).replace(":", ""), 16), int(value.replace(":", ""), 16)
        m = int(mask.replace(":", ""), 16) if mask else (1 << 48) - 1
        return h & m == v & m
    if key in IP_FIELDS:
        have = packet.get(key)
        if have is None:
            return False
        net = ipaddress.IPv4Network(f"{value}/{mask}" if mask else value, strict=False)
        return ipaddress.IPv4Address(str(have)) in net
    if key in INT_FIELDS:
        have = packet.get(key)
        if have is None:
            return False
        m = _int(mask) if mask else -1
        return int(have) & m == _int(value) & m   # type: ignore[arg-type]
    if key in ZERO_FIELDS:
        m = _int(mask) if mask else -1
        return _int(value) & m == 0
    if key == "dl_vlan":
        return _int(value) == 0xFFFF
    return None


def entry_matches(entry: Entry, packet: dict[str, object], unknown: set[str]) -> bool:
    """Whether *entry* matches *packet*; unknown fields are added to *unknown*."""
    if entry.unknown:
        unknown.update(entry.unknown)
        return False
    for key, want in entry.match.items():
        ok = _field_matches(key, want, packet)
        if ok is None:
            unknown.add(key)
            return False
        if not ok:
            return False
    return True


def _apply_set(action: str, packet: dict[str, object]) -> None:
    """``set_field:V->F`` / ``mod_dl_dst:V`` rewrite the packet's headers."""
    if action.startswith("set_field:") and "->" in action:
        value, _, key = action[len("set_field:"):].partition("->")
        packet[ALIASES.get(key, key)] = value
    elif action.startswith(("mod_dl_src:", "mod_dl_dst:", "mod_nw_src:", "mod_nw_dst:",
                            "mod_tp_src:", "mod_tp_dst:")):
        name, _, value = action.partition(":")
        packet[name[len("mod_"):]] = value


def forward(tables: dict[int, list[Entry]], packet: dict[str, object],
            unknown: set[str]) -> tuple[list[str], str | None]:
    """Run *packet* through one switch's pipeline.

    Returns the output ports (as written: ``"3"``, ``"CONTROLLER"``,
    ``"FLOOD"``, ``"group:1"``...) and why the packet stopped, if it did.
    """
    table, outputs, deferred, seen = 0, [], [], set()
    while table not in seen:
        seen.add(table)
        entry = next((e for e in tables.get(table, []) if entry_matches(e, packet, unknown)), None)
        if entry is None:
            return outputs, f"no entry in table {table}"
        next_table = None
        for action in entry.actions:
            name, _, arg = action.partition(":")
            if action.startswith("write_actions(") and action.endswith(")"):
                deferred.extend(split_top(action[len("write_actions("):-1]))
            elif name == "goto_table":
                next_table = int(arg)
            elif name == "output":
                outputs.append(arg)
            elif name in ("CONTROLLER", "FLOOD", "ALL", "IN_PORT", "LOCAL", "NORMAL"):
                outputs.append(name)
            elif name == "group":
                outputs.append(action)
            elif action == "drop":
                return outputs, "dropped"
            else:
                _apply_set(action, packet)
        if next_table is None:
            break
        table = next_table
    for action in deferred:
        name, _, arg = action.partition(":")
        outputs.append(arg if name == "output" else action)
    return outputs, None


Port = tuple[str, int]


def trace_path(snapshot: dict[str, dict[int, list[Entry]]], first: Port,
               packet: dict[str, object], wiring: dict[Port, Port],
               dst_host: str, max_hops: int = 256) -> tuple[list[str], str | None]:
    """Follow *packet* from ``first = (switch, in_port)`` to host *dst_host*.

    *snapshot* maps switch ids to their parsed tables, *wiring* maps
    ``(node, port)`` to the ``(node, port)`` at the other end of the link.
    Returns the switches crossed, in order, and None when the packet reached
    *dst_host*, else the reason it did not (a miss, a loop, a flood...).
    """
    path: list[str] = []
    switch, in_port = first
    visited: set[Port] = set()
    unknown: set[str] = set()
    while len(path) < max_hops:
        if (switch, in_port) in visited:
            return path, f"loop at {switch}"
        visited.add((switch, in_port))
        path.append(switch)
        tables = snapshot.get(switch)
        if tables is None:
            return path, f"no flow table read from {switch}"
        outs, stop = forward(tables, dict(packet, in_port=in_port), unknown)
        ports = [o for o in outs if o.isdigit()]
        if stop is not None or len(outs) != 1 or not ports:
            why = stop or (f"output {','.join(outs) or 'none'} at {switch}")
            if unknown:
                why += f" (fields not evaluated: {', '.join(sorted(unknown))})"
            return path, why
        peer = wiring.get((switch, int(ports[0])))
        if peer is None:
            return path, f"port {ports[0]} of {switch} is not linked"
        node, port = peer
        if node == dst_host:
            return path, None
        if node not in snapshot:
            return path, f"reached {node}, not {dst_host}"
        switch, in_port = node, port
    return path, "too many hops"
