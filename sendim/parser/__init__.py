"""sendim's XML descriptor language: load and write systems and deployments.

    system = load_system(["topology.xml", "traffic.xml"])
    system, deployment = load(None, "deployment.xml")
    write_system(system, "out.xml")

Loading is safe (no DTDs, entities or network access), streaming and linear
in the size of the files. Every problem found — syntax, schema, units,
duplicates, dangling references, the model's semantic checks — is reported
at once in one :class:`~sendim.errors.DescriptorError` whose problems name
``file:line``. The schemas live in ``descriptors/schema``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from sendim.errors import DescriptorError, Problem
from sendim.model import Deployment, System
from sendim.parser.deployment import parse_deployment, placement_problems
from sendim.parser.system import parse_systems
from sendim.parser.writer import iter_deployment_xml, iter_system_xml, write_chunks

PathLike = str | os.PathLike
Paths = PathLike | Sequence[PathLike]

__all__ = ["load", "load_deployment", "load_system", "parse_system_string",
           "write_deployment", "write_system"]


def _paths(paths: Paths | None) -> list[str]:
    if paths is None:
        return []
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise DescriptorError(problems)


def load_system(paths: Paths) -> System:
    """Load one system from one or more system files.

    The files compose one system in the order given: ids are unique across
    them, references may cross them, and the first ``name`` given wins.
    Raises :class:`DescriptorError` listing every problem of every file.
    """
    files = _paths(paths)
    if not files:
        raise DescriptorError("no system file given")
    system, _, problems = parse_systems((f, f) for f in files)
    _raise_if(problems)
    return system


def parse_system_string(text: str | bytes, filename: str = "<string>") -> System:
    """Load a system from XML text; problems are located in *filename*."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    system, _, problems = parse_systems([(data, filename)])
    _raise_if(problems)
    return system


def load_deployment(path: PathLike) -> Deployment:
    """Load a deployment file; its relative paths become absolute.

    Checks the deployment on its own (its system files must exist, but they
    are not loaded: see :func:`load`).
    """
    name = os.fspath(path)
    dep, _, problems, _ = parse_deployment(name, name, Path(name).resolve().parent)
    _raise_if(problems)
    return dep


def load(system_paths: Paths | None,
         deployment_path: PathLike | None = None) -> tuple[System, Deployment]:
    """Load a system and the deployment it runs with.

    *system_paths* override the deployment's ``<system>`` files when given;
    without a deployment, the default :class:`Deployment` is returned. Node
    placements on targets are checked against the system. All problems of
    all files are reported together.
    """
    problems: list[Problem] = []
    dep, info, unreadable = Deployment(), None, False
    if deployment_path is not None:
        name = os.fspath(deployment_path)
        dep, info, dep_problems, unreadable = parse_deployment(name, name, Path(name).resolve().parent)
        problems.extend(dep_problems)
    files = _paths(system_paths) or list(dep.systems)
    if not files:
        if not unreadable:
            where = info.file if info is not None else "<input>"
            line = info.root_line if info is not None else None
            problems.append(Problem(where, line, "no system file given: list them with "
                                                 "<system file=\"...\"/> or pass them explicitly"))
        raise DescriptorError(problems)
    if info is not None and not system_paths:
        # missing files were reported at their <system> element already
        files = [f for f in files if os.path.isfile(f)]
    system, _, system_problems = parse_systems((f, f) for f in files)
    problems.extend(system_problems)
    if info is not None and not system_problems:
        problems.extend(placement_problems(system, info))
    _raise_if(problems)
    return system, dep


def write_system(system: System, path: PathLike | None = None) -> str:
    """Write a resolved *system* as a system descriptor.

    Returns the XML text when *path* is None; otherwise streams the text to
    *path* (memory stays flat for huge systems) and returns the path.
    """
    return write_chunks(iter_system_xml(system), path)


def write_deployment(dep: Deployment, path: PathLike | None = None) -> str:
    """Write *dep* as a deployment descriptor.

    With a *path*, absolute paths in *dep* are written relative to the
    file's directory and the path is returned; otherwise returns the text.
    """
    base = Path(os.fspath(path)).resolve().parent if path is not None else None
    return write_chunks(iter_deployment_xml(dep, base), path)
