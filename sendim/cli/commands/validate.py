"""``sendim validate FILE...``: check descriptors without running anything."""

from __future__ import annotations

import argparse
from pathlib import Path

from lxml import etree

from sendim.cli import output
from sendim.parser import load_deployment, load_system
from sendim.parser.safe import doctype_problem


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("validate", parents=[common], help="check descriptors",
                       description="Validate system and deployment descriptors: schema, "
                                   "references, ids, units. System files given together "
                                   "compose one system. Every problem is reported.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=run)


def _root_tag(path: str) -> str | None:
    """The root element's name, read without loading the file.

    None if unreadable or if the file has a DOCTYPE: the parser refuses and
    reports those itself, so this sniff never reads one.
    """
    try:
        if doctype_problem(path, path) is not None:
            return None
        for _event, elem in etree.iterparse(path, events=("start",), resolve_entities=False,
                                            no_network=True, load_dtd=False):
            return etree.QName(elem).localname
    except (OSError, etree.XMLSyntaxError):
        return None
    return None


def run(args: argparse.Namespace) -> int:
    deployments = [f for f in args.files if _root_tag(f) == "deployment"]
    systems = [f for f in args.files if f not in deployments]
    report: dict = {"ok": True, "systems": systems, "deployments": deployments}
    lines = []
    for path in deployments:
        dep = load_deployment(path)
        lines.append(f"{path}: deployment {dep.name!r} ({dep.environment.value}) is valid")
        if not systems and dep.systems:
            systems = list(dep.systems)
            report["systems"] = systems
    if systems:
        system = load_system(systems)
        report["summary"] = system.summary()
        counts = ", ".join(f"{v} {k}" for k, v in system.summary().items())
        names = ", ".join(Path(s).name for s in systems)
        lines.append(f"{names}: system {system.name!r} is valid ({counts})")
    output.emit(args, report, "\n".join(lines))
    return 0
