"""Machine-wide slots: what keeps long-lived experiments on one machine apart.

Every experiment that is up on this machine holds one slot, whatever store
or tenant recorded it (they all share one kernel and one Open vSwitch). A
slot gives the experiment its Mininet name prefix (``x`` + two base-36
digits: bridges ``x0as1``, interfaces ``x0as1-eth2``), its datapath-id
range (the slot in the top 16 bits) and its control socket. Slots are files
in a root-only directory (``SENDIM_SLOTS_DIR``, default ``/run/sendim/slots``
for root), taken under a file lock; one whose owner processes are all gone
and whose recorded bridges and interfaces no longer exist is free again.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sendim.errors import EmulationError

from deployers import _teardown
from deployers._procs import start_time

SLOTS_ENV = "SENDIM_SLOTS_DIR"
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
MAX_SLOTS = len(DIGITS) ** 2
DPID_SHIFT = 48
LOW_DPID = (1 << DPID_SHIFT) - 1


def slots_dir() -> Path:
    """The slot directory (created, mode 0700)."""
    env = os.environ.get(SLOTS_ENV, "").strip()
    if env:
        path = Path(env)
    elif os.geteuid() == 0:
        path = Path("/run/sendim/slots")
    else:
        path = Path(tempfile.gettempdir()) / f"sendim-{os.geteuid()}" / "slots"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def prefix_of(slot: int) -> str:
    """The Mininet name prefix of *slot*: ``x`` + two base-36 digits."""
    if not 0 <= slot < MAX_SLOTS:
        raise ValueError(f"slot {slot} out of range")
    return "x" + DIGITS[slot // len(DIGITS)] + DIGITS[slot % len(DIGITS)]


def dpid_of(slot: int, dpid: int) -> int:
    """*dpid* moved into *slot*'s range: the slot + 1 in the top 16 bits."""
    return ((slot + 1) << DPID_SHIFT) | (dpid & LOW_DPID)


def socket_path(slot: int) -> Path:
    """Where the slot's network script listens for commands."""
    return slots_dir() / f"{prefix_of(slot)}.sock"


@contextmanager
def _locked() -> Iterator[Path]:
    base = slots_dir()
    with open(base / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield base
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _write(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(tmp, path)


def _stale(doc: dict[str, Any]) -> bool:
    """No owner process alive and nothing it recorded left on the machine."""
    for ref in doc.get("pids", []):
        try:
            if start_time(int(ref["pid"])) == int(ref["started"]):
                return False
        except (KeyError, TypeError, ValueError):
            continue
    manifest = doc.get("manifest")
    if manifest and _teardown.leftovers(_teardown.Created.read(Path(manifest))):
        return False
    return True


def owner_pid(pid: int) -> dict[str, int]:
    """A process reference for a slot's ``pids`` list."""
    return {"pid": pid, "started": start_time(pid) or 0}


def allocate(owner: dict[str, Any]) -> tuple[int, str]:
    """Take a free slot for *owner* (JSON data: who, manifest, ``pids``); (slot, token)."""
    token = uuid.uuid4().hex
    with _locked() as base:
        for slot in range(MAX_SLOTS):
            path = base / f"{prefix_of(slot)}.json"
            doc = _read(path)
            if doc is None or _stale(doc):
                _write(path, {**owner, "slot": slot, "token": token})
                return slot, token
    raise EmulationError(f"every one of the {MAX_SLOTS} experiment slots of this machine is "
                         f"taken ({slots_dir()}): take some experiments down")


def update(slot: int, token: str, **fields: Any) -> None:
    """Change the owner data of *slot* (if *token* still holds it)."""
    with _locked() as base:
        path = base / f"{prefix_of(slot)}.json"
        doc = _read(path)
        if doc is not None and doc.get("token") == token:
            _write(path, {**doc, **fields})


def release(slot: int, token: str) -> None:
    """Give *slot* back (if *token* still holds it)."""
    with _locked() as base:
        path = base / f"{prefix_of(slot)}.json"
        doc = _read(path)
        if doc is not None and doc.get("token") == token:
            path.unlink(missing_ok=True)
