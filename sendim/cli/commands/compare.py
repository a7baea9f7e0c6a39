"""``sendim compare RUN_A RUN_B``: fidelity report between two runs (exit 1 when a verdict fails)."""

from __future__ import annotations

import argparse

from sendim.cli import output
from sendim.errors import InputError


def _tolerance(text: str) -> tuple[str, float]:
    metric, eq, value = text.partition("=")
    if not eq or metric not in ("throughput", "fct"):
        raise argparse.ArgumentTypeError("use throughput=10%% or fct=0.15")
    value = value.strip()
    try:
        number = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number or a percentage") from None
    if number < 0:
        raise argparse.ArgumentTypeError("a tolerance must not be negative")
    return metric, number


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("compare", parents=[common], help="compare two runs (fidelity report)",
                       description="Compare two runs of the same system (typically simulation "
                                   "vs emulation): reachability, per-flow paths, throughput "
                                   "and FCT, with a verdict per metric. Reachability and paths "
                                   "must be identical; throughput within 10%% and FCT within "
                                   "15%% by default. Exit code 1 when a verdict fails.")
    p.add_argument("run_a", metavar="RUN_A", help="reference run: run directory or results.json")
    p.add_argument("run_b", metavar="RUN_B", help="compared run: run directory or results.json")
    p.add_argument("--tolerance", action="append", type=_tolerance, default=[],
                   metavar="METRIC=VALUE",
                   help="relative tolerance, e.g. throughput=5%% or fct=0.2 (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sendim.compare import compare_runs, render

    if args.run_a == args.run_b:
        raise InputError("RUN_A and RUN_B are the same run")
    comparison = compare_runs(args.run_a, args.run_b, tolerances=dict(args.tolerance))
    output.emit(args, comparison.to_dict(), render(comparison))
    return 0 if comparison.ok else 1
