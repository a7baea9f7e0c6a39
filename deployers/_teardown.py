"""Remove what one emulation created, from its manifest: by PID and by name only.

The generated script records, before creating them, the OVS bridges and
veth interfaces it will make, and the PID (with a command marker) of every
process it starts. The script takes its network down itself; this is the
supervisor's second line, for when the script was killed or crashed.
Nothing is matched by pattern: a PID is killed only if it is still alive
and its command line still carries the recorded marker (so a recycled PID
is left alone), a bridge or interface only if it has the recorded name.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(slots=True)
class Created:
    """Names and PIDs one run created."""

    bridges: list[str] = field(default_factory=list)
    intfs: list[str] = field(default_factory=list)
    pids: list[tuple[int, str]] = field(default_factory=list)   # (pid, marker)
    stopped: bool = False

    @classmethod
    def read(cls, manifest: Path) -> "Created":
        out = cls()
        try:
            lines = manifest.read_text(encoding="utf-8").splitlines()
        except OSError:
            return out
        for line in lines:
            try:
                item = json.loads(line)
            except ValueError:
                continue          # a line cut short by a kill
            kind = item.get("kind")
            if kind == "bridge":
                out.bridges.append(str(item["name"]))
            elif kind == "intf":
                out.intfs.append(str(item["name"]))
            elif kind == "pid":
                out.pids.append((int(item["pid"]), str(item.get("cmd", ""))))
            elif kind == "stopped":
                out.stopped = True
        return out


def _cmdline(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None


def _alive(pid: int, marker: str) -> bool:
    cmd = _cmdline(pid)
    if cmd is None:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            if f.read().split(b")")[-1].split()[0] == b"Z":
                return False          # a zombie: already dead, nothing to kill
    except (OSError, IndexError):
        return False
    return marker in cmd


def _existing_bridges() -> set[str]:
    try:
        res = subprocess.run(["ovs-vsctl", "--timeout=10", "list-br"], capture_output=True,
                             text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return set(res.stdout.split()) if res.returncode == 0 else set()


def _kill(pid: int) -> None:
    """SIGKILL *pid*, and its whole process group when it leads one (a recorded
    session leader, such as a node command started through ``mnexec -d``: the
    shell's children go with it)."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def leftovers(created: Created) -> list[str]:
    """What of *created* still exists (empty: nothing leaked)."""
    out = [f"process {pid} ({marker})" for pid, marker in created.pids if _alive(pid, marker)]
    bridges = _existing_bridges()
    out += [f"bridge {b}" for b in created.bridges if b in bridges]
    out += [f"interface {i}" for i in created.intfs if os.path.exists(f"/sys/class/net/{i}")]
    return out


def remove(created: Created) -> list[str]:
    """Kill recorded processes, delete recorded bridges and interfaces; returns what remains."""
    for pid, marker in created.pids:
        if _alive(pid, marker):
            _kill(pid)
    deadline = time.monotonic() + 5
    while any(_alive(pid, m) for pid, m in created.pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    bridges = _existing_bridges()
    doomed = [b for b in created.bridges if b in bridges]
    for start in range(0, len(doomed), 200):
        args = ["ovs-vsctl", "--timeout=30"]
        for b in doomed[start:start + 200]:
            args += ["--", "--if-exists", "del-br", b]
        subprocess.run(args, capture_output=True, timeout=120)
    for intf in created.intfs:
        if os.path.exists(f"/sys/class/net/{intf}"):
            subprocess.run(["ip", "link", "del", "dev", intf], capture_output=True, timeout=30)
    return leftovers(created)
