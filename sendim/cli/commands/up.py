"""``sendim up SYSTEM... --deploy emu.xml --name NAME``: an emulation that stays up."""

from __future__ import annotations

import argparse
import sys

from sendim.changeset.bundle import short
from sendim.cli import output
from sendim.cli.commands._store import open_from, seconds, store_options


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("up", parents=[common, store_options()],
                       help="bring an emulation up and leave it running",
                       description="Build the network and its controller and leave them "
                                   "running as experiment NAME (recorded in the state store). "
                                   "Then: sendim status, exec, app deploy, down.")
    p.add_argument("systems", nargs="*", metavar="SYSTEM", help="system descriptor(s)")
    p.add_argument("-d", "--deploy", metavar="DEPLOYMENT", required=True,
                   help="deployment descriptor (environment emulation)")
    p.add_argument("-n", "--name", required=True, help="the experiment's name")
    p.add_argument("--app", action="append", metavar="NAME_OR_PATH", dest="apps",
                   help="controller app (repeatable; the first is the app bundle that "
                        "sendim app deploy updates); replaces the deployment's apps")
    p.add_argument("--seed", type=int, help="random seed (default: the deployment's)")
    p.add_argument("--settle", type=seconds, metavar="TIME", help="as for sendim run")
    p.add_argument("--setup-timeout", type=seconds, default=120.0, metavar="TIME",
                   help="give up (and clean up) if the network is not up by then (default 120s)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from deployers.experiment import up

    default_store = None
    if not args.store:
        from sendim.parser import load_deployment
        default_store = load_deployment(args.deploy).store
    quiet = args.quiet or args.json

    def say(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr, flush=True)

    with open_from(args, default_store) as store:
        exp = up(store, args.name, args.systems or None, args.deploy, apps=args.apps,
                 seed=args.seed, settle=args.settle, setup_timeout=args.setup_timeout, say=say)
        address = store.address
    rt = exp.runtime
    text = "\n".join([
        f"experiment {exp.name} is up (emulation, tenant {exp.tenant}, store {address})",
        f"  controller  127.0.0.1:{rt['port']} pid {rt['controller']['pid']}",
        f"  network     {len(rt['switches'])} switches, {len(rt['hosts'])} hosts, "
        f"names {rt['prefix']}*, pid {rt['network']['pid']}",
        f"  app         {short(exp.revision)} from {exp.bundle}" if exp.revision else
        "  app         the built-in shortest-path routing",
        f"  work dir    {rt['work']}",
        f"next: sendim exec {exp.name} --pingall | sendim app deploy {exp.name} BUNDLE | "
        f"sendim down {exp.name}"])
    output.emit(args, {"ok": True, **exp.to_dict()}, text)
    return 0
