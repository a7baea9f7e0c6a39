"""``<neighbour>`` declarations, the SENDIM paper's link style.

A switch lists its neighbours; when ``s1`` lists ``s2`` and ``s2`` lists
``s1``, the two declarations describe ONE link. Declarations pair up in
order: the n-th time ``s2`` lists ``s1`` matches the n-th time ``s1`` listed
``s2``; unmatched declarations are links of their own. Paired declarations
must agree on every attribute both give (``port`` on one side is
``peer-port`` on the other); what only one side gives applies to the link.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from sendim.errors import UnitError
from sendim.model import Link
from sendim.units import parse_bandwidth, parse_loss, parse_time

if TYPE_CHECKING:
    from sendim.parser.system import SystemParser

_UNITS: tuple[tuple[str, Callable[[str], Any]], ...] = (
    ("bw", parse_bandwidth), ("delay", parse_time), ("loss", parse_loss))
_PARSE = dict(_UNITS)
_FIELDS = {"id": "id", "bw": "bandwidth", "delay": "delay", "loss": "loss",
           "queue": "max_queue", "port": "src_port", "peer-port": "dst_port"}
_SWAP = {"port": "peer-port", "peer-port": "port"}


@dataclass(slots=True)
class _Declared:
    """A declaration waiting for its mirror image."""

    index: int                            # of the link in system.links
    values: dict[str, tuple[Any, str]]    # attribute -> (parsed value, text)
    file: int
    line: int


class Neighbours:
    """Turns neighbour declarations into links, pairing mirror declarations."""

    def __init__(self, parser: SystemParser) -> None:
        self._parser = parser
        # (declaring switch, listed node) -> its declarations not yet paired
        self._pending: dict[tuple[str, str], deque[_Declared]] = {}

    def _parse(self, elem: Any) -> dict[str, tuple[Any, str]]:
        """The given attributes of *elem* (but node), parsed; bad units reported."""
        attrs = dict(elem.items())
        attrs.pop("node", None)
        values: dict[str, tuple[Any, str]] = {}
        bad_units = False
        for key, text in attrs.items():
            try:
                if key in _PARSE:
                    value: Any = _PARSE[key](text)
                elif key == "id":
                    value = text
                else:
                    value = int(text)
                    if value == 0 and key in _SWAP:
                        continue            # port 0: derive
            except UnitError:
                bad_units = True
                continue
            values[key] = (value, text)
        if bad_units:
            self._parser.unit_problems(elem, _UNITS)
        return values

    def add(self, switch: str, elem: Any, file: int) -> None:
        """Record ``<neighbour>`` *elem* of *switch*, declared in *file*."""
        node = elem.get("node")
        line = elem.sourceline
        values = self._parse(elem)
        waiting = self._pending.get((node, switch))
        if waiting:
            first = waiting.popleft()
            if not waiting:
                del self._pending[(node, switch)]
            self._pair(first, switch, node, values, line)
            return
        get = values.get
        link = Link(switch, node,
                    get("port", (0,))[0], get("peer-port", (0,))[0],
                    get("bw", (None,))[0], get("delay", (0.0,))[0], get("loss", (0.0,))[0],
                    get("queue", (None,))[0], get("id", ("",))[0], {})
        index = self._parser.add_link(link, line, file, neighbour=True)
        self._pending.setdefault((switch, node), deque()).append(_Declared(index, values, file, line))

    def _pair(self, first: _Declared, switch: str, node: str,
              values: dict[str, tuple[Any, str]], line: int) -> None:
        """Merge the mirror declaration *values* (of *switch*) into *first*."""
        link = self._parser.system.links[first.index]
        conflicts = []
        for key, (value, text) in values.items():
            key = _SWAP.get(key, key)       # seen from the first declaration
            given = first.values.get(key)
            if given is None:
                setattr(link, _FIELDS[key], value)
            elif given[0] != value:
                conflicts.append(f"{key} {given[1]!r} there, {_SWAP.get(key, key)} {text!r} here")
        if conflicts:
            where = self._parser.locations.where(first.file, first.line)
            self._parser.report(
                line, f"<neighbour> {switch!r} lists {node!r} with attributes that conflict "
                      f"with {node!r} listing {switch!r} at {where}: {'; '.join(conflicts)}")
