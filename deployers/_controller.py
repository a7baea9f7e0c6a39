"""The real controller process of an emulation: ryu-manager through sendim's launcher.

Started in its own session (so its PID is also its process group, and
stopping it touches nothing else), listening on a free loopback port, its
output captured into the run directory.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sendim.errors import EmulationError


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class ControllerProcess:
    """``python -m sendim.ryuapp.launcher --ofp-tcp-listen-port PORT APPS...``."""

    def __init__(self, apps: list[str], port: int, log: Path, *,
                 options: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        self.apps = apps
        self.port = port
        self.log = log
        self.options = list(options or [])
        self.env = dict(env or {})
        self.proc: subprocess.Popen | None = None

    @property
    def argv(self) -> list[str]:
        return [sys.executable, "-m", "sendim.ryuapp.launcher",
                "--ofp-tcp-listen-port", str(self.port), "--ofp-listen-host", "127.0.0.1",
                *self.options, *self.apps]

    def start(self, timeout: float = 30.0) -> None:
        """Start it and wait until it accepts OpenFlow connections."""
        if listening(self.port):
            raise EmulationError(f"port {self.port} on 127.0.0.1 is already taken: "
                                 "choose another controller port")
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True,
                                         env={**os.environ, **self.env})
        deadline = time.monotonic() + timeout
        while not listening(self.port):
            if self.proc.poll() is not None:
                raise EmulationError(f"the controller exited with code {self.proc.returncode} "
                                     f"before listening: {self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise EmulationError(f"the controller did not listen on port {self.port} "
                                     f"within {timeout:g}s: {self.tail()}")
            time.sleep(0.05)

    def tail(self, lines: int = 8) -> str:
        """The last lines of the controller's log, on one line."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-lines:]) or "(empty log)"

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM its process group (its own session), then SIGKILL."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, timeout)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue
