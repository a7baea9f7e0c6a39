"""Assemble what the emulation measured into sendim's shared results schema.

Same top-level keys as the simulator's ``results.json`` (schema
``sendim.results/1``): ``flows`` (bytes delivered, start/end/FCT, mean
throughput, the path read back from the switches' tables), ``pings``,
``reachability``, ``controller`` (message counts when the controller
reported them), ``links`` (port counters) and ``meta``. Emulation-specific
fields: a flow's ``iperf3_bps`` (iperf3's own receiver rate) and
``path_unresolved`` (why no complete path was read, if so).
``drops`` counts UDP packets lost, ICMP echoes unanswered, or TCP segments
retransmitted (iperf3's ``retransmits``).
"""

from __future__ import annotations

import re

SCHEMA = "sendim.results/1"
PORT_LINE = re.compile(r"port\s+(\d+):\s+rx pkts=(\d+), bytes=(\d+), drop=(\d+).*?\n"
                       r"\s+tx pkts=(\d+), bytes=(\d+), drop=(\d+)", re.S)


def _r(x: float | None, nd: int = 6) -> float | None:
    return None if x is None else round(float(x), nd)


def distinct_paths(samples: list[tuple[float, list[str], str | None]]) -> tuple[list[list[str]], list[float], str | None]:
    """Consecutive distinct complete paths from ``(t, path, unresolved)`` samples."""
    paths: list[list[str]] = []
    times: list[float] = []
    last_reason = None
    for t, path, why in samples:
        if why is not None:
            last_reason = why
            continue
        if not paths or paths[-1] != path:
            paths.append(path)
            times.append(t)
    return paths, times, (None if paths else last_reason)


def flow_document(flow: dict, run: dict) -> dict:
    """One flow's record; *run* holds what the runtime observed for it."""
    start = run.get("start_s")
    end = run.get("end_s") if run.get("completed") else None
    fct = None if end is None or start is None else max(0.0, end - start)
    bytes_ = int(run.get("bytes") or 0)
    paths, times, unresolved = distinct_paths(run.get("path_samples", []))
    return {
        "id": flow["id"], "src": flow["src"], "dst": flow["dst"], "protocol": flow["protocol"],
        "granularity": "emulated", "traffic": flow["traffic"],
        "bytes": bytes_, "offered_bytes": int(run.get("offered_bytes") or 0),
        "start_s": _r(start), "end_s": _r(end), "fct_s": _r(fct),
        "throughput_bps": _r(bytes_ * 8.0 / fct, 3) if fct else None,
        "iperf3_bps": _r(run.get("iperf3_bps"), 3),
        "path": paths[0] if paths else [], "paths": paths,
        "path_changes_s": [_r(t) for t in times[1:]], "reroutes": max(0, len(paths) - 1),
        "path_unresolved": unresolved,
        "setup_s": None, "drops": int(run.get("drops") or 0),
        "retransmits": run.get("retransmits"), "stalled_s": None, "stalls": None,
        "completed": end is not None, "failed": run.get("failed"),
        "requested_bytes": flow.get("size"),
    }


def ping_document(src: str, dst: str, parsed: dict, flow_id: str | None,
                  path: list[str]) -> dict:
    """One ping series (a pingall pair or an ICMP flow)."""
    rtts = parsed.get("rtts_ms", [])
    return {
        "src": src, "dst": dst, "flow": flow_id, "sent": parsed.get("sent", 0),
        "received": parsed.get("received", 0), "path": path,
        "rtt_avg_ms": _r(sum(rtts) / len(rtts)) if rtts else None,
        "rtt_min_ms": _r(min(rtts)) if rtts else None,
        "rtt_max_ms": _r(max(rtts)) if rtts else None,
        "rtts_ms": [_r(r) for r in rtts],
    }


MAX_MATRIX_PAIRS = 10_000


def reachability(pings: list[dict]) -> dict | None:
    """The ping test's pairs: counts, unreachable pairs, the matrix for small systems."""
    pairs = [(p["src"], p["dst"], p["received"] > 0) for p in pings if p["flow"] is None]
    if not pairs:
        return None
    matrix: dict | None = None
    if len(pairs) <= MAX_MATRIX_PAIRS:
        matrix = {}
        for a, b, ok in pairs:
            matrix.setdefault(a, {})[b] = ok
    return {"pairs": len(pairs), "reachable": sum(1 for *_, ok in pairs if ok),
            "matrix": matrix, "unreachable": [[a, b] for a, b, ok in pairs if not ok]}


def parse_ports(text: str) -> dict[int, dict[str, int]]:
    """``dump-ports`` → per port: rx/tx bytes, packets and drops."""
    out = {}
    for m in PORT_LINE.finditer(text):
        out[int(m.group(1))] = {"rx_packets": int(m.group(2)), "rx_bytes": int(m.group(3)),
                                "rx_drop": int(m.group(4)), "tx_packets": int(m.group(5)),
                                "tx_bytes": int(m.group(6)), "tx_drop": int(m.group(7))}
    return out


def link_documents(data: dict, ports: dict[str, str], duration: float) -> list[dict]:
    """Bytes per directed link from the switches' port counters.

    Direction 0 is src→dst. A direction is read from the switch end that
    sends it (tx) or, for a host→switch direction, the switch end that
    receives it (rx). Counters include control traffic such as ARP.
    """
    parsed = {sid: parse_ports(text) for sid, text in ports.items()}
    out = []
    for lid, src, dst, sport, dport, _, _, bw, *_ in data["links"]:
        for direction, (a, ap, b, bp) in enumerate(((src, sport, dst, dport),
                                                    (dst, dport, src, sport))):
            if a in parsed and ap in parsed[a]:
                c = parsed[a][ap]
                frames, bytes_, drops = c["tx_packets"], c["tx_bytes"], c["tx_drop"]
            elif b in parsed and bp in parsed[b]:
                c = parsed[b][bp]
                frames, bytes_, drops = c["rx_packets"], c["rx_bytes"], c["rx_drop"]
            else:
                continue
            if not frames:
                continue
            thr = bytes_ * 8.0 / duration if duration > 0 else None
            out.append({"id": lid, "src": a, "dst": b, "direction": direction,
                        "capacity_bps": bw, "frames": frames, "bytes": bytes_,
                        "drops": {"queue": drops}, "throughput_bps": _r(thr, 3),
                        "mean_utilization": _r(thr / bw) if bw and thr is not None else None})
    return out


def document(data: dict, flows: list[dict], pings: list[dict], controller: dict,
             links: list[dict], meta: dict, events: list[dict] | None = None) -> dict:
    """The whole results document (*events*: as applied, ``time_s`` from time zero)."""
    return {
        "schema": SCHEMA, "realization": "emulation",
        "fallback": {"happened": False, "reason": None, "requested": None},
        "flows": flows, "pings": pings, "reachability": reachability(pings),
        "controller": controller, "links": links, "events": events or [], "meta": meta,
    }
