"""Processes recorded by id, stopped by id: PID + start time + an environment marker.

A long-lived experiment's processes (its network script, its controller)
outlive the command that started them; later commands (``sendim down``,
``sendim app deploy``) find them again from the record. A recorded PID is
acted on only if the process still has the recorded start time (so a
recycled PID is left alone) and carries the experiment's marker in its
environment (``SENDIM_EXPERIMENT``). Nothing is ever matched by name.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from typing import Any

MARKER_ENV = "SENDIM_EXPERIMENT"
"""Environment variable naming the experiment a process belongs to."""


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read().decode(errors="replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def start_time(pid: int) -> int | None:
    """The process's start time (clock ticks since boot), None if it does not exist."""
    fields = _stat(pid)
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None


def environ(pid: int) -> str:
    """Process *pid*'s environment as NUL-separated text ("" if unreadable)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def carries(pid: int, marker: str) -> bool:
    """Whether process *pid*'s environment has ``SENDIM_EXPERIMENT=<marker>``."""
    return f"\0{MARKER_ENV}={marker}\0" in "\0" + environ(pid) + "\0"


def marked(marker: str) -> list[int]:
    """Every live process whose environment carries *marker* (for leak checks)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields and fields[0] != "Z" and carries(int(entry), marker):
                out.append(int(entry))
    return out


@dataclass(frozen=True, slots=True)
class ProcRef:
    """One recorded process: PID, start time and the marker its environment carries."""

    pid: int
    started: int
    marker: str

    @classmethod
    def of(cls, pid: int, marker: str) -> "ProcRef":
        """A reference to the running process *pid* (its start time read now)."""
        return cls(pid, start_time(pid) or 0, marker)

    @classmethod
    def from_dict(cls, doc: Any) -> "ProcRef | None":
        if not isinstance(doc, dict) or "pid" not in doc:
            return None
        return cls(int(doc["pid"]), int(doc.get("started", 0)), str(doc.get("marker", "")))

    def to_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "started": self.started, "marker": self.marker}

    def alive(self) -> bool:
        """Still running (not a zombie), same start time, still carrying the marker."""
        fields = _stat(self.pid)
        if not fields or fields[0] == "Z":
            return False
        try:
            if self.started and int(fields[19]) != self.started:
                return False
        except (IndexError, ValueError):
            return False
        return carries(self.pid, self.marker)

    def stop(self, grace: float = 5.0, group: bool = True) -> bool:
        """SIGTERM (its process group with *group*), then SIGKILL after *grace*
        seconds; True once it is gone."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            if not self.alive():
                return True
            try:
                if group and os.getpgid(self.pid) == self.pid:
                    os.killpg(self.pid, sig)
                else:
                    os.kill(self.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            if self.wait(wait):
                return True
        return not self.alive()

    def wait(self, timeout: float) -> bool:
        """Wait up to *timeout* s for it to end (reaping it if it is our child)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pass
            if not self.alive():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
