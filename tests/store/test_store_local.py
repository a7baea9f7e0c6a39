"""Local-store durability: a writer killed mid-write never leaves a torn value."""

import base64
import json
import os
import signal
import subprocess
import sys
import time

from sendim.store.local import LocalStore, default_local_path

WRITER = """
import sys
from sendim.store.local import LocalStore
store = LocalStore(sys.argv[1], tenant="alice")
key = store.root + "/record"
i = 0
print("ready", flush=True)
while True:
    i += 1
    store.put(key, (b"%08d" % i) * 500_000)      # 4 MB per value
    store.transaction().put(store.root + "/a", b"%d" % i).put(store.root + "/b", b"%d" % i).commit()
"""


STALLED_WRITER = """
import os, sys, time
from sendim.store.local import LocalStore
store = LocalStore(sys.argv[1], tenant="alice")
real_replace = os.replace

def stall(src, dst):            # the crash point: data written, rename not done
    if str(dst).endswith("value"):
        print("stalled", flush=True)
        time.sleep(3600)
    real_replace(src, dst)

os.replace = stall
store.put(store.root + "/record", b"99999999" * 500_000)
"""


def test_writer_killed_before_its_rename_leaves_the_old_value(tmp_path):
    root = tmp_path / "store"
    store = LocalStore(root, tenant="alice")
    store.put(store.root + "/record", b"00000000" * 500_000)
    proc = subprocess.Popen([sys.executable, "-c", STALLED_WRITER, str(root)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"stalled"
        assert list((root / ".tmp").iterdir()), "the new value is written, not yet renamed"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    reopened = LocalStore(root, tenant="alice")
    assert reopened.get(reopened.root + "/record") == b"00000000" * 500_000
    assert not list((root / ".tmp").iterdir())


def test_killed_writer_leaves_previous_value_readable(tmp_path):
    root = tmp_path / "store"
    first = LocalStore(root, tenant="alice")
    first.put(first.root + "/record", b"00000000" * 500_000)
    first.transaction().put(first.root + "/a", b"0").put(first.root + "/b", b"0").commit()
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(root)],
                                stdout=subprocess.PIPE)
        try:
            assert proc.stdout.readline().strip() == b"ready"
            time.sleep(0.2 + 0.13 * attempt)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        store = LocalStore(root, tenant="alice")             # recovery on open
        assert not list((root / ".tmp").iterdir())
        value = store.get(store.root + "/record")
        assert len(value) == 4_000_000
        assert value == value[:8] * 500_000                  # one whole version, never torn
        assert store.get(store.root + "/a") == store.get(store.root + "/b")
    # Where the kills land depends on the machine's load; the deterministic
    # crash point is covered by test_writer_killed_before_its_rename_...


def test_journal_left_by_a_dead_writer_is_rolled_forward(tmp_path):
    store = LocalStore(tmp_path / "s", tenant="alice")
    ops = [{"kind": "put", "key": store.root + "/x", "data": base64.b64encode(b"X").decode()},
           {"kind": "put", "key": store.root + "/y", "data": base64.b64encode(b"Y").decode()}]
    (tmp_path / "s" / ".journal" / "1-dead.json").write_text(json.dumps(ops))
    assert store.get(store.root + "/y") == b"Y"             # reads settle the journal first
    assert store.get(store.root + "/x") == b"X"
    assert not list((tmp_path / "s" / ".journal").iterdir())


def test_default_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_local_path() == tmp_path / "xdg" / "sendim" / "store"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_local_path() == tmp_path / "home" / ".local" / "share" / "sendim" / "store"
