"""pytest fixtures for code that uses the state store (sendim's own tests, plugins).

Import the fixtures into a ``conftest.py``::

    from sendim.store.testing import (zookeeper_server, own_zookeeper,  # noqa: F401
                                      store_factory, store)

``store`` is parametrized over ``local`` and ``zookeeper`` (the latter marked
``zookeeper``). A ZooKeeper server is started once per session on a free
loopback port in a temporary directory and stopped by PID; ``own_zookeeper``
is a private server for tests that stop and restart it. Without java,
ZooKeeper or kazoo those tests skip, except with ``CI=true``: then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sendim.store.base import StateStore
from sendim.store.zkserver import INSTALL_HINT, ZooKeeperServer, missing_components

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
SECRETS = {"alice": "alice-secret", "bob": "bob-secret"}


def require_zookeeper() -> None:
    """Skip (or in CI fail) the current test when ZooKeeper cannot run here."""
    missing = missing_components()
    if missing:
        message = f"ZooKeeper tests need {', '.join(missing)}; {INSTALL_HINT}"
        if IN_CI:
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)


def _server(path: Path) -> Iterator[ZooKeeperServer]:
    require_zookeeper()
    server = ZooKeeperServer(path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def zookeeper_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZooKeeperServer]:
    """One ZooKeeper server for the session (tests isolate themselves by chroot)."""
    yield from _server(tmp_path_factory.mktemp("zookeeper"))


@pytest.fixture
def own_zookeeper(tmp_path: Path) -> Iterator[ZooKeeperServer]:
    """A private ZooKeeper server the test may stop (``stop(kill=True)``) and restart."""
    yield from _server(tmp_path / "zookeeper")


StoreFactory = Callable[..., StateStore]


@pytest.fixture(params=["local", pytest.param("zookeeper", marks=pytest.mark.zookeeper)])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens clients of one fresh store: ``factory(tenant="alice", secret=...)``.

    ``factory.url(tenant)`` is a store URL for the same store (for subprocesses);
    ``factory.kind`` is ``local`` or ``zookeeper``. Every client is closed at the end.
    """
    opened: list[StateStore] = []
    kind = request.param
    if kind == "zookeeper":
        server: ZooKeeperServer = request.getfixturevalue("zookeeper_server")
        chroot = f"/test-{uuid.uuid4().hex[:12]}"
        from sendim.store.zookeeper import ZooKeeperStore

        def open_one(tenant: str = "alice", secret: str | None = None, **kw: object) -> StateStore:
            made = ZooKeeperStore(server.address, chroot, tenant=tenant,
                                  secret=secret if secret is not None else SECRETS.get(tenant),
                                  **kw)  # type: ignore[arg-type]
            opened.append(made)
            return made

        def url(tenant: str = "alice") -> str:
            return f"zk://{tenant}:{SECRETS.get(tenant, '')}@{server.address}{chroot}"
    else:
        from sendim.store.local import LocalStore
        root = tmp_path / "store"

        def open_one(tenant: str = "alice", secret: str | None = None, **kw: object) -> StateStore:
            made = LocalStore(root, tenant=tenant, **kw)  # type: ignore[arg-type]
            opened.append(made)
            return made

        def url(tenant: str = "alice") -> str:
            return str(root)
    open_one.kind = kind  # type: ignore[attr-defined]
    open_one.url = url    # type: ignore[attr-defined]
    try:
        yield open_one
    finally:
        for made in opened:
            made.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> StateStore:
    """A fresh store of tenant ``alice`` (local, then ZooKeeper)."""
    return store_factory("alice")
