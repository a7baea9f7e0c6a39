"""`sendim run` over the bundled examples: exit codes, results, --json."""

import json
from pathlib import Path

import pytest

from sendim.cli.main import main
from sendim.results import validate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("example", ["dumbbell", "fat_tree", "link_failure"])
def test_examples_run_and_write_results(example, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", "--deploy", str(EXAMPLES / example / "sim.xml"), "-o", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    doc = json.loads((out / "results.json").read_text())
    validate(doc)
    assert doc["realization"] == "simulation"
    assert all(f["end_s"] is not None for f in doc["flows"]), "every flow finishes"
    assert "results:" in text and "Flows" in text


def test_link_failure_example_reroutes(tmp_path, capsys):
    main(["run", "--deploy", str(EXAMPLES / "link_failure" / "sim.xml"), "-o", str(tmp_path), "--json"])
    doc = json.loads(capsys.readouterr().out)
    bulk = next(f for f in doc["flows"] if f["id"] == "bulk")
    # 25 MB over 20 Mbit/s needs 10 s; the link is down from 2 s to 6 s, so the
    # flow either took the long way round (s1 s4 s3 s2) or stalled.
    assert bulk["bytes"] == 25_000_000
    assert ["s1", "s4", "s3", "s2"] in bulk.get("paths", [bulk["path"]]) or bulk["fct_s"] > 10


def test_pingall_json(tmp_path, capsys):
    code = main(["run", str(EXAMPLES / "fat_tree" / "system.xml"), "--pingall", "--json",
                 "-o", str(tmp_path)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["reachability"]["pairs"] == 16 * 15
    assert doc["reachability"]["reachable"] == doc["reachability"]["pairs"]


def test_bad_input_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.xml"
    bad.write_text("<system><switch id='s1'/><link src='s1' dst='nowhere'/></system>")
    assert main(["run", str(bad), "-o", str(tmp_path / "r")]) == 2
    assert "nowhere" in capsys.readouterr().err
    assert not (tmp_path / "r" / "results.json").exists()


def test_unknown_app_exits_2(tmp_path, capsys):
    code = main(["run", str(EXAMPLES / "dumbbell" / "system.xml"), "--app", "no.such.app",
                 "-o", str(tmp_path)])
    assert code == 2 and "no.such.app" in capsys.readouterr().err
