"""Streaming parser of system descriptors into one :class:`System`.

Each file is read once with ``lxml.etree.iterparse``, validated against
``system.xsd`` on the fly, turned into model objects element by element and
freed as it goes, so time and memory grow linearly with the file. Attribute
access is the hot path: each element's values are fetched in one call and
picked apart by an ``itemgetter`` cached per attribute layout.

Problems are collected, never raised one by one. Phase 1 (missing files,
syntax, DOCTYPE, schema) stops before semantics, because an invalid file does
not describe a model; phase 2 (duplicates, units, neighbour conflicts and
the model's :func:`~sendim.model.check`) reports everything at once.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator

from lxml import etree

from sendim.errors import Problem, UnitError
from sendim.model import (
    Event,
    EventAction,
    EventTarget,
    Exec,
    Flow,
    Granularity,
    Host,
    Link,
    Protocol,
    Switch,
    System,
    Traffic,
    check,
    resolve,
)
from sendim.model.sequences import seq_list
from sendim.parser import safe
from sendim.parser.locations import NEIGHBOUR, Locations
from sendim.parser.neighbours import Neighbours
from sendim.units import parse_bandwidth, parse_loss, parse_size, parse_time

_PROTOCOLS = {p.value: p for p in Protocol}
_GRANULARITIES = {g.value: g for g in Granularity}
_TRAFFICS = {t.value: t for t in Traffic}
_ACTIONS = {a.value: a for a in EventAction}

LINK_FIELDS = ("id", "src", "dst", "src-port", "dst-port", "bw", "delay", "loss", "queue")
FLOW_FIELDS = ("id", "src", "dst", "protocol", "size", "duration", "rate", "start",
               "granularity", "chunk", "traffic", "packet-size", "interval",
               "src-port", "dst-port")
EVENT_FIELDS = ("at", "action", "link", "node")

_FLOW_UNITS: tuple[tuple[str, Callable[[str], Any]], ...] = (
    ("size", parse_size), ("duration", parse_time), ("rate", parse_bandwidth),
    ("start", parse_time), ("chunk", parse_size), ("interval", parse_time))


def _getter(keys: tuple[str, ...], fields: tuple[str, ...]) -> Callable[[list], tuple]:
    """Picks *fields* out of ``values + [None]`` for elements with *keys*."""
    return itemgetter(*(keys.index(f) if f in keys else -1 for f in fields))


def _dpid(text: str) -> int:
    return int(text, 16) if text[:2] in ("0x", "0X") else int(text)


class SystemParser:
    """Parses one or more system files into a single system.

    Call :meth:`parse_file` for each file, then :meth:`finish`.
    """

    def __init__(self) -> None:
        self.system = System()
        self.locations = Locations()
        self.invalid: list[Problem] = []     # phase-1 problems
        self._named = False
        self._neighbours = Neighbours(self)
        self._plans: dict[tuple[str, tuple[str, ...]], Callable[[list], tuple]] = {}
        self._link_plans: dict[tuple[str, ...], Callable[[list], tuple]] = {}
        self._canon: dict[str, str] = {}     # node id -> the one str object for it
        self._file = 0
        self._append_link = self.system.links.append
        self._append_link_line = self.locations.link_lines.append
        self._append_link_file = self.locations.link_files.append
        self._handlers: dict[str, Callable[[Any], None]] = {
            "switch": self._switch, "host": self._host, "link": self._link,
            "flow": self._flow, "event": self._event, "property": self._root_property,
            "exec": self._root_exec, "cmd-seq": self._cmd_seq,
        }

    # -- driving --------------------------------------------------------------
    def parse_file(self, source: safe.Source, filename: str) -> None:
        """Parse one file (a path, or bytes given in memory) into the system."""
        self._file = self.locations.add_file(filename)
        if not isinstance(source, bytes) and (missing := safe.missing_file_problem(source)):
            self.invalid.append(missing)
            return
        try:
            doctype = safe.doctype_problem(source, filename)
        except OSError as exc:
            self.invalid.append(Problem(filename, None, f"cannot read the file: {exc.strerror or exc}"))
            return
        if doctype is not None:
            self.invalid.append(doctype)
            return
        try:
            self._stream(source)
        except (etree.XMLSyntaxError, _Broken):
            self.invalid.extend(safe.validation_problems(source, filename, "system")
                                or [Problem(filename, None, "the file could not be parsed")])

    def _stream(self, source: safe.Source) -> None:
        it = etree.iterparse(safe.open_source(source), events=("end",),
                             schema=safe.load_schema("system"), **safe.PARSER_OPTIONS)
        handlers = self._handlers
        root = None
        ended = False
        broken: BaseException | None = None
        for _event, elem in it:
            if root is None:
                tree = elem.getroottree()
                if safe.has_dtd(tree):
                    raise _Broken()
                root = tree.getroot()
            handler = handlers.get(elem.tag)
            if handler is None:
                if elem is root:
                    self._root(root)
                    ended = True
                continue
            if elem.getparent() is not root:
                continue        # a <property> of a switch, host or link: its parent reads it
            try:
                handler(elem)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                broken = exc    # an invalid element: the schema reports it when parsing ends
            elem.clear()
            while elem.getprevious() is not None:
                del root[0]
        if not ended:
            raise _Broken()   # with a schema, lxml may not report a truncated file
        if broken is not None:
            # the schema found nothing wrong, so this is a bug: show it
            raise broken

    def finish(self) -> tuple[System, Locations]:
        """Resolve and check the system; record every problem found."""
        system, locations = self.system, self.locations
        self._name_flows()
        resolve(system)
        for finding in check(system):
            locations.report_finding(finding)
        return system, locations

    # -- helpers ----------------------------------------------------------------
    def _values(self, elem: Any, kind: str, fields: tuple[str, ...]) -> tuple:
        keys = tuple(elem.keys())
        getter = self._plans.get((kind, keys))
        if getter is None:
            getter = self._plans[(kind, keys)] = _getter(keys, fields)
        values = elem.values()
        values.append(None)
        return getter(values)

    def report(self, line: int | None, message: str, file: int | None = None) -> None:
        self.locations.report(self._file if file is None else file, line, message)

    def unit_problems(self, elem: Any, units: Iterable[tuple[str, Callable[[str], Any]]]) -> dict[str, Any]:
        """Parse the unit attributes of *elem* one by one, reporting each bad one.

        Returns the good values by attribute name; bad ones are left out.
        """
        good: dict[str, Any] = {}
        for attr, parse in units:
            text = elem.get(attr)
            if text is None:
                continue
            try:
                good[attr] = parse(text)
            except UnitError as exc:
                self.report(elem.sourceline, f"<{elem.tag}> attribute {attr}: {exc}")
        return good

    def _properties(self, elem: Any, into: dict[str, str]) -> None:
        for child in elem:
            if child.tag == "property":
                name = child.get("name")
                if name in into:
                    self.report(child.sourceline, f"<property> {name!r} is given twice in <{elem.tag}>")
                into[name] = child.get("value")

    def _new_node(self, elem: Any, node_id: str) -> bool:
        """Register a node id; False (and a problem) if it is taken."""
        locs = self.locations
        previous = locs.node(node_id)
        if previous is not None:
            kind = "switch" if node_id in self.system.switches else "host"
            self.report(elem.sourceline, f"<{elem.tag}> id {node_id!r} is already used by the "
                        f"{kind} declared at {locs.where(*previous)}")
            return False
        locs.nodes[node_id] = elem.sourceline << 16 | self._file
        self._canon[node_id] = node_id
        return True

    # -- handlers of the children of <system> ---------------------------------------
    def _root(self, root: Any) -> None:
        line = root.sourceline
        self.locations.roots[self._file] = line
        name = root.get("name")
        if name is None:
            return
        if not self._named:
            self.system.name, self._named = name, True
            self.locations.name_file = self._file
        elif name != self.system.name:
            first = self.locations.name_file
            self.report(line, f"<system> name {name!r} differs from {self.system.name!r} "
                        f"given in {self.locations.where(first, self.locations.roots[first])}")

    def _root_property(self, elem: Any) -> None:
        props = self.system.properties
        name = elem.get("name")
        if name in props:
            self.report(elem.sourceline, f"<property> {name!r} is given twice in <system>")
        props[name] = elem.get("value")

    def _switch(self, elem: Any) -> None:
        sid = elem.get("id")
        dpid = elem.get("dpid")
        switch = Switch(sid, _dpid(dpid) if dpid else 0, elem.get("protocol") or "OpenFlow13")
        if not self._new_node(elem, sid):
            return
        self.system.switches[sid] = switch
        if len(elem):
            self._properties(elem, switch.properties)
            for child in elem:
                if child.tag == "neighbour":
                    self._neighbours.add(sid, child, self._file)
                elif child.tag == "exec":
                    self._exec(child, sid)

    def _host(self, elem: Any) -> None:
        hid = elem.get("id")
        cpu, memory = elem.get("cpu"), elem.get("memory")
        host = Host(hid, elem.get("ip") or "", (elem.get("mac") or "").lower(),
                    float(cpu) if cpu is not None else None)
        if memory is not None:
            host.memory = self.unit_problems(elem, (("memory", parse_size),)).get("memory")
        if not self._new_node(elem, hid):
            return
        self.system.hosts[hid] = host
        if len(elem):
            self._properties(elem, host.properties)
            for child in elem:
                if child.tag == "exec":
                    self._exec(child, hid)

    def _link(self, elem: Any) -> None:
        keys = tuple(elem.keys())
        getter = self._link_plans.get(keys)
        if getter is None:
            getter = self._link_plans[keys] = _getter(keys, LINK_FIELDS)
        values = elem.values()
        values.append(None)
        link_id, src, dst, src_port, dst_port, bw, delay, loss, queue = getter(values)
        canon = self._canon
        try:
            link = Link(canon.get(src, src), canon.get(dst, dst),
                        int(src_port) if src_port else 0, int(dst_port) if dst_port else 0,
                        parse_bandwidth(bw) if bw is not None else None,
                        parse_time(delay) if delay is not None else 0.0,
                        parse_loss(loss) if loss is not None else 0.0,
                        int(queue) if queue is not None else None,
                        link_id or "", {})
        except UnitError:
            good = self.unit_problems(elem, (("bw", parse_bandwidth), ("delay", parse_time),
                                             ("loss", parse_loss)))
            link = Link(canon.get(src, src), canon.get(dst, dst),
                        int(src_port) if src_port else 0, int(dst_port) if dst_port else 0,
                        good.get("bw"), good.get("delay", 0.0), good.get("loss", 0.0),
                        int(queue) if queue is not None else None, link_id or "", {})
        if len(elem):
            self._properties(elem, link.properties)
        self._append_link(link)
        self._append_link_line(elem.sourceline)
        self._append_link_file(self._file)

    def add_link(self, link: Link, line: int, file: int, neighbour: bool = False) -> int:
        """Append *link* with its location; returns its index."""
        links = self.system.links
        links.append(link)
        self.locations.link_lines.append(line)
        self.locations.link_files.append(file | NEIGHBOUR if neighbour else file)
        return len(links) - 1

    def _flow(self, elem: Any) -> None:
        (flow_id, src, dst, protocol, size, duration, rate, start, granularity, chunk,
         traffic, packet_size, interval, src_port, dst_port) = self._values(elem, "flow", FLOW_FIELDS)
        try:
            values = (parse_size(size) if size is not None else None,
                      parse_time(duration) if duration is not None else None,
                      parse_bandwidth(rate) if rate is not None else None,
                      parse_time(start) if start is not None else 0.0,
                      parse_size(chunk) if chunk is not None else None,
                      parse_time(interval) if interval is not None else None)
        except UnitError:
            good = self.unit_problems(elem, _FLOW_UNITS)
            values = tuple(good.get(attr, 0.0 if attr == "start" else None) for attr, _ in _FLOW_UNITS)
        size_b, duration_s, rate_bps, start_s, chunk_b, interval_s = values
        canon = self._canon
        flow = Flow(flow_id or "", canon.get(src, src), canon.get(dst, dst),
                    _PROTOCOLS[protocol or "tcp"], size_b, duration_s, rate_bps, start_s,
                    _GRANULARITIES[granularity or "flow"], chunk_b,
                    _TRAFFICS[traffic] if traffic is not None else None,
                    int(packet_size) if packet_size is not None else 1500, interval_s,
                    int(src_port) if src_port is not None else None,
                    int(dst_port) if dst_port is not None else None)
        self.system.flows.append(flow)
        self.locations.flow_lines.append(elem.sourceline)
        self.locations.flow_files.append(self._file)

    def _event(self, elem: Any) -> None:
        at, action, link, node = self._values(elem, "event", EVENT_FIELDS)
        line = elem.sourceline
        if (link is None) == (node is None):
            self.report(line, "<event> needs exactly one of the attributes link and node")
            return
        try:
            time = parse_time(at)
        except UnitError as exc:
            self.report(line, f"<event> attribute at: {exc}")
            time = 0.0
        target, ref = (EventTarget.LINK, link) if link is not None else (EventTarget.NODE, node)
        self.system.events.append(Event(time, _ACTIONS[action], target, ref))
        self.locations.event_lines.append(line)
        self.locations.event_files.append(self._file)

    def _root_exec(self, elem: Any) -> None:
        node = elem.get("node")
        self._exec(elem, self._canon.get(node, node))

    def _exec(self, elem: Any, node: str) -> None:
        """One command step, VNX style: its text is the command, seq its sequences."""
        timeout = None
        if elem.get("timeout") is not None:
            timeout = self.unit_problems(elem, (("timeout", parse_time),)).get("timeout")
        command = "".join(elem.itertext()).strip()
        self.system.execs.append(Exec(node, seq_list(elem.get("seq")), command,
                                      elem.get("ostype") != "exec", timeout))
        self.locations.exec_lines.append(elem.sourceline)
        self.locations.exec_files.append(self._file)

    def _cmd_seq(self, elem: Any) -> None:
        name, line = elem.get("seq"), elem.sourceline
        locs = self.locations
        previous = locs.cmd_seq(name)
        if previous is not None:
            self.report(line, f"<cmd-seq> {name!r} is already declared at {locs.where(*previous)}")
            return
        locs.cmd_seqs[name] = line << 16 | self._file
        self.system.cmd_seqs[name] = seq_list("".join(elem.itertext()))

    def _name_flows(self) -> None:
        """Give flows without an id ``fN`` (N = position among all flows)."""
        flows = self.system.flows
        taken = {f.id for f in flows if f.id}
        for n, flow in enumerate(flows, 1):
            if not flow.id:
                candidate, k = f"f{n}", n
                while candidate in taken:
                    k += 1
                    candidate = f"f{k}"
                flow.id = candidate
                taken.add(candidate)


class _Broken(Exception):
    """The stream cannot be trusted; re-parse the file for located problems."""


def parse_systems(sources: Iterable[tuple[safe.Source, str]]) -> tuple[System, Locations, list[Problem]]:
    """Parse *sources* ((path or bytes, display name) pairs) into one system.

    Returns the resolved system, its locations and every problem, phase-1
    problems alone when there are any.
    """
    with _gc_paused():
        parser = SystemParser()
        for source, name in sources:
            parser.parse_file(source, name)
        if parser.invalid:
            return parser.system, parser.locations, parser.invalid
        system, locations = parser.finish()
        return system, locations, locations.problems()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC: millions of new, acyclic model objects would
    trigger many full collections for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
