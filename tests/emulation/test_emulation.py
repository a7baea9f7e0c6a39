"""Acceptance with the real thing: Mininet + Open vSwitch (userspace) + ryu-manager.

Small systems only (at most 20 switches): each emulation takes 10-30 s here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from emu_support import (
    deployment, fat_tree_system, find_script_pid, leaked, pairs, run, sim_and_emu, state,
    tree_system)
from converters.mininet_runtime.main import CPU_SATURATED
from sendim.compare import compare_runs
from sendim.errors import EmulationError
from sendim.model import Fallback
from sendim.topology import generators

pytestmark = [pytest.mark.root, pytest.mark.mininet, pytest.mark.ryu, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def assert_faithful(sim_dir: Path, emu_dir: Path, emu: dict) -> None:
    """`sendim compare` passes. Reachability and paths always; throughput and FCT only
    when the emulation's own monitor saw CPU headroom (a saturated machine distorts
    any emulation: that is recorded in its notes, and the test says so)."""
    report = compare_runs(sim_dir, emu_dir)
    status = {v.metric: v.status for v in report.verdicts}
    details = [(v.metric, v.detail) for v in report.verdicts]
    assert status["reachability"] == status["paths"] == "pass", details
    busy = emu["meta"].get("cpu_busy_fraction") or 0.0
    if busy >= CPU_SATURATED and not report.ok:
        pytest.skip(f"CPUs {busy:.0%} busy during the emulation (other load on this machine): "
                    f"bandwidth agreement not asserted: {details}")
    assert report.ok, details


@pytest.mark.may_skip  # bandwidth check skipped only when the CPUs were saturated
def test_tree_with_simple_switch_13_matches_the_simulation(tmp_path: Path, no_leaks: None) -> None:
    """ryu.app.simple_switch_13, unmodified, in both: same reachability and paths; bulk
    flows through 10 Mbps links agree within 10 % (throughput) and 15 % (FCT)."""
    sim_dir, emu_dir = sim_and_emu(tree_system(), ["ryu.app.simple_switch_13"], tmp_path)
    sim = json.loads((sim_dir / "results.json").read_text())
    emu = json.loads((emu_dir / "results.json").read_text())
    assert emu["realization"] == "emulation" and not emu["fallback"]["happened"]
    assert pairs(emu) == pairs(sim) and all(pairs(emu).values()) and len(pairs(emu)) == 12
    assert {f["id"]: f["path"] for f in emu["flows"]} == {"f1": ["s2", "s1", "s3"],
                                                          "f2": ["s3", "s1", "s2"]}
    assert emu["controller"].get("packet_in", 0) > 0 and emu["controller"].get("flow_mod", 0) > 0
    assert_faithful(sim_dir, emu_dir, emu)


@pytest.mark.may_skip  # bandwidth check skipped only when the CPUs were saturated
def test_fat_tree_with_builtin_routing_matches_the_simulation(tmp_path: Path, no_leaks: None) -> None:
    """k=4 fat-tree, no app: the simulator's shortest-path routing in both (as a Ryu app
    in the emulation). 240 pairs reachable in both, identical paths, compare passes."""
    sim_dir, emu_dir = sim_and_emu(fat_tree_system(), None, tmp_path)
    emu = json.loads((emu_dir / "results.json").read_text())
    sim = json.loads((sim_dir / "results.json").read_text())
    assert len(pairs(emu)) == 240 and all(pairs(emu).values())
    assert [f["path"] for f in emu["flows"]] == [f["path"] for f in sim["flows"]]
    assert len(emu["flows"][0]["path"]) == 5              # edge, agg, core, agg, edge
    assert any("built-in shortest-path" in n for n in emu["meta"]["notes"])
    assert_faithful(sim_dir, emu_dir, emu)


def test_too_large_for_the_budget_falls_back(tmp_path: Path, no_leaks: None) -> None:
    """Pre-flight: more nodes than max-nodes → simulation, nothing started."""
    system = generators.linear(30, name="too-big")
    dep = deployment("emulation", "big", fallback=Fallback(max_nodes=20))
    doc = run(system, dep, tmp_path / "run")
    assert doc["realization"] == "simulation" and doc["fallback"]["happened"] is True
    assert "max-nodes 20" in doc["fallback"]["reason"]
    assert not (tmp_path / "run" / "emulation" / "manifest.jsonl").exists()


def test_setup_watchdog_aborts_cleans_up_and_falls_back(tmp_path: Path, no_leaks: None) -> None:
    """Setup longer than max-setup: the emulation is torn down and the simulation runs."""
    system = generators.linear(8, name="slow-setup")
    dep = deployment("emulation", "slow", fallback=Fallback(max_setup=1.5))
    t0 = time.monotonic()
    doc = run(system, dep, tmp_path / "run")
    assert doc["realization"] == "simulation" and doc["fallback"]["happened"] is True
    assert "max-setup 1.5s" in doc["fallback"]["reason"]
    assert doc["reachability"]["reachable"] == doc["reachability"]["pairs"] == 56
    assert time.monotonic() - t0 < 90


def test_injected_crash_is_cleaned_up(tmp_path: Path, no_leaks: None) -> None:
    """SIGKILL the Mininet script mid-traffic: the deployer removes what its manifest lists."""
    system = tree_system()
    run_dir = tmp_path / "run"
    errors: list[BaseException] = []

    def target() -> None:
        try:
            run(system, deployment("emulation", "crash", fallback=Fallback(to=None)), run_dir)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    worker = threading.Thread(target=target)
    worker.start()
    out = run_dir / "emulation" / "script.out"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "sendim-phase traffic" not in (
            out.read_text() if out.exists() else ""):
        time.sleep(0.1)
    pid = find_script_pid(run_dir)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    worker.join(timeout=180)
    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], EmulationError)
    manifest = (run_dir / "emulation" / "manifest.jsonl").read_text()
    assert '"stopped"' not in manifest                  # the script never cleaned up itself


def test_controller_failure_is_reported_and_cleaned_up(tmp_path: Path, no_leaks: None) -> None:
    app = tmp_path / "broken_app.py"
    app.write_text("raise RuntimeError('this app is broken on purpose')\n")
    dep = deployment("emulation", "broken", [str(app)], fallback=Fallback(to=None))
    with pytest.raises(EmulationError, match="controller exited"):
        run(tree_system(), dep, tmp_path / "run")


def _cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sendim.cli.main", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_two_emulations_in_a_row_leave_nothing_behind(tmp_path: Path, no_leaks: None) -> None:
    base = state(str(tmp_path))
    for example in ("dumbbell", "link_failure"):
        out = tmp_path / example
        proc = _cli("run", "--deploy", str(ROOT / "examples" / example / "emu.xml"),
                    "--json", "-o", str(out))
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        doc = json.loads((out / "results.json").read_text())
        assert doc["realization"] == "emulation"
        assert doc["meta"]["netem"] or any("delay/loss not applied" in n
                                           for n in doc["meta"]["notes"])
        assert leaked(base, state(str(tmp_path))) == {}
    doc = json.loads((tmp_path / "link_failure" / "results.json").read_text())
    bulk = next(f for f in doc["flows"] if f["id"] == "bulk")
    assert bulk["paths"][0] == ["s1", "s2"] and ["s1", "s4", "s3", "s2"] in bulk["paths"]


def test_ctrl_c_tears_everything_down(tmp_path: Path, no_leaks: None) -> None:
    out = tmp_path / "run"
    proc = _cli("run", "--deploy", str(ROOT / "examples" / "dumbbell" / "emu.xml"), "-o", str(out))
    log = out / "emulation" / "script.out"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "sendim-phase traffic" not in (
            log.read_text() if log.exists() else ""):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 130, stderr


def test_standalone_script_runs_by_hand(tmp_path: Path, no_leaks: None) -> None:
    """`sendim convert` output runs with `/usr/bin/python3 net.py` against any controller."""
    from deployers._controller import ControllerProcess, free_port
    script = tmp_path / "net.py"
    proc = _cli("convert", str(ROOT / "examples" / "dumbbell" / "system.xml"), "--to", "mininet",
                "-o", str(script))
    assert proc.wait(timeout=60) == 0
    port = free_port()
    ctl = ControllerProcess(["ryu.app.simple_switch_13"], port, tmp_path / "ctl.log",
                            env={"SENDIM_TEST_TAG": str(tmp_path)})
    ctl.start()
    try:
        res = subprocess.run(["/usr/bin/python3", str(script), "--controller", f"127.0.0.1:{port}",
                              "--out", str(tmp_path / "out"), "--pingall", "--no-traffic"],
                             capture_output=True, text=True, timeout=300)
    finally:
        ctl.stop()
    assert res.returncode == 0, res.stderr[-2000:]
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert (doc["reachability"]["pairs"], doc["reachability"]["reachable"]) == (12, 12)
    assert "sendim-phase connected" in res.stdout
