"""The embedded default store: a directory on this machine.

Layout under the store directory::

    nodes/<seg>/<seg>/...     one directory per key; its value in ``.value``
    nodes/.../__lock__        lock files (fcntl)
    .write.lock               held (briefly) by every writer
    .tmp/                     values being written (emptied on open)
    .journal/<id>.json        a multi-key transaction being applied
    .trash/                   subtrees being deleted

Every value is written to a temporary file, fsync'ed and renamed over the old
one (``os.replace``), so a crash mid-write leaves the previous value readable.
A transaction of several keys first writes a journal, then applies it; a
journal left by a writer that died is replayed (rolled forward) before the
next read or write, so nothing is seen half-written.
"""

from __future__ import annotations

import base64
import errno
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sendim.errors import StoreError
from sendim.store.base import (LOCK_NODE, Op, StateStore, StoreConflict, StoreLockTimeout,
                               Versioned, Watch, check_key)

VALUE = ".value"


def default_local_path() -> Path:
    """``$XDG_DATA_HOME/sendim/store``, else ``~/.local/share/sendim/store``."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"),
                                                           ".local", "share")
    return Path(base) / "sendim" / "store"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes, durable: bool = True,
                  tmp_dir: Path | None = None) -> None:
    """Write *data* to *path* through a fsync'ed temporary file and a rename.

    The temporary file lives in *tmp_dir* (same file system) or next to *path*.
    """
    tmp = (tmp_dir or path.parent) / f"{path.name}.tmp-{uuid.uuid4().hex}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if durable:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, path)
    if durable:
        _fsync_dir(path.parent)


class _PollWatch(Watch):
    """A watch that polls a signature of the key every *interval* seconds."""

    def __init__(self, read: Callable[[], tuple[Any, Any]], callback: Callable[[Any], None],
                 interval: float):
        self._read, self._callback, self._interval = read, callback, interval
        self._stop = threading.Event()
        signature, value = read()
        self._last = signature
        callback(value)
        self._thread = threading.Thread(target=self._run, name="sendim-store-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                signature, value = self._read()
            except (OSError, StoreError):
                continue
            if signature != self._last:
                self._last = signature
                if not self._stop.is_set():
                    self._callback(value)

    def cancel(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


class LocalStore(StateStore):
    """A :class:`StateStore` in a directory (default: the user's data dir)."""

    kind = "local"

    def __init__(self, path: str | os.PathLike[str] | None = None, tenant: str = "default",
                 poll_interval: float = 0.1, durable: bool = True):
        super().__init__(tenant)
        self.path = Path(path) if path is not None else default_local_path()
        self.poll_interval = poll_interval
        self.durable = durable
        self._watches: list[Watch] = []
        try:
            for sub in ("nodes", ".journal", ".trash", ".tmp"):
                (self.path / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"cannot use store directory {self.path}: {exc.strerror}") from exc
        with self._writer():
            self._recover()
            for leftover in (self.path / ".trash").iterdir():
                shutil.rmtree(leftover, ignore_errors=True)
            for leftover in (self.path / ".tmp").iterdir():   # writers that died mid-write
                leftover.unlink(missing_ok=True)

    @classmethod
    def from_spec(cls, spec: Any) -> "LocalStore":
        """Build from a :class:`sendim.store.spec.StoreSpec`."""
        return cls(spec.path, tenant=spec.tenant)

    @property
    def address(self) -> str:
        return str(self.path)

    # -- paths ---------------------------------------------------------
    def _dir(self, key: str) -> Path:
        return self.path.joinpath("nodes", *check_key(key))

    @contextmanager
    def _flock(self, file: Path, timeout: float | None = None,
               what: str = "") -> Iterator[None]:
        fd = os.open(file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | (fcntl.LOCK_NB if deadline else 0))
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                        raise
                    if time.monotonic() >= deadline:  # type: ignore[operator]
                        raise StoreLockTimeout(f"{what or file} is locked by another "
                                               f"process (waited {timeout:g} s)") from None
                    time.sleep(0.02)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _writer(self) -> Any:
        return self._flock(self.path / ".write.lock")

    # -- journal -------------------------------------------------------
    def _recover(self) -> None:
        """Roll forward journals left by writers that died (hold the write lock)."""
        journal_dir = self.path / ".journal"
        for entry in sorted(journal_dir.iterdir()):
            if entry.suffix != ".json":
                entry.unlink(missing_ok=True)     # a journal's own temp file
                continue
            ops = [Op(o["kind"], o["key"], base64.b64decode(o["data"]))
                   for o in json.loads(entry.read_bytes())]
            self._apply(ops)
            entry.unlink()
        _fsync_dir(journal_dir)

    def _settle(self) -> None:
        """Before reading: wait for (or replay) any multi-key commit in flight."""
        try:
            pending = any(True for _ in os.scandir(self.path / ".journal"))
        except FileNotFoundError:
            return
        if pending:
            with self._writer():
                self._recover()

    # -- reading -------------------------------------------------------
    def _read(self, key: str) -> bytes | None:
        node = self._dir(key)
        try:
            return (node / VALUE).read_bytes()
        except FileNotFoundError:
            return b"" if node.is_dir() else None
        except OSError as exc:
            raise StoreError(f"cannot read {key} in {self.path}: {exc.strerror}") from exc

    def get(self, key: str) -> bytes | None:
        self._settle()
        return self._read(key)

    def get_versioned(self, key: str) -> Versioned | None:
        self._settle()
        data = self._read(key)
        return None if data is None else Versioned(data, hashlib.sha256(data).hexdigest())

    def exists(self, key: str) -> bool:
        self._settle()
        return self._dir(key).is_dir()

    def list(self, key: str) -> list[str]:
        self._settle()
        try:
            return sorted(e.name for e in os.scandir(self._dir(key))
                          if e.is_dir() and not e.name.startswith((".", "__")))
        except (FileNotFoundError, NotADirectoryError):
            return []

    # -- writing -------------------------------------------------------
    def _write_value(self, key: str, data: bytes) -> None:
        node = self._dir(key)
        node.mkdir(parents=True, exist_ok=True)
        _atomic_write(node / VALUE, data, self.durable, self.path / ".tmp")

    def _remove(self, key: str, recursive: bool) -> None:
        node = self._dir(key)
        if not node.is_dir():
            return
        if not recursive and any(not e.name.startswith((".", "__")) for e in os.scandir(node)):
            raise StoreError(f"{key} has children; delete them first (or recursive=True)")
        trash = self.path / ".trash" / uuid.uuid4().hex
        os.replace(node, trash)
        if self.durable:
            _fsync_dir(node.parent)
        shutil.rmtree(trash, ignore_errors=True)

    def _put(self, key: str, data: bytes) -> None:
        try:
            with self._writer():
                self._recover()
                self._write_value(key, data)
        except OSError as exc:
            raise StoreError(f"cannot write {key} in {self.path}: {exc.strerror}") from exc

    def _delete(self, key: str, recursive: bool) -> None:
        try:
            with self._writer():
                self._recover()
                self._remove(key, recursive)
        except OSError as exc:
            raise StoreError(f"cannot delete {key} in {self.path}: {exc.strerror}") from exc

    def _apply(self, ops: list[Op]) -> None:
        for op in ops:
            if op.kind in ("create", "put", "set"):
                self._write_value(op.key, op.data)
            elif op.kind == "delete":
                self._remove(op.key, recursive=False)

    def _verify(self, op: Op) -> None:
        data = self._read(op.key)
        version = None if data is None else hashlib.sha256(data).hexdigest()
        if op.kind == "create" and data is not None:
            raise StoreConflict(f"{op.key} already exists")
        if op.kind == "set" and (data is None or version != op.version):
            raise StoreConflict(f"{op.key} was changed by someone else")
        if op.kind == "check" and version != op.version:
            raise StoreConflict(f"{op.key} was changed by someone else")
        if op.kind == "delete" and op.version is not None and version != op.version:
            raise StoreConflict(f"{op.key} was changed by someone else")

    def _commit(self, ops: list[Op]) -> None:
        try:
            with self._writer():
                self._recover()
                for op in ops:
                    self._verify(op)
                writes = [op for op in ops if op.kind != "check"]
                if len(writes) <= 1:
                    self._apply(writes)
                    return
                journal = self.path / ".journal" / f"{time.time_ns()}-{uuid.uuid4().hex}.json"
                doc = [{"kind": op.kind, "key": op.key,
                        "data": base64.b64encode(op.data).decode()} for op in writes]
                _atomic_write(journal, json.dumps(doc).encode(), True, self.path / ".tmp")
                self._apply(writes)
                journal.unlink()
                if self.durable:
                    _fsync_dir(journal.parent)
        except OSError as exc:
            raise StoreError(f"transaction failed in {self.path}: {exc.strerror}") from exc

    # -- coordination --------------------------------------------------
    @contextmanager
    def lock(self, key: str, timeout: float | None = None) -> Iterator[None]:
        node = self._dir(key)
        node.mkdir(parents=True, exist_ok=True)
        with self._flock(node / LOCK_NODE, timeout, what=key):
            yield

    def watch(self, key: str, callback: Callable[[Any], None],
              children: bool = False) -> Watch:
        node = self._dir(key)

        def read() -> tuple[Any, Any]:
            self._settle()
            if children:
                names = self.list(key)
                return names, names
            try:
                st = os.stat(node / VALUE)
                signature: Any = (st.st_ino, st.st_mtime_ns, st.st_size)
            except FileNotFoundError:
                signature = node.is_dir()
            return signature, self._read(key)

        handle = _PollWatch(read, callback, self.poll_interval)
        self._watches.append(handle)
        return handle

    def close(self) -> None:
        for handle in self._watches:
            handle.cancel()
        self._watches.clear()
