"""Applying a plan to an :class:`AppTarget`, verifying it, undoing it.

:class:`Rollout` fetches every content it may need (the new files, and the
old ones to undo) *before* touching the target, so that undoing never needs
the store: if the store disappears mid-deploy, the target can still go back.
Only the files in the plan travel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sendim.changeset.bundle import file_hash, short
from sendim.changeset.plan import Action, Plan
from sendim.changeset.target import AppTarget
from sendim.errors import StoreError


@dataclass(slots=True)
class ApplyResult:
    """What happened on the target."""

    ok: bool                                   # new revision in place and healthy
    revision: str | None                       # the revision the target runs now
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    restarted: bool = False
    rolled_back: bool = False                  # went back to the previous revision
    rollback_ok: bool | None = None            # previous revision healthy again
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "revision": self.revision, "written": self.written,
                "removed": self.removed, "restarted": self.restarted,
                "rolled_back": self.rolled_back, "rollback_ok": self.rollback_ok,
                "error": self.error}


class Rollout:
    """One plan on one target: :meth:`apply`, and :meth:`revert` if needed."""

    def __init__(self, plan: Plan, target: AppTarget, fetch: Callable[[str], bytes],
                 health_timeout: float = 30.0, mode: str = "restart"):
        if mode not in ("restart", "reload"):
            raise ValueError(f"mode must be restart or reload, not {mode!r}")
        self.plan, self.target = plan, target
        self.health_timeout, self.mode = health_timeout, mode
        self.contents: dict[str, bytes] = {}
        for digest in sorted(plan.blobs_needed()):
            data = fetch(digest)
            if file_hash(data) != digest:
                raise StoreError(f"content {short(digest)} does not match its hash")
            self.contents[digest] = data
        self.touched = False

    def _ship(self, plan: Plan, result: ApplyResult) -> None:
        for change in plan.changes:
            self.touched = True
            if change.action is Action.REMOVE:
                self.target.remove_file(change.path)
                result.removed.append(change.path)
            else:
                self.target.write_file(change.path, self.contents[change.new])  # type: ignore[index]
                result.written.append(change.path)

    def _activate(self) -> None:
        (self.target.reload if self.mode == "reload" else self.target.restart)()

    def apply(self) -> ApplyResult:
        """Ship the changed files, restart, verify; on failure go back by itself."""
        result = ApplyResult(False, self.plan.old_revision)
        if self.plan.empty:
            result.ok, result.revision = True, self.plan.new_revision
            return result
        try:
            self._ship(self.plan, result)
            self._activate()
            result.restarted = True
            healthy = self.target.healthy(self.health_timeout)
            if not healthy:
                result.error = (f"{self.target.describe()} not healthy within "
                                f"{self.health_timeout:g} s after the update")
        except Exception as exc:  # noqa: BLE001 - whatever broke, the old files go back
            healthy = False
            result.error = f"update failed: {exc}"
        if healthy:
            result.ok, result.revision = True, self.plan.new_revision
            return result
        result.rolled_back = True
        result.rollback_ok = self.revert()
        result.revision = self.plan.old_revision
        return result

    def revert(self) -> bool:
        """Put the previous revision's files back and restart; whether it is healthy.

        Needs nothing from the store (contents were fetched up front).
        """
        if not self.touched:
            return True
        undo = ApplyResult(False, None)
        try:
            self._ship(self.plan.inverse(), undo)
            self._activate()
            return bool(self.target.healthy(self.health_timeout))
        except Exception:  # noqa: BLE001 - reported as "not healthy"
            return False


def apply(plan: Plan, target: AppTarget, fetch: Callable[[str], bytes],
          health_timeout: float = 30.0, mode: str = "restart") -> ApplyResult:
    """Apply *plan* to *target* (contents from *fetch*: hash → bytes).

    Verification failure rolls the target back to the plan's old revision;
    the result says so (``rolled_back``, ``rollback_ok``).
    """
    return Rollout(plan, target, fetch, health_timeout, mode).apply()


__all__ = ["ApplyResult", "Rollout", "apply"]
