"""``sendim status [NAME] [--watch]``: what runs, its app revision and its health."""

from __future__ import annotations

import argparse
import json
import queue
import sys
import time
from typing import Any

from sendim.changeset.bundle import short
from sendim.cli import output
from sendim.cli.commands._store import open_from, store_options
from sendim.errors import InputError
from sendim.experiments import Experiment, Experiments


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("status", parents=[common, store_options()],
                       help="show experiments: realization, app revision, health",
                       description="One experiment in detail, or every experiment of the "
                                   "tenant. Health (controller process, listening, switches "
                                   "connected) is measured when it runs on this machine.")
    p.add_argument("name", metavar="NAME", nargs="?")
    p.add_argument("--watch", action="store_true",
                   help="print again whenever the experiment's record changes (from any "
                        "machine); Ctrl-C stops")
    p.add_argument("--for", dest="watch_for", type=float, metavar="S",
                   help="with --watch: stop after S seconds")
    p.set_defaults(func=run)


def _when(stamp: float | None) -> str:
    if not stamp:
        return "-"
    ago = max(0, int(time.time() - stamp))
    clock = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))
    span = f"{ago // 3600}h{ago % 3600 // 60:02d}m" if ago >= 3600 else f"{ago // 60}m{ago % 60:02d}s"
    return f"{clock} ({span} ago)"


def _health_text(doc: dict[str, Any]) -> tuple[str, str]:
    h = doc.get("health")
    if h is None:
        if doc["status"] == "up":
            return f"not measured (runs on {doc['host']})", f"{doc['switches']} (not measured)"
        return "-", "-"
    ctl = ("healthy" if h["controller_alive"] and h["listening"] else
           "running, not listening" if h["controller_alive"] else "DEAD")
    ctl += f" (pid {h['controller_pid']}, 127.0.0.1:{doc['port']})"
    sw = f"{h['switches_connected']}/{h['switches']} connected"
    if not h["network_alive"]:
        sw += ", network process DEAD"
    return ctl, sw


def _detail(doc: dict[str, Any]) -> str:
    ctl, sw = _health_text(doc)
    rev = short(doc["revision"]) if doc["revision"] else "built-in routing" \
        if doc["status"] == "up" else "-"
    lines = [f"experiment {doc['name']} (tenant {doc['tenant']}): {doc['status']}",
             f"  realization  {doc['realization']} on {doc['host']}"
             + (f", names {doc['slot']}*" if doc.get("slot") else ""),
             f"  app revision {rev}" + (f" (interrupted deploy of {short(doc['pending'])})"
                                        if doc.get("pending") else ""),
             f"  controller   {ctl}",
             f"  switches     {sw}",
             f"  since        {_when(doc['since'])}"]
    if doc.get("on_boot"):
        boot = doc["on_boot"]
        lines.append(f"  on_boot      {boot['steps']} steps in {boot['wall_s']}s ({boot['report']})")
    if doc.get("health") and doc["health"]["ok"]:
        lines[0] += ", healthy"
    return "\n".join(lines)


def _table(docs: list[dict[str, Any]]) -> str:
    if not docs:
        return "no experiments"
    rows = [["NAME", "STATUS", "REALIZATION", "REVISION", "CONTROLLER", "SWITCHES", "SINCE"]]
    for d in docs:
        h = d.get("health")
        ctl = "-" if h is None else ("healthy" if h["controller_alive"] and h["listening"]
                                     else "DOWN")
        sw = "-" if h is None else f"{h['switches_connected']}/{h['switches']}"
        rows.append([d["name"], d["status"], d["realization"], short(d["revision"]), ctl, sw,
                     _when(d["since"])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _status_of(exp: Experiment) -> dict[str, Any]:
    from deployers.experiment_ops import status_of
    return status_of(exp)


def run(args: argparse.Namespace) -> int:
    with open_from(args) as store:
        experiments = Experiments(store)
        if args.watch:
            if not args.name:
                raise InputError("--watch needs an experiment NAME")
            return _watch(args, experiments)
        if args.name:
            exp, _ = experiments.require(args.name)
            doc = _status_of(exp)
            output.emit(args, {"ok": True, **doc}, _detail(doc))
            return 0
        docs = [_status_of(e) for e in experiments.list()]
    output.emit(args, {"ok": True, "experiments": docs}, _table(docs))
    return 0


def _watch(args: argparse.Namespace, experiments: Experiments) -> int:
    experiments.require(args.name)
    changes: queue.Queue[Experiment | None] = queue.Queue()
    watch = experiments.watch(args.name, changes.put)
    deadline = None if args.watch_for is None else time.monotonic() + args.watch_for
    try:
        while deadline is None or time.monotonic() < deadline:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                exp = changes.get(timeout=min(left, 1.0) if left is not None else 1.0)
            except queue.Empty:
                continue
            if exp is None:
                doc: dict[str, Any] = {"name": args.name, "status": "removed"}
                text = f"experiment {args.name} was removed"
            else:
                doc = _status_of(exp)
                text = _detail(doc)
            if args.json:
                print(json.dumps({"time": time.time(), **doc}, default=str), flush=True)
            elif not args.quiet:
                print(f"--- {time.strftime('%H:%M:%S')}\n{text}", flush=True)
            if exp is None:
                break
    except KeyboardInterrupt:
        pass
    finally:
        watch.cancel()
    sys.stdout.flush()
    return 0
