"""``sendim app deploy|history|tag|rollback|diff``: controller-app changesets.

Every subcommand works on an experiment recorded in the state store
(``--store URL``, default ``SENDIM_STORE`` or the local store; ``--tenant``).
Until ``sendim up`` records emulations, ``app deploy NAME BUNDLE --app-dir DIR``
records an experiment whose controller reads its apps from DIR.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict
from pathlib import Path

from sendim.changeset.bundle import short
from sendim.changeset.deploy import DeployReport, deploy, rollback, tag
from sendim.changeset.diff import diff
from sendim.changeset.repo import AppRepo
from sendim.cli import output
from sendim.errors import InputError
from sendim.experiments import Experiment, Experiments, check_name
from sendim.store import StateStore, open_store


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", metavar="URL",
                       help="state store: a directory or zk://host:port[,...][/chroot] "
                            "(default: $SENDIM_STORE, else the local store)")
    store.add_argument("--tenant", help="tenant namespace (default: $SENDIM_TENANT or 'default'); "
                                        "the ZooKeeper secret comes from $SENDIM_STORE_SECRET")
    parents = [common, store]
    p = sub.add_parser("app", parents=[common], help="deploy, tag, roll back controller apps",
                       description="Controller-app changesets on a running experiment.")
    cmds = p.add_subparsers(dest="app_command", metavar="ACTION", required=True,
                            parser_class=type(p))

    d = cmds.add_parser("deploy", parents=parents, help="deploy an app bundle as a changeset",
                        description="Ship only the changed files of BUNDLE to experiment NAME, "
                                    "restart its controller, verify; roll back if unhealthy.")
    d.add_argument("name", metavar="NAME")
    d.add_argument("bundle", metavar="BUNDLE", nargs="?",
                   help="app file or directory (default: the one deployed last)")
    d.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    d.add_argument("-m", "--message", default="", help="a note for the history")
    d.add_argument("--app-dir", metavar="DIR",
                   help="record NAME (if new) with the controller app directory DIR")
    d.add_argument("--restart-cmd", metavar="CMD", help="with --app-dir: restarts the controller")
    d.add_argument("--health-cmd", metavar="CMD",
                   help="with --app-dir: exits 0 when the controller is healthy")
    _rollout_options(d)
    d.set_defaults(func=run_deploy)

    h = cmds.add_parser("history", parents=parents, help="revisions deployed, with who and when")
    h.add_argument("name", metavar="NAME")
    h.set_defaults(func=run_history)

    t = cmds.add_parser("tag", parents=parents, help="name a revision")
    t.add_argument("name", metavar="NAME")
    t.add_argument("tag", metavar="TAG")
    t.add_argument("ref", metavar="REV", nargs="?", help="revision or tag (default: current)")
    t.add_argument("--force", action="store_true", help="move an existing tag")
    t.set_defaults(func=run_tag)

    r = cmds.add_parser("rollback", parents=parents, help="go back to a tag or revision")
    r.add_argument("name", metavar="NAME")
    r.add_argument("ref", metavar="TAG|REV", nargs="?",
                   help="where to go (default: the revision before the current one)")
    r.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    r.add_argument("-m", "--message", default="", help="a note for the history")
    _rollout_options(r)
    r.set_defaults(func=run_rollback)

    f = cmds.add_parser("diff", parents=parents, help="changes between two revisions")
    f.add_argument("name", metavar="NAME")
    f.add_argument("ref_a", metavar="REV_A")
    f.add_argument("ref_b", metavar="REV_B")
    f.set_defaults(func=run_diff)


def _rollout_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--health-timeout", type=float, default=30.0, metavar="S",
                   help="seconds the controller has to become healthy (default 30)")
    p.add_argument("--lock-timeout", type=float, default=300.0, metavar="S",
                   help="seconds to wait for another deploy to this experiment (default 300)")
    p.add_argument("--reload", action="store_true",
                   help="reload the apps instead of restarting the controller")


def _open(args: argparse.Namespace) -> StateStore:
    return open_store(args.store, tenant=args.tenant)


def _report(args: argparse.Namespace, report: DeployReport) -> int:
    output.emit(args, report.to_dict(), report.render())
    return 0 if report.ok else 1


def _ensure_experiment(store: StateStore, args: argparse.Namespace) -> None:
    experiments = Experiments(store)
    if experiments.get(args.name) is not None:
        if args.app_dir or args.restart_cmd or args.health_cmd:
            raise InputError(f"experiment {args.name!r} exists already; --app-dir, "
                             f"--restart-cmd and --health-cmd only apply to a new one")
        return
    if not args.app_dir:
        raise InputError(f"no experiment {args.name!r} in {store.address}: record one with "
                         f"--app-dir DIR (or bring it up with `sendim up`)")
    if not args.bundle:
        raise InputError("a new experiment needs a BUNDLE to deploy")
    target = {"kind": "directory"}
    if args.restart_cmd:
        target["restart"] = args.restart_cmd
    if args.health_cmd:
        target["health"] = args.health_cmd
    experiments.create(Experiment(check_name(args.name), realization="directory",
                                  status="up", app_dir=str(Path(args.app_dir).resolve()),
                                  since=time.time(), target=target))


def run_deploy(args: argparse.Namespace) -> int:
    with _open(args) as store:
        if not args.dry_run:
            _ensure_experiment(store, args)
        report = deploy(store, args.name, args.bundle, dry_run=args.dry_run,
                        message=args.message, health_timeout=args.health_timeout,
                        lock_timeout=args.lock_timeout,
                        mode="reload" if args.reload else "restart")
        return _report(args, report)


def run_rollback(args: argparse.Namespace) -> int:
    with _open(args) as store:
        report = rollback(store, args.name, args.ref, dry_run=args.dry_run,
                          message=args.message, health_timeout=args.health_timeout,
                          lock_timeout=args.lock_timeout,
                          mode="reload" if args.reload else "restart")
        return _report(args, report)


def run_tag(args: argparse.Namespace) -> int:
    with _open(args) as store:
        made = tag(store, args.name, args.tag, args.ref, force=args.force)
    output.emit(args, {"ok": True, "experiment": args.name, **asdict(made)},
                f"{args.name}: tag {made.tag} -> {short(made.revision)}")
    return 0


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def run_history(args: argparse.Namespace) -> int:
    with _open(args) as store:
        exp, _ = Experiments(store).require(args.name)
        repo = AppRepo(store, args.name)
        events, tags = repo.history(), repo.tags()
    by_rev: dict[str, list[str]] = {}
    for name, t in sorted(tags.items()):
        by_rev.setdefault(t.revision, []).append(name)
    doc = {"ok": True, "experiment": args.name, "revision": exp.revision,
           "pending": exp.pending, "tags": {n: t.revision for n, t in tags.items()},
           "history": [asdict(e) for e in events]}
    lines = [f"experiment {args.name}: revision {short(exp.revision)}"
             + (f" (interrupted deploy of {short(exp.pending)})" if exp.pending else "")]
    for e in events:
        counts = " ".join(f"{sym}{len(e.changes.get(k, []))}"
                          for sym, k in (("+", "add"), ("~", "change"), ("-", "remove")))
        marks = by_rev.get(e.revision, []) if e.ok else []
        mark = f" [{', '.join(marks)}]" if marks else ""
        note = f"  {e.message}" if e.message else ""
        detail = f"  ({e.detail})" if e.detail else ""
        lines.append(f"{e.seq:>4} {_when(e.time)}  {e.action:<15} {short(e.revision)}{mark}  "
                     f"{counts}  {e.author}{note}{detail}")
    if not events:
        lines.append("  no deploys yet")
    output.emit(args, doc, "\n".join(lines))
    return 0


def run_diff(args: argparse.Namespace) -> int:
    with _open(args) as store:
        report = diff(store, args.name, args.ref_a, args.ref_b)
    output.emit(args, {"ok": True, **report.to_dict()}, report.render())
    return 0
