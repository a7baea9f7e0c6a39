"""``sendim down NAME``: take a long-lived experiment down completely."""

from __future__ import annotations

import argparse

from sendim.cli import output
from sendim.cli.commands._store import open_from, store_options
from sendim.errors import EmulationError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("down", parents=[common, store_options()],
                       help="take a running experiment down",
                       description="Stop the experiment's network (bridges, namespaces, "
                                   "veths, its processes) and its controller, by recorded id. "
                                   "The record stays (status down) with its app history, "
                                   "unless --forget.")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--forget", action="store_true",
                   help="also remove the record, its revisions, tags and runs")
    p.add_argument("--keep-files", action="store_true",
                   help="keep the work directory (logs, app directory)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from deployers.experiment import down

    with open_from(args) as store:
        exp, remaining = down(store, args.name, forget=args.forget, keep_files=args.keep_files)
    if remaining:
        raise EmulationError(f"{args.name}: could not remove {', '.join(remaining)} "
                             f"(marked failed; sendim down {args.name} tries again)")
    what = "forgotten" if args.forget else "down"
    output.emit(args, {"ok": True, "name": args.name, "status": exp.status,
                       "forgotten": args.forget}, f"experiment {args.name} is {what}")
    return 0
