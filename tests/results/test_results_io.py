"""results.json: deterministic writing, reading, run directories."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

import pytest
from results_samples import sample

from sendim.errors import InputError
from sendim.model import Protocol
from sendim.results import (
    Results, ResultsError, comparable, dumps, new_run_dir, normalize, now_iso, read_results,
    write_results,
)


def test_write_then_read(tmp_path):
    r = sample()
    path = write_results(r, tmp_path / "run")
    assert path == tmp_path / "run" / "results.json"
    assert read_results(tmp_path / "run") == r
    assert read_results(path) == r
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["results.json"]  # no temp files


def test_equal_results_give_identical_bytes(tmp_path):
    a, b = sample(), sample()
    b.flows[0].fct_s = 0.8 + 1e-15                  # float noise below the rounding
    b.meta.extra = dict(reversed(list({"z": 1, "a": 2}.items())))
    a.meta.extra = {"z": 1, "a": 2}
    pa = write_results(a, tmp_path / "a").read_bytes()
    pb = write_results(b, tmp_path / "b").read_bytes()
    assert pa == pb
    assert pa.endswith(b"\n") and b"NaN" not in pa
    text = pa.decode()
    assert text.index('"controller"') < text.index('"fallback"') < text.index('"flows"')


def test_wall_clock_fields_are_the_only_difference(tmp_path):
    a = sample()
    b = sample(wall_time_s=9.99, started_at="2027-02-02T00:00:00+00:00")
    assert dumps(a) != dumps(b)
    assert comparable(a) == comparable(b)
    assert "wall_time_s" not in comparable(a)["meta"] and "seed" in comparable(a)["meta"]
    c = sample(seed=8)
    assert comparable(a) != comparable(c)


def test_floats_are_rounded_to_nine_significant_digits():
    assert normalize(1 / 3) == 0.333333333
    assert normalize(123456789.123) == 123456789.0
    assert normalize(-0.0) == 0.0 and str(normalize(-0.0)) == "0.0"
    assert normalize(10**15) == 10**15                  # integers are exact
    assert normalize({"p": Protocol.TCP, "t": (1, 2.0)}) == {"p": "tcp", "t": [1, 2.0]}
    with pytest.raises(ResultsError, match=r"\$.flows\[0\].throughput_bps is inf"):
        normalize({"flows": [{"throughput_bps": math.inf}]})
    with pytest.raises(ResultsError, match="cannot hold"):
        normalize(object())


def test_writing_an_invalid_document_fails_and_leaves_nothing(tmp_path):
    r = sample()
    r.flows[0].bytes = "lots"                       # type: ignore[assignment]
    with pytest.raises(ResultsError):
        write_results(r, tmp_path)
    assert not list(tmp_path.iterdir())


def test_read_errors_are_input_errors(tmp_path):
    with pytest.raises(ResultsError, match="cannot read"):
        read_results(tmp_path / "nope")
    (tmp_path / "results.json").write_text("{not json")
    with pytest.raises(InputError, match="not JSON"):
        read_results(tmp_path)
    (tmp_path / "results.json").write_text(json.dumps({"schema": "sendim.results/1"}))
    with pytest.raises(ResultsError, match="results.json: \\$.realization is missing"):
        read_results(tmp_path)


def test_dict_documents_can_be_written(tmp_path):
    d = sample().to_dict()
    write_results(d, tmp_path)
    assert read_results(tmp_path) == Results.from_dict(d)


def test_new_run_dir_is_unique_and_named(tmp_path):
    when = datetime(2026, 1, 31, 12, 0, 5, tzinfo=timezone.utc)
    a = new_run_dir(tmp_path / "runs", "fat tree/k=4", now=when)
    b = new_run_dir(tmp_path / "runs", "fat tree/k=4", now=when)
    c = new_run_dir(tmp_path / "runs", now=when)
    assert a.name == "fat-tree-k-4-20260131-120005"
    assert b.name == "fat-tree-k-4-20260131-120005-2"
    assert c.name == "run-20260131-120005"
    assert a.is_dir() and b.is_dir() and a != b
    assert new_run_dir(tmp_path / "runs", "..", now=when).name.startswith("run-")


def test_now_iso_is_utc_iso8601():
    stamp = now_iso()
    assert datetime.fromisoformat(stamp).utcoffset().total_seconds() == 0
