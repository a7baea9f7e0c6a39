"""``sendim generate KIND [--param value ...] -o file.xml``."""

from __future__ import annotations

import argparse

from sendim.cli import output
from sendim.parser import write_system
from sendim.topology.generators import GENERATORS, generate


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("generate", parents=[common], help="generate a topology",
                       description="Generate a topology and write it as a system descriptor.")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True,
                             parser_class=type(p))
    for kind, spec in GENERATORS.items():
        kp = kinds.add_parser(kind, parents=[common], help=spec.description,
                              description=spec.description)
        for param in spec.params:
            flag = "--" + param.name.replace("_", "-")
            kp.add_argument(flag, dest=param.name, type=param.type, default=param.default,
                            required=param.default is None and param.required,
                            choices=getattr(param, "choices", None),
                            help=param.help if param.default is None or "default" in param.help
                            else f"{param.help} (default: {param.default})")
        kp.add_argument("-o", "--output", metavar="OUT.xml", help="write here (default: stdout)")
        kp.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = GENERATORS[args.kind]
    params = {p.name: getattr(args, p.name) for p in spec.params
              if getattr(args, p.name) is not None}
    system = generate(args.kind, **params)
    text = write_system(system, args.output)
    if args.output is None and not args.json:
        print(text, end="")
        return 0
    doc = {"ok": True, "kind": args.kind, "params": params, "output": args.output,
           "summary": system.summary()}
    counts = ", ".join(f"{v} {k}" for k, v in system.summary().items() if v)
    output.emit(args, doc, f"generated {args.kind} ({counts})"
                + (f"; wrote {args.output}" if args.output else ""))
    return 0
