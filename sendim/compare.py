"""Fidelity report between two runs of the same system (``sendim compare A B``).

Typically a simulation (A, the reference) against an emulation (B). Both
are read from their ``results.json`` (schema ``sendim.results/1``). The
report puts side by side the reachability matrices of their ping tests, each
flow's path, throughput and flow completion time (relative differences are
``(B - A) / A``), and gives one verdict per metric against tolerances:
reachability and paths must be identical, throughput within 10 % and FCT
within 15 % by default. A metric neither run measured is skipped, not failed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sendim.errors import InputError

DEFAULT_TOLERANCES = {"throughput": 0.10, "fct": 0.15}
PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass(slots=True)
class Verdict:
    """One metric's outcome: ``pass``, ``fail`` or ``skip``, and why."""

    metric: str
    status: str
    detail: str


@dataclass(slots=True)
class Comparison:
    """Everything the report shows; :attr:`ok` is False when a verdict failed."""

    a: str
    b: str
    realizations: tuple[str, str]
    tolerances: dict[str, float]
    reachability: dict[str, Any]
    flows: list[dict[str, Any]]
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(v.status != FAIL for v in self.verdicts)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {"a": self.a, "b": self.b, "realizations": list(self.realizations),
                "tolerances": self.tolerances, "ok": self.ok,
                "verdicts": [{"metric": v.metric, "status": v.status, "detail": v.detail}
                             for v in self.verdicts],
                "reachability": self.reachability, "flows": self.flows}


def load_run(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A run's results document, from its run directory or its results.json."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read results ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise InputError(f"{p}: not a JSON results document ({exc})") from exc
    if not isinstance(doc, dict) or not str(doc.get("schema", "")).startswith("sendim.results/"):
        raise InputError(f"{p}: not a sendim results document (no schema sendim.results/...)")
    return doc


def _matrix(doc: dict[str, Any]) -> dict[tuple[str, str], bool] | None:
    pairs = [p for p in doc.get("pings") or [] if p.get("flow") is None]
    if not pairs:
        return None
    return {(p["src"], p["dst"]): (p.get("received") or 0) > 0 for p in pairs}


def _rel(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or a == 0:
        return None
    return (b - a) / a


def compare_reachability(a: dict[str, Any], b: dict[str, Any]) -> tuple[dict[str, Any], Verdict]:
    ma, mb = _matrix(a), _matrix(b)
    if ma is None and mb is None:
        return {"compared": False}, Verdict("reachability", SKIP, "no ping test in either run")
    if ma is None or mb is None:
        which = "A" if ma is None else "B"
        return {"compared": False}, Verdict("reachability", FAIL,
                                            f"run {which} has no ping test (run both with --pingall)")
    keys = sorted(set(ma) | set(mb))
    differ = [[s, d, ma.get((s, d)), mb.get((s, d))] for s, d in keys
              if ma.get((s, d)) != mb.get((s, d))]
    info = {"compared": True, "pairs": len(keys),
            "reachable_a": sum(ma.values()), "reachable_b": sum(mb.values()),
            "differences": differ}
    if differ:
        return info, Verdict("reachability", FAIL, f"{len(differ)} of {len(keys)} pairs differ")
    return info, Verdict("reachability", PASS,
                         f"identical: {sum(ma.values())}/{len(keys)} pairs reachable in both")


def _flow_row(fa: dict | None, fb: dict | None, fid: str) -> dict[str, Any]:
    def get(f: dict | None, key: str) -> Any:
        return None if f is None else f.get(key)
    return {"id": fid, "protocol": get(fa, "protocol") or get(fb, "protocol"),
            "in_a": fa is not None, "in_b": fb is not None,
            "path_a": get(fa, "path"), "path_b": get(fb, "path"),
            "throughput_a": get(fa, "throughput_bps"), "throughput_b": get(fb, "throughput_bps"),
            "throughput_rel": _rel(get(fa, "throughput_bps"), get(fb, "throughput_bps")),
            "fct_a": get(fa, "fct_s"), "fct_b": get(fb, "fct_s"),
            "fct_rel": _rel(get(fa, "fct_s"), get(fb, "fct_s"))}


def _within(rows: list[dict], metric: str, tol: float) -> Verdict:
    measured = [r for r in rows if r["protocol"] != "icmp" and r["in_a"] and r["in_b"]]
    if not measured:
        return Verdict(metric, SKIP, "no TCP/UDP flow in both runs")
    missing = [r["id"] for r in measured if r[f"{metric}_rel"] is None]
    worse = [r for r in measured if r[f"{metric}_rel"] is not None and abs(r[f"{metric}_rel"]) > tol]
    worst = max((abs(r[f"{metric}_rel"]) for r in measured if r[f"{metric}_rel"] is not None),
                default=None)
    if missing or worse:
        parts = []
        if worse:
            parts.append(", ".join(f"{r['id']} {r[f'{metric}_rel']:+.1%}" for r in worse)
                         + f" beyond ±{tol:.0%}")
        if missing:
            parts.append(f"not measured in both: {', '.join(missing)}")
        return Verdict(metric, FAIL, "; ".join(parts))
    return Verdict(metric, PASS, f"{len(measured)} flow(s) within ±{tol:.0%} "
                                 f"(largest difference {worst:.1%})")


def compare(a: dict[str, Any], b: dict[str, Any], *, name_a: str = "A", name_b: str = "B",
            tolerances: dict[str, float] | None = None) -> Comparison:
    """Compare two results documents (A is the reference)."""
    tol = dict(DEFAULT_TOLERANCES, **(tolerances or {}))
    reach, reach_verdict = compare_reachability(a, b)
    flows_a = {f["id"]: f for f in a.get("flows") or []}
    flows_b = {f["id"]: f for f in b.get("flows") or []}
    ids = list(flows_a) + [fid for fid in flows_b if fid not in flows_a]
    rows = [_flow_row(flows_a.get(fid), flows_b.get(fid), fid) for fid in ids]
    out = Comparison(name_a, name_b, (str(a.get("realization")), str(b.get("realization"))),
                     tol, reach, rows, [reach_verdict])
    if not rows:
        out.verdicts.append(Verdict("paths", SKIP, "no flows in either run"))
    else:
        only = [r["id"] for r in rows if not (r["in_a"] and r["in_b"])]
        differ = [r["id"] for r in rows if r["in_a"] and r["in_b"] and r["path_a"] != r["path_b"]]
        if only or differ:
            detail = "; ".join(x for x in (
                f"differ: {', '.join(differ)}" if differ else "",
                f"in one run only: {', '.join(only)}" if only else "") if x)
            out.verdicts.append(Verdict("paths", FAIL, detail))
        else:
            out.verdicts.append(Verdict("paths", PASS, f"identical for {len(rows)} flow(s)"))
    out.verdicts.append(_within(rows, "throughput", tol["throughput"]))
    out.verdicts.append(_within(rows, "fct", tol["fct"]))
    return out


def compare_runs(run_a: str | os.PathLike[str], run_b: str | os.PathLike[str], *,
                 tolerances: dict[str, float] | None = None) -> Comparison:
    """Compare two run directories (or results.json files)."""
    return compare(load_run(run_a), load_run(run_b), name_a=str(run_a), name_b=str(run_b),
                   tolerances=tolerances)


def _fmt(x: Any, unit: str = "") -> str:
    if x is None:
        return "-"
    if unit == "bps":
        return f"{x / 1e6:.2f}M"
    if unit == "s":
        return f"{x:.3f}"
    if unit == "%":
        return f"{x:+.1%}"
    return str(x)


def render(c: Comparison) -> str:
    """The report as text: runs, reachability, a flow table, one verdict per line."""
    lines = [f"A: {c.a} ({c.realizations[0]})", f"B: {c.b} ({c.realizations[1]})", ""]
    r = c.reachability
    if r.get("compared"):
        lines.append(f"reachability: A {r['reachable_a']}/{r['pairs']}, "
                     f"B {r['reachable_b']}/{r['pairs']}")
        for s, d, ra, rb in r["differences"][:20]:
            lines.append(f"  {s} -> {d}: A {'ok' if ra else 'unreachable' if ra is not None else '-'}, "
                         f"B {'ok' if rb else 'unreachable' if rb is not None else '-'}")
    if c.flows:
        header = ("flow", "path A", "path B", "thr A", "thr B", "Δthr", "FCT A", "FCT B", "ΔFCT")
        table = [header] + [(
            f["id"], "-".join(f["path_a"] or []) or "-", "-".join(f["path_b"] or []) or "-",
            _fmt(f["throughput_a"], "bps"), _fmt(f["throughput_b"], "bps"),
            _fmt(f["throughput_rel"], "%"), _fmt(f["fct_a"], "s"), _fmt(f["fct_b"], "s"),
            _fmt(f["fct_rel"], "%")) for f in c.flows]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines.append("")
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]
    lines.append("")
    for v in c.verdicts:
        lines.append(f"{v.status.upper():4}  {v.metric}: {v.detail}")
    lines.append(f"verdict: {'PASS' if c.ok else 'FAIL'}")
    return "\n".join(lines)
