"""``sendim run SYSTEM... --deploy DEPLOYMENT``: one-shot run, results in a run directory."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from sendim.api import run as api_run
from sendim.cli import output
from sendim.units import parse_time


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("run", parents=[common], help="run an experiment",
                       description="Run a system where the deployment descriptor says "
                                   "(simulation when none is given) and write results.json "
                                   "into a run directory. System files given here take "
                                   "precedence over those the deployment names.")
    p.add_argument("systems", nargs="*", metavar="SYSTEM", help="system descriptor(s)")
    p.add_argument("-d", "--deploy", metavar="DEPLOYMENT", help="deployment descriptor")
    p.add_argument("--app", action="append", metavar="NAME_OR_PATH", dest="apps",
                   help="controller app (repeatable); replaces the deployment's apps")
    p.add_argument("--pingall", action="store_true", help="add an all-pairs ping test")
    p.add_argument("--seed", type=int, help="random seed (default: the deployment's)")
    p.add_argument("--settle", type=parse_time, metavar="TIME",
                   help="hold test traffic until the control plane has had this long, e.g. 30s")
    p.add_argument("-o", "--out", metavar="DIR", help="run directory (default: runs/<name>-<time>)")
    p.set_defaults(func=run)


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("simulated {task.fields[now]:>9.3f}s"), BarColumn(),
                  TimeElapsedColumn(), transient=True, console=None) as bar:
        task = bar.add_task("run", total=None, now=0.0)

        def update(now: float, end: float | None) -> None:
            bar.update(task, completed=now, total=end, now=now)

        yield update


def run(args: argparse.Namespace) -> int:
    from sendim.results import new_run_dir, summary_table

    run_dir = Path(args.out) if args.out else None
    show_bar = not (args.quiet or args.json) and sys.stderr.isatty()
    with _progress(show_bar) as progress:
        if run_dir is None:
            name = Path(args.systems[0]).parent.name if args.systems else "run"
            run_dir = new_run_dir("runs", name or "run")
        results = api_run(args.systems or None, args.deploy, seed=args.seed,
                          pingall=args.pingall, settle=args.settle, apps=args.apps,
                          run_dir=run_dir, progress=progress)
    doc = results.to_dict()
    output.emit(args, doc, summary_table(results) + f"\nresults: {run_dir / 'results.json'}")
    return 0 if _succeeded(results) else 1


def _succeeded(results) -> bool:
    """A run fails when a ping test ran and some pair was unreachable."""
    reach = results.reachability
    return reach is None or reach.pairs == reach.reachable
