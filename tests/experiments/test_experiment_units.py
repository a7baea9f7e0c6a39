"""The parts of long-lived experiments that need no root: names, slots, app entries,
the command line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from converters.mininet import IFNAMSIZ, mininet_names, script_data
from deployers import _slots
from deployers._live import app_entries
from deployers._procs import ProcRef
from exp_support import cli_json
from sendim.errors import InputError
from sendim.topology import generators

ROOT = Path(__file__).resolve().parents[2]


def test_prefixed_names_fit_and_do_not_collide() -> None:
    system = generators.fat_tree(4)
    names = {}
    for prefix in ("x00", "x01", "xzz"):
        data = script_data(system, name_prefix=prefix)
        mn = [row[1] for row in data["switches"] + data["hosts"]]
        intfs = [n for row in data["links"] for n in (row[5], row[6])]
        assert all(n.startswith(prefix) and len(n) <= 10 for n in mn)
        assert all(n.startswith(prefix) and len(n) <= IFNAMSIZ for n in intfs)
        assert len(set(mn)) == len(mn) and len(set(intfs)) == len(intfs)
        names[prefix] = set(mn) | set(intfs)
    assert not names["x00"] & names["x01"] and not names["x01"] & names["xzz"]
    assert script_data(system)["switches"][0][1] == "s1"        # one-shot runs unchanged
    long_ids = [(f"switch-{i}", "s") for i in range(3)] + [("h1", "h")]
    assert mininet_names(long_ids, "x0a") == {"switch-0": "x0as1", "switch-1": "x0as2",
                                              "switch-2": "x0as3", "h1": "x0ah1"}
    with pytest.raises(InputError):
        mininet_names(long_ids, "eth")


def test_slots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_slots.SLOTS_ENV, str(tmp_path / "slots"))
    me = [_slots.owner_pid(os.getpid())]
    a, ta = _slots.allocate({"name": "a", "pids": me})
    b, tb = _slots.allocate({"name": "b", "pids": me})
    assert (a, b) == (0, 1) and _slots.prefix_of(b) == "x01" and ta != tb
    assert _slots.dpid_of(a, 1) != _slots.dpid_of(b, 1)
    assert _slots.dpid_of(b, 1) >> _slots.DPID_SHIFT == 2
    _slots.release(a, tb)                             # not its token: kept
    assert _slots.allocate({"name": "c", "pids": me})[0] == 2
    _slots.release(a, ta)
    assert _slots.allocate({"name": "d", "pids": me})[0] == 0
    _slots.update(b, tb, pids=[{"pid": 999_999_999, "started": 1}])   # owner gone: stale
    assert _slots.allocate({"name": "e", "pids": me})[0] == 1
    assert _slots.socket_path(1) == tmp_path / "slots" / "x01.sock"


def test_app_entries(tmp_path: Path) -> None:
    assert app_entries(tmp_path / "missing") == []
    (tmp_path / "only.py").write_text("")
    assert app_entries(tmp_path) == [str(tmp_path / "only.py")]
    (tmp_path / "_helper.py").write_text("")
    (tmp_path / "data.json").write_text("{}")
    assert app_entries(tmp_path) == [str(tmp_path / "only.py")]
    (tmp_path / "second.py").write_text("")
    assert app_entries(tmp_path) == [str(tmp_path / "only.py"), str(tmp_path / "second.py")]


def test_process_references() -> None:
    ref = ProcRef.of(os.getpid(), "no-such-marker")
    assert not ref.alive()                           # no marker in our environment
    assert ProcRef.from_dict(ref.to_dict()) == ref
    assert ProcRef.from_dict({}) is None


def test_up_refuses_a_simulation(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, err = cli_json(capsys, "up", ROOT / "examples/dumbbell/system.xml", "--deploy",
                         ROOT / "examples/dumbbell/sim.xml", "--name", "x",
                         "--store", tmp_path / "store")
    assert code == 2 and "not long-lived" in err["message"]


def test_exec_command_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from sendim.cli.main import build_parser
    args = build_parser().parse_args(["exec", "lab", "--node", "h1", "--timeout", "5", "--",
                                      "ping", "-c", "1", "--", "10.0.0.2"])
    assert args.node == "h1" and args.command == ["ping", "-c", "1", "--", "10.0.0.2"]
    code, err = cli_json(capsys, "exec", "nope", "--pingall", "--store", tmp_path / "store")
    assert code == 2 and "no experiment 'nope'" in err["message"]
    code, err = cli_json(capsys, "status", "--watch", "--store", tmp_path / "store")
    assert code == 2 and "needs an experiment NAME" in err["message"]
