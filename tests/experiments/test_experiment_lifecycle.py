"""An emulation that stays up while its controller app evolves, on the local store and
on ZooKeeper: up, exec, deploy a changeset (one file travels, the network stays up),
tag, a broken revision rolled back by itself, rollback to the tag by name, down."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exp_support import DEPLOY, FLOWS, SYSTEM, all_reachable, bridges_of, cli, cli_json

pytestmark = [pytest.mark.root, pytest.mark.mininet, pytest.mark.ryu, pytest.mark.slow]


def _exec_pingall(capsys: pytest.CaptureFixture, opts: list[str], run_dir: Path) -> dict:
    code, doc = cli_json(capsys, "exec", "lab", "--pingall", "-o", run_dir, *opts)
    assert code == 0 and all_reachable(doc), doc.get("reachability")
    return doc


def test_changesets_on_a_running_emulation(store_factory, exp_env: Path, bundle: Path,
                                           no_leaks: None, capsys: pytest.CaptureFixture) -> None:
    store_factory("alice")
    opts = ["--store", store_factory.url("alice"), "--tenant", "alice"]

    # -- up: revision 1 of the bundle, the network and its controller left running
    code, exp = cli_json(capsys, "up", SYSTEM, "--deploy", DEPLOY, "--name", "lab",
                         "--app", bundle, *opts)
    assert code == 0 and exp["status"] == "up", exp
    rev1, rt = exp["revision"], exp["runtime"]
    net_pid, port, prefix = rt["network"]["pid"], rt["port"], rt["prefix"]
    bridges = bridges_of(prefix)
    assert bridges == {f"{prefix}s1", f"{prefix}s2", f"{prefix}s3"}
    code, st = cli_json(capsys, "status", "lab", *opts)
    assert code == 0 and st["health"]["ok"] and st["health"]["switches_connected"] == 3
    assert st["revision"] == rev1
    code, again = cli_json(capsys, "up", SYSTEM, "--deploy", DEPLOY, "--name", "lab", *opts)
    assert code == 2 and "up already" in again["message"]

    doc1 = _exec_pingall(capsys, opts, exp_env / "run-rev1")
    assert doc1["meta"]["app_revisions"] == {"bundle": rev1}
    assert doc1["controller"].get("packet_in", 0) > 0          # this run's messages only
    code, flows = cli_json(capsys, "exec", "lab", "--flows", FLOWS, "-o", exp_env / "flows",
                           *opts)
    assert code == 0 and [f["completed"] for f in flows["flows"]] == [True, True]
    assert flows["flows"][0]["path"] == ["s2", "s1", "s3"]
    code, out, _ = cli(capsys, "exec", "lab", "--node", "h1", *opts, "--", "ip", "-br", "addr")
    assert code == 0 and "10.0.0.1/8" in out

    watcher = subprocess.Popen([sys.executable, "-m", "sendim.cli.main", "status", "lab",
                                "--watch", "--for", "60", "--json", *opts],
                               stdout=subprocess.PIPE, text=True)
    try:
        # -- change one file: only it travels; the network stays up; pingall still passes
        helper = bundle / "_l2table.py"
        helper.write_text(helper.read_text().replace("ROUTE_PRIORITY = 10",
                                                     "ROUTE_PRIORITY = 20"))
        code, out, _ = cli(capsys, "app", "deploy", "lab", bundle, "--dry-run", *opts)
        assert code == 0 and "~ _l2table.py" in out and "dry run" in out
        code, dep = cli_json(capsys, "app", "deploy", "lab", bundle, *opts)
        assert code == 0 and dep["ok"], dep
        assert dep["result"]["written"] == ["_l2table.py"] and dep["result"]["removed"] == []
        rev2 = dep["revision"]
        code, st = cli_json(capsys, "status", "lab", *opts)
        assert st["revision"] == rev2 and st["health"]["ok"]
        assert st["network_pid"] == net_pid and st["port"] == port
        assert st["health"]["controller_pid"] != rt["controller"]["pid"]
        assert bridges_of(prefix) == bridges
        doc2 = _exec_pingall(capsys, opts, exp_env / "run-rev2")
        assert doc2["meta"]["app_revisions"] == {"bundle": rev2}
        code, cmp_ = cli_json(capsys, "compare", exp_env / "run-rev1", exp_env / "run-rev2")
        assert code == 0 and cmp_["ok"], cmp_["verdicts"]

        # the watcher (another process, as another machine would) saw the new revision
        deadline = time.monotonic() + 20
        seen: list[dict] = []
        while time.monotonic() < deadline and not any(d.get("revision") == rev2 for d in seen):
            line = watcher.stdout.readline()
            if line:
                seen.append(json.loads(line))
        assert seen[0]["revision"] == rev1 and any(d.get("revision") == rev2 for d in seen)
    finally:
        watcher.kill()
        watcher.communicate()

    code, out, _ = cli(capsys, "app", "tag", "lab", "good", *opts)
    assert code == 0

    # -- broken revisions: rolled back by themselves, the experiment keeps working
    main_file = bundle / "l2switch.py"
    good_main = main_file.read_text()
    main_file.write_text(good_main + "\ndef broken(:\n")                 # does not compile
    code, dep = cli_json(capsys, "app", "deploy", "lab", bundle, "--health-timeout", "20", *opts)
    assert code == 1 and dep["result"]["rolled_back"] and dep["result"]["rollback_ok"]
    assert "l2switch.py line" in dep["result"]["error"] and dep["revision"] == rev2
    main_file.write_text(good_main.replace("self.table = _l2table.MacTable()",
                                           "raise RuntimeError('no table today')"))
    code, dep = cli_json(capsys, "app", "deploy", "lab", bundle, "--health-timeout", "20", *opts)
    assert code == 1 and dep["result"]["rolled_back"] and dep["result"]["rollback_ok"], dep
    assert "controller exited" in dep["result"]["error"]
    assert (exp_env / "bundle").exists()
    code, st = cli_json(capsys, "status", "lab", *opts)
    assert st["revision"] == rev2 and st["health"]["ok"] and st["network_pid"] == net_pid
    _exec_pingall(capsys, opts, exp_env / "run-after-broken")

    # -- back to revision 1, then to the tag by name
    code, back = cli_json(capsys, "app", "rollback", "lab", rev1[:10], *opts)
    assert code == 0 and back["revision"] == rev1
    assert back["result"]["written"] == ["_l2table.py"]
    code, back = cli_json(capsys, "app", "rollback", "lab", "good", *opts)
    assert code == 0 and back["revision"] == rev2
    _exec_pingall(capsys, opts, exp_env / "run-tag")
    code, hist = cli_json(capsys, "app", "history", "lab", *opts)
    assert [e["action"] for e in hist["history"]] == [
        "deploy", "deploy", "deploy-failed", "deploy-failed", "rollback", "rollback"]
    assert hist["tags"] == {"good": rev2}

    # -- down: everything goes (no_leaks checks), the record stays with its history
    code, out, _ = cli(capsys, "down", "lab", *opts)
    assert code == 0 and "is down" in out
    code, st = cli_json(capsys, "status", "lab", *opts)
    assert st["status"] == "down" and st["health"] is None and st["revision"] == rev2
    assert not Path(rt["work"]).exists()
    code, err = cli_json(capsys, "exec", "lab", "--pingall", *opts)
    assert code == 2 and "not a running emulation" in err["message"]
