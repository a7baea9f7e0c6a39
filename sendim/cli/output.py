"""Printing for the CLI: human text or JSON, errors on stderr."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from typing import Any

from sendim.errors import DescriptorError, SendimError


def emit(args: argparse.Namespace, data: Any, text: str | None = None) -> None:
    """Print *data* as JSON with ``--json``, else *text* (unless ``--quiet``)."""
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, indent=2, sort_keys=False, default=str)
        sys.stdout.write("\n")
    elif text is not None and not getattr(args, "quiet", False):
        print(text)


def error(args: argparse.Namespace, exc: SendimError) -> None:
    """Report *exc*: every problem on its own line; JSON on stdout with ``--json``."""
    if getattr(args, "debug", False):
        traceback.print_exception(exc)
    problems = exc.problems if isinstance(exc, DescriptorError) else None
    if getattr(args, "json", False):
        doc: dict[str, Any] = {"ok": False, "error": type(exc).__name__, "message": str(exc)}
        if problems is not None:
            doc["problems"] = [{"file": p.file, "line": p.line, "message": p.message}
                               for p in problems]
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    if problems is not None:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        n = len(problems)
        print(f"{n} problem{'s' if n != 1 else ''} found", file=sys.stderr)
    else:
        print(f"error: {exc}", file=sys.stderr)
