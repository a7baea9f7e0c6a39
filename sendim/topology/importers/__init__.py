"""Importers: topology files → a resolved, checked :class:`~sendim.model.System`.

    result = import_topology("Abilene.graphml", hosts_per_switch=1)
    result.system, result.notes

The format follows the file's extension (``.graphml``, ``.gml``, ``.py``)
unless ``format=`` names one of :data:`IMPORTERS`. A Mininet file may be
given as ``file.py:Name`` (a ``Topo`` subclass or a key of the file's
``topos`` dict), optionally with ``mn``-style arguments:
``file.py:mytopo,3,bw=10``. Importing a ``.py`` file runs it: only import
files you trust, as with ``mn --custom``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sendim.errors import RegistryError, TopologyImportError
from sendim.topology.importers.base import ImportResult


@dataclass(frozen=True, slots=True)
class ImporterSpec:
    """An importer: kind, file extensions, ``module:function`` and a description."""

    kind: str
    extensions: tuple[str, ...]
    target: str
    description: str

    def load(self) -> Callable[..., ImportResult]:
        """The import function (its module is imported on first use)."""
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)


IMPORTERS: dict[str, ImporterSpec] = {spec.kind: spec for spec in (
    ImporterSpec("graphml", (".graphml",), "sendim.topology.importers.graphml:import_graphml",
                 "GraphML, e.g. the Internet Topology Zoo"),
    ImporterSpec("gml", (".gml",), "sendim.topology.importers.graphml:import_gml",
                 "GML (Graph Modelling Language)"),
    ImporterSpec("mininet", (".py",), "sendim.topology.importers.mininet_topo:import_mininet",
                 "a Mininet Topo subclass or topos dict in a Python file (runs the file)"),
)}
"""Format kind → :class:`ImporterSpec`."""


def _unsupported(kind: str) -> RegistryError:
    return RegistryError(f'importer "{kind}" is not supported. Supported kinds are '
                         f"[{', '.join(sorted(IMPORTERS))}] (by extension: "
                         f"{', '.join(e for s in IMPORTERS.values() for e in s.extensions)})")


def split_target(path: str | Path) -> tuple[Path, str | None]:
    """``"topo.py:MyTopo,3"`` → ``(Path("topo.py"), "MyTopo,3")``; other paths unchanged."""
    text = str(path)
    head, sep, tail = text.rpartition(":")
    if sep and head.lower().endswith(".py") and tail and "/" not in tail and "\\" not in tail:
        return Path(head), tail
    return Path(text), None


def detect_format(path: Path) -> str:
    """The importer kind for *path*'s extension (RegistryError if none)."""
    suffix = path.suffix.lower()
    for spec in IMPORTERS.values():
        if suffix in spec.extensions:
            return spec.kind
    raise _unsupported(suffix.lstrip(".") or path.name)


def import_topology(path: str | Path, *, hosts_per_switch: int | None = None,
                    format: str | None = None, **opts: Any) -> ImportResult:
    """Import the topology in *path*; returns the system and notes.

    ``hosts_per_switch``: hosts attached to every imported switch; None means
    the importer's default (1 for GraphML/GML, whose nodes are all switches;
    0 for Mininet files, which declare their own hosts). Other *opts* go to
    the importer: ``name`` for all; ``default_bw``, ``default_delay``,
    ``delay_per_km``, ``parallel`` ("keep"/"merge") and ``naming``
    ("index"/"label") for GraphML/GML; ``topo``, ``args``, ``kwargs`` for
    Mininet. Raises :class:`~sendim.errors.TopologyImportError` when the file
    cannot be imported and :class:`~sendim.errors.RegistryError` for an
    unknown format.
    """
    file, selector = split_target(path)
    kind = format if format is not None else detect_format(file)
    spec = IMPORTERS.get(kind)
    if spec is None:
        raise _unsupported(kind)
    if selector is not None:
        if kind != "mininet":
            raise TopologyImportError(f"{path}: ':{selector}' only applies to Mininet .py files")
        opts.setdefault("topo", selector)
    if hosts_per_switch is not None:
        opts["hosts_per_switch"] = hosts_per_switch
    if not file.is_file():
        raise TopologyImportError(f"{file}: no such file")
    function = spec.load()
    try:
        inspect.signature(function).bind(file, **opts)
    except TypeError as exc:
        raise TopologyImportError(f"{kind} importer: {exc}") from None
    return function(file, **opts)


__all__ = ["IMPORTERS", "ImportResult", "ImporterSpec", "detect_format", "import_topology",
           "split_target"]
