"""Node commands of a serving network, and their teardown, without root: the serve
socket's ``node`` request against stand-in nodes (plain processes), and the
teardown's process-group kill."""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path

import pytest

from converters.mininet_runtime.serve import Service
from deployers._teardown import Created, remove
from exp_support import cli_json


def _cmdlines() -> list[str]:
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    out.append(f.read().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                pass
    return out


def _running(text: str) -> bool:
    return any(text in cmd for cmd in _cmdlines())


def _gone(text: str, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while _running(text) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _running(text)


class _Network:
    """Nodes as plain processes, each started in a session of its own (as ``mnexec -d``)."""

    def __init__(self) -> None:
        self.nodes = {"h1": object(), "s1": object()}
        self.labels: list[str] = []

    def popen(self, node: str, argv: list[str], stdout: object, label: str) -> subprocess.Popen:
        self.labels.append(label)
        return subprocess.Popen(argv, stdout=stdout, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


@pytest.fixture
def service() -> Service:
    svc = Service(_Network(), {"hosts": [["h1", "x0h1", "10.0.0.1/8", "00:00:00:00:00:01"]]},
                  argparse.Namespace(), {})
    yield svc
    svc.stop_background()


def test_a_waiting_command_answers_its_exit_code_and_output(service: Service) -> None:
    answer = service.handle({"op": "node", "node": "h1", "argv": ["sh", "-c", "echo hi; exit 3"]})
    assert answer == {"ok": True, "rc": 3, "output": "hi\n"}
    assert service.network.labels == ["sh -c echo hi; exit 3"]     # the teardown's marker
    assert service.handle({"op": "node", "node": "h9", "argv": ["true"]})["ok"] is False


def test_past_its_timeout_a_command_dies_with_what_it_started(service: Service) -> None:
    t0 = time.monotonic()
    answer = service.handle({"op": "node", "node": "h1", "timeout": 0.5,
                             "argv": ["sh", "-c", "sleep 93.21 & sleep 30"]})
    assert answer["timed_out"] and answer["rc"] is None
    assert time.monotonic() - t0 < 10 and _gone("sleep 93.21")


def test_a_command_left_running_logs_and_is_killed_at_stop(service: Service,
                                                           tmp_path: Path) -> None:
    log = tmp_path / "bg.log"
    answer = service.handle({"op": "node", "node": "s1", "wait": False, "log": str(log),
                             "argv": ["sh", "-c", "echo started; sleep 94.1 & wait"]})
    assert answer["ok"] and answer["rc"] is None and answer["pid"] > 0
    assert _running("sleep 94.1") and log.read_text() == "started\n"
    failed = service.handle({"op": "node", "node": "h1", "wait": False, "argv": ["sh", "-c", "exit 4"]})
    assert failed["rc"] == 4
    service.stop_background()
    assert _gone("sleep 94.1")


def test_cancel_ends_the_command_in_progress(service: Service) -> None:
    import threading
    answers: list[dict] = []
    worker = threading.Thread(target=lambda: answers.append(service.handle(
        {"op": "node", "node": "h1", "timeout": 60, "argv": ["sh", "-c", "sleep 92.4 & wait"]})))
    worker.start()
    deadline = time.monotonic() + 5
    while not _running("sleep 92.4") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert service.handle({"op": "cancel"}) == {"ok": True, "cancelled": True}
    worker.join(10)
    assert answers and answers[0]["cancelled"] and answers[0]["rc"] != 0
    assert _gone("sleep 92.4")
    assert service.handle({"op": "cancel"}) == {"ok": True, "cancelled": False}


def test_teardown_kills_a_recorded_session_leader_with_its_group() -> None:
    argv = ["sh", "-c", "sleep 95.51 & sleep 95.52"]
    proc = subprocess.Popen(argv, start_new_session=True)
    try:
        time.sleep(0.2)
        assert _running("sleep 95.51")
        assert remove(Created(pids=[(proc.pid, " ".join(argv))])) == []
        assert _gone("sleep 95.51") and _gone("sleep 95.52")
    finally:
        proc.kill()
        proc.wait()


def test_exec_sequence_options_are_checked_first(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    store = ["--store", tmp_path / "store"]
    code, err = cli_json(capsys, "exec", "lab", "--seq", "start", "--pingall", *store)
    assert code == 2 and "--seq runs a command sequence" in err["message"]
    code, err = cli_json(capsys, "exec", "lab", "--keep-going", *store)
    assert code == 2 and "go with --seq" in err["message"]
    code, err = cli_json(capsys, "exec", "nope", "--seq", "start", "--dry-run", *store)
    assert code == 2 and "no experiment 'nope'" in err["message"]
