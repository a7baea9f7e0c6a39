"""Assemble a finished simulation into the shared results schema.

Link utilization: every ``sample_interval`` seconds the simulation records
the bytes each directed link has carried so far: the channels' counters
(packets and chunks, the frame on the wire counted pro rata) and the fluid
loads integrated exactly between rate changes. Bins are multiples of the
interval, so each bin's mean is exact. Each directed link gets at most
:data:`MAX_BINS` consecutive bins of equal width: ``[start_s, utilization]``
(the mean over the bin; None on links of unlimited bandwidth, whose
``throughput`` is reported instead). Links that never carried anything are
left out; with many links the bins get wider (at most
:data:`MAX_TOTAL_BINS` in all, at least :data:`MIN_BINS` per link).

Fields the simulation adds to the shared schema (kept as extras by readers):

* flow: ``granularity``, ``traffic``, ``offered_bytes`` (what the source
  emitted), ``paths`` (every distinct path, in order), ``path_changes_s``
  (when each new path was first used), ``reroutes``, ``setup_s`` (start to
  first delivery: ARP, packet-ins, the first packet), ``retransmits``,
  ``stalled_s`` (fluid: time without a usable path; packet/chunk: longest gap
  between deliveries), ``stalls``, ``completed``, ``failed`` (why not);
* ping: ``path`` (switches the first request crossed), ``rtt_min_ms``,
  ``rtt_max_ms``, ``rtts_ms``;
* link: ``frames`` (sent on the channel), ``drops`` (``queue``, ``loss``,
  ``down``);
* meta: ``sim_events``, ``stopped_by`` (``traffic done``, ``until``, ...),
  ``control_latency_s``, ``settle_s``, ``controller``, ``fluid_quantum_s``
  (0: exact fluid rates), ``python``.

``docs/results-schema.md`` documents each of them (units, nulls).
"""

from __future__ import annotations

import math
import platform
from typing import TYPE_CHECKING, Any

import sendim
from sendim.simulator.records import FlowRecord, PingRecord

if TYPE_CHECKING:
    from sendim.results import Results
    from sendim.simulator.engine import Simulation

SCHEMA = "sendim.results/1"
MAX_BINS = 100
MIN_BINS = 10
MAX_MATRIX_PAIRS = 10_000      # pingall pairs up to which the full matrix is written
MAX_TOTAL_BINS = 100_000
"""Bins over all links: big networks get coarser series, not huge files."""


def _r(x: float | None, nd: int = 9) -> float | None:
    return None if x is None else round(float(x), nd)


def flow_document(rec: FlowRecord) -> dict[str, Any]:
    flow = rec.flow
    start = rec.start_s if rec.start_s is not None else flow.start
    end = rec.end if rec.done and rec.failed is None else None
    fct = None if end is None else end - start
    bytes_ = int(round(rec.bytes))
    thr = bytes_ * 8.0 / fct if fct else None
    path = rec.paths[0] if rec.paths else []
    return {
        "id": flow.id, "src": flow.src, "dst": flow.dst, "protocol": flow.protocol.value,
        "granularity": rec.granularity, "traffic": rec.traffic,
        "bytes": bytes_, "requested_bytes": flow.size,
        "offered_bytes": int(round(rec.offered)),
        "start_s": _r(start), "end_s": _r(end), "fct_s": _r(fct),
        "throughput_bps": _r(thr, 3),
        "path": path, "paths": rec.paths, "path_changes_s": [_r(t) for t in rec.path_times[1:]],
        "reroutes": max(0, len(rec.paths) - 1),
        "setup_s": _r(rec.first_rx - start) if rec.first_rx is not None else None,
        "drops": rec.drops, "retransmits": rec.retransmits,
        "stalled_s": _r(rec.stalled_s), "stalls": rec.stalls,
        "completed": end is not None, "failed": rec.failed,
    }


def ping_document(p: PingRecord) -> dict[str, Any]:
    rtts = [r * 1000.0 for r in p.rtts]
    return {
        "src": p.src, "dst": p.dst, "flow": p.flow_id, "sent": p.sent, "received": p.received,
        "path": p.path,
        "rtt_avg_ms": _r(sum(rtts) / len(rtts), 6) if rtts else None,
        "rtt_min_ms": _r(min(rtts), 6) if rtts else None,
        "rtt_max_ms": _r(max(rtts), 6) if rtts else None,
        "rtts_ms": [_r(r, 6) for r in rtts],
    }


def link_documents(sim: "Simulation", end: float) -> list[dict[str, Any]]:
    """Utilization per directed link that carried anything."""
    if end <= 0:
        return []
    samples = sim.samples
    used = [(link_id, direction, ch) for link_id, sl in sim.links.items()
            for direction, ch in ((0, sl.fwd), (1, sl.rev))
            if ch in samples or (link_id, direction) in samples]
    if not used:
        return []
    step = sim.sample_interval
    want = max(MIN_BINS, min(MAX_BINS, MAX_TOTAL_BINS // len(used)))
    width = step * max(1, math.ceil(end / step / want))
    nbins = max(1, math.ceil(end / width - 1e-9))
    out = []
    for link_id, direction, ch in used:
        bits = [0.0] * nbins
        any_traffic = False
        for series in (samples.get(ch), samples.get((link_id, direction))):
            if not series:
                continue
            any_traffic = True
            previous = 0.0
            for t, total in series:
                k = min(nbins - 1, int(max(0.0, t - 1e-12) // width))
                bits[k] += (total - previous) * 8.0
                previous = total
        if not any_traffic and not ch.tx_frames:
            continue
        cap = ch.bandwidth
        total_bits = sum(bits)
        bins = []
        for k, b in enumerate(bits):
            w = min(width, end - k * width)
            util = round(b / w / cap, 6) if cap and w > 0 else None
            bins.append([round(k * width, 9), util])
        out.append({
            "id": link_id, "src": ch.src, "dst": ch.dst, "direction": direction,
            "capacity_bps": cap, "frames": ch.tx_frames, "bytes": int(round(total_bits / 8)),
            "drops": {"queue": ch.drop_queue, "loss": ch.drop_loss, "down": ch.drop_down},
            "throughput_bps": _r(total_bits / end, 3),
            "mean_utilization": _r(total_bits / end / cap, 6) if cap else None,
            "utilization": bins,
        })
    return out


def reachability_document(sim: "Simulation") -> dict[str, Any] | None:
    """Pingall pairs: counts, unreachable pairs, and the matrix for small systems."""
    pairs = [(p.src, p.dst, p.received > 0) for p in sim.pings if p.flow_id is None]
    if not pairs:
        return None
    matrix: dict[str, dict[str, bool]] | None = None
    if len(pairs) <= MAX_MATRIX_PAIRS:
        matrix = {}
        for a, b, ok in pairs:
            matrix.setdefault(a, {})[b] = ok
    return {"pairs": len(pairs), "reachable": sum(1 for *_, ok in pairs if ok),
            "matrix": matrix, "unreachable": [[a, b] for a, b, ok in pairs if not ok]}


def _finish_ping_flows(sim: "Simulation") -> None:
    """Ping flows are flows too: their bytes, end and path come from the echoes."""
    for rec, ping in sim.ping_flows():
        payload = max(0, rec.flow.packet_size - 28)
        rec.tx_frames, rec.rx_frames = ping.sent, ping.received
        rec.bytes = ping.received * payload
        rec.offered = ping.sent * payload
        rec.end = ping.last_rx
        if ping.path is not None and not rec.paths:
            rec.paths.append(ping.path)
        if ping.rtts and rec.first_rx is None and rec.start_s is not None:
            rec.first_rx = rec.start_s + ping.rtts[0]


def document(sim: "Simulation") -> dict[str, Any]:
    """The results of *sim* as a JSON-ready dict (schema ``sendim.results/1``)."""
    end = sim.env.now
    _finish_ping_flows(sim)
    return {
        "schema": SCHEMA,
        "realization": "simulation",
        "fallback": {"happened": False, "reason": None, "requested": None},
        "flows": [flow_document(r) for r in sim.flows],
        "pings": [ping_document(p) for p in sim.pings],
        "reachability": reachability_document(sim),
        "controller": dict(sim.channel.counts),
        "links": link_documents(sim, end),
        "events": [{"time_s": t, "action": a, "target": k, "ref": r}
                   for t, a, k, r in sim.applied_events],
        "meta": {
            "environment": "simulation", "system": sim.system.name,
            "granularity": sorted({r.granularity for r in sim.flows}),
            "seed": sim.seed, "sim_time_s": _r(end), "wall_time_s": sim.wall_s,
            "started_at": sim.started_at, "sendim_version": sendim.__version__,
            "app_revisions": {}, "notes": list(sim.notes),
            "sim_events": sim.events_processed, "stopped_by": sim.stopped_by,
            "control_latency_s": sim.channel.latency, "settle_s": sim.settle,
            "controller": type(sim.controller).__name__,
            "fluid_quantum_s": sim.fluid_quantum,
            "python": platform.python_version(),
        },
    }


def collect(sim: "Simulation") -> "Results":
    """Shared-schema results of *sim*, checked against the schema."""
    from sendim.results import Results

    return Results.from_dict(document(sim))
