"""``sendim exec NAME --flows flows.xml`` / ``--node h1 -- CMD`` / ``--seq start``:
traffic, commands and command sequences on a running experiment."""

from __future__ import annotations

import argparse
import sys

from sendim.cli import output
from sendim.cli.commands._store import open_from, seconds, store_options
from sendim.errors import InputError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("exec", parents=[common, store_options()],
                       help="run flows, a ping test or a command on a running experiment",
                       description="Run flows (a system file with only <flow>s and <event>s "
                                   "that refer to the running system's hosts and links) and/or "
                                   "a ping test on running experiment NAME; results in the "
                                   "shared schema go to a run directory (compare two with "
                                   "sendim compare). Without --flows or --pingall the "
                                   "system's own flows run. Or run a command in one node: "
                                   "sendim exec NAME --node h1 -- ip addr. Or run a command "
                                   "sequence the system declares (VNX-style <exec seq=...>): "
                                   "sendim exec NAME --seq start")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--flows", action="append", metavar="FILE", default=[],
                   help="flows (and events) to run (repeatable)")
    p.add_argument("--pingall", action="store_true", help="all-pairs ping test")
    p.add_argument("--settle", type=seconds, default=0.0, metavar="TIME",
                   help="start the flows this long after the run starts")
    p.add_argument("--max-time", type=seconds, metavar="TIME", help="stop the traffic then")
    p.add_argument("-o", "--out", metavar="DIR", help="run directory (default: runs/NAME-<time>)")
    p.add_argument("--node", metavar="NODE", help="run the command after -- in this node")
    p.add_argument("--seq", metavar="SEQ", help="run the system's command sequence SEQ")
    p.add_argument("--keep-going", action="store_true",
                   help="with --seq: go on after a step fails (default: stop there)")
    p.add_argument("--dry-run", action="store_true",
                   help="with --seq: print the steps and run nothing")
    p.add_argument("--timeout", type=seconds, default=30.0, metavar="TIME",
                   help="with --node, or --seq steps without a timeout of their own: kill the "
                        "command after this long (default 30s)")
    p.set_defaults(func=run, command=[])
    _command_after_dashes(p)


def _command_after_dashes(parser: argparse.ArgumentParser) -> None:
    """Everything after ``--`` is the node command, never options of ours (argparse
    alone cannot put a ``--`` command after a positional and options)."""
    parse = parser.parse_known_args

    def parse_known_args(args=None, namespace=None):  # noqa: ANN001, ANN202 - argparse's
        args = list(sys.argv[1:] if args is None else args)
        command: list[str] = []
        if "--" in args:
            cut = args.index("--")
            args, command = args[:cut], args[cut + 1:]
        ns, extras = parse(args, namespace)
        ns.command = command
        return ns, extras

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


def run(args: argparse.Namespace) -> int:
    from deployers.experiment_ops import exec_node, exec_traffic
    from sendim.results import summary_table

    command = list(args.command)
    if args.node is None and command:
        raise InputError("a command needs --node NODE (sendim exec NAME --node h1 -- CMD)")
    if args.seq is not None and (args.node is not None or args.flows or args.pingall):
        raise InputError("--seq runs a command sequence; give flows, --pingall or --node "
                         "in another exec")
    if (args.keep_going or args.dry_run) and args.seq is None:
        raise InputError("--keep-going and --dry-run go with --seq")
    with open_from(args) as store:
        if args.seq is not None:
            return _sequence(args, store)
        if args.node is not None:
            if args.flows or args.pingall:
                raise InputError("--node runs one command; give flows in another exec")
            rc, text = exec_node(store, args.name, args.node, command, timeout=args.timeout)
            if args.json:
                output.emit(args, {"ok": rc == 0, "rc": rc, "output": text})
            else:
                sys.stdout.write(text)
                if rc is None:
                    print(f"sendim: timed out after {args.timeout:g}s", file=sys.stderr)
            return 1 if rc is None else min(int(rc), 255)
        results, run_dir = exec_traffic(store, args.name, args.flows, pingall=args.pingall,
                                        run_dir=args.out, settle=args.settle,
                                        max_time=args.max_time)
    output.emit(args, results.to_dict(),
                summary_table(results) + f"\nresults: {run_dir / 'results.json'}")
    reach = results.reachability
    return 0 if reach is None or reach.pairs == reach.reachable else 1


def _sequence(args: argparse.Namespace, store: object) -> int:
    from deployers.sequences import exec_sequence, sequence_plan

    if args.dry_run:
        todo = sequence_plan(store, args.name, args.seq)
        rows = [{"node": x.node, "command": x.command, "wait": x.wait, "timeout": x.timeout}
                for x in todo]
        lines = [f"sequence {args.seq}: {len(todo)} step(s) (dry run: nothing runs)"]
        lines += [f"  {n:>3}. {x.node}$ {x.command}" + ("" if x.wait else "   (left running)")
                  for n, x in enumerate(todo, 1)]
        output.emit(args, {"ok": True, "sequence": args.seq, "dry_run": True, "steps": rows},
                    "\n".join(lines))
        return 0

    def say(step) -> None:  # noqa: ANN001 - a deployers.sequences.StepResult
        if args.json or args.quiet:
            return
        timing = f"pid {step.pid}" if step.status == "started" else f"{step.seconds:.2f}s"
        rc = "" if step.rc is None or step.status == "started" else f" rc={step.rc}"
        print(f"[{step.status} {timing}{rc}] {step.node}$ {step.command}", flush=True)
        if step.output:
            sys.stdout.write("".join("    " + line for line in step.output.splitlines(True)))
            if not step.output.endswith("\n"):
                print()

    report, run_dir = exec_sequence(store, args.name, args.seq, run_dir=args.out,
                                    keep_going=args.keep_going, default_timeout=args.timeout,
                                    say=say)
    skipped = sum(1 for s in report.steps if s.status == "skipped")
    failed = [s for s in report.steps if s.failed]
    text = (f"sequence {args.seq}: {len(report.steps) - skipped - len(failed)} ok, "
            f"{len(failed)} failed, {skipped} skipped in {report.wall_s:.2f}s\n"
            f"report: {run_dir / 'exec.json'}")
    output.emit(args, {**report.to_dict(), "run_dir": str(run_dir)}, text)
    return 0 if report.ok else 1
