"""Helpers of the long-lived experiment tests: the CLI in-process, leak checks."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any
from deployers._procs import environ

DATA = Path(__file__).resolve().parent / "data"
SYSTEM, DEPLOY, FLOWS, BUNDLE = (DATA / "system.xml", DATA / "emu.xml", DATA / "flows.xml",
                                 DATA / "l2bundle")


def cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """Run ``sendim ARGV`` in this process; (exit code, stdout, stderr)."""
    from sendim.cli.main import main
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys: Any, *argv: str) -> tuple[int, dict[str, Any]]:
    code, out, err = cli(capsys, *argv, "--json")
    try:
        return code, json.loads(out)
    except ValueError:
        raise AssertionError(f"exit {code}, not JSON: {out!r} {err!r}") from None


def all_reachable(doc: dict[str, Any]) -> bool:
    reach = doc["reachability"]
    return reach is not None and reach["pairs"] > 0 and reach["pairs"] == reach["reachable"]


def _bridges() -> set[str]:
    out = subprocess.run(["ovs-vsctl", "--timeout=10", "list-br"], capture_output=True,
                         text=True).stdout.split()
    return set(out)


def bridges_of(prefix: str) -> set[str]:
    return {b for b in _bridges() if b.startswith(prefix)}


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[0] == b"Z"
    except (OSError, IndexError):
        return True


def processes_with(tag: str) -> set[int]:
    """Live processes whose environment mentions *tag* (the test's own directory: every
    process an experiment of the test starts inherits it)."""
    me = os.getpid()
    return {int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me
            and tag in environ(int(p)) and not _zombie(int(p))}


def state(tag: str) -> dict[str, set]:
    """What an experiment could leave behind: bridges and interfaces of the experiment
    name space (``x…``), named namespaces, processes of this test, slot files naming it."""
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    from deployers._slots import slots_dir
    slots = {p.name for p in slots_dir().glob("*.json") if tag in p.read_text(errors="replace")}
    return {
        "bridges": {b for b in _bridges() if b.startswith("x")},
        "interfaces": {n for n in os.listdir("/sys/class/net") if n.startswith("x")},
        "netns": {line.split()[0] for line in netns.splitlines() if line.strip()},
        "processes": processes_with(tag),
        "slots": slots,
    }


def leaked(before: dict[str, set], after: dict[str, set]) -> dict[str, set]:
    return {k: after[k] - before[k] for k in after if after[k] - before[k]}
