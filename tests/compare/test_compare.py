"""``sendim compare``: verdicts, tolerances, reports and exit codes on synthetic runs."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from sendim.cli.main import main
from sendim.compare import FAIL, PASS, SKIP, compare, compare_runs, load_run, render
from sendim.errors import InputError


def doc(realization: str = "simulation", **overrides) -> dict:
    d = {
        "schema": "sendim.results/1", "realization": realization,
        "fallback": {"happened": False, "reason": None},
        "flows": [
            {"id": "f1", "src": "h1", "dst": "h3", "protocol": "tcp", "bytes": 10_000_000,
             "start_s": 0.0, "end_s": 8.0, "fct_s": 8.0, "throughput_bps": 10e6,
             "path": ["s1", "s2"], "drops": 0},
            {"id": "p", "src": "h1", "dst": "h3", "protocol": "icmp", "bytes": 560,
             "start_s": 0.0, "end_s": 1.0, "fct_s": 1.0, "throughput_bps": 4480.0,
             "path": ["s1", "s2"], "drops": 0},
        ],
        "pings": [{"src": a, "dst": b, "flow": None, "sent": 1, "received": 1, "rtt_avg_ms": 1.0}
                  for a in ("h1", "h3") for b in ("h1", "h3") if a != b],
        "reachability": {"pairs": 2, "reachable": 2}, "controller": {}, "meta": {},
    }
    d.update(overrides)
    return d


def verdicts(c) -> dict[str, str]:
    return {v.metric: v.status for v in c.verdicts}


def test_identical_runs_pass() -> None:
    c = compare(doc(), doc("emulation"))
    assert c.ok and verdicts(c) == {"reachability": PASS, "paths": PASS, "throughput": PASS,
                                    "fct": PASS}
    text = render(c)
    assert "verdict: PASS" in text and "s1-s2" in text


def test_throughput_and_fct_tolerances() -> None:
    b = doc("emulation")
    b["flows"][0].update(throughput_bps=8.9e6, fct_s=9.0)        # -11 %, +12.5 %
    c = compare(doc(), b)
    assert verdicts(c)["throughput"] == FAIL and verdicts(c)["fct"] == PASS and not c.ok
    assert "f1 -11.0% beyond ±10%" in render(c)
    assert compare(doc(), b, tolerances={"throughput": 0.12}).ok
    row = c.flows[0]
    assert row["throughput_rel"] == pytest.approx(-0.11) and row["fct_rel"] == pytest.approx(0.125)


def test_paths_must_be_identical() -> None:
    b = doc("emulation")
    b["flows"][0]["path"] = ["s1", "s3", "s2"]
    c = compare(doc(), b)
    assert verdicts(c)["paths"] == FAIL and "differ: f1" in c.verdicts[1].detail
    b = doc("emulation")
    del b["flows"][1]
    assert "in one run only: p" in compare(doc(), b).verdicts[1].detail


def test_reachability_matrices() -> None:
    b = doc("emulation")
    b["pings"][1]["received"] = 0
    c = compare(doc(), b)
    assert verdicts(c)["reachability"] == FAIL
    assert c.reachability["differences"] == [["h3", "h1", True, False]]
    assert verdicts(compare(doc(pings=[]), doc(pings=[])))["reachability"] == SKIP
    assert verdicts(compare(doc(), doc(pings=[])))["reachability"] == FAIL


def test_incomplete_flow_fails() -> None:
    b = doc("emulation")
    b["flows"][0].update(fct_s=None, throughput_bps=None)
    c = compare(doc(), b)
    assert verdicts(c)["fct"] == FAIL and "not measured in both: f1" in c.verdicts[3].detail


def write(tmp: Path, name: str, d: dict) -> Path:
    run = tmp / name
    run.mkdir()
    (run / "results.json").write_text(json.dumps(d))
    return run


def test_load_run_accepts_dirs_and_files(tmp_path: Path) -> None:
    run = write(tmp_path, "a", doc())
    assert load_run(run) == load_run(run / "results.json")
    with pytest.raises(InputError, match="cannot read"):
        load_run(tmp_path / "missing")
    (tmp_path / "bad.json").write_text('{"flows": []}')
    with pytest.raises(InputError, match="not a sendim results"):
        load_run(tmp_path / "bad.json")


def test_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path, "sim", doc())
    slow = copy.deepcopy(doc("emulation"))
    slow["flows"][0].update(throughput_bps=5e6, fct_s=16.0)
    b = write(tmp_path, "emu", slow)
    assert main(["compare", str(a), str(a / "results.json")]) == 0
    assert "verdict: PASS" in capsys.readouterr().out
    assert main(["compare", str(a), str(b)]) == 1
    assert "FAIL  throughput" in capsys.readouterr().out
    assert main(["compare", "--json", str(a), str(b), "--tolerance", "throughput=60%",
                 "--tolerance", "fct=1.5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["tolerances"] == {"throughput": 0.6, "fct": 1.5}
    assert main(["compare", str(a), str(tmp_path / "nope")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["compare", str(a), str(b), "--tolerance", "latency=3"])
    assert exc.value.code == 2
    assert compare_runs(a, b).realizations == ("simulation", "emulation")
