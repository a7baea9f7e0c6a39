"""Applying plans to a DirectoryTarget: only changed files travel; unhealthy → undo."""

from sendim.changeset.apply import Rollout, apply
from sendim.changeset.bundle import file_hash, scan
from sendim.changeset.plan import plan
from sendim.changeset.target import DirectoryTarget


def contents_of(*dicts):
    blobs = {}
    for d in dicts:
        for data in d.values():
            blobs[file_hash(data)] = data
    return blobs


def manifest(files):
    return {p: file_hash(b) for p, b in files.items()}


V1 = {"app.py": b"v1\n", "lib/util.py": b"util\n", "data/w.json": b"{}\n"}
V2 = {"app.py": b"v2\n", "lib/util.py": b"util\n", "extra.py": b"x\n"}


def deployed(tmp_path, files, **callbacks):
    target = DirectoryTarget(tmp_path / "ctl", **callbacks)
    blobs = contents_of(files)
    assert apply(plan(None, manifest(files)), target, blobs.__getitem__).ok
    target.writes = target.removes = target.restarts = 0
    return target


def test_only_changed_files_travel(tmp_path):
    target = deployed(tmp_path, V1)
    blobs = contents_of(V1, V2)
    result = apply(plan(manifest(V1), manifest(V2)), target, blobs.__getitem__)
    assert result.ok and result.restarted
    assert (target.writes, target.removes, target.restarts) == (2, 1, 1)
    assert sorted(result.written) == ["app.py", "extra.py"] and result.removed == ["data/w.json"]
    assert scan(target.app_dir).manifest == manifest(V2)
    assert not (target.app_dir / "data").exists()             # empty directories pruned


def test_unhealthy_update_rolls_back_by_itself(tmp_path):
    healthy = {"now": True}
    target = deployed(tmp_path, V1, health=lambda timeout: healthy["now"],
                      restart=lambda: healthy.update(now=(tmp_path / "ctl" / "extra.py").exists()
                                                     is False))
    blobs = contents_of(V1, V2)
    result = apply(plan(manifest(V1), manifest(V2)), target, blobs.__getitem__,
                   health_timeout=0.1)
    assert not result.ok and result.rolled_back and result.rollback_ok
    assert "not healthy" in result.error
    assert result.revision == plan(manifest(V1), manifest(V2)).old_revision
    assert scan(target.app_dir).manifest == manifest(V1)
    assert target.restarts == 2                                # update, then undo


def test_failing_restart_rolls_back(tmp_path):
    calls = []

    def restart():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("controller would not start")
    target = deployed(tmp_path, V1)
    target._restart = restart
    blobs = contents_of(V1, V2)
    result = apply(plan(manifest(V1), manifest(V2)), target, blobs.__getitem__)
    assert not result.ok and result.rollback_ok and "would not start" in result.error
    assert scan(target.app_dir).manifest == manifest(V1)


def test_contents_are_fetched_before_the_target_is_touched(tmp_path):
    target = deployed(tmp_path, V1)
    blobs = contents_of(V1, V2)
    fetched = []

    def fetch(digest):
        fetched.append(digest)
        return blobs[digest]
    rollout = Rollout(plan(manifest(V1), manifest(V2)), target, fetch)
    assert target.writes == 0 and len(fetched) == 4           # new app/extra + old app/data
    assert rollout.apply().ok
    assert rollout.revert()                                   # no fetch needed any more
    assert len(fetched) == 4
    assert scan(target.app_dir).manifest == manifest(V1)


def test_empty_plan_does_not_restart(tmp_path):
    target = deployed(tmp_path, V1)
    result = apply(plan(manifest(V1), manifest(V1)), target, {}.__getitem__)
    assert result.ok and not result.restarted and target.restarts == 0
