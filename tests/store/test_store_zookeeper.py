"""ZooKeeper-only behaviour: digest ACLs between tenants, unreachable servers,
a server that dies mid-operation."""

import time

import pytest

from sendim.errors import StoreError
from sendim.store import open_store
from sendim.store.zkserver import free_port

pytestmark = pytest.mark.zookeeper


@pytest.fixture
def zk(zookeeper_server, request):
    """(address, chroot) of a fresh namespace on the session server."""
    return zookeeper_server.address, f"/acl-{request.node.name[:40].replace('[', '-').strip(']')}"


def test_tenants_are_isolated_by_digest_acls(zk):
    from kazoo.client import KazooClient
    from kazoo.exceptions import NoAuthError
    from sendim.store.zookeeper import ZooKeeperStore
    address, chroot = zk
    alice = ZooKeeperStore(address, chroot, tenant="alice", secret="alice-secret")
    bob = ZooKeeperStore(address, chroot, tenant="bob", secret="bob-secret")
    try:
        alice.put("/tenants/alice/experiments/e1", b"alice's")
        bob.put("/tenants/bob/experiments/e1", b"bob's")
        # The server itself refuses: a raw client authenticated as bob.
        raw = KazooClient(address, auth_data=[("digest", "bob:bob-secret")])
        raw.start(timeout=5)
        try:
            for attempt in (lambda p: raw.set(p, b"bob was here"),
                            lambda p: raw.create(p + "/evil", b"x"),
                            lambda p: raw.delete(p),
                            lambda p: raw.get(p)):
                with pytest.raises(NoAuthError):
                    attempt(f"{chroot}/tenants/alice/experiments/e1")
        finally:
            raw.stop()
            raw.close()
        # Knowing alice's name is not enough: a wrong secret is refused by the server.
        impostor = ZooKeeperStore(address, chroot, tenant="alice", secret="guess")
        try:
            with pytest.raises(StoreError, match="permission denied"):
                impostor.put("/tenants/alice/experiments/e1", b"impostor")
            with pytest.raises(StoreError, match="permission denied"):
                impostor.transaction().put("/tenants/alice/experiments/e2", b"x").commit()
        finally:
            impostor.close()
        assert alice.get("/tenants/alice/experiments/e1") == b"alice's"
        assert bob.get("/tenants/bob/experiments/e1") == b"bob's"
    finally:
        alice.close()
        bob.close()


def test_unreachable_zookeeper_names_the_address_quickly():
    port = free_port()
    start = time.monotonic()
    with pytest.raises(StoreError) as info:
        open_store(f"zk://127.0.0.1:{port}/sendim", timeout=1.0)
    assert time.monotonic() - start < 5
    assert f"127.0.0.1:{port}" in str(info.value)
    assert "nothing was written" in str(info.value)


def test_server_stopped_mid_operation_fails_cleanly(own_zookeeper):
    from sendim.store.zookeeper import ZooKeeperStore
    store = ZooKeeperStore(own_zookeeper.address, "/s", tenant="alice", secret="pw",
                           connect_timeout=1.0, op_timeout=2.0)
    try:
        store.put(store.root + "/record", b"v1")
        own_zookeeper.stop(kill=True)
        start = time.monotonic()
        with pytest.raises(StoreError) as info:
            store.transaction().put(store.root + "/record", b"v2") \
                .put(store.root + "/other", b"x").commit()
        assert own_zookeeper.address in str(info.value)
        assert time.monotonic() - start < 10
        own_zookeeper.start()
    finally:
        store.close()
    with ZooKeeperStore(own_zookeeper.address, "/s", tenant="alice", secret="pw") as again:
        assert again.get(again.root + "/record") == b"v1"
        assert again.get(again.root + "/other") is None


def test_large_values_are_refused_with_a_clear_error(zk):
    from sendim.store.zookeeper import ZooKeeperStore
    address, chroot = zk
    with ZooKeeperStore(address, chroot, tenant="alice", secret="s") as store:
        with pytest.raises(StoreError, match="exceeds ZooKeeper's limit"):
            store.put(store.root + "/big", b"x" * (store.max_value_size + 1))
