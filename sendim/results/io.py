"""Reading and writing ``results.json``, deterministically.

:func:`write_results` writes sorted keys, two-space indentation and floats
rounded to :data:`SIGNIFICANT_DIGITS` significant digits, so the same
simulation (same inputs, same seed) gives byte-identical files except for
the wall-clock ``meta`` keys listed in
:data:`~sendim.results.schema.WALL_CLOCK_META`; :func:`comparable` drops those.
"""

from __future__ import annotations

import enum
import json
import math
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sendim.results.schema import WALL_CLOCK_META, Results, ResultsError, validate

SIGNIFICANT_DIGITS = 9
RESULTS_FILE = "results.json"

PathLike = str | os.PathLike[str]


def normalize(value: Any, where: str = "$") -> Any:
    """Plain JSON data with floats rounded; enums become their values, tuples
    lists. Non-finite floats raise :class:`ResultsError` (JSON has none)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return normalize(value.value, where)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ResultsError(f"{where} is {value}: JSON has no infinities or NaN (use null)")
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}") + 0.0     # + 0.0: no -0.0
    if isinstance(value, dict):
        return {str(k): normalize(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if hasattr(value, "__index__"):           # numpy integers and the like
        return int(value.__index__())
    if hasattr(value, "__float__"):
        return normalize(float(value), where)
    raise ResultsError(f"{where} is a {type(value).__name__}, which JSON cannot hold")


def dumps(results: Results | dict[str, Any], *, check: bool = True) -> str:
    """The deterministic JSON text of *results* (validated unless *check* is False)."""
    doc = results.to_dict() if isinstance(results, Results) else results
    doc = normalize(doc)
    if check:
        validate(doc)
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False,
                      allow_nan=False) + "\n"


def write_results(results: Results | dict[str, Any], run_dir: PathLike) -> Path:
    """Write ``run_dir/results.json`` (atomically) and return its path."""
    directory = Path(run_dir)
    directory.mkdir(parents=True, exist_ok=True)
    text = dumps(results)
    target = directory / RESULTS_FILE
    fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_results(path: PathLike) -> Results:
    """The :class:`Results` in *path*: a ``results.json`` or a run directory."""
    p = Path(path)
    if p.is_dir():
        p = p / RESULTS_FILE
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResultsError(f"{p}: cannot read results ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise ResultsError(f"{p}: not JSON ({exc})") from exc
    try:
        return Results.from_dict(doc)
    except ResultsError as exc:
        raise type(exc)([f"{p}: {m}" for m in exc.problems]) from None


def comparable(doc: Results | dict[str, Any]) -> dict[str, Any]:
    """*doc* as normalized JSON data without its wall-clock ``meta`` keys: two
    runs of the same deterministic experiment compare equal."""
    data = normalize(doc.to_dict() if isinstance(doc, Results) else doc)
    meta = data.get("meta")
    if isinstance(meta, dict):
        data["meta"] = {k: v for k, v in meta.items() if k not in WALL_CLOCK_META}
    return data


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def new_run_dir(base: PathLike = "runs", name: str = "run", *,
                now: datetime | None = None) -> Path:
    """Create and return a fresh ``base/<name>-<YYYYmmdd-HHMMSS>`` directory.

    The time is UTC. If that directory exists (two runs in one second), a
    suffix ``-2``, ``-3``... makes it unique; creation is atomic, so parallel
    callers never share a directory.
    """
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    safe = _UNSAFE.sub("-", name).strip("-.") or "run"
    root = Path(base)
    root.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        candidate = root / (f"{safe}-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise ResultsError(f"no free run directory for {safe}-{stamp} in {root}")


def now_iso() -> str:
    """The current UTC time in ISO 8601, for :attr:`Meta.started_at`."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
