"""OpenFlow 1.3 match: OXM fields with optional masks.

Values are integers (MACs 48-bit, IPv4 32-bit; see :mod:`sendim.simulator.packets`);
the constructor also accepts the strings Ryu's ``OFPMatch`` carries
(``'00:00:00:00:00:01'``, ``'10.0.0.1'``, ``'10.0.0.0/24'``) and ``(value, mask)``
pairs. Masks equal to all ones are dropped; values are stored pre-masked.
Prerequisites are the controller's business: a field matches iff the packet
has it and it is equal under the mask.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sendim.simulator.packets import int_to_ip, int_to_mac, ip_to_int, mac_to_int

#: Field name → width in bits, in OXM order (the canonical field order).
FIELD_BITS: dict[str, int] = {
    "in_port": 32, "metadata": 64, "eth_dst": 48, "eth_src": 48, "eth_type": 16,
    "vlan_vid": 13, "vlan_pcp": 3, "ip_dscp": 6, "ip_ecn": 2, "ip_proto": 8,
    "ipv4_src": 32, "ipv4_dst": 32, "tcp_src": 16, "tcp_dst": 16, "udp_src": 16,
    "udp_dst": 16, "icmpv4_type": 8, "icmpv4_code": 8, "arp_op": 16, "arp_spa": 32,
    "arp_tpa": 32, "arp_sha": 48, "arp_tha": 48,
}
FIELD_ORDER: dict[str, int] = {n: i for i, n in enumerate(FIELD_BITS)}
MASKABLE = frozenset({"metadata", "eth_dst", "eth_src", "vlan_vid", "ipv4_src", "ipv4_dst",
                      "arp_spa", "arp_tpa", "arp_sha", "arp_tha"})
MAC_FIELDS = frozenset({"eth_dst", "eth_src", "arp_sha", "arp_tha"})
IPV4_FIELDS = frozenset({"ipv4_src", "ipv4_dst", "arp_spa", "arp_tpa"})


def field_value(name: str, value: Any) -> int:
    """Normalise one field value (str or int) to an int, range-checked."""
    bits = FIELD_BITS.get(name)
    if bits is None:
        raise ValueError(f"unknown match field {name!r}")
    if isinstance(value, str):
        if name in MAC_FIELDS:
            value = mac_to_int(value)
        elif name in IPV4_FIELDS:
            value = ip_to_int(value)
        else:
            value = int(value, 0)
    elif isinstance(value, (bytes, bytearray)) and name in MAC_FIELDS | IPV4_FIELDS:
        value = int.from_bytes(value, "big")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << bits:
        raise ValueError(f"bad value {value!r} for match field {name!r}")
    return value


def format_value(name: str, value: int) -> str | int:
    """An int field value in Ryu's representation (MAC/IP strings)."""
    if name in MAC_FIELDS:
        return int_to_mac(value)
    if name in IPV4_FIELDS:
        return int_to_ip(value)
    return value


def _parse(name: str, spec: Any) -> tuple[int, int | None]:
    if isinstance(spec, (tuple, list)):
        if len(spec) != 2:
            raise ValueError(f"match field {name!r}: expected (value, mask), got {spec!r}")
        value, mask = field_value(name, spec[0]), spec[1]
        mask = None if mask is None else field_value(name, mask)
    elif isinstance(spec, str) and "/" in spec and name in IPV4_FIELDS:
        addr, plen = spec.split("/", 1)
        value = field_value(name, addr)
        mask = field_value(name, plen) if "." in plen else (0xFFFFFFFF << (32 - int(plen))) & 0xFFFFFFFF
    else:
        value, mask = field_value(name, spec), None
    full = (1 << FIELD_BITS[name]) - 1
    if mask is not None:
        if name not in MASKABLE:
            raise ValueError(f"match field {name!r} cannot be masked")
        if mask == full:
            mask = None
        else:
            value &= mask
    return value, mask


class Match:
    """An immutable set of match fields ``name → (value, mask | None)``.

    ``Match(in_port=1, eth_dst='00:00:00:00:00:02')``,
    ``Match(ipv4_dst=('10.0.0.0', '255.255.255.0'))``. ``m['in_port']`` gives the
    value (or ``(value, mask)``) like Ryu's ``OFPMatch``.
    """

    __slots__ = ("_fields", "_key", "_shape", "_lookup")

    def __init__(self, fields: Mapping[str, Any] | None = None, **kwargs: Any):
        items = dict(fields or {})
        items.update(kwargs)
        try:
            names = sorted(items, key=FIELD_ORDER.__getitem__)
        except KeyError as e:
            raise ValueError(f"unknown match field {e.args[0]!r}") from None
        parsed = {n: _parse(n, items[n]) for n in names}
        self._fields = parsed
        self._key = tuple((n, v, m) for n, (v, m) in parsed.items())
        self._shape = tuple((n, m) for n, (_, m) in parsed.items())
        vals = tuple(v for v, _ in parsed.values())
        self._lookup = vals[0] if len(vals) == 1 else vals

    # --- mapping-like access -----------------------------------------------
    def __getitem__(self, name: str) -> int | tuple[int, int]:
        v, m = self._fields[name]
        return v if m is None else (v, m)

    def get(self, name: str, default: Any = None) -> Any:
        """The value (or ``(value, mask)``) of ``name``, else ``default``."""
        return self[name] if name in self._fields else default

    def __contains__(self, name: object) -> bool:
        return name in self._fields

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def items(self) -> Iterator[tuple[str, tuple[int, int | None]]]:
        """``(name, (value, mask | None))`` in OXM order."""
        return iter(self._fields.items())

    def to_dict(self, strings: bool = False) -> dict[str, Any]:
        """``{name: value or (value, mask)}``; with ``strings`` MACs/IPs as text."""
        out: dict[str, Any] = {}
        for n, (v, m) in self._fields.items():
            if strings:
                v = format_value(n, v)
                m = None if m is None else format_value(n, m)
            out[n] = v if m is None else (v, m)
        return out

    # --- identity ------------------------------------------------------------
    @property
    def key(self) -> tuple[tuple[str, int, int | None], ...]:
        """Canonical ``((name, value, mask), ...)``: equal iff the matches are."""
        return self._key

    @property
    def shape(self) -> tuple[tuple[str, int | None], ...]:
        """``((name, mask), ...)``: matches of one shape index in one dict."""
        return self._shape

    @property
    def lookup_key(self) -> Any:
        """The values in shape order (a scalar for one field): the dict key."""
        return self._lookup

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Match) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"Match({', '.join(f'{k}={v!r}' for k, v in self.to_dict(True).items())})"

    # --- semantics -----------------------------------------------------------
    def matches(self, headers: Any, in_port: int | None = None) -> bool:
        """True if a packet with ``headers`` (a :class:`~sendim.simulator.packets.Headers`)
        arriving on ``in_port`` (default ``headers.in_port``) matches."""
        for n, v, m in self._key:
            hv = in_port if n == "in_port" and in_port is not None else getattr(headers, n)
            if hv is None or (hv if m is None else hv & m) != v:
                return False
        return True

    def covers(self, other: Match) -> bool:
        """True if every packet ``other`` matches also matches ``self`` (the
        non-strict selection of flow mods and flow stats)."""
        of = other._fields
        for n, v, m in self._key:
            if n not in of:
                return False
            ov, om = of[n]
            if m is None:
                if om is not None or ov != v:
                    return False
            else:
                if om is None:
                    om = (1 << FIELD_BITS[n]) - 1
                if om & m != m or ov & m != v:
                    return False
        return True

    def overlaps(self, other: Match) -> bool:
        """True if some packet could match both (``OFPFF_CHECK_OVERLAP``)."""
        of = other._fields
        for n, v, m in self._key:
            if n in of:
                ov, om = of[n]
                full = (1 << FIELD_BITS[n]) - 1
                both = (full if m is None else m) & (full if om is None else om)
                if v & both != ov & both:
                    return False
        return True
