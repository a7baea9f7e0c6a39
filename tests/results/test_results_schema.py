"""sendim.results/1: typed objects, dict round trip, JSON Schema validation."""

from __future__ import annotations

import copy
import json
import sys

import pytest
from results_samples import sample

from sendim.errors import InputError, SendimError
from sendim.results import (
    RESULTS_JSON_SCHEMA, SCHEMA_ID, FlowResult, Results, ResultsError, SchemaVersionError,
    dumps, schema_json, validate,
)


def doc() -> dict:
    return json.loads(dumps(sample()))


def test_round_trip_through_dict_and_json():
    r = sample()
    d = r.to_dict()
    assert d["schema"] == SCHEMA_ID and d["realization"] == "simulation"
    assert Results.from_dict(d) == r
    assert Results.from_dict(json.loads(dumps(r))) == r
    assert Results.from_dict(d).to_dict() == d


def test_minimum_keys_are_written():
    d = doc()
    assert set(d) >= {"schema", "realization", "fallback", "flows", "pings", "reachability",
                      "controller", "meta", "links", "events"}
    assert d["fallback"] == {"happened": True, "reason": "emulation setup took 75 s (limit 60 s)"}
    assert set(d["flows"][0]) >= {"id", "src", "dst", "protocol", "bytes", "start_s", "end_s",
                                  "fct_s", "throughput_bps", "path", "drops"}
    assert d["flows"][1]["end_s"] is None and d["flows"][1]["fct_s"] is None
    assert set(d["pings"][0]) >= {"src", "dst", "sent", "received", "rtt_avg_ms"}
    assert d["pings"][1]["rtt_avg_ms"] is None
    assert d["reachability"]["pairs"] == 12 and d["reachability"]["reachable"] == 11
    assert set(d["meta"]) >= {"environment", "granularity", "seed", "wall_time_s", "sim_time_s",
                              "sendim_version", "system", "app_revisions", "started_at", "notes"}


def test_unknown_keys_survive_as_extra():
    d = doc()
    d["flows"][0]["iperf3_bps"] = 99e6
    d["meta"]["datapath"] = "kernel"
    d["brand_new_section"] = {"x": 1}
    r = Results.from_dict(d)
    assert r.flows[0].extra["iperf3_bps"] == 99e6 and r.meta.extra["datapath"] == "kernel"
    assert r.to_dict() == d


def test_json_schema_is_valid_draft_2020_12_and_accepts_documents():
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(RESULTS_JSON_SCHEMA)
    validate(doc())
    assert json.loads(schema_json()) == RESULTS_JSON_SCHEMA
    bare = Results().to_dict()               # an empty run is valid too
    validate(bare)
    assert bare["reachability"] is None


BREAKAGES = [
    ("missing realization", lambda d: d.pop("realization"), "realization"),
    ("missing flows", lambda d: d.pop("flows"), "flows"),
    ("missing meta", lambda d: d.pop("meta"), "meta"),
    ("missing fallback reason", lambda d: d["fallback"].pop("reason"), "reason"),
    ("missing flow bytes", lambda d: d["flows"][0].pop("bytes"), "bytes"),
    ("missing ping rtt", lambda d: d["pings"][0].pop("rtt_avg_ms"), "rtt_avg_ms"),
    ("bytes as text", lambda d: d["flows"][0].update(bytes="10MB"), "bytes"),
    ("bool as count", lambda d: d["flows"][0].update(drops=True), "drops"),
    ("happened as text", lambda d: d["fallback"].update(happened="yes"), "happened"),
    ("unknown realization", lambda d: d.update(realization="cloud"), "realization"),
    ("path not a list", lambda d: d["flows"][0].update(path="s1,s2"), "path"),
    ("path of numbers", lambda d: d["flows"][0].update(path=[1, 2]), "path"),
    ("negative count", lambda d: d["controller"].update(packet_in=-1), "packet_in"),
    ("negative bytes", lambda d: d["flows"][1].update(bytes=-5), "bytes"),
    ("flows not a list", lambda d: d.update(flows={}), "flows"),
    ("rtt as text", lambda d: d["pings"][0].update(rtt_avg_ms="1ms"), "rtt_avg_ms"),
    ("reachability pairs", lambda d: d["reachability"].update(pairs=None), "pairs"),
    ("bad utilization bin", lambda d: d["links"][0].update(utilization=[[0.0]]), "utilization"),
    ("notes not strings", lambda d: d["meta"].update(notes=[1]), "notes"),
]


@pytest.mark.parametrize("name,breaks,word", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_invalid_documents_are_rejected(name, breaks, word):
    d = doc()
    breaks(d)
    with pytest.raises(ResultsError, match=word):
        Results.from_dict(d)
    pytest.importorskip("jsonschema")
    with pytest.raises(ResultsError, match=word):
        validate(d)


@pytest.mark.parametrize("name,breaks,word", BREAKAGES[:10], ids=[b[0] for b in BREAKAGES[:10]])
def test_structural_fallback_without_jsonschema(monkeypatch, name, breaks, word):
    monkeypatch.setitem(sys.modules, "jsonschema", None)      # import fails
    d = doc()
    validate(copy.deepcopy(d))
    breaks(d)
    with pytest.raises(ResultsError, match=word):
        validate(d)


def test_every_problem_is_listed():
    d = doc()
    d.pop("pings")
    d["flows"][0]["bytes"] = "x"
    d["flows"][1].pop("id")
    with pytest.raises(ResultsError) as info:
        Results.from_dict(d)
    assert len(info.value.problems) == 3
    assert "$.flows[1].id is missing" in str(info.value)


def test_unknown_schema_version_is_a_clear_error():
    d = doc()
    d["schema"] = "sendim.results/2"
    with pytest.raises(SchemaVersionError, match="upgrade sendim") as info:
        Results.from_dict(d)
    assert isinstance(info.value, InputError) and isinstance(info.value, SendimError)
    with pytest.raises(SchemaVersionError, match="upgrade sendim"):
        validate(d)
    d["schema"] = None
    with pytest.raises(SchemaVersionError, match="not a sendim results document"):
        Results.from_dict(d)
    with pytest.raises(SchemaVersionError):
        Results.from_dict([1, 2])


def test_objects_read_on_their_own_raise_too():
    with pytest.raises(ResultsError, match="flow.bytes"):
        FlowResult.from_dict({"id": "f", "src": "a", "dst": "b", "protocol": "tcp",
                              "bytes": -0.5, "start_s": 0, "end_s": None, "fct_s": None,
                              "throughput_bps": None, "path": [], "drops": 0})


def test_fallback_requested_is_written_only_when_known():
    r = Results()
    assert r.to_dict()["fallback"] == {"happened": False, "reason": None}
    r = Results.from_dict({**r.to_dict(), "fallback": {"happened": True, "reason": "no root",
                                                       "requested": "emulation"}})
    assert r.fallback.requested == "emulation"
    assert r.to_dict()["fallback"]["requested"] == "emulation"
    assert Results.from_dict({**r.to_dict(), "fallback": {"happened": False, "reason": None,
                                                          "requested": None}}
                             ).to_dict()["fallback"] == {"happened": False, "reason": None}


def test_callers_may_assign_plain_dicts_and_strings():
    r = sample()
    r.realization = "simulation"
    r.fallback = {"happened": True, "reason": "pre-flight: no root"}   # as sendim.api does
    r.meta.app_revisions = {"app": "sha256:1"}
    d = r.to_dict()
    validate(d)
    assert d["fallback"]["reason"] == "pre-flight: no root"
    meta = Results.from_dict({**d, "meta": {**d["meta"], "granularity": "flow"}}).meta
    assert meta.granularity == ["flow"]


def test_producer_documents_are_accepted():
    """Documents shaped like the simulator's and the Mininet runtime's."""
    report = pytest.importorskip("converters.mininet_runtime.report")
    flow = report.flow_document(
        {"id": "f1", "src": "h1", "dst": "h2", "protocol": "tcp", "traffic": "bulk"},
        {"start_s": 0.5, "end_s": 2.5, "completed": True, "bytes": 1_000_000,
         "path_samples": [(0.6, ["s1", "s2"], None)]})
    ping = report.ping_document("h1", "h2", {"sent": 1, "received": 1, "rtts_ms": [0.5]},
                                None, ["s1"])
    emu = report.document({}, [flow], [ping], {}, [], {"environment": "emulation",
                                                       "granularity": ["emulated"],
                                                       "wall_time_s": None})
    validate(emu)
    r = Results.from_dict(emu)
    assert r.flows[0].fct_s == 2.0 and r.flows[0].extra["completed"] is True
    assert r.reachability.pairs == 1 and r.realization == "emulation"
    validate(json.loads(dumps(r)))


def test_simulator_document_is_accepted():
    try:
        from engine_helpers import dumbbell  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1]
                               / "simulator" / "engine"))
    try:
        from engine_helpers import dumbbell
        from sendim.simulator.engine import Simulation
    except ImportError as exc:
        pytest.skip(f"simulator not available: {exc}")
    t = dumbbell()
    t.add_flow("h1", "h2", id="f1", size="1MB")
    res = Simulation(t.build_system(), seed=1, pingall=True).run()
    d = res.to_dict() if isinstance(res, Results) else res
    validate(d)
    r = Results.from_dict(d)
    assert r.flow("f1").bytes == 1_000_000 and r.reachability.reachable == 12
    validate(json.loads(dumps(r)))


def test_documentation_matches_the_json_schema():
    import re
    from pathlib import Path
    docs = Path(__file__).parents[2] / "docs" / "results-schema.md"
    if not docs.exists():
        pytest.skip("docs not present")
    text = docs.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", text))
    keys = set(RESULTS_JSON_SCHEMA["properties"])
    for definition in RESULTS_JSON_SCHEMA["$defs"].values():
        keys |= set(definition["properties"])
    assert keys <= documented, keys - documented
    example = re.search(r"```json\n(.*?)```", text, re.S).group(1)
    validate(json.loads(example))
    Results.from_dict(json.loads(example))
