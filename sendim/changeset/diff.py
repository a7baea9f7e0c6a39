"""``app diff``: what changed between two revisions, file by file and line by line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from sendim.changeset.bundle import short
from sendim.changeset.plan import Action, Plan, plan as make_plan
from sendim.changeset.repo import AppRepo
from sendim.experiments import Experiments
from sendim.store.base import StateStore


@dataclass(frozen=True, slots=True)
class FileDiff:
    """One file that differs; ``text`` is a unified diff (None for binary files)."""

    action: Action
    path: str
    text: str | None
    binary: bool = False


@dataclass(frozen=True, slots=True)
class DiffReport:
    experiment: str
    old: str
    new: str
    plan: Plan
    files: tuple[FileDiff, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"experiment": self.experiment, "from": self.old, "to": self.new,
                "counts": self.plan.counts(),
                "files": [{"action": f.action.value, "path": f.path, "binary": f.binary,
                           "diff": f.text} for f in self.files]}

    def render(self) -> str:
        lines = [self.plan.render(f"diff {self.experiment}")]
        for f in self.files:
            if f.binary:
                lines.append(f"Binary file {f.path} differs")
            elif f.text:
                lines.append(f.text.rstrip("\n"))
        return "\n".join(lines)


def _text(data: bytes | None) -> list[str] | None:
    if data is None:
        return []
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def unified(path: str, old: bytes | None, new: bytes | None, old_rev: str, new_rev: str) -> FileDiff:
    """The unified diff of one file between two revisions (None: absent)."""
    action = Action.ADD if old is None else Action.REMOVE if new is None else Action.CHANGE
    a, b = _text(old), _text(new)
    if a is None or b is None:
        return FileDiff(action, path, None, binary=True)
    lines = difflib.unified_diff(a, b, f"a/{path}" if old is not None else "/dev/null",
                                 f"b/{path}" if new is not None else "/dev/null",
                                 short(old_rev), short(new_rev))
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
    return FileDiff(action, path, text)


def diff(store: StateStore, name: str, ref_a: str, ref_b: str) -> DiffReport:
    """The changes from *ref_a* to *ref_b* (tags, revisions, prefixes or ``current``)."""
    exp, _ = Experiments(store).require(name)
    repo = AppRepo(store, name)
    old, new = repo.resolve(ref_a, exp.revision), repo.resolve(ref_b, exp.revision)
    plan = make_plan(repo.revision(old).files, repo.revision(new).files, deployed_revision=old)
    files = []
    for change in plan.changes:
        before = repo.blobs.get(change.old) if change.old else None
        after = repo.blobs.get(change.new) if change.new else None
        files.append(unified(change.path, before, after, old, new))
    return DiffReport(name, old, new, plan, tuple(files))
