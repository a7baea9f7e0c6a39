"""Bundles: revisions are content hashes, stable and sensitive to the right things."""

import os

import pytest

from sendim.changeset.bundle import locate_app, read_files, revision_id, revision_of, scan
from sendim.errors import InputError


def make_app(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return root


APP = {"shortest_path.py": "class App: pass\n", "lib/graph.py": "def sp(): ...\n",
       "data/weights.json": '{"s1": 1}\n'}


def test_same_content_same_revision_anywhere(tmp_path):
    a = make_app(tmp_path / "a", APP)
    b = make_app(tmp_path / "elsewhere" / "b", dict(reversed(list(APP.items()))))
    os.utime(b / "shortest_path.py", (1, 1))
    assert scan(a).revision == scan(b).revision == revision_of(a)
    assert scan(a).manifest.keys() == set(APP)
    assert revision_id(scan(a).manifest) == scan(a).revision


def test_caches_and_vcs_are_ignored(tmp_path):
    a = make_app(tmp_path / "a", APP)
    before = revision_of(a)
    make_app(a, {"__pycache__/shortest_path.cpython-311.pyc": b"\0junk",
                 "lib/old.pyc": b"\0", ".git/HEAD": "ref: main\n"})
    assert revision_of(a) == before


@pytest.mark.parametrize("change", ["byte", "rename", "add", "remove"])
def test_any_real_change_changes_the_revision(tmp_path, change):
    a = make_app(tmp_path / "a", APP)
    before = revision_of(a)
    if change == "byte":
        (a / "lib/graph.py").write_text("def sp(): ...\n ")
    elif change == "rename":
        (a / "lib/graph.py").rename(a / "lib/graphs.py")
    elif change == "add":
        (a / "new.py").write_text("")
    else:
        (a / "data/weights.json").unlink()
    assert revision_of(a) != before


def test_single_file_bundle_and_module_names(tmp_path):
    app = tmp_path / "simple.py"
    app.write_text("x = 1\n")
    bundle = scan(app)
    assert bundle.manifest.keys() == {"simple.py"}
    assert read_files(bundle) == {"simple.py": b"x = 1\n"}
    assert locate_app("json").name == "json"                 # a package: its directory
    assert len(revision_of("sendim.changeset.bundle")) == 64


def test_bad_bundles(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        scan(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no files"):
        scan(tmp_path / "empty")
    with pytest.raises(InputError):
        revision_of("no.such.module_here")
