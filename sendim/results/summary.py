"""The plain-text summary printed after a run (``sendim run``)."""

from __future__ import annotations

from typing import Any

from sendim.results.schema import Results

MAX_ROWS = 50


def _human(value: float, units: list[tuple[str, float]], base: str) -> str:
    """3 significant digits in the largest unit that keeps the value >= 1."""
    for name, scale in units:
        if abs(value) >= scale:
            scaled = value / scale
            text = f"{scaled:.3g}" if abs(scaled) < 1000 else f"{scaled:.0f}"
            if "e" in text:
                text = f"{scaled:.0f}"
            return f"{text} {name}"
    return f"{value:.3g} {base}" if value else f"0 {base}"


def human_bytes(n: float) -> str:
    """``10_000_000`` → ``'10 MB'`` (SI prefixes)."""
    if abs(n) < 1000:
        return f"{int(n)} B"
    return _human(n, [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)], "B")


def human_rate(bps: float) -> str:
    """``9.5e6`` → ``'9.5 Mbps'``."""
    return _human(bps, [("Tbps", 1e12), ("Gbps", 1e9), ("Mbps", 1e6), ("kbps", 1e3),
                        ("bps", 1.0)], "bps")


def human_time(seconds: float) -> str:
    """``0.0123`` → ``'12.3 ms'``."""
    return _human(seconds, [("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)], "s")


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for row in [header, *rows]:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def _more(lines: list[str], total: int, shown: int, what: str) -> None:
    if total > shown:
        lines.append(f"  ... and {total - shown} more {what} (see results.json)")


def summary_table(results: Results | dict[str, Any], max_rows: int = MAX_ROWS) -> str:
    """A plain-text report: flows, pings, reachability, controller messages,
    the fallback if one happened, and notes. At most *max_rows* flows and pings."""
    if isinstance(results, dict):
        results = Results.from_dict(results)
    r, meta = results, results.meta
    head = f"sendim results: {r.realization}"
    if meta.system:
        head += f' of "{meta.system}"'
    details = []
    if meta.seed is not None:
        details.append(f"seed {meta.seed}")
    if meta.sim_time_s is not None:
        details.append(f"{human_time(meta.sim_time_s)} {'simulated' if r.realization == 'simulation' else 'run'}")
    if meta.wall_time_s is not None:
        details.append(f"{human_time(meta.wall_time_s)} wall clock")
    lines = [head + (f" ({', '.join(details)})" if details else "")]
    fb = r.fallback
    if getattr(fb, "happened", False):
        was = f" instead of {fb.requested}" if getattr(fb, "requested", None) else ""
        lines.append(f"FALLBACK: ran as {r.realization}{was}: {fb.reason or 'no reason given'}")

    if r.flows:
        lines += ["", f"Flows ({len(r.flows)})"]
        rows = []
        for f in r.flows[:max_rows]:
            fct = human_time(f.fct_s) if f.fct_s is not None else "unfinished"
            thr = human_rate(f.throughput_bps) if f.throughput_bps is not None else "-"
            rows.append([f.id, f"{f.src} -> {f.dst}", f.protocol, human_bytes(f.bytes), fct,
                         thr, str(f.drops), ">".join(f.path) or "-"])
        lines += _table(["id", "src -> dst", "proto", "bytes", "FCT", "throughput", "drops",
                         "path"], rows, right={3, 4, 5, 6})
        _more(lines, len(r.flows), len(rows), "flows")

    if r.pings:
        lines += ["", f"Pings ({len(r.pings)})"]
        rows = []
        for p in r.pings[:max_rows]:
            loss = f"{(p.sent - p.received) / p.sent:.0%}" if p.sent else "-"
            rtt = f"{p.rtt_avg_ms:.3g} ms" if p.rtt_avg_ms is not None else "-"
            rows.append([f"{p.src} -> {p.dst}", str(p.sent), str(p.received), loss, rtt])
        lines += _table(["src -> dst", "sent", "recv", "loss", "rtt avg"], rows,
                        right={1, 2, 3, 4})
        _more(lines, len(r.pings), len(rows), "pings")

    reach = r.reachability
    if reach is not None:
        share = f" ({reach.reachable / reach.pairs:.0%})" if reach.pairs else ""
        lines += ["", f"Reachability: {reach.reachable}/{reach.pairs} pairs reachable{share}"]
        missing = reach.unreachable or []
        if missing:
            shown = ", ".join(f"{a} -> {b}" for a, b in missing[:max_rows])
            lines.append(f"  unreachable: {shown}"
                         + (f" ... and {len(missing) - max_rows} more" if len(missing) > max_rows else ""))
    if r.controller:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(r.controller.items()))
        lines += ["", f"Controller messages: {counts}"]
    if meta.notes:
        lines += ["", "Notes:"] + [f"  - {n}" for n in meta.notes]
    return "\n".join(lines)
