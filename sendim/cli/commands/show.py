"""``sendim show FILE...``: a summary of a system."""

from __future__ import annotations

import argparse

from sendim.cli import output
from sendim.model.stats import summarize
from sendim.parser import load_system
from sendim.units import format_bandwidth


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("show", parents=[common], help="summarize a system",
                       description="Print counts, switch degrees, diameter and capacity of a system.")
    p.add_argument("files", nargs="+", metavar="FILE", help="system descriptor(s) composing one system")
    p.set_defaults(func=run)


def _bw(value: float | None) -> str:
    return "-" if value is None else format_bandwidth(value)


def _sequences(sequences: dict[str, int]) -> str:
    if not sequences:
        return ""
    return " in sequences " + ", ".join(f"{name} ({n} step{'s' if n != 1 else ''})"
                                        for name, n in sequences.items())


def render(s: dict) -> str:
    deg, cap = s["switch_degree"], s["capacity_bps"]
    approx = "" if s["diameter_exact"] else " (lower bound)"
    lines = [
        f"system      {s['name']}",
        f"switches    {s['switches']}",
        f"hosts       {s['hosts']}",
        f"links       {s['links']}",
        f"flows       {s['flows']}",
        f"events      {s['events']}",
        f"execs       {s['execs']}" + _sequences(s["sequences"]),
        f"degree      min {deg['min']}  avg {deg['avg']}  max {deg['max']}  (switch-to-switch)",
        f"components  {s['components']}",
        f"diameter    {s['diameter']} switch hops{approx}",
        f"capacity    total {_bw(cap['total'])}  min {_bw(cap['min'])}  max {_bw(cap['max'])}"
        + (f"  ({cap['unlimited_links']} unlimited links)" if cap["unlimited_links"] else ""),
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    system = load_system(args.files)
    summary = summarize(system)
    output.emit(args, summary, render(summary))
    return 0
