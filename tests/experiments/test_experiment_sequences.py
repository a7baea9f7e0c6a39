"""VNX-style command sequences (``<exec seq=...>``, ``<cmd-seq>``) on a running emulation:
``on_boot`` at ``sendim up``, ``sendim exec NAME --seq``, failures, timeouts, commands
left running, and nothing left behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exp_support import DEPLOY, SYSTEM, cli, cli_json

pytestmark = [pytest.mark.root, pytest.mark.mininet, pytest.mark.ryu, pytest.mark.slow]

SEQUENCES = """<system>
  <exec node="h3" seq="on_boot" ostype="exec">iperf3 -s -p 5301</exec>
  <exec node="h1" seq="on_boot">echo booted "$(hostname)" &gt; {marker}</exec>
  <exec node="h2" seq="start">ping -c1 -W2 10.0.0.3</exec>
  <exec node="h4" seq="start" timeout="20s">iperf3 -c 10.0.0.3 -p 5301 -t 1 -J</exec>
  <exec node="h1" seq="fail">echo before; exit 3</exec>
  <exec node="h2" seq="fail">echo after</exec>
  <exec node="h1" seq="slow" timeout="1s">sleep 97.31 &amp; sleep 20; echo never</exec>
  <exec node="h2" seq="bg" ostype="exec">sleep 98.76</exec>
  <exec node="s1" seq="bg">echo switch side</exec>
  <exec node="h3" seq="gone" ostype="exec">exit 4</exec>
  <exec node="h1" seq="mark">echo again &gt; {marker}</exec>
  <exec node="h1" seq="long" timeout="60s">sleep 91.7</exec>
  <cmd-seq seq="all">start,start</cmd-seq>
</system>
"""


def _running(pattern: str) -> bool:
    return subprocess.run(["pgrep", "-f", pattern], capture_output=True).returncode == 0


def test_sequences_on_a_running_emulation(exp_env: Path, no_leaks: None,
                                          capsys: pytest.CaptureFixture) -> None:
    marker = exp_env / "boot-marker"
    seqs = exp_env / "sequences.xml"
    seqs.write_text(SEQUENCES.format(marker=marker), encoding="utf-8")
    opts = ["--store", str(exp_env / "store"), "--tenant", "alice"]

    # -- up runs on_boot: the marker is written inside h1, the iperf3 server left running
    code, exp = cli_json(capsys, "up", SYSTEM, seqs, "--deploy", DEPLOY, "--name", "lab", *opts)
    assert code == 0, exp
    assert exp["runtime"]["on_boot"]["steps"] == 2
    assert marker.read_text().split()[0] == "booted"
    code, out, _ = cli(capsys, "status", "lab", *opts)
    assert code == 0 and "on_boot      2 steps in" in out

    # -- a sequence: steps in order, the second uses the server on_boot left running
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "start", "-o", exp_env / "start",
                         *opts)
    assert code == 0 and doc["ok"], doc
    assert [(s["node"], s["status"], s["rc"]) for s in doc["steps"]] == [
        ("h2", "ok", 0), ("h4", "ok", 0)]
    assert "1 received" in doc["steps"][0]["output"]
    iperf = json.loads(doc["steps"][1]["output"])
    assert iperf["end"]["sum_received"]["bytes"] > 0
    written = json.loads((exp_env / "start" / "exec.json").read_text())
    assert written["sequence"] == "start" and written["experiment"] == "lab"

    # -- a composed sequence runs its parts in order
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "all", *opts)
    assert code == 0 and [s["node"] for s in doc["steps"]] == ["h2", "h4", "h2", "h4"]

    # -- a failing step stops the sequence; --keep-going goes on
    code, out, _ = cli(capsys, "exec", "lab", "--seq", "fail", *opts)
    assert code == 1 and "[failed" in out and "rc=3" in out and "1 skipped" in out
    assert "after" not in out.split("failed", 1)[1].split("\n", 2)[-1]
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "fail", "--keep-going", *opts)
    assert code == 1 and [s["status"] for s in doc["steps"]] == ["failed", "ok"]
    assert doc["steps"][1]["output"].strip() == "after"

    # -- past its timeout a step is killed with everything its shell started
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "slow", *opts)
    assert code == 1 and doc["steps"][0]["status"] == "timed-out"
    assert doc["steps"][0]["seconds"] < 10 and not _running("sleep 97.31")

    # -- a step left running (ostype="exec"), and a command in a switch
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "bg", *opts)
    assert code == 0 and doc["steps"][0]["status"] == "started" and doc["steps"][0]["pid"]
    assert doc["steps"][1]["output"].strip() == "switch side"
    assert _running("sleep 98.76")

    # -- --dry-run runs nothing; an unknown sequence is bad input naming the known ones
    marker.unlink()
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "all", "--dry-run", *opts)
    assert code == 0 and [s["node"] for s in doc["steps"]] == ["h2", "h4", "h2", "h4"]
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "nope", *opts)
    assert code == 2 and "on_boot, start, fail, slow, bg, gone, mark, long, all" in doc["message"]
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "mark", "--dry-run", *opts)
    assert code == 0 and len(doc["steps"]) == 1 and not marker.exists()
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "mark", *opts)
    assert code == 0 and marker.read_text() == "again\n"
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "gone", *opts)
    assert code == 1 and doc["steps"][0]["status"] == "failed" and doc["steps"][0]["rc"] == 4

    # -- the run history records the sequences
    from sendim.experiments import Experiments
    from sendim.store.local import LocalStore
    with LocalStore(exp_env / "store", tenant="alice") as store:
        runs = Experiments(store).runs("lab")
    assert [(r["sequence"], r["ok"]) for r in runs] == [
        ("start", True), ("all", True), ("fail", False), ("fail", False), ("slow", False),
        ("bg", True), ("mark", True), ("gone", False)]

    # -- Ctrl-C ends the step in progress; the network stays up for the next one
    proc = subprocess.Popen([sys.executable, "-m", "sendim.cli.main", "exec", "lab", "--seq",
                             "long", *opts], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not _running("sleep 91.7") and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(20) == 130
    proc.communicate()
    deadline = time.monotonic() + 5
    while _running("sleep 91.7") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running("sleep 91.7")
    code, doc = cli_json(capsys, "exec", "lab", "--seq", "mark", *opts)
    assert code == 0 and doc["ok"]

    code, _ = cli_json(capsys, "down", "lab", *opts)
    assert code == 0
    assert not _running("sleep 98.76") and not _running("iperf3 -s -p 5301")


def test_a_failing_on_boot_leaves_nothing_up(exp_env: Path, no_leaks: None,
                                             capsys: pytest.CaptureFixture) -> None:
    seqs = exp_env / "boot.xml"
    seqs.write_text('<system><exec node="h2" seq="on_boot" ostype="exec">sleep 96.5</exec>'
                    '<exec node="h1" seq="on_boot">echo no route; false</exec></system>',
                    encoding="utf-8")
    opts = ["--store", str(exp_env / "store"), "--tenant", "alice"]
    code, doc = cli_json(capsys, "up", SYSTEM, seqs, "--deploy", DEPLOY, "--name", "lab", *opts)
    assert code == 1 and "on_boot failed at h1$ echo no route; false" in doc["message"]
    assert "no route" in doc["message"]
    assert not _running("sleep 96.5")
    code, st = cli_json(capsys, "status", "lab", *opts)
    assert st.get("status") != "up", st
