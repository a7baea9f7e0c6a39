"""Experiment records in the state store.

An experiment is a named realization that stays up (``sendim up``) or, for
now, a controller app directory that ``sendim app deploy`` ships changesets
to. Its record lives at ``/tenants/<tenant>/experiments/<name>`` (JSON);
revisions, history and tags live below it (:mod:`sendim.changeset.repo`).
Records change by compare-and-set, under the experiment's lock for deploys.
"""

from __future__ import annotations

import getpass
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sendim.errors import InputError, StoreError
from sendim.store.base import StateStore, StoreConflict, Versioned, Watch, dumps, join

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_name(name: str, what: str = "experiment name") -> str:
    """*name* if it is a valid experiment (or tag) name, else InputError."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InputError(f"bad {what} {name!r}: use letters, digits, '.', '_' and '-' "
                         f"(at most 64, starting with a letter or digit)")
    return name


def whoami() -> str:
    """``user@host`` for history entries."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass(slots=True)
class Experiment:
    """What the store knows about one experiment.

    ``target`` says how to reach the controller's apps: ``{"kind":
    "directory", "restart": cmd, "health": cmd}`` today; realizations add
    their own kinds (see :data:`sendim.changeset.target.APP_TARGETS`).
    ``runtime`` is the realization's own state (controller PID and port,
    bridge and namespace names...), written and read only by that realization.
    """

    name: str
    tenant: str = "default"
    realization: str = "directory"     # simulation | emulation | physical | docker | directory
    status: str = "recorded"           # recorded | up | down | failed
    deployment: str | None = None      # deployment descriptor path
    systems: list[str] = field(default_factory=list)   # system descriptor paths
    app_dir: str | None = None         # the controller's app directory
    bundle: str | None = None          # the app bundle deployed from (path)
    revision: str | None = None        # current app revision
    pending: str | None = None         # revision of a deploy that did not finish
    since: float | None = None         # up since (epoch seconds)
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    host: str = field(default_factory=socket.gethostname)
    target: dict[str, Any] = field(default_factory=lambda: {"kind": "directory"})
    runtime: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> "Experiment":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in known})


class Experiments:
    """The experiments of one tenant in one store."""

    def __init__(self, store: StateStore):
        self.store = store
        self.base = join(store.root, "experiments")

    def key(self, name: str) -> str:
        """The record's key (the experiment's subtree root)."""
        return join(self.base, check_name(name))

    def lock_key(self, name: str) -> str:
        return join(self.store.root, "locks", "experiments", check_name(name))

    def names(self) -> list[str]:
        return [n for n in self.store.list(self.base) if self.get(n) is not None]

    def list(self) -> list[Experiment]:
        return [e for e in (self.get(n) for n in self.store.list(self.base)) if e is not None]

    def get_versioned(self, name: str) -> tuple[Experiment, Any] | None:
        """The record and its version (for :meth:`update`), or None."""
        found: Versioned | None = self.store.get_versioned(self.key(name))
        if found is None or not found.data:
            return None
        try:
            return Experiment.from_dict(json.loads(found.data)), found.version
        except (ValueError, TypeError) as exc:
            raise StoreError(f"experiment record {name} in {self.store.address} is "
                             f"damaged: {exc}") from exc

    def get(self, name: str) -> Experiment | None:
        found = self.get_versioned(name)
        return None if found is None else found[0]

    def require(self, name: str) -> tuple[Experiment, Any]:
        """The record and its version; InputError naming the known ones if missing."""
        found = self.get_versioned(name)
        if found is None:
            known = ", ".join(self.names()) or "none"
            raise InputError(f"no experiment {name!r} for tenant {self.store.tenant!r} in "
                             f"{self.store.address} (known: {known})")
        return found

    def create(self, experiment: Experiment) -> None:
        """Record a new experiment; InputError if the name is taken."""
        experiment.tenant = self.store.tenant
        key = self.key(experiment.name)
        existing = self.store.get_versioned(key)
        try:
            if existing is None:
                self.store.put_if(key, dumps(experiment.to_dict()), None)
            elif not existing.data:     # the node exists (e.g. made by a lock) but no record
                self.store.put_if(key, dumps(experiment.to_dict()), existing.version)
            else:
                raise InputError(f"experiment {experiment.name!r} exists already")
        except StoreConflict as exc:
            raise InputError(f"experiment {experiment.name!r} exists already") from exc

    def update(self, experiment: Experiment, version: Any) -> None:
        """Write *experiment* if its record is still at *version* (else StoreConflict)."""
        experiment.updated = time.time()
        self.store.put_if(self.key(experiment.name), dumps(experiment.to_dict()), version)

    def record(self, experiment: Experiment) -> bytes:
        """The record's bytes with a fresh ``updated`` (for transactions)."""
        experiment.updated = time.time()
        return dumps(experiment.to_dict())

    def remove(self, name: str) -> None:
        """Forget an experiment and its revisions, history and tags."""
        self.store.delete(self.key(name), recursive=True)

    def add_run(self, name: str, info: dict[str, Any]) -> int:
        """Append a run (``sendim exec``, a one-shot ``run``) to *name*'s run
        history: e.g. ``{"run_dir": ..., "revision": ..., "results": ...}``. Its number."""
        base = join(self.key(name), "runs")
        for _ in range(20):
            names = self.store.list(base)
            seq = int(names[-1]) + 1 if names else 1
            doc = {"seq": seq, "time": time.time(), "author": whoami(), **info}
            try:
                self.store.put_if(join(base, f"{seq:08d}"), dumps(doc), None)
                return seq
            except StoreConflict:
                continue                    # another writer took this number
        raise StoreError(f"could not record a run of {name}: too many concurrent writers")

    def runs(self, name: str) -> list[dict[str, Any]]:
        """The run history of *name*, oldest first."""
        base = join(self.key(name), "runs")
        found = (self.store.get_json(join(base, n)) for n in self.store.list(base))
        return [doc for doc in found if doc is not None]

    def lock(self, name: str, timeout: float | None = None) -> AbstractContextManager[None]:
        """The experiment's lock: deploys to one experiment run one at a time."""
        return self.store.lock(self.lock_key(name), timeout)

    def watch(self, name: str, callback: Callable[[Experiment | None], None]) -> Watch:
        """Call *callback* with the record now and whenever it changes."""

        def on_change(data: bytes | None) -> None:
            callback(Experiment.from_dict(json.loads(data)) if data else None)
        return self.store.watch(self.key(name), on_change)

    def __iter__(self) -> Iterator[Experiment]:
        return iter(self.list())
