"""``sendim import FILE -o out.xml``: GraphML, GML or a Mininet Topo file → system XML."""

from __future__ import annotations

import argparse

from sendim.cli import output
from sendim.parser import write_system
from sendim.topology.importers import import_topology


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import", parents=[common], help="import a GraphML/GML/Mininet topology",
                       description="Import a topology: GraphML or GML (e.g. the Internet "
                                   "Topology Zoo) or a Mininet Topo subclass given as "
                                   "file.py or file.py:ClassName. Each imported node becomes a "
                                   "switch with --hosts-per-switch hosts attached.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", metavar="OUT.xml", help="write the system here (default: stdout)")
    p.add_argument("--hosts-per-switch", type=int, default=None, metavar="N",
                   help="hosts attached to every imported switch (default: 1 for "
                        "GraphML/GML, 0 for Mininet files, which declare their own hosts)")
    p.add_argument("--name", help="system name (default: from the file)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    opts: dict = {"hosts_per_switch": args.hosts_per_switch}
    if args.name:
        opts["name"] = args.name
    result = import_topology(args.file, **opts)
    system = result.system
    text = write_system(system, args.output)
    doc = {"ok": True, "output": args.output, "summary": system.summary(), "notes": list(result.notes)}
    if args.output is None and not args.json:
        print(text, end="")
        return 0
    lines = [f"imported {args.file} as system {system.name!r}: "
             + ", ".join(f"{v} {k}" for k, v in system.summary().items() if v)]
    lines += [f"  note: {n}" for n in result.notes]
    if args.output:
        lines.append(f"wrote {args.output}")
    output.emit(args, doc, "\n".join(lines))
    return 0
