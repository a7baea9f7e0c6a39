"""Several long-lived emulations on one machine, and `up` cut short: nothing collides,
nothing is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exp_support import DEPLOY, SYSTEM, all_reachable, bridges_of, cli, cli_json

pytestmark = [pytest.mark.root, pytest.mark.mininet, pytest.mark.ryu, pytest.mark.slow]


def _dpid(bridge: str) -> str:
    return subprocess.run(["ovs-vsctl", "get", "bridge", bridge, "datapath_id"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_two_experiments_side_by_side(exp_env: Path, bundle: Path, no_leaks: None,
                                      capsys: pytest.CaptureFixture) -> None:
    """Same name, two tenants, one store: own ports, names, dpids; a deploy to one
    restarts only its controller; both come down completely."""
    store = str(exp_env / "store")
    alice = ["--store", store, "--tenant", "alice"]
    bob = ["--store", store, "--tenant", "bob"]
    code, a = cli_json(capsys, "up", SYSTEM, "--deploy", DEPLOY, "--name", "lab", "--app",
                       bundle, *alice)
    assert code == 0, a
    code, b = cli_json(capsys, "up", SYSTEM, "--deploy", DEPLOY, "--name", "lab", *bob)
    assert code == 0 and b["revision"] is None, b                 # built-in routing
    ra, rb = a["runtime"], b["runtime"]
    assert ra["port"] != rb["port"] and ra["prefix"] != rb["prefix"]
    assert ra["control"] != rb["control"] and ra["work"] != rb["work"]
    bridges_a, bridges_b = bridges_of(ra["prefix"]), bridges_of(rb["prefix"])
    assert len(bridges_a) == len(bridges_b) == 3 and not bridges_a & bridges_b
    dpids = {_dpid(br) for br in bridges_a | bridges_b}
    assert len(dpids) == 6
    assert {d for _, d in ra["switches"].values()}.isdisjoint(d for _, d in rb["switches"].values())

    for opts, run in ((alice, "a1"), (bob, "b1")):
        code, doc = cli_json(capsys, "exec", "lab", "--pingall", "-o", exp_env / run, *opts)
        assert code == 0 and all_reachable(doc)
    code, listing = cli_json(capsys, "status", *alice)
    assert [e["name"] for e in listing["experiments"]] == ["lab"]
    assert listing["experiments"][0]["tenant"] == "alice"

    helper = bundle / "_l2table.py"
    helper.write_text(helper.read_text().replace("IDLE_TIMEOUT = 0", "IDLE_TIMEOUT = 60"))
    code, dep = cli_json(capsys, "app", "deploy", "lab", bundle, *alice)
    assert code == 0 and dep["result"]["written"] == ["_l2table.py"]
    code, sb = cli_json(capsys, "status", "lab", *bob)
    assert sb["health"]["ok"] and sb["health"]["controller_pid"] == rb["controller"]["pid"]
    code, sa = cli_json(capsys, "status", "lab", *alice)
    assert sa["health"]["ok"] and sa["health"]["controller_pid"] != ra["controller"]["pid"]

    # bob's first app revision replaces the built-in routing on his running network
    code, dep = cli_json(capsys, "app", "deploy", "lab", bundle, *bob)
    assert code == 0 and sorted(dep["result"]["written"]) == ["_l2table.py", "l2switch.py"]
    code, doc = cli_json(capsys, "exec", "lab", "--pingall", "-o", exp_env / "b2", *bob)
    assert code == 0 and all_reachable(doc) and doc["meta"]["app_revisions"] == {
        "bundle": dep["revision"]}
    code, sa2 = cli_json(capsys, "status", "lab", *alice)
    assert sa2["health"]["controller_pid"] == sa["health"]["controller_pid"]

    for opts in (alice, bob):
        code, out, err = cli(capsys, "down", "lab", *opts)
        assert code == 0, err
    assert not bridges_of(ra["prefix"]) and not bridges_of(rb["prefix"])
    code, _ = cli_json(capsys, "down", "lab", "--forget", *bob)
    assert code == 0
    code, listing = cli_json(capsys, "status", *bob)
    assert listing["experiments"] == []


def _wait_for_phase(base: Path, phase: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for out in base.glob("*/script.out"):
            if f"sendim-phase {phase}" in out.read_text(errors="replace"):
                return
        time.sleep(0.02)
    raise AssertionError(f"no {phase} phase within {timeout}s")


def test_ctrl_c_during_up_leaves_nothing(exp_env: Path, bundle: Path, no_leaks: None,
                                        capsys: pytest.CaptureFixture) -> None:
    """SIGINT while the network is being built: exit 130, no process, bridge, interface or
    slot left, no record."""
    store = str(exp_env / "store")
    proc = subprocess.Popen([sys.executable, "-m", "sendim.cli.main", "up", str(SYSTEM),
                             "--deploy", str(DEPLOY), "--name", "cut", "--app", str(bundle),
                             "--store", store], env=os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_phase(exp_env / "exps", "build")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, (out, err)
    code, listing = cli_json(capsys, "status", "--store", store)
    assert listing["experiments"] == []
    assert not list((exp_env / "exps").glob("*"))


def test_failed_up_leaves_nothing(exp_env: Path, bundle: Path, no_leaks: None,
                                  capsys: pytest.CaptureFixture) -> None:
    """An app that crashes the controller at start: a clear error, nothing left; the
    name is free again."""
    store = str(exp_env / "store")
    main_file = bundle / "l2switch.py"
    main_file.write_text(main_file.read_text().replace("self.table = _l2table.MacTable()",
                                                       "raise RuntimeError('no table today')"))
    code, err = cli_json(capsys, "up", SYSTEM, "--deploy", DEPLOY, "--name", "bad",
                         "--app", bundle, "--store", store)
    assert code == 1 and "controller exited" in err["message"], err
    assert "no table today" in err["message"]
    code, listing = cli_json(capsys, "status", "--store", store)
    assert listing["experiments"] == []
