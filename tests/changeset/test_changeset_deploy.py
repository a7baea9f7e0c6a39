"""deploy / tag / rollback / diff / history through the store (local and ZooKeeper)."""

import threading
import time

import pytest

from sendim.changeset.bundle import revision_of, scan, short
from sendim.changeset.deploy import deploy, rollback, tag
from sendim.changeset.diff import diff
from sendim.changeset.repo import AppRepo, BlobStore
from sendim.changeset.target import DirectoryTarget
from sendim.errors import InputError, StoreError
from sendim.experiments import Experiment, Experiments

APP = {"shortest_path.py": "from lib.graph import sp\nclass ShortestPath: pass\n",
       "lib/graph.py": "def sp(g, a, b):\n    return [a, b]\n",
       "data/weights.json": '{"s1-s2": 1}\n'}


def write_app(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def lab(store, tmp_path):
    """A recorded experiment 'e1' with a controller app directory and a bundle."""
    bundle = write_app(tmp_path / "bundle", APP)
    app_dir = tmp_path / "controller"
    Experiments(store).create(Experiment("e1", app_dir=str(app_dir), bundle=str(bundle)))
    return store, bundle, app_dir


def test_deploy_change_tag_break_rollback(lab):
    store, bundle, app_dir = lab
    target = DirectoryTarget(app_dir)
    first = deploy(store, "e1", target=target, message="revision 1")
    assert first.ok and target.writes == 3
    rev1 = first.revision
    assert rev1 == revision_of(bundle) and scan(app_dir).revision == rev1

    (bundle / "lib/graph.py").write_text("def sp(g, a, b):\n    return [a, 'x', b]\n")
    target.writes = 0
    second = deploy(store, "e1", target=target)
    assert second.ok and target.writes == 1 and second.result.written == ["lib/graph.py"]
    rev2 = second.revision
    tag(store, "e1", "good")

    (bundle / "broken.py").write_text("raise SystemExit\n")
    broken = DirectoryTarget(app_dir, health=lambda timeout: not (app_dir / "broken.py").exists())
    third = deploy(store, "e1", target=broken)
    assert not third.ok and third.result.rolled_back and third.result.rollback_ok
    assert "rolled back automatically" in third.render()
    exp = Experiments(store).get("e1")
    assert exp.revision == rev2 and exp.pending is None
    assert scan(app_dir).revision == rev2

    back = rollback(store, "e1", short(rev1), target=target)
    assert back.ok and scan(app_dir).revision == rev1
    again = rollback(store, "e1", "good", target=target)
    assert again.ok and Experiments(store).get("e1").revision == rev2

    repo = AppRepo(store, "e1")
    events = repo.history()
    assert [e.action for e in events] == ["deploy", "deploy", "deploy-failed", "rollback",
                                          "rollback"]
    assert [short(e.current) for e in events] == [short(r) for r in (rev1, rev2, rev2, rev1, rev2)]
    assert events[0].message == "revision 1" and "@" in events[0].author
    assert events[1].changes == {"add": [], "change": ["lib/graph.py"], "remove": []}
    assert repo.tags()["good"].revision == rev2


def test_rollback_without_ref_goes_to_the_previous_revision(lab):
    store, bundle, app_dir = lab
    target = DirectoryTarget(app_dir)
    rev1 = deploy(store, "e1", target=target).revision
    (bundle / "shortest_path.py").write_text("class ShortestPath: version = 2\n")
    rev2 = deploy(store, "e1", target=target).revision
    assert rollback(store, "e1", target=target).revision == rev1
    assert rollback(store, "e1", target=target).revision == rev2    # and back again


def test_dry_run_changes_nothing(lab):
    store, bundle, app_dir = lab
    target = DirectoryTarget(app_dir)
    deploy(store, "e1", target=target)
    (bundle / "new_module.py").write_text("x = 1\n")
    target.writes = 0
    report = deploy(store, "e1", target=target, dry_run=True)
    assert report.dry_run and report.plan.counts() == {"add": 1, "change": 0, "remove": 0}
    assert "+ new_module.py" in report.render() and "dry run" in report.render()
    assert target.writes == 0 and not (app_dir / "new_module.py").exists()
    assert len(AppRepo(store, "e1").history()) == 1


def test_diff_between_revisions(lab):
    store, bundle, app_dir = lab
    target = DirectoryTarget(app_dir)
    rev1 = deploy(store, "e1", target=target).revision
    tag(store, "e1", "v1")
    (bundle / "lib/graph.py").write_text("def sp(g, a, b):\n    return [b, a]\n")
    (bundle / "data/weights.json").unlink()
    (bundle / "data/blob.bin").write_bytes(b"\0\1\2")
    rev2 = deploy(store, "e1", target=target).revision
    report = diff(store, "e1", "v1", rev2[:8])
    assert (report.old, report.new) == (rev1, rev2)
    by_path = {f.path: f for f in report.files}
    assert set(by_path) == {"lib/graph.py", "data/weights.json", "data/blob.bin"}
    assert "-    return [a, b]\n+    return [b, a]\n" in by_path["lib/graph.py"].text
    assert by_path["data/blob.bin"].binary
    assert "+++ /dev/null" in by_path["data/weights.json"].text
    assert diff(store, "e1", "current", "v1").new == rev1


def test_tags_and_references(lab):
    store, bundle, app_dir = lab
    deploy(store, "e1", target=DirectoryTarget(app_dir))
    tag(store, "e1", "t1")
    with pytest.raises(InputError, match="already names"):
        tag(store, "e1", "t1")
    tag(store, "e1", "t1", force=True)
    with pytest.raises(InputError, match="neither a tag nor a revision"):
        rollback(store, "e1", "nope", target=DirectoryTarget(app_dir))
    with pytest.raises(InputError, match="bad tag"):
        tag(store, "e1", "../x")
    with pytest.raises(InputError, match="no experiment 'ghost'"):
        deploy(store, "ghost", str(bundle))


def test_large_files_are_chunked(lab):
    store, bundle, app_dir = lab
    store.max_value_size = 64 * 1024
    big = bytes(range(256)) * 1000                          # 256 kB: 4 chunks
    (bundle / "data/table.bin").write_bytes(big)
    report = deploy(store, "e1", target=DirectoryTarget(app_dir))
    assert report.ok and (app_dir / "data/table.bin").read_bytes() == big
    assert BlobStore(store).get(scan(bundle).manifest["data/table.bin"]) == big


def test_same_experiment_deploys_serialize(store_factory, tmp_path):
    first = store_factory("alice")
    app_dir = tmp_path / "controller"
    bundles = [write_app(tmp_path / f"b{i}", {**APP, "version.py": f"V = {i}\n"})
               for i in range(2)]
    Experiments(first).create(Experiment("e1", app_dir=str(app_dir)))
    inside, overlap = [0], []
    mutex = threading.Lock()

    def slow_restart():
        with mutex:
            inside[0] += 1
            overlap.append(inside[0])
        time.sleep(0.3)
        with mutex:
            inside[0] -= 1
    reports, errors = [], []

    def run(bundle):
        try:
            reports.append(deploy(store_factory("alice"), "e1", str(bundle),
                                  target=DirectoryTarget(app_dir, restart=slow_restart)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(b,)) for b in bundles]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and max(overlap) == 1 and all(r.ok for r in reports)
    events = AppRepo(first, "e1").history()
    assert [e.seq for e in events] == [1, 2]
    assert events[1].previous == events[0].current           # the second saw the first
    assert scan(app_dir).revision == Experiments(first).get("e1").revision


def test_different_experiments_deploy_in_parallel(store_factory, tmp_path):
    store = store_factory("alice")
    bundle = write_app(tmp_path / "bundle", APP)
    for name in ("e1", "e2"):
        Experiments(store).create(Experiment(name, app_dir=str(tmp_path / name), bundle=str(bundle)))
    release, entered = threading.Event(), threading.Event()

    def blocked_restart():
        entered.set()
        release.wait(20)
    t = threading.Thread(target=deploy, args=(store_factory("alice"), "e1"),
                         kwargs={"target": DirectoryTarget(tmp_path / "e1",
                                                           restart=blocked_restart)})
    t.start()
    try:
        assert entered.wait(20)
        start = time.monotonic()
        report = deploy(store_factory("alice"), "e2", target=DirectoryTarget(tmp_path / "e2"),
                        lock_timeout=5)
        assert report.ok and time.monotonic() - start < 5
    finally:
        release.set()
        t.join(30)
    assert Experiments(store).get("e1").revision == Experiments(store).get("e2").revision


@pytest.mark.zookeeper
def test_zookeeper_dies_mid_deploy_experiment_stays_on_previous_revision(own_zookeeper, tmp_path):
    from sendim.store.zookeeper import ZooKeeperStore

    def connect():
        # The dead session's lock node lives until the session expires (session_timeout).
        return ZooKeeperStore(own_zookeeper.address, "/lab", tenant="alice", secret="pw",
                              connect_timeout=1.0, op_timeout=3.0, session_timeout=4.0)
    bundle = write_app(tmp_path / "bundle", APP)
    app_dir = tmp_path / "controller"
    store = connect()
    try:
        Experiments(store).create(Experiment("e1", app_dir=str(app_dir), bundle=str(bundle)))
        rev1 = deploy(store, "e1", target=DirectoryTarget(app_dir)).revision
        (bundle / "lib/graph.py").write_text("def sp(g, a, b):\n    return []\n")
        rev2 = revision_of(bundle)
        killer = DirectoryTarget(app_dir, restart=lambda: own_zookeeper.stop(kill=True))
        start = time.monotonic()
        with pytest.raises(StoreError) as info:
            deploy(store, "e1", target=killer)
        assert time.monotonic() - start < 30
        message = str(info.value)
        assert f"stays on {short(rev1)}" in message and "is back on it" in message
        assert own_zookeeper.address in message
        assert scan(app_dir).revision == rev1                  # the files went back too
    finally:
        store.close()
    own_zookeeper.start()
    with connect() as store:
        exp = Experiments(store).get("e1")
        assert exp.revision == rev1 and exp.pending == rev2   # visible, not half-written
        assert [e.action for e in AppRepo(store, "e1").history()] == ["deploy"]
        target = DirectoryTarget(app_dir)
        report = deploy(store, "e1", target=target)           # the next deploy just works
        assert report.ok and report.revision == rev2 and target.writes == 1
        assert any("interrupted" in note for note in report.notes)
        assert Experiments(store).get("e1").pending is None


def test_experiment_records_and_run_history(store):
    experiments = Experiments(store)
    experiments.create(Experiment("e9", realization="emulation", systems=["/x/system.xml"],
                                  app_dir="/tmp/none", runtime={"controller_port": 6653}))
    with pytest.raises(InputError, match="exists already"):
        experiments.create(Experiment("e9"))
    exp, version = experiments.require("e9")
    assert exp.tenant == "alice" and exp.runtime == {"controller_port": 6653}
    exp.status = "up"
    experiments.update(exp, version)
    with pytest.raises(StoreError):
        experiments.update(exp, version)                       # stale: compare-and-set
    assert experiments.add_run("e9", {"revision": "abc"}) == 1
    assert experiments.add_run("e9", {"revision": "def"}) == 2
    assert [r["revision"] for r in experiments.runs("e9")] == ["abc", "def"]
    assert [e.name for e in experiments.list()] == ["e9"]
    experiments.remove("e9")
    assert experiments.get("e9") is None
    with pytest.raises(InputError, match="bad experiment name"):
        experiments.key("../etc")
