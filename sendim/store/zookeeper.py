"""The ZooKeeper store (through kazoo): shared by several machines and tenants.

``zk://[tenant[:secret]@]host:port[,host:port...][/chroot]`` or
``<store type="zookeeper" hosts="127.0.0.1:2181"/>``. Every tenant's nodes
(``/tenants/<tenant>/...``) carry a digest ACL (``tenant:secret``): only that
tenant may read or change them. Without a secret the tenant's nodes are open
to everyone (fine on a private server; a warning is in :attr:`notes`).

Every operation is bounded in time: writes are only sent while the session is
connected, and an operation without an answer within ``op_timeout`` closes
the session, so a queued write can never land later. Multi-key changes go
through ZooKeeper transactions (``multi``): all or nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kazoo.client import KazooClient
from kazoo.exceptions import (BadVersionError, ConnectionClosedError, ConnectionLoss,
                              KazooException, LockTimeout, NoAuthError, NodeExistsError,
                              NoNodeError, NotEmptyError, RolledBackError, SessionExpiredError)
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.recipe.watchers import ChildrenWatch, DataWatch
from kazoo.retry import KazooRetry
from kazoo.security import OPEN_ACL_UNSAFE, make_digest_acl

from sendim.errors import StoreError
from sendim.store.base import (LOCK_NODE, Op, StateStore, StoreConflict, StoreLockTimeout,
                               Versioned, Watch, check_key)

logging.getLogger("kazoo").addHandler(logging.NullHandler())  # no "Connection dropped" noise

_LOST = (ConnectionLoss, SessionExpiredError, ConnectionClosedError)


class _ZkWatch(Watch):
    """A kazoo DataWatch (or a DataWatch + ChildrenWatch pair for children)."""

    def __init__(self, store: "ZooKeeperStore", path: str, callback: Callable[[Any], None],
                 children: bool):
        self._cancelled = False
        self._store, self._path, self._callback = store, path, callback
        self._children_active = False
        self._last: Any = object()
        self._mutex = threading.Lock()
        if children:
            DataWatch(store._client, path, self._on_node)
        else:
            DataWatch(store._client, path, self._on_data)

    def _deliver(self, value: Any) -> None:
        with self._mutex:
            if self._cancelled or value == self._last:
                return
            self._last = value
        self._callback(value)

    def _on_data(self, data: bytes | None, stat: Any) -> bool | None:
        if self._cancelled:
            return False
        self._deliver(None if stat is None else bytes(data or b""))
        return None

    def _on_node(self, data: bytes | None, stat: Any) -> bool | None:
        if self._cancelled:
            return False
        if stat is None:
            self._children_active = False
            self._deliver([])
        elif not self._children_active:
            self._children_active = True
            ChildrenWatch(self._store._client, self._path, self._on_children)
        return None

    def _on_children(self, names: list[str]) -> bool | None:
        if self._cancelled:
            return False
        self._deliver(sorted(n for n in names if not n.startswith(("__", "."))))
        return None

    def cancel(self) -> None:
        self._cancelled = True


class ZooKeeperStore(StateStore):
    """A :class:`StateStore` on a ZooKeeper ensemble."""

    kind = "zookeeper"
    max_value_size = 768 * 1024      # below ZooKeeper's 1 MiB jute.maxbuffer

    def __init__(self, hosts: str, chroot: str = "", tenant: str = "default",
                 secret: str | None = None, connect_timeout: float = 5.0,
                 op_timeout: float = 10.0, session_timeout: float = 10.0):
        super().__init__(tenant)
        self.hosts = hosts
        self.chroot = "/" + chroot.strip("/") if chroot.strip("/") else ""
        if self.chroot:
            check_key(self.chroot)
        self.connect_timeout, self.op_timeout = connect_timeout, op_timeout
        self._closed = False
        self.notes: list[str] = []
        if secret:
            self._acl = [make_digest_acl(tenant, secret, all=True)]
            auth = [("digest", f"{tenant}:{secret}")]
        else:
            self._acl = list(OPEN_ACL_UNSAFE)
            auth = None
            self.notes.append(f"tenant {tenant!r} has no secret: its nodes are open to everyone")
        self._client = KazooClient(
            hosts=hosts, timeout=session_timeout, auth_data=auth, default_acl=self._acl,
            connection_retry=KazooRetry(max_tries=-1, delay=0.1, backoff=2, max_delay=1),
            command_retry=KazooRetry(max_tries=3, delay=0.1, deadline=op_timeout))
        try:
            self._client.start(timeout=connect_timeout)
        except (KazooTimeoutError, KazooException, OSError) as exc:
            self._abandon()
            raise StoreError(f"ZooKeeper at {hosts} is unreachable (no session within "
                             f"{connect_timeout:g} s); nothing was written") from exc
        try:
            self._ensure(self.chroot or "/", OPEN_ACL_UNSAFE)
            self._ensure(self._zk("/tenants"), OPEN_ACL_UNSAFE)
            self._ensure(self._zk(self.root), self._acl)
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_spec(cls, spec: Any) -> "ZooKeeperStore":
        """Build from a :class:`sendim.store.spec.StoreSpec`."""
        return cls(spec.hosts, spec.chroot or "", tenant=spec.tenant, secret=spec.secret,
                   connect_timeout=spec.timeout)

    @property
    def address(self) -> str:
        return f"zk://{self.hosts}{self.chroot}"

    @property
    def connected(self) -> bool:
        """Whether the session is connected right now."""
        return bool(self._client.connected)

    # -- plumbing --------------------------------------------------------
    def _zk(self, key: str) -> str:
        check_key(key)
        path = self.chroot + key if key != "/" else (self.chroot or "/")
        return path

    def _abandon(self) -> None:
        """Close the session: queued requests fail now instead of landing later."""
        self._closed = True
        try:
            self._client.stop()
            self._client.close()
        except Exception:  # noqa: BLE001 - best effort on a broken connection
            pass

    def _wait_connected(self, what: str) -> None:
        deadline = time.monotonic() + self.connect_timeout
        while not self._client.connected:
            if self._closed or time.monotonic() >= deadline:
                raise StoreError(f"lost the connection to ZooKeeper at {self.hosts}: "
                                 f"{what} not done")
            time.sleep(0.05)

    def _call(self, what: str, submit: Callable[[], Any], write: bool = False) -> Any:
        """Run one kazoo async request with a deadline; kazoo errors → StoreError.

        NoNode, NodeExists, NotEmpty and BadVersion pass through for callers.
        """
        self._wait_connected(what)
        try:
            return submit().get(timeout=self.op_timeout)
        except KazooTimeoutError as exc:
            if write:
                self._abandon()
            raise StoreError(f"ZooKeeper at {self.hosts} did not answer within "
                             f"{self.op_timeout:g} s: {what} not done") from exc
        except _LOST as exc:
            raise StoreError(f"lost the connection to ZooKeeper at {self.hosts}: "
                             f"{what} not done") from exc
        except NoAuthError as exc:
            raise StoreError(f"permission denied: tenant {self.tenant!r} may not {what} "
                             f"(wrong or missing tenant secret?)") from exc
        except (NoNodeError, NodeExistsError, NotEmptyError, BadVersionError):
            raise
        except KazooException as exc:
            raise StoreError(f"ZooKeeper at {self.hosts}: {what} failed "
                             f"({type(exc).__name__})") from exc

    def _ensure(self, path: str, acl: list[Any]) -> None:
        """Create *path* (and missing parents) if absent; parents get *acl* too."""
        parts = path.strip("/").split("/") if path.strip("/") else []
        for i in range(1, len(parts) + 1):
            sub = "/" + "/".join(parts[:i])
            try:
                self._call(f"create {sub}",
                           lambda sub=sub: self._client.create_async(sub, b"", acl=acl),
                           write=True)
            except NodeExistsError:
                pass

    def _ensure_parent(self, key: str) -> None:
        parent = key.rsplit("/", 1)[0] or "/"
        if parent == "/" or self.exists(parent):
            return
        acl = self._acl if parent.startswith(self.root) else OPEN_ACL_UNSAFE
        self._ensure(self._zk(parent), acl)

    # -- reading -----------------------------------------------------------
    def get_versioned(self, key: str) -> Versioned | None:
        path = self._zk(key)
        try:
            data, stat = self._call(f"read {key}", lambda: self._client.get_async(path))
        except NoNodeError:
            return None
        return Versioned(bytes(data or b""), stat.version)

    def exists(self, key: str) -> bool:
        path = self._zk(key)
        return self._call(f"read {key}", lambda: self._client.exists_async(path)) is not None

    def list(self, key: str) -> list[str]:
        path = self._zk(key)
        try:
            names = self._call(f"list {key}", lambda: self._client.get_children_async(path))
        except NoNodeError:
            return []
        return sorted(n for n in names if not n.startswith(("__", ".")))

    # -- writing -----------------------------------------------------------
    def _put(self, key: str, data: bytes) -> None:
        self._check_size(key, data)
        path = self._zk(key)
        try:
            self._call(f"write {key}", lambda: self._client.set_async(path, data), write=True)
            return
        except NoNodeError:
            pass
        self._ensure_parent(key)
        try:
            self._call(f"write {key}", lambda: self._client.create_async(path, data), write=True)
        except NodeExistsError:
            self._call(f"write {key}", lambda: self._client.set_async(path, data), write=True)

    def _delete(self, key: str, recursive: bool) -> None:
        if recursive:
            for child in self._raw_children(key):
                self._delete(f"{key.rstrip('/')}/{child}", True)
        path = self._zk(key)
        try:
            self._call(f"delete {key}", lambda: self._client.delete_async(path), write=True)
        except NoNodeError:
            pass
        except NotEmptyError as exc:
            raise StoreError(f"{key} has children; delete them first (or recursive=True)") from exc

    def _raw_children(self, key: str) -> list[str]:
        path = self._zk(key)
        try:
            return self._call(f"list {key}", lambda: self._client.get_children_async(path))
        except NoNodeError:
            return []

    def _check_size(self, key: str, data: bytes) -> None:
        if len(data) > self.max_value_size:
            raise StoreError(f"{key}: value of {len(data)} bytes exceeds ZooKeeper's limit "
                             f"({self.max_value_size} bytes per node)")

    def _commit(self, ops: list[Op]) -> None:
        txn = self._client.transaction()
        for op in ops:
            path = self._zk(op.key)
            if op.kind in ("create", "put", "set"):
                self._check_size(op.key, op.data)
            if op.kind == "create" or (op.kind == "put" and not self.exists(op.key)):
                self._ensure_parent(op.key)
                txn.create(path, op.data)
            elif op.kind == "put":
                txn.set_data(path, op.data)
            elif op.kind == "set":
                txn.set_data(path, op.data, version=op.version)
            elif op.kind == "delete":
                if op.version is None and not self.exists(op.key):
                    continue
                txn.delete(path, version=-1 if op.version is None else op.version)
            elif op.kind == "check" and op.version is None:
                self._ensure_parent(op.key)
                txn.create(path, b"")       # absent: create+delete fails if it exists
                txn.delete(path)
            elif op.kind == "check":
                txn.check(path, op.version)
        if not txn.operations:
            return
        results = self._call(f"commit a transaction of {len(ops)} changes",
                             txn.commit_async, write=True)
        failures = [r for r in results if isinstance(r, Exception)
                    and not isinstance(r, RolledBackError)]
        if not failures:
            return
        failure = failures[0]
        if isinstance(failure, NoAuthError):
            raise StoreError(f"permission denied: tenant {self.tenant!r} may not commit "
                             f"this transaction (wrong or missing tenant secret?)") from failure
        if isinstance(failure, (NodeExistsError, BadVersionError, NoNodeError)):
            raise StoreConflict(f"transaction rejected: a key was changed by someone else "
                                f"({type(failure).__name__})") from failure
        raise StoreError(f"transaction failed: {type(failure).__name__}") from failure

    # -- coordination --------------------------------------------------------
    @contextmanager
    def lock(self, key: str, timeout: float | None = None) -> Iterator[None]:
        self._check_writable(key)
        self._ensure_parent(f"{key}/{LOCK_NODE}")
        recipe = self._client.Lock(self._zk(key) + "/" + LOCK_NODE)
        self._wait_connected(f"lock {key}")
        try:
            acquired = recipe.acquire(timeout=timeout)
        except LockTimeout:
            raise StoreLockTimeout(f"{key} is locked by another client "
                                   f"(waited {timeout:g} s)") from None
        except _LOST as exc:
            raise StoreError(f"lost the connection to ZooKeeper at {self.hosts} "
                             f"while locking {key}") from exc
        except NoAuthError as exc:
            raise StoreError(f"permission denied: tenant {self.tenant!r} may not lock {key}") \
                from exc
        if not acquired:
            raise StoreLockTimeout(f"{key} is locked by another client")
        try:
            yield
        finally:
            self._release(recipe)

    def _release(self, recipe: Any) -> None:
        """Release in bounded time; a lost session releases the lock by itself."""
        if not self._client.connected:
            return
        done = threading.Event()

        def release() -> None:
            try:
                recipe.release()
            except KazooException:
                pass
            finally:
                done.set()

        threading.Thread(target=release, daemon=True, name="sendim-zk-release").start()
        if not done.wait(self.op_timeout):
            self._abandon()

    def watch(self, key: str, callback: Callable[[Any], None],
              children: bool = False) -> Watch:
        self._wait_connected(f"watch {key}")
        try:
            return _ZkWatch(self, self._zk(key), callback, children)
        except NoAuthError as exc:
            raise StoreError(f"permission denied: tenant {self.tenant!r} may not watch {key}") \
                from exc
        except (KazooException, KazooTimeoutError) as exc:
            raise StoreError(f"cannot watch {key} on ZooKeeper at {self.hosts}: "
                             f"{type(exc).__name__}") from exc

    def close(self) -> None:
        self._abandon()
