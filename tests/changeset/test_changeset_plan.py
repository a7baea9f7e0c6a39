"""Plans are values: add/change/remove with reasons, inverse, rendering."""

import pytest

from sendim.changeset.bundle import revision_id
from sendim.changeset.plan import Action, plan
from sendim.errors import InputError

OLD = {"app.py": "a" * 64, "lib/util.py": "b" * 64, "gone.py": "c" * 64}
NEW = {"app.py": "d" * 64, "lib/util.py": "b" * 64, "fresh.py": "e" * 64}


def test_add_change_remove_with_reasons():
    p = plan(OLD, NEW)
    assert [(c.action, c.path) for c in p.changes] == [
        (Action.CHANGE, "app.py"), (Action.ADD, "fresh.py"), (Action.REMOVE, "gone.py")]
    assert p.counts() == {"add": 1, "change": 1, "remove": 1}
    reasons = {c.path: c.reason for c in p.changes}
    assert reasons["fresh.py"] == "new file"
    assert reasons["gone.py"] == "not in the new revision"
    assert reasons["app.py"].startswith("content changed")
    assert p.old_revision == revision_id(OLD) and p.new_revision == revision_id(NEW)
    assert "lib/util.py" not in {c.path for c in p.changes}     # unchanged: not shipped


def test_first_deploy_adds_everything_and_same_revision_is_empty():
    first = plan(None, NEW)
    assert first.old_revision is None
    assert {c.action for c in first.changes} == {Action.ADD}
    same = plan(NEW, NEW)
    assert same.empty and "nothing to do" in same.render()


def test_inverse_undoes():
    p = plan(OLD, NEW)
    back = p.inverse()
    assert back.new_revision == p.old_revision and back.old_revision == p.new_revision
    assert {(c.action, c.path, c.new) for c in back.changes} == {
        (Action.CHANGE, "app.py", "a" * 64), (Action.REMOVE, "fresh.py", None),
        (Action.ADD, "gone.py", "c" * 64)}


def test_resync_ships_unchanged_files_too():
    p = plan(OLD, OLD, resync=True, resync_reason="resync after an interrupted deploy")
    assert len(p.changes) == 3 and all(c.reason.startswith("resync") for c in p.changes)


def test_render_like_a_dry_run():
    text = plan(OLD, NEW).render("deploy e1")
    assert text.splitlines()[0].startswith("deploy e1: ")
    assert "1 to add, 1 to change, 1 to remove" in text
    assert "  + fresh.py" in text and "  ~ app.py" in text and "  - gone.py" in text
    assert plan(OLD, NEW).to_dict()["counts"] == {"add": 1, "change": 1, "remove": 1}


@pytest.mark.parametrize("bad", ["../escape.py", "/abs.py", "a/../../b", "a//b", ""])
def test_unsafe_paths_are_refused(bad):
    with pytest.raises(InputError):
        plan(None, {bad: "f" * 64})
