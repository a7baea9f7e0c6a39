"""The ``sendim`` command line: a thin layer over the Python API.

Exit codes: 0 ok, 1 the run (or an operation) failed, 2 bad input,
130 interrupted. No Python traceback is printed unless ``--debug``.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType

from sendim import __version__
from sendim.cli import output
from sendim.cli.commands import (app, compare, convert, down, exec_, generate, import_, run, show,
                                 status, up, validate)
from sendim.errors import InputError, SendimError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

# Each command module provides ``register(subparsers)``, which sets
# ``func`` (args -> exit code) on its parser.
COMMANDS: list[ModuleType] = [run, validate, show, generate, import_, app, convert, compare,
                              up, status, exec_, down]


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a short hint, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")
    common.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    common.add_argument("-q", "--quiet", action="store_true", help="print less")
    parser = _Parser(prog="sendim", description="Simulate, emulate and deploy SDN experiments.",
                     parents=[common])
    parser.add_argument("--version", action="version", version=f"sendim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also used by the console script)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args) or EXIT_OK)
    except InputError as exc:
        output.error(args, exc)
        return EXIT_BAD_INPUT
    except SendimError as exc:
        output.error(args, exc)
        return EXIT_FAILED
    except BrokenPipeError:
        # Output piped into e.g. `head`: not an error of ours; silence the flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - last line of defence for users
        if args.debug:
            traceback.print_exc()
        else:
            print(f"sendim: internal error: {type(exc).__name__}: {exc} "
                  f"(run again with --debug for details)", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
