"""Flow tables: entries, the indexed lookup, flow-mod selection, timeouts.

Index: entries are grouped by their match *shape* — the tuple of
``(field, mask)`` pairs — and, within a shape, kept in a dict keyed by the
(pre-masked) field values. A lookup builds each shape's key from the packet's
headers (one C-level ``attrgetter`` call, plus masking for masked fields) and
does one dict probe per shape, visiting shapes by decreasing highest
priority and stopping once no shape can beat the best hit. Real controllers
use a handful of shapes (Ryu's L2 switch: table-miss ``()`` and
``(in_port, eth_dst, eth_src)``), so lookup is O(shapes), independent of
the number of entries. Entries with identical matches but different
priorities share a bucket sorted by priority.

Equal-priority overlapping entries: OF1.3 leaves the choice undefined; here
the shape created first wins.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Callable

from sendim.simulator.openflow.actions import (
    ApplyActions, ClearActions, GotoTable, Group, Instruction, Meter, Output,
    WriteActions, WriteMetadata, action_set_key,
)
from sendim.simulator.openflow.constants import (
    OFPG_ANY, OFPP_ANY, OFPRR_HARD_TIMEOUT, OFPRR_IDLE_TIMEOUT,
)
from sendim.simulator.openflow.match import Match

_INSTRUCTION_ORDER = {Meter: 0, ApplyActions: 1, ClearActions: 2, WriteActions: 3,
                      WriteMetadata: 4, GotoTable: 5}


@dataclass(slots=True, eq=False)
class FlowEntry:
    """One flow entry with its counters and its compiled instructions.

    Compiled (from ``instructions``, in the OF1.3 execution order): ``meter_id``,
    ``apply`` (actions), ``clear``, ``write`` (``{slot: action}``), ``write_md``
    (``(value, mask)``), ``goto``.
    """

    table_id: int
    priority: int
    match: Match
    instructions: tuple[Instruction, ...] = ()
    cookie: int = 0
    idle_timeout: int = 0
    hard_timeout: int = 0
    flags: int = 0
    install_time: float = 0.0
    last_used: float = 0.0
    packet_count: int = 0
    byte_count: int = 0
    meter_id: int | None = field(default=None, repr=False)
    apply: tuple = field(default=(), repr=False)
    clear: bool = field(default=False, repr=False)
    write: dict | None = field(default=None, repr=False)
    write_md: tuple[int, int] | None = field(default=None, repr=False)
    goto: int | None = field(default=None, repr=False)
    table_miss: bool = field(default=False, repr=False)
    removed: bool = field(default=False, repr=False)
    seq: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self.set_instructions(self.instructions)
        self.table_miss = self.priority == 0 and len(self.match) == 0

    def set_instructions(self, instructions: Any) -> None:
        """Replace the instructions (and recompile them)."""
        self.instructions = tuple(instructions)
        self.meter_id, self.apply, self.clear = None, (), False
        self.write, self.write_md, self.goto = None, None, None
        for ins in sorted(self.instructions, key=lambda i: _INSTRUCTION_ORDER[type(i)]):
            t = type(ins)
            if t is Meter:
                self.meter_id = ins.meter_id
            elif t is ApplyActions:
                self.apply = ins.actions
            elif t is ClearActions:
                self.clear = True
            elif t is WriteActions:
                self.write = {action_set_key(a): a for a in ins.actions}
            elif t is WriteMetadata:
                self.write_md = (ins.metadata & ins.metadata_mask, ins.metadata_mask)
            elif t is GotoTable:
                self.goto = ins.table_id

    def actions(self) -> list:
        """All actions of the apply and write instructions."""
        return list(self.apply) + list((self.write or {}).values())

    def outputs_to(self, port: int) -> bool:
        """True if an output action of the instructions goes to ``port``."""
        return any(type(a) is Output and a.port == port for a in self.actions())

    def uses_group(self, group_id: int) -> bool:
        """True if a group action of the instructions names ``group_id``."""
        return any(type(a) is Group and a.group_id == group_id for a in self.actions())

    def duration(self, now: float) -> tuple[int, int]:
        """``(duration_sec, duration_nsec)`` since installation."""
        d = max(0.0, now - self.install_time)
        sec = int(d)
        return sec, int(round((d - sec) * 1e9)) % 1_000_000_000

    def deadline(self) -> float | None:
        """The time this entry times out if not hit again (``None``: never)."""
        ends = []
        if self.hard_timeout:
            ends.append(self.install_time + self.hard_timeout)
        if self.idle_timeout:
            ends.append(self.last_used + self.idle_timeout)
        return min(ends) if ends else None


class _Shape:
    __slots__ = ("shape", "keyfn", "buckets", "prios", "max_priority", "order")

    def __init__(self, shape: tuple[tuple[str, int | None], ...], order: int):
        self.shape = shape
        self.keyfn = _keyfn(shape)
        self.buckets: dict[Any, list[FlowEntry]] = {}
        self.prios: dict[int, int] = {}
        self.max_priority = -1
        self.order = order


def _keyfn(shape: tuple[tuple[str, int | None], ...]) -> Callable[[Any], Any]:
    names = [n for n, _ in shape]
    masked = [(i, m) for i, (_, m) in enumerate(shape) if m is not None]
    if not names:
        return lambda h: ()
    get = attrgetter(*names)
    if not masked:
        return get
    if len(names) == 1:
        mask = masked[0][1]

        def key1(h: Any) -> Any:
            v = get(h)
            return None if v is None else v & mask
        return key1

    def keyn(h: Any) -> Any:
        vals = list(get(h))
        for i, m in masked:
            v = vals[i]
            if v is None:
                return None
            vals[i] = v & m
        return tuple(vals)
    return keyn


def _cookie_ok(e: FlowEntry, cookie: int, mask: int) -> bool:
    return mask == 0 or (e.cookie & mask) == (cookie & mask)


class FlowTable:
    """One OpenFlow table: indexed lookup, strict/non-strict selection, expiry."""

    __slots__ = ("table_id", "lookup_count", "matched_count", "_strict", "_shapes", "_order",
                 "_heap", "_tick", "_seq")

    def __init__(self, table_id: int):
        self.table_id = table_id
        self.lookup_count = 0
        self.matched_count = 0
        self._strict: dict[tuple[int, Any], FlowEntry] = {}
        self._shapes: dict[Any, _Shape] = {}
        self._order: list[_Shape] = []
        self._heap: list[tuple[float, int, int, FlowEntry]] = []
        self._tick = 0
        self._seq = 0

    def __len__(self) -> int:
        return len(self._strict)

    def __iter__(self) -> Iterator[FlowEntry]:
        return iter(list(self._strict.values()))

    # --- lookup --------------------------------------------------------------
    def lookup(self, headers: Any) -> FlowEntry | None:
        """The highest-priority entry matching ``headers`` (``in_port`` and
        ``metadata`` included), or ``None`` (table miss). Counts nothing."""
        best = None
        bp = -1
        for s in self._order:
            if s.max_priority <= bp:
                break
            lst = s.buckets.get(s.keyfn(headers))
            if lst is not None:
                e = lst[0]
                if e.priority > bp:
                    best, bp = e, e.priority
        return best

    # --- modification --------------------------------------------------------
    def add(self, entry: FlowEntry) -> FlowEntry | None:
        """Insert ``entry``; an entry with identical match and priority is
        replaced (and returned)."""
        old = self._strict.get((entry.priority, entry.match.key))
        if old is not None:
            self.remove(old)
        self._seq += 1
        entry.seq = self._seq
        entry.table_id = self.table_id
        entry.removed = False
        self._strict[(entry.priority, entry.match.key)] = entry
        m = entry.match
        s = self._shapes.get(m.shape)
        if s is None:
            s = self._shapes[m.shape] = _Shape(m.shape, self._seq)
        lst = s.buckets.setdefault(m.lookup_key, [])
        lst.append(entry)
        if len(lst) > 1:
            lst.sort(key=lambda e: (-e.priority, e.seq))
        s.prios[entry.priority] = s.prios.get(entry.priority, 0) + 1
        if entry.priority > s.max_priority or len(s.prios) == 1:
            s.max_priority = max(s.prios)
            self._reorder()
        self.schedule(entry)
        return old

    def remove(self, entry: FlowEntry) -> None:
        """Remove ``entry`` (no-op if it is not in the table)."""
        key = (entry.priority, entry.match.key)
        if self._strict.get(key) is not entry:
            return
        del self._strict[key]
        entry.removed = True
        m = entry.match
        s = self._shapes[m.shape]
        lst = s.buckets[m.lookup_key]
        lst.remove(entry)
        if not lst:
            del s.buckets[m.lookup_key]
        n = s.prios[entry.priority] - 1
        if n:
            s.prios[entry.priority] = n
        else:
            del s.prios[entry.priority]
            if not s.prios:
                del self._shapes[m.shape]
            else:
                s.max_priority = max(s.prios)
            self._reorder()

    def _reorder(self) -> None:
        self._order = sorted(self._shapes.values(), key=lambda s: (-s.max_priority, s.order))

    def get_strict(self, match: Match, priority: int) -> FlowEntry | None:
        """The entry with exactly this match and priority."""
        return self._strict.get((priority, match.key))

    def select(self, match: Match, *, strict: bool = False, priority: int = 0,
               cookie: int = 0, cookie_mask: int = 0, out_port: int = OFPP_ANY,
               out_group: int = OFPG_ANY) -> list[FlowEntry]:
        """Entries a flow mod / stats request designates.

        Strict: identical match and priority. Non-strict: entries whose match
        is at least as specific as ``match``. Then filtered by cookie/mask and
        (unless ANY) by an output to ``out_port`` / a group ``out_group``.
        """
        if strict:
            e = self.get_strict(match, priority)
            cands = [] if e is None else [e]
        elif len(match) == 0:
            cands = list(self._strict.values())
        else:
            cands = [e for e in self._strict.values() if match.covers(e.match)]
        return [e for e in cands if _cookie_ok(e, cookie, cookie_mask)
                and (out_port == OFPP_ANY or e.outputs_to(out_port))
                and (out_group == OFPG_ANY or e.uses_group(out_group))]

    # --- timeouts ------------------------------------------------------------
    def schedule(self, entry: FlowEntry) -> None:
        """(Re)register ``entry``'s timeout deadline."""
        d = entry.deadline()
        if d is not None:
            self._tick += 1
            heapq.heappush(self._heap, (d, self._tick, entry.seq, entry))

    def next_expiry(self) -> float | None:
        """A time at or before the earliest possible timeout (``None``: none)."""
        h = self._heap
        while h and h[0][3].removed:
            heapq.heappop(h)
        return h[0][0] if h else None

    def expire(self, now: float) -> list[tuple[FlowEntry, int]]:
        """Remove entries whose idle or hard timeout has passed at ``now``;
        returns ``(entry, OFPRR_IDLE_TIMEOUT | OFPRR_HARD_TIMEOUT)`` pairs."""
        out = []
        h = self._heap
        while h and h[0][0] <= now:
            _, _, seq, e = heapq.heappop(h)
            if e.removed or e.seq != seq:
                continue
            d = e.deadline()
            if d is None:
                continue
            if d > now:
                self._tick += 1
                heapq.heappush(h, (d, self._tick, seq, e))
                continue
            hard = e.hard_timeout and e.install_time + e.hard_timeout <= now
            self.remove(e)
            out.append((e, OFPRR_HARD_TIMEOUT if hard else OFPRR_IDLE_TIMEOUT))
        return out

    def entries(self) -> list[FlowEntry]:
        """All entries, in installation order."""
        return list(self._strict.values())

    @property
    def has_timeouts(self) -> bool:
        """True if some entry may time out."""
        return bool(self._heap)


class FlowTables:
    """The ``n`` tables of a switch, each created on first use: a switch
    announces up to 254 tables but usually populates one or two.

    ``tables[i]`` gives table ``i`` (creating it); iterating yields the
    tables created so far, in id order; ``slots[i]`` is table ``i`` or ``None``.
    """

    __slots__ = ("n", "slots")

    def __init__(self, n: int):
        self.n = n
        self.slots: list[FlowTable | None] = [None] * n

    def __getitem__(self, table_id: int) -> FlowTable:
        if not 0 <= table_id < self.n:
            raise IndexError(f"no table {table_id} (switch has {self.n})")
        t = self.slots[table_id]
        if t is None:
            t = self.slots[table_id] = FlowTable(table_id)
        return t

    def __iter__(self) -> Iterator[FlowTable]:
        return iter([t for t in self.slots if t is not None])

