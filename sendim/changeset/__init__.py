"""Controller-app changesets: bundles, revisions, plans, deploy/rollback/tag/diff.

- :mod:`~sendim.changeset.bundle`: scan a bundle, its manifest and revision
  (:func:`revision_of` for run traceability);
- :mod:`~sendim.changeset.plan`: deployed vs desired manifest → :class:`Plan`;
- :mod:`~sendim.changeset.target`: :class:`AppTarget`, :class:`DirectoryTarget`;
- :mod:`~sendim.changeset.apply`: ship only changed files, verify, undo;
- :mod:`~sendim.changeset.repo`: revisions, history and tags in the store;
- :mod:`~sendim.changeset.deploy` and :mod:`~sendim.changeset.diff`: the
  operations behind ``sendim app``.
"""

from __future__ import annotations

from sendim.changeset.apply import ApplyResult, Rollout, apply
from sendim.changeset.bundle import Bundle, Manifest, revision_id, revision_of, scan
from sendim.changeset.plan import Action, Change, Plan, plan
from sendim.changeset.target import APP_TARGETS, AppTarget, DirectoryTarget, target_for

__all__ = ["APP_TARGETS", "Action", "AppTarget", "ApplyResult", "Bundle", "Change",
           "DirectoryTarget", "Manifest", "Plan", "Rollout", "apply", "plan", "revision_id",
           "revision_of", "scan", "target_for"]
