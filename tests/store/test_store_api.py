"""The StateStore contract, run on the local store and on a real ZooKeeper."""

import os
import subprocess
import sys
import threading
import time

import pytest

from sendim.errors import StoreError
from sendim.store import StoreConflict, StoreLockTimeout


def key(store, *parts):
    return "/".join([store.root, *parts])


def test_put_get_exists_list_delete(store):
    k = key(store, "experiments", "e1")
    assert store.get(k) is None and not store.exists(k)
    store.put(k, b"one")
    store.put(key(store, "experiments", "e1", "tags", "v1"), b"rev")
    assert store.get(k) == b"one"
    assert store.exists(k)
    assert store.list(key(store, "experiments")) == ["e1"]
    assert store.list(k) == ["tags"]
    assert store.get(key(store, "experiments")) == b""      # parents exist, empty
    store.put(k, b"two")
    assert store.get(k) == b"two"
    with pytest.raises(StoreError, match="children"):
        store.delete(k)
    store.delete(k, recursive=True)
    assert not store.exists(k) and store.list(key(store, "experiments")) == []
    store.delete(k)                                          # missing: fine


def test_values_are_bytes_exactly(store):
    k = key(store, "blob")
    data = bytes(range(256)) * 100
    store.put(k, data)
    assert store.get(k) == data
    store.put(k, b"")
    assert store.get(k) == b""


@pytest.mark.parametrize("bad", ["relative", "/a/../b", "/a/.hidden", "/a/__lock__", "/a//b",
                                 "/a/b c"])
def test_bad_keys_are_refused(store, bad):
    with pytest.raises(StoreError):
        store.put(bad if bad == "relative" else store.root + bad, b"x")


def test_a_tenant_cannot_write_outside_its_namespace(store):
    with pytest.raises(StoreError, match="may not change /tenants/bob"):
        store.put("/tenants/bob/experiments/x", b"x")
    with pytest.raises(StoreError, match="may not change"):
        store.put("/elsewhere", b"x")


def test_compare_and_set(store):
    k = key(store, "record")
    store.put_if(k, b"v1", None)                             # create: must be absent
    with pytest.raises(StoreConflict):
        store.put_if(k, b"again", None)
    first = store.get_versioned(k)
    store.put_if(k, b"v2", first.version)
    with pytest.raises(StoreConflict):
        store.put_if(k, b"v3", first.version)               # stale version
    assert store.get(k) == b"v2"


def test_transaction_is_all_or_nothing(store):
    a, b, c = key(store, "a"), key(store, "x", "b"), key(store, "c")
    store.put(c, b"c0")
    stale = store.get_versioned(c).version
    store.put(c, b"c1")
    with pytest.raises(StoreConflict):
        store.transaction().put(a, b"A").create(b, b"B").set(c, b"C", stale).commit()
    assert store.get(a) is None and store.get(b) is None and store.get(c) == b"c1"
    current = store.get_versioned(c).version
    with store.transaction() as txn:
        txn.put(a, b"A").create(b, b"B").set(c, b"C", current).check(key(store, "none"), None)
    assert (store.get(a), store.get(b), store.get(c)) == (b"A", b"B", b"C")
    store.transaction().delete(a).delete(key(store, "never")).commit()
    assert store.get(a) is None


def test_two_clients_see_each_other(store_factory):
    one, two = store_factory("alice"), store_factory("alice")
    one.put(key(one, "shared"), b"hello")
    assert two.get(key(two, "shared")) == b"hello"


def _hold(store, name, log, hold):
    with store.lock(key(store, "locks", name)):
        log.append(("in", name, time.monotonic()))
        time.sleep(hold)
        log.append(("out", name, time.monotonic()))


def test_lock_serializes_threads(store_factory):
    log = []
    threads = [threading.Thread(target=_hold, args=(store_factory("alice"), "e1", log, 0.3))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    kinds = [entry[0] for entry in log]
    assert kinds == ["in", "out"] * 3, log                  # never two inside at once


def test_different_keys_lock_in_parallel(store_factory):
    first, second = store_factory("alice"), store_factory("alice")
    entered = threading.Event()
    release = threading.Event()

    def holder():
        with first.lock(key(first, "locks", "e1")):
            entered.set()
            release.wait(10)
    t = threading.Thread(target=holder)
    t.start()
    assert entered.wait(10)
    start = time.monotonic()
    with second.lock(key(second, "locks", "e2"), timeout=2):
        pass                                                # not blocked by e1
    assert time.monotonic() - start < 1.5
    with pytest.raises(StoreLockTimeout):
        with second.lock(key(second, "locks", "e1"), timeout=0.5):
            pass
    release.set()
    t.join(10)
    with second.lock(key(second, "locks", "e1"), timeout=5):
        pass


LOCKER = """
import sys, time
from sendim.store import open_store
url, tenant, out = sys.argv[1], sys.argv[2], sys.argv[3]
with open_store(url, tenant=tenant) as store:
    with store.lock(store.root + "/locks/e1", timeout=60):
        with open(out, "a") as f:
            f.write(f"in {time.monotonic()}\\n"); f.flush()
            time.sleep(0.4)
            f.write(f"out {time.monotonic()}\\n")
"""


def test_lock_serializes_processes(store_factory, tmp_path):
    store_factory("alice")                                  # creates the store
    out = tmp_path / "log"
    env = dict(os.environ, SENDIM_STORE_SECRET="")
    procs = [subprocess.Popen([sys.executable, "-c", LOCKER, store_factory.url("alice"),
                               "alice", str(out)], env=env) for _ in range(3)]
    try:
        codes = [p.wait(60) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert codes == [0, 0, 0]
    kinds = [line.split()[0] for line in out.read_text().splitlines()]
    assert kinds == ["in", "out"] * 3


def _collect(timeout=5.0):
    seen, changed = [], threading.Condition()

    def callback(value):
        with changed:
            seen.append(value)
            changed.notify_all()

    def wait_for(expected):
        deadline = time.monotonic() + timeout
        with changed:
            while expected not in seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{expected!r} never seen; got {seen!r}")
                changed.wait(left)
    return seen, callback, wait_for


def test_data_watch_fires_on_changes_by_another_client(store_factory):
    watcher, writer = store_factory("alice"), store_factory("alice")
    k = key(watcher, "experiments", "e1")
    seen, callback, wait_for = _collect()
    handle = watcher.watch(k, callback)
    wait_for(None)                                          # initial call: absent
    writer.put(k, b"rev1")
    wait_for(b"rev1")
    writer.put(k, b"rev2")
    wait_for(b"rev2")
    writer.delete(k)
    deadline = time.monotonic() + 5
    while seen[-1] is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen[-1] is None
    handle.cancel()
    count = len(seen)
    writer.put(k, b"after-cancel")
    time.sleep(0.5)
    assert len(seen) == count


def test_children_watch(store_factory):
    watcher, writer = store_factory("alice"), store_factory("alice")
    base = key(watcher, "experiments")
    seen, callback, wait_for = _collect()
    handle = watcher.watch(base, callback, children=True)
    wait_for([])
    writer.put(base + "/e1", b"x")
    wait_for(["e1"])
    writer.put(base + "/e2", b"x")
    wait_for(["e1", "e2"])
    handle.cancel()
