"""The launcher runs ryu's own manager as a real OpenFlow controller."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.ryu


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _read_hello(port: int, deadline: float) -> bytes:
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                data = b""
                while len(data) < 8:
                    chunk = conn.recv(8 - len(data))
                    if not chunk:
                        break
                    data += chunk
                return data
        except OSError as exc:
            last = exc
            time.sleep(0.1)
    raise AssertionError(f"controller did not answer on port {port}: {last}")


def test_launcher_listens_and_sends_hello(tmp_path) -> None:
    port = _free_port()
    log = tmp_path / "ryu.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sendim.ryuapp.launcher",
             "--ofp-listen-host", "127.0.0.1", "--ofp-tcp-listen-port", str(port),
             "ryu.app.simple_switch_13"],
            stdout=out, stderr=subprocess.STDOUT)
    pid = proc.pid
    try:
        header = _read_hello(port, time.monotonic() + 30)
        assert proc.poll() is None, log.read_text()
        version, msg_type, length, _xid = struct.unpack("!BBHI", header)
        assert msg_type == 0  # OFPT_HELLO
        assert version >= 0x04  # offers OpenFlow 1.3 or later
        assert length >= 8
    finally:
        if proc.poll() is None:
            os.kill(pid, signal.SIGTERM)  # by recorded PID only
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGTERM
    text = log.read_text()
    assert "ALREADY_HANDLED" not in text
    assert "instantiating app ryu.app.simple_switch_13" in text


def test_launcher_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "sendim.ryuapp.launcher", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "ryu-manager" in (proc.stdout + proc.stderr)
