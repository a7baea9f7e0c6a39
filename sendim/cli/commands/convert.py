"""``sendim convert SYSTEM... --to mininet -o net.py``: a standalone emulator script."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sendim.cli import output


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("convert", parents=[common], help="write an emulator script for a system",
                       description="Convert system descriptors into a standalone script for an "
                                   "emulator (Mininet: run it with `sudo /usr/bin/python3 "
                                   "net.py`). The deployment, if given, supplies the OVS "
                                   "datapath, the controller port, settle time and duration.")
    p.add_argument("systems", nargs="*", metavar="SYSTEM", help="system descriptor(s)")
    p.add_argument("--to", default="mininet", metavar="EMULATOR",
                   help="target emulator (default: mininet)")
    p.add_argument("-d", "--deploy", metavar="DEPLOYMENT", help="deployment descriptor")
    p.add_argument("-o", "--out", metavar="FILE", help="output file (default: stdout)")
    layout = p.add_mutually_exclusive_group()
    layout.add_argument("--readable", dest="readable", action="store_true", default=None,
                        help="one element per line, whatever the size")
    layout.add_argument("--compact", dest="readable", action="store_false",
                        help="the data as one JSON string, whatever the size")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sendim.api import prepare
    from sendim.registry import CONVERTERS

    converter = CONVERTERS.get(args.to)()
    system, deployment = prepare(args.systems or None, args.deploy)
    t0 = time.perf_counter()
    if args.out:
        path = Path(args.out)
        converter.write(system, path, deployment, readable=args.readable)
        size = path.stat().st_size
    else:
        text = converter.convert(system, deployment, readable=args.readable)
        size = len(text.encode())
        if not args.json:
            sys.stdout.write(text)
    seconds = time.perf_counter() - t0
    doc = {"ok": True, "to": args.to, "system": system.name, "out": args.out, "bytes": size,
           "seconds": round(seconds, 6), **system.summary()}
    if args.out or args.json:
        output.emit(args, doc, f"wrote {args.out} ({size} bytes, {len(system.switches)} switches, "
                               f"{len(system.hosts)} hosts, {len(system.links)} links) "
                               f"in {seconds:.2f}s")
    return 0
