"""The state store interface: one API over a local directory and ZooKeeper.

Keys are hierarchical, ``/``-separated and absolute, ZooKeeper style: a node
has a value (bytes, possibly empty) and children. sendim keeps everything of
a tenant under ``/tenants/<tenant>`` (:attr:`StateStore.root`); a store only
changes nodes of its own tenant (ZooKeeper enforces it with digest ACLs).

    /tenants/<t>/experiments/<name>                 experiment record (JSON)
    /tenants/<t>/experiments/<name>/revisions/<rev>  revision manifest
    /tenants/<t>/experiments/<name>/history/<seq>    deploy/rollback events
    /tenants/<t>/experiments/<name>/tags/<tag>       tag -> revision
    /tenants/<t>/blobs/<sha256>                      file contents

Writes of one key are atomic; several keys change together, or not at all,
through :meth:`StateStore.transaction`. Optimistic concurrency: every value
comes with an opaque *version*; :meth:`Transaction.set` and
:meth:`Transaction.check` fail with :class:`StoreConflict` when it moved on.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sendim.errors import StoreConflict, StoreError, StoreLockTimeout  # noqa: F401 (re-exported)


_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+=:-]{0,199}")
LOCK_NODE = "__lock__"
"""Name of the child that holds a key's lock; never listed, never a user key."""


def check_key(key: str) -> list[str]:
    """The segments of *key*; StoreError unless it is ``/a/b/c`` with safe names.

    Segments start with a letter or digit and hold letters, digits and
    ``._@+=:-``: no ``..``, no hidden or reserved (``__lock__``) names.
    """
    if not isinstance(key, str) or not key.startswith("/"):
        raise StoreError(f"store key {key!r} must be absolute (start with '/')")
    parts = key.strip("/").split("/") if key.strip("/") else []
    for part in parts:
        if not _SEGMENT.fullmatch(part):
            raise StoreError(f"store key {key!r}: bad segment {part!r}")
    return parts


def join(*parts: str) -> str:
    """Join key segments: ``join("/a", "b", "c") == "/a/b/c"``."""
    out = "/".join(p.strip("/") for p in parts if p.strip("/"))
    return "/" + out


def tenant_root(tenant: str) -> str:
    """The namespace of *tenant*."""
    check_key(f"/{tenant}")
    return f"/tenants/{tenant}"


@dataclass(frozen=True, slots=True)
class Versioned:
    """A value and the version it was read at (opaque; pass it back for CAS)."""

    data: bytes
    version: Any


@dataclass(slots=True)
class Op:
    """One operation of a transaction."""

    kind: str              # "create" | "put" | "set" | "delete" | "check"
    key: str
    data: bytes = b""
    version: Any = None    # for set/delete/check; None = any version


@dataclass(slots=True)
class Transaction:
    """Operations applied all together or not at all (see :meth:`commit`).

    Build it with :meth:`StateStore.transaction`, add operations, then commit;
    used as a context manager it commits on a clean exit.
    """

    store: "StateStore"
    ops: list[Op] = field(default_factory=list)

    def create(self, key: str, data: bytes = b"") -> "Transaction":
        """Create *key*; the transaction fails if it exists."""
        self.ops.append(Op("create", key, bytes(data)))
        return self

    def put(self, key: str, data: bytes) -> "Transaction":
        """Create or overwrite *key*."""
        self.ops.append(Op("put", key, bytes(data)))
        return self

    def set(self, key: str, data: bytes, version: Any) -> "Transaction":
        """Overwrite *key* if it is still at *version* (else StoreConflict)."""
        self.ops.append(Op("set", key, bytes(data), version))
        return self

    def delete(self, key: str, version: Any = None) -> "Transaction":
        """Delete *key* (a leaf), optionally only at *version*."""
        self.ops.append(Op("delete", key, b"", version))
        return self

    def check(self, key: str, version: Any) -> "Transaction":
        """Fail the transaction unless *key* is at *version* (None: absent)."""
        self.ops.append(Op("check", key, b"", version))
        return self

    def commit(self) -> None:
        """Apply every operation atomically; StoreConflict if a condition fails."""
        for op in self.ops:
            self.store._check_writable(op.key)
        self.store._commit(self.ops)

    def __enter__(self) -> "Transaction":
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.commit()


class Watch(ABC):
    """A registered watch; :meth:`cancel` stops further callbacks."""

    @abstractmethod
    def cancel(self) -> None:
        """Stop watching (idempotent)."""


class StateStore(ABC):
    """Hierarchical key/value store with locks, watches and transactions.

    Implementations: :class:`sendim.store.local.LocalStore` and
    :class:`sendim.store.zookeeper.ZooKeeperStore`; open one with
    :func:`sendim.store.open_store`. A store is also a context manager
    (closes on exit).
    """

    kind: str = ""
    #: Largest value one key holds; bigger file contents are split by callers.
    max_value_size: int = 1 << 62

    def __init__(self, tenant: str):
        self.tenant = tenant
        self.root = tenant_root(tenant)

    # -- description ---------------------------------------------------
    @property
    @abstractmethod
    def address(self) -> str:
        """Where the store lives (directory or ``zk://hosts/chroot``), for messages."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.address} tenant={self.tenant}>"

    # -- reading -------------------------------------------------------
    @abstractmethod
    def get_versioned(self, key: str) -> Versioned | None:
        """The value of *key* with its version, or None if *key* does not exist."""

    def get(self, key: str) -> bytes | None:
        """The value of *key*, or None if it does not exist."""
        found = self.get_versioned(key)
        return None if found is None else found.data

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether *key* exists."""

    @abstractmethod
    def list(self, key: str) -> list[str]:
        """Names of the children of *key*, sorted; [] if it has none or is missing."""

    # -- writing -------------------------------------------------------
    def put(self, key: str, data: bytes) -> None:
        """Atomically create or replace the value of *key* (parents are created)."""
        self._check_writable(key)
        self._put(key, bytes(data))

    def delete(self, key: str, recursive: bool = False) -> None:
        """Delete *key* (and its subtree with *recursive*); missing keys are fine."""
        self._check_writable(key)
        self._delete(key, recursive)

    def transaction(self) -> Transaction:
        """A new, empty :class:`Transaction` on this store."""
        return Transaction(self)

    def put_if(self, key: str, data: bytes, version: Any) -> None:
        """Compare-and-set: write *key* only if it is at *version* (None: absent)."""
        txn = self.transaction()
        (txn.create(key, data) if version is None else txn.set(key, data, version)).commit()

    # -- JSON helpers --------------------------------------------------
    def get_json(self, key: str) -> Any:
        """The JSON value of *key*, or None if it does not exist."""
        data = self.get(key)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError as exc:
            raise StoreError(f"{self.address}{key}: not valid JSON ({exc})") from exc

    def put_json(self, key: str, value: Any) -> None:
        """Store *value* as JSON at *key*."""
        self.put(key, dumps(value))

    # -- coordination --------------------------------------------------
    @abstractmethod
    def lock(self, key: str, timeout: float | None = None) -> AbstractContextManager[None]:
        """An exclusive lock named after *key*, held for a ``with`` block.

        Holders of different keys do not wait for each other. Raises
        :class:`StoreLockTimeout` after *timeout* seconds (None: wait forever).
        """

    @abstractmethod
    def watch(self, key: str, callback: Callable[[Any], None],
              children: bool = False) -> Watch:
        """Call *callback* now and whenever *key* changes.

        The callback gets the value (bytes, or None once deleted), or with
        *children* the sorted child names. It runs on a background thread.
        """

    def close(self) -> None:
        """Release connections and threads (the data stays)."""

    def __enter__(self) -> "StateStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- for implementations -------------------------------------------
    def _check_writable(self, key: str) -> None:
        check_key(key)
        if key != self.root and not key.startswith(self.root + "/"):
            raise StoreError(f"tenant {self.tenant!r} may not change {key} "
                             f"(its namespace is {self.root})")

    @abstractmethod
    def _put(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def _delete(self, key: str, recursive: bool) -> None: ...

    @abstractmethod
    def _commit(self, ops: list[Op]) -> None: ...

    def walk(self, key: str) -> Iterator[str]:
        """Every key under *key* (depth first, *key* itself first if it exists)."""
        if self.exists(key):
            yield key
        for child in self.list(key):
            yield from self.walk(join(key, child))


def dumps(value: Any) -> bytes:
    """Canonical JSON bytes (sorted keys) for store values."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
