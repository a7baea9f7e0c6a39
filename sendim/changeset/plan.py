"""Plans: what a changeset does, as a value (containerlab's deploy/--dry-run).

:func:`plan` compares the manifest deployed in an experiment with the desired
one and lists the files to add, change and remove, each with a reason. Plans
are plain data: printed by ``--dry-run``, stored in the history, inverted to
undo, and tested without any backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sendim.changeset.bundle import Manifest, check_path, revision_id, short


class Action(str, Enum):
    ADD = "add"
    CHANGE = "change"
    REMOVE = "remove"


SYMBOL = {Action.ADD: "+", Action.CHANGE: "~", Action.REMOVE: "-"}


@dataclass(frozen=True, slots=True)
class Change:
    """One file to add, change or remove, and why."""

    action: Action
    path: str
    old: str | None          # blob hash deployed now (None: absent)
    new: str | None          # blob hash wanted (None: to be removed)
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action.value, "path": self.path, "old": self.old,
                "new": self.new, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Plan:
    """The changes that take an app directory from one revision to another."""

    old_revision: str | None
    new_revision: str
    changes: tuple[Change, ...] = field(default_factory=tuple)
    old_manifest: Manifest = field(default_factory=dict)
    new_manifest: Manifest = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Nothing to ship: the target already has the desired revision."""
        return not self.changes

    def by_action(self, action: Action) -> list[Change]:
        return [c for c in self.changes if c.action is action]

    def counts(self) -> dict[str, int]:
        return {a.value: len(self.by_action(a)) for a in Action}

    def blobs_needed(self) -> set[str]:
        """Hashes of every content the plan writes, or its inverse writes back."""
        return {h for c in self.changes for h in (c.old, c.new) if h is not None}

    def inverse(self) -> "Plan":
        """The plan that undoes this one (back to :attr:`old_revision`)."""
        undo = {Action.ADD: Action.REMOVE, Action.REMOVE: Action.ADD, Action.CHANGE: Action.CHANGE}
        changes = tuple(Change(undo[c.action], c.path, c.new, c.old,
                               f"undo: {c.reason}") for c in self.changes)
        return Plan(self.new_revision, self.old_revision or revision_id(self.old_manifest),
                    changes, dict(self.new_manifest), dict(self.old_manifest))

    def summary(self) -> str:
        n = self.counts()
        return f"{n['add']} to add, {n['change']} to change, {n['remove']} to remove"

    def render(self, title: str = "") -> str:
        """Human text, one line per file (``+`` add, ``~`` change, ``-`` remove)."""
        head = f"{title}: " if title else ""
        lines = [f"{head}{short(self.old_revision)} -> {short(self.new_revision)} "
                 f"({self.summary()})"]
        if self.empty:
            lines.append("  nothing to do: already at this revision")
        width = max((len(c.path) for c in self.changes), default=0)
        for c in self.changes:
            lines.append(f"  {SYMBOL[c.action]} {c.path:<{width}}  {c.reason}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.old_revision, "to": self.new_revision, "counts": self.counts(),
                "changes": [c.to_dict() for c in self.changes]}


def plan(deployed: Manifest | None, desired: Manifest, *, deployed_revision: str | None = None,
         resync: bool = False, resync_reason: str = "resync") -> Plan:
    """The plan from the *deployed* manifest (None: nothing deployed) to *desired*.

    With *resync* every desired file is written even if its hash is unchanged
    (the target's state is uncertain, e.g. after an interrupted deploy).
    """
    old = dict(deployed or {})
    for path in list(old) + list(desired):
        check_path(path)
    changes: list[Change] = []
    for path in sorted(set(old) | set(desired)):
        before, after = old.get(path), desired.get(path)
        if before is None and after is not None:
            changes.append(Change(Action.ADD, path, None, after, "new file"))
        elif after is None and before is not None:
            changes.append(Change(Action.REMOVE, path, before, None, "not in the new revision"))
        elif before != after:
            changes.append(Change(Action.CHANGE, path, before, after,
                                  f"content changed ({short(before)} -> {short(after)})"))
        elif resync:
            changes.append(Change(Action.CHANGE, path, before, after, resync_reason))
    if deployed is not None and deployed_revision is None:
        deployed_revision = revision_id(old)
    return Plan(deployed_revision, revision_id(desired), tuple(changes), old, dict(desired))
