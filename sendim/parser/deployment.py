"""Parser of deployment descriptors into a :class:`Deployment`.

Deployment files are small, so they are parsed whole (with the same safe
parser) and validated against ``deployment.xsd``. Relative paths (system
files, app files, a local store's directory) are resolved against the
deployment file's directory and stored absolute.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lxml import etree

from sendim.errors import Problem, UnitError
from sendim.model import (
    AppSpec,
    Controller,
    Deployment,
    Environment,
    Fallback,
    Store,
    System,
    Target,
)
from sendim.parser import safe
from sendim.units import parse_size, parse_time

_ONCE = ("controller", "fallback", "store", "run")


@dataclass
class DeploymentInfo:
    """Where things were declared in a deployment file, for later checks."""

    file: str
    root_line: int = 1
    systems: list[int] = field(default_factory=list)                 # line per system file
    placements: list[tuple[str, str, int]] = field(default_factory=list)  # (node, target, line)


def is_file_app(name: str) -> bool:
    """Apps named by a path (``apps/x.py``) rather than a module (``ryu.app.x``)."""
    return name.endswith(".py") or "/" in name or os.sep in name


def _absolute(path: str, base: Path) -> str:
    return os.path.normpath(os.path.join(base, os.path.expanduser(path)))


def _bool(text: str) -> bool:
    return text.strip() in ("true", "1")


class _Builder:
    """Turns one valid deployment tree into a model, collecting problems."""

    def __init__(self, filename: str, base: Path) -> None:
        self.filename = filename
        self.base = base
        self.problems: list[Problem] = []
        self.info = DeploymentInfo(filename)
        self.dep = Deployment()

    def report(self, elem: Any, message: str) -> None:
        self.problems.append(Problem(self.filename, elem.sourceline, message))

    def unit(self, elem: Any, attr: str, parse: Callable[[str], Any], default: Any) -> Any:
        text = elem.get(attr)
        if text is None:
            return default
        try:
            return parse(text)
        except UnitError as exc:
            self.report(elem, f"<{elem.tag}> attribute {attr}: {exc}")
            return default

    def options(self, parent: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        for child in parent.iterchildren("option"):
            name = child.get("name")
            if name in out:
                self.report(child, f"<option> {name!r} is given twice in <{parent.tag}>")
            out[name] = child.get("value")
        return out

    def build(self, root: Any) -> Deployment:
        dep, info = self.dep, self.info
        info.root_line = root.sourceline
        dep.name = root.get("name", dep.name)
        dep.environment = Environment(root.get("environment", "simulation"))
        seen: dict[str, int] = {}
        for elem in root:
            tag = elem.tag
            if tag in _ONCE:
                if tag in seen:
                    self.report(elem, f"<{tag}> is given twice (first at line {seen[tag]})")
                    continue
                seen[tag] = elem.sourceline
            getattr(self, f"_{tag}")(elem)
        dep.options = self.options(root)
        if dep.environment is Environment.PHYSICAL and not dep.targets:
            self.report(root, "<deployment> a physical deployment needs at least one <target>")
        return dep

    def _system(self, elem: Any) -> None:
        path = _absolute(elem.get("file"), self.base)
        if not os.path.isfile(path):
            self.report(elem, f"<system> file {elem.get('file')!r} not found (looked for {path})")
        self.dep.systems.append(path)
        self.info.systems.append(elem.sourceline)

    def _controller(self, elem: Any) -> None:
        c = Controller()
        c.observe_links = _bool(elem.get("observe-links", "false"))
        c.latency = self.unit(elem, "latency", parse_time, 0.0)
        port = elem.get("port")
        c.port = int(port) if port is not None else None
        for app_elem in elem.iterchildren("app"):
            name = app_elem.get("name")
            if is_file_app(name):
                path = _absolute(name, self.base)
                if not os.path.isfile(path):
                    self.report(app_elem, f"<app> file {name!r} not found (looked for {path})")
                name = path
            c.apps.append(AppSpec(name, self.options(app_elem)))
        self.dep.controller = c

    def _fallback(self, elem: Any) -> None:
        to = elem.get("to", "simulation")
        nodes, memory = elem.get("max-nodes"), elem.get("max-memory")
        self.dep.fallback = Fallback(
            None if to == "none" else Environment(to),
            self.unit(elem, "max-setup", parse_time, Fallback().max_setup),
            int(nodes) if nodes is not None else None,
            self.unit(elem, "max-memory", parse_size, None) if memory is not None else None)

    def _store(self, elem: Any) -> None:
        path = elem.get("path")
        store = Store(elem.get("type", "local"),
                      _absolute(path, self.base) if path is not None else None,
                      elem.get("hosts"), elem.get("tenant", "default"))
        if store.type == "zookeeper" and not store.hosts:
            self.report(elem, "<store> a zookeeper store needs hosts (e.g. hosts=\"127.0.0.1:2181\")")
        if store.type != "zookeeper" and store.hosts:
            self.report(elem, f"<store> hosts apply to zookeeper stores, not {store.type!r} ones")
        self.dep.store = store

    def _target(self, elem: Any) -> None:
        name = elem.get("name")
        if any(t.name == name for t in self.dep.targets):
            self.report(elem, f"<target> name {name!r} is used twice")
        port = elem.get("port")
        target = Target(name, elem.get("address"), elem.get("user", "root"),
                        int(port) if port is not None else 22, elem.get("key"))
        placed = {node: where for node, where, _ in self.info.placements}
        for node_elem in elem.iterchildren("node"):
            ref = node_elem.get("ref")
            if ref in placed:
                self.report(node_elem, f"<node> {ref!r} is already placed on target {placed[ref]!r}")
                continue
            placed[ref] = name
            target.nodes.append(ref)
            self.info.placements.append((ref, name, node_elem.sourceline))
        self.dep.targets.append(target)

    def _run(self, elem: Any) -> None:
        seed = elem.get("seed")
        self.dep.seed = int(seed) if seed is not None else 0
        duration = self.unit(elem, "duration", parse_time, None)
        if duration is not None and duration <= 0:
            self.report(elem, "<run> duration must be positive")
        self.dep.duration = duration
        self.dep.settle = self.unit(elem, "settle", parse_time, 0.0)

    def _option(self, elem: Any) -> None:
        """Top-level options are read together by :meth:`build`."""


def parse_deployment(source: safe.Source, filename: str,
                     base: Path) -> tuple[Deployment, DeploymentInfo, list[Problem], bool]:
    """Parse one deployment file.

    Returns the deployment, its locations, the problems and whether they are
    phase-1 problems (the file could not be read, parsed or validated).
    """
    if not isinstance(source, bytes) and (missing := safe.missing_file_problem(source)):
        return Deployment(), DeploymentInfo(filename), [missing], True
    try:
        doctype = safe.doctype_problem(source, filename)
        if doctype is not None:
            return Deployment(), DeploymentInfo(filename), [doctype], True
        tree = etree.parse(safe.open_source(source), safe.safe_parser())
    except etree.XMLSyntaxError as exc:
        return Deployment(), DeploymentInfo(filename), [safe.syntax_problem(exc, filename)], True
    except OSError as exc:
        problem = Problem(filename, None, f"cannot read the file: {exc.strerror or exc}")
        return Deployment(), DeploymentInfo(filename), [problem], True
    invalid = safe.validation_problems(source, filename, "deployment", tree)
    if invalid:
        return Deployment(), DeploymentInfo(filename), invalid, True
    builder = _Builder(filename, base)
    dep = builder.build(tree.getroot())
    return dep, builder.info, sorted(builder.problems, key=lambda p: p.line or 0), False


def placement_problems(system: System, info: DeploymentInfo) -> list[Problem]:
    """Target placements of nodes the system does not have."""
    return [Problem(info.file, line, f"<node> {node!r} (on target {target!r}) is not a node of the system")
            for node, target, line in info.placements if not system.has_node(node)]
