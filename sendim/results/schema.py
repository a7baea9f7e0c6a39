"""The shared results schema ``sendim.results/1``: typed objects and JSON Schema.

Every realization (simulation, emulation, physical, docker) returns a
:class:`Results`; :mod:`sendim.results.io` writes it as ``results.json``.
``docs/results-schema.md`` documents every field. Units: bytes, seconds
(``*_s``), milliseconds (``*_ms``), bit/s (``*_bps``); utilizations are
fractions of capacity.

Readers are lenient within version 1: keys they do not know are kept in each
object's ``extra`` dict and written back unchanged (additive changes keep
``/1``). A document of another version raises :class:`SchemaVersionError`.
Every typed field is always written, ``null`` when unknown (except
``fallback.requested``, written only when known).

The checked JSON reading every ``from_dict`` uses, and :class:`ResultsError`,
live in :mod:`sendim.results.reading`; the JSON Schema and :func:`validate`
in :mod:`sendim.results.spec`. Both are importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sendim.results.reading import (  # short local names: every from_dict uses them
    ObjectReader as _In, array_items as _items, finish as _done, is_kind as _ok,
    string_list as _strings,
)
from sendim.results.reading import ResultsError, SchemaVersionError

SCHEMA_ID = "sendim.results/1"
REALIZATIONS = ("simulation", "emulation", "physical", "docker")
WALL_CLOCK_META = ("wall_time_s", "started_at", "setup_s", "build_s", "connect_s",
                   "deployer_wall_time_s", "cpu_busy_fraction", "run_dir", "python")
"""``meta`` keys that vary between two runs of the same experiment (wall clock,
machine): :func:`sendim.results.io.comparable` drops them."""


# -- the typed objects --------------------------------------------------------------
@dataclass(slots=True)
class Fallback:
    """Whether the run fell back to another realization (e.g. emulation → simulation)."""

    happened: bool = False
    reason: str | None = None
    requested: str | None = None     # the environment first asked for; written only if known
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {**self.extra, "happened": self.happened, "reason": self.reason}
        if self.requested is not None:
            out["requested"] = self.requested
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "fallback", problems: list[str] | None = None
                  ) -> "Fallback":
        p = [] if problems is None else problems
        r = _In(data, where, p)
        out = cls(bool(r.get("happened", "bool", False, required=True, null=False)),
                  r.get("reason", "str", required=True), r.get("requested", "str"), r.extra())
        return _done(out, p, problems)


@dataclass(slots=True)
class FlowResult:
    """One flow: bytes delivered, timing, path. ``end_s``/``fct_s`` are None
    while unfinished; ``throughput_bps`` is bytes*8/fct_s (None if unmeasured)."""

    id: str
    src: str
    dst: str
    protocol: str = "tcp"
    bytes: int = 0
    start_s: float | None = None
    end_s: float | None = None
    fct_s: float | None = None
    throughput_bps: float | None = None
    path: list[str] = field(default_factory=list)
    drops: int = 0
    requested_bytes: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.extra, "id": self.id, "src": self.src, "dst": self.dst,
                "protocol": self.protocol, "bytes": self.bytes, "start_s": self.start_s,
                "end_s": self.end_s, "fct_s": self.fct_s,
                "throughput_bps": self.throughput_bps, "path": list(self.path),
                "drops": self.drops, "requested_bytes": self.requested_bytes}

    @classmethod
    def from_dict(cls, data: Any, where: str = "flow", problems: list[str] | None = None
                  ) -> "FlowResult":
        p = [] if problems is None else problems
        r = _In(data, where, p)
        g = r.get
        out = cls(g("id", "str", "", required=True, null=False),
                  g("src", "str", "", required=True, null=False),
                  g("dst", "str", "", required=True, null=False),
                  g("protocol", "str", "", required=True, null=False),
                  g("bytes", "count", 0, required=True, null=False),
                  g("start_s", "num", required=True), g("end_s", "num", required=True),
                  g("fct_s", "num", required=True), g("throughput_bps", "num", required=True),
                  _strings(g("path", "list", list, required=True, null=False), f"{where}.path", p),
                  g("drops", "count", 0, required=True, null=False),
                  g("requested_bytes", "count"), r.extra())
        return _done(out, p, problems)


@dataclass(slots=True)
class PingResult:
    """A ping series: ``rtt_avg_ms`` is None when nothing came back. ``flow`` is
    the id of the ICMP flow it belongs to, None for a reachability test."""

    src: str
    dst: str
    sent: int = 0
    received: int = 0
    rtt_avg_ms: float | None = None
    flow: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.extra, "src": self.src, "dst": self.dst, "sent": self.sent,
                "received": self.received, "rtt_avg_ms": self.rtt_avg_ms, "flow": self.flow}

    @classmethod
    def from_dict(cls, data: Any, where: str = "ping", problems: list[str] | None = None
                  ) -> "PingResult":
        p = [] if problems is None else problems
        r = _In(data, where, p)
        g = r.get
        out = cls(g("src", "str", "", required=True, null=False),
                  g("dst", "str", "", required=True, null=False),
                  g("sent", "count", 0, required=True, null=False),
                  g("received", "count", 0, required=True, null=False),
                  g("rtt_avg_ms", "num", required=True), g("flow", "str"), r.extra())
        return _done(out, p, problems)


@dataclass(slots=True)
class Reachability:
    """Host pairs tested by ping and how many answered. ``matrix`` ({src: {dst:
    bool}}) and ``unreachable`` ([[src, dst], ...]) are optional details."""

    pairs: int = 0
    reachable: int = 0
    matrix: dict[str, dict[str, bool]] | None = None
    unreachable: list[list[str]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.extra, "pairs": self.pairs, "reachable": self.reachable,
                "matrix": self.matrix,
                "unreachable": None if self.unreachable is None
                else [list(pair) for pair in self.unreachable]}

    @classmethod
    def from_dict(cls, data: Any, where: str = "reachability",
                  problems: list[str] | None = None) -> "Reachability":
        p = [] if problems is None else problems
        r = _In(data, where, p)
        matrix = r.get("matrix", "dict")
        for src, row in (matrix or {}).items():
            if not isinstance(row, dict) or not all(isinstance(v, bool) for v in row.values()):
                p.append(f"{where}.matrix.{src} must map destinations to booleans")
        unreachable = r.get("unreachable", "list")
        for i, pair in enumerate(unreachable or []):
            if not (isinstance(pair, list) and len(pair) == 2
                    and all(isinstance(x, str) for x in pair)):
                p.append(f"{where}.unreachable[{i}] must be [src, dst]")
        out = cls(r.get("pairs", "count", 0, required=True, null=False),
                  r.get("reachable", "count", 0, required=True, null=False),
                  matrix, unreachable, r.extra())
        return _done(out, p, problems)


@dataclass(slots=True)
class LinkUsage:
    """One direction of a link (``direction`` 0: src→dst, 1: dst→src).
    ``utilization`` is a series of equal bins ``[start_s, mean utilization or
    None]`` (None on links of unlimited capacity)."""

    id: str
    src: str | None = None
    dst: str | None = None
    direction: int | None = None
    capacity_bps: float | None = None
    bytes: int | None = None
    throughput_bps: float | None = None
    mean_utilization: float | None = None
    utilization: list[list[float | None]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.extra, "id": self.id, "src": self.src, "dst": self.dst,
                "direction": self.direction, "capacity_bps": self.capacity_bps,
                "bytes": self.bytes, "throughput_bps": self.throughput_bps,
                "mean_utilization": self.mean_utilization,
                "utilization": None if self.utilization is None
                else [list(b) for b in self.utilization]}

    @classmethod
    def from_dict(cls, data: Any, where: str = "link", problems: list[str] | None = None
                  ) -> "LinkUsage":
        p = [] if problems is None else problems
        r = _In(data, where, p)
        g = r.get
        bins = g("utilization", "list")
        for i, b in enumerate(bins or []):
            if not (isinstance(b, list) and len(b) == 2 and _ok(b[0], "num")
                    and (b[1] is None or _ok(b[1], "num"))):
                p.append(f"{where}.utilization[{i}] must be [start_s, utilization or null]")
        out = cls(g("id", "str", "", required=True, null=False), g("src", "str"),
                  g("dst", "str"), g("direction", "int"), g("capacity_bps", "num"),
                  g("bytes", "count"), g("throughput_bps", "num"), g("mean_utilization", "num"),
                  bins, r.extra())
        return _done(out, p, problems)


@dataclass(slots=True)
class EventRecord:
    """A timed event as applied (link/node down or up) at ``time_s``."""

    time_s: float
    action: str
    target: str
    ref: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.extra, "time_s": self.time_s, "action": self.action,
                "target": self.target, "ref": self.ref}

    @classmethod
    def from_dict(cls, data: Any, where: str = "event", problems: list[str] | None = None
                  ) -> "EventRecord":
        p = [] if problems is None else problems
        r = _In(data, where, p)
        g = r.get
        out = cls(g("time_s", "num", 0.0, required=True, null=False),
                  g("action", "str", "", required=True, null=False),
                  g("target", "str", "", required=True, null=False),
                  g("ref", "str", "", required=True, null=False), r.extra())
        return _done(out, p, problems)


_META_FIELDS = ("environment", "system", "granularity", "seed", "sim_time_s", "wall_time_s",
                "started_at", "sendim_version", "app_revisions", "notes")


@dataclass(slots=True)
class Meta:
    """How the run was made. ``wall_time_s``/``started_at`` (and the keys in
    :data:`WALL_CLOCK_META`) differ between runs of the same experiment."""

    environment: str | None = None          # the environment that ran it
    system: str | None = None               # the system's name
    granularity: list[str] = field(default_factory=list)
    seed: int | None = None
    sim_time_s: float | None = None         # simulated (or emulated) duration
    wall_time_s: float | None = None
    started_at: str | None = None           # ISO 8601, e.g. 2026-01-31T12:00:00+00:00
    sendim_version: str | None = None
    app_revisions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {**self.extra}
        for name in _META_FIELDS:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, list) else (
                dict(value) if isinstance(value, dict) else value)
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "meta", problems: list[str] | None = None
                  ) -> "Meta":
        p = [] if problems is None else problems
        r = _In(data, where, p)
        g = r.get
        gran = r.data.get("granularity")
        if isinstance(gran, str):                 # one granularity given bare
            r.used.add("granularity")
            gran = [gran]
        else:
            gran = _strings(g("granularity", "list", list) or [], f"{where}.granularity", p)
        revisions = g("app_revisions", "dict", dict) or {}
        if not all(isinstance(v, str) for v in revisions.values()):
            p.append(f"{where}.app_revisions must map app names to revision strings")
        out = cls(g("environment", "str"), g("system", "str"), gran, g("seed", "int"),
                  g("sim_time_s", "num"), g("wall_time_s", "num"), g("started_at", "str"),
                  g("sendim_version", "str"), revisions,
                  _strings(g("notes", "list", list) or [], f"{where}.notes", p), r.extra())
        return _done(out, p, problems)


@dataclass(slots=True)
class Results:
    """Everything one run measured, in the shared schema ``sendim.results/1``."""

    realization: str = "simulation"
    fallback: Fallback = field(default_factory=Fallback)
    flows: list[FlowResult] = field(default_factory=list)
    pings: list[PingResult] = field(default_factory=list)
    reachability: Reachability | None = None   # None: no reachability test ran
    controller: dict[str, int] = field(default_factory=dict)
    meta: Meta = field(default_factory=Meta)
    links: list[LinkUsage] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    schema = SCHEMA_ID

    def flow(self, flow_id: str) -> FlowResult:
        """The flow called *flow_id* (KeyError if none)."""
        for f in self.flows:
            if f.id == flow_id:
                return f
        raise KeyError(flow_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain types only)."""
        fb, reach, meta = self.fallback, self.reachability, self.meta
        if isinstance(fb, dict):                  # tolerate plain dicts set by callers
            fb = Fallback.from_dict(fb)
        if isinstance(reach, dict):
            reach = Reachability.from_dict(reach)
        if isinstance(meta, dict):
            meta = Meta.from_dict(meta)
        return {**self.extra, "schema": SCHEMA_ID, "realization": str(self.realization),
                "fallback": fb.to_dict(), "flows": [f.to_dict() for f in self.flows],
                "pings": [p.to_dict() for p in self.pings],
                "reachability": None if reach is None else reach.to_dict(),
                "controller": dict(self.controller), "meta": meta.to_dict(),
                "links": [link.to_dict() for link in self.links],
                "events": [e.to_dict() for e in self.events]}

    @classmethod
    def from_dict(cls, doc: Any) -> "Results":
        """Read a document; :class:`ResultsError` lists every problem found,
        :class:`SchemaVersionError` if it is not ``sendim.results/1``."""
        check_version(doc)
        p: list[str] = []
        r = _In(doc, "$", p)
        r.get("schema", "str")
        realization = r.get("realization", "str", "simulation", required=True, null=False)
        if realization not in REALIZATIONS:
            p.append(f"$.realization must be one of {', '.join(REALIZATIONS)}, "
                     f"got {realization!r}")
        fallback = Fallback.from_dict(r.get("fallback", "dict", dict, required=True,
                                            null=False), "$.fallback", p)
        flows = [FlowResult.from_dict(x, f"$.flows[{i}]", p) for i, x in
                 enumerate(_items(r.get("flows", "list", list, required=True, null=False),
                                  "$.flows", p))]
        pings = [PingResult.from_dict(x, f"$.pings[{i}]", p) for i, x in
                 enumerate(_items(r.get("pings", "list", list, required=True, null=False),
                                  "$.pings", p))]
        reach = r.get("reachability", "dict", required=True)
        controller = r.get("controller", "dict", dict, required=True, null=False) or {}
        for k, v in controller.items():
            if not _ok(v, "count"):
                p.append(f"$.controller.{k} must be a count (integer >= 0)")
        meta = Meta.from_dict(r.get("meta", "dict", dict, required=True, null=False), "$.meta", p)
        links = [LinkUsage.from_dict(x, f"$.links[{i}]", p)
                 for i, x in enumerate(_items(r.get("links", "list", list), "$.links", p))]
        events = [EventRecord.from_dict(x, f"$.events[{i}]", p)
                  for i, x in enumerate(_items(r.get("events", "list", list), "$.events", p))]
        out = cls(realization, fallback, flows, pings,
                  None if reach is None else Reachability.from_dict(reach, "$.reachability", p),
                  dict(controller), meta, links, events, r.extra())
        if p:
            raise ResultsError(p)
        return out


def check_version(doc: Any) -> None:
    """Raise unless *doc* declares ``"schema": "sendim.results/1"``."""
    version = doc.get("schema") if isinstance(doc, dict) else None
    if version == SCHEMA_ID:
        return
    if isinstance(version, str) and version.startswith("sendim.results/"):
        raise SchemaVersionError(
            f"schema {version!r} is not supported: this sendim reads {SCHEMA_ID!r} "
            f"(upgrade sendim to read newer results)")
    raise SchemaVersionError(f"not a sendim results document: \"schema\" is {version!r}, "
                             f"expected {SCHEMA_ID!r}")


# The JSON Schema and the validator live in spec.py (kept small); re-exported here.
from sendim.results.spec import RESULTS_JSON_SCHEMA, validate  # noqa: E402,F401
