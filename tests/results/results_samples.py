"""Sample results shared by the results tests."""

from __future__ import annotations

from sendim.results import (
    EventRecord, Fallback, FlowResult, LinkUsage, Meta, PingResult, Reachability, Results,
)


def sample(**meta_overrides) -> Results:
    meta = dict(environment="simulation", system="dumbbell", granularity=["flow"], seed=7,
                sim_time_s=16.0, wall_time_s=0.42, started_at="2026-01-31T12:00:00+00:00",
                sendim_version="0.1.0", app_revisions={"shortest_path": "sha256:abc"},
                notes=["delay not applied: netem unavailable"], extra={"events": 1234})
    meta.update(meta_overrides)
    return Results(
        realization="simulation",
        fallback=Fallback(True, "emulation setup took 75 s (limit 60 s)"),
        flows=[
            FlowResult("f1", "h1", "h2", "tcp", 10_000_000, 0.0, 0.8, 0.8, 100e6, ["s1", "s2"],
                       0, requested_bytes=10_000_000, extra={"paths": [["s1", "s2"]]}),
            FlowResult("f2", "h3", "h4", "udp", 1_250_000, 1.0, None, None, None, ["s1", "s2"],
                       3),
        ],
        pings=[PingResult("h1", "h2", 3, 2, 1.234, extra={"rtts_ms": [1.2, 1.268]}),
               PingResult("h2", "h1", 3, 0, None)],
        reachability=Reachability(12, 11, matrix={"h1": {"h2": True}, "h2": {"h1": False}},
                                  unreachable=[["h2", "h1"]]),
        controller={"packet_in": 12, "flow_mod": 30},
        meta=Meta(**meta),
        links=[LinkUsage("s1-s2", "s1", "s2", 0, 10e6, 1_000_000, 5e6, 0.5,
                         [[0.0, 0.25], [8.0, 0.75]], extra={"frames": 700})],
        events=[EventRecord(5.0, "down", "link", "s1-s2")],
    )
