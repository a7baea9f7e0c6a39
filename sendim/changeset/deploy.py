"""Deploy, roll back and tag app revisions of an experiment.

A deploy, under the experiment's lock:

1. scans the bundle, plans against the deployed revision (``--dry-run``
   stops here, without the lock);
2. stores the new blobs and the revision manifest (content-addressed,
   harmless if nothing ever refers to them);
3. marks the record ``pending`` (so an interrupted deploy is visible and the
   next one re-checks the files in place);
4. fetches every content it may need, ships only the changed files,
   restarts, verifies; unhealthy → the previous files go back by themselves;
5. commits record + history event in one transaction. If that fails (the
   store went away), the target is reverted too: the experiment stays on its
   previous revision everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sendim.changeset.apply import ApplyResult, Rollout
from sendim.changeset.bundle import Manifest, read_files, scan, short
from sendim.changeset.plan import Action, Plan, plan as make_plan
from sendim.changeset.repo import AppRepo, Event, Revision, Tag
from sendim.changeset.target import AppTarget, target_for
from sendim.errors import InputError, StoreError
from sendim.experiments import Experiment, Experiments
from sendim.store.base import StateStore


@dataclass(slots=True)
class DeployReport:
    """The outcome of ``app deploy`` / ``app rollback`` (or their dry runs)."""

    experiment: str
    action: str                        # deploy | rollback
    plan: Plan
    dry_run: bool = False
    result: ApplyResult | None = None
    event: Event | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.dry_run or self.result is None or self.result.ok

    @property
    def revision(self) -> str | None:
        """The revision the experiment runs after this action."""
        if self.dry_run or self.result is None:
            return self.plan.old_revision if self.dry_run else self.plan.new_revision
        return self.result.revision

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "experiment": self.experiment, "action": self.action,
                "dry_run": self.dry_run, "revision": self.revision, "plan": self.plan.to_dict(),
                "result": self.result.to_dict() if self.result else None,
                "event": asdict(self.event) if self.event else None, "notes": list(self.notes)}

    def render(self) -> str:
        lines = [self.plan.render(f"{self.action} {self.experiment}")]
        lines += [f"note: {n}" for n in self.notes]
        res = self.result
        if self.dry_run:
            lines.append("dry run: nothing changed")
        elif res is None or self.plan.empty:
            lines.append(f"{self.experiment} stays on {short(self.revision)}")
        elif res.ok:
            lines.append(f"{self.experiment} now runs {short(res.revision)} "
                         f"({len(res.written)} written, {len(res.removed)} removed, healthy)")
        else:
            back = "healthy again" if res.rollback_ok else "NOT healthy either: check it"
            lines.append(f"{self.action} failed: {res.error}")
            lines.append(f"rolled back automatically to {short(res.revision)} ({back})")
        return "\n".join(lines)


def _deployed(exp: Experiment, repo: AppRepo, target: AppTarget,
              desired: Manifest) -> tuple[Plan, list[str]]:
    """Plan from what runs now; after an interrupted deploy, from the files in place."""
    deployed = repo.revision(exp.revision).files if exp.revision else None
    if not exp.pending:
        return make_plan(deployed, desired, deployed_revision=exp.revision), []
    note = f"a deploy of {short(exp.pending)} was interrupted: "
    actual = target.current_manifest()
    if actual is not None:
        return (make_plan(actual, desired, deployed_revision=exp.revision),
                [note + "planned against the files in place"])
    return (make_plan(deployed, desired, deployed_revision=exp.revision, resync=True,
                      resync_reason="resync after an interrupted deploy"),
            [note + "every file is shipped again"])


def _rollout(store: StateStore, name: str, action: str, desired_of: Callable[[AppRepo, Experiment],
             tuple[Manifest, dict[str, bytes] | None, str | None]],
             target: AppTarget | None, dry_run: bool, message: str, health_timeout: float,
             lock_timeout: float | None, mode: str) -> DeployReport:
    experiments = Experiments(store)
    repo = AppRepo(store, name)
    if dry_run:
        exp, _ = experiments.require(name)
        desired, _, _ = desired_of(repo, exp)
        target = target or target_for(exp)
        plan, notes = _deployed(exp, repo, target, desired)
        return DeployReport(name, action, plan, dry_run=True, notes=tuple(notes))
    with experiments.lock(name, lock_timeout):
        exp, version = experiments.require(name)
        desired, contents, bundle_path = desired_of(repo, exp)
        target = target or target_for(exp)
        plan, notes = _deployed(exp, repo, target, desired)
        if plan.empty:
            if exp.pending or (bundle_path and bundle_path != exp.bundle):
                exp.pending = None
                exp.bundle = bundle_path or exp.bundle
                experiments.update(exp, version)
            return DeployReport(name, action, plan, result=ApplyResult(True, plan.new_revision),
                                notes=tuple(notes))
        previous = exp.revision
        rollout: Rollout | None = None
        result: ApplyResult | None = None
        committing = False
        try:
            if contents is not None:
                repo.save_revision(Revision(plan.new_revision, desired,
                                            {p: len(b) for p, b in contents.items()},
                                            bundle=bundle_path), contents)
            exp.pending = plan.new_revision
            experiments.update(exp, version)
            version = experiments.require(name)[1]
            rollout = Rollout(plan, target, repo.blobs.get, health_timeout, mode)
            result = rollout.apply()
            exp.pending = None
            exp.revision = result.revision if result.ok else previous
            if result.ok and bundle_path:
                exp.bundle = bundle_path
            event = Event(repo.next_seq(), action if result.ok else f"{action}-failed",
                          plan.new_revision, previous, exp.revision, message=message,
                          changes={a.value: [c.path for c in plan.by_action(a)] for a in Action},
                          detail=result.error or "")
            committing = True
            (store.transaction()
             .set(experiments.key(name), experiments.record(exp), version)
             .create(repo.history_key(event.seq), repo.event_bytes(event))
             .commit())
        except StoreError as exc:
            if rollout is None or not rollout.touched:
                state = "was not touched"
            elif result is not None and not result.ok:
                state = "was already rolled back"
            else:
                state = "is back on it" if rollout.revert() else "could NOT be put back: check it"
            raise StoreError(f"{action} of {short(plan.new_revision)} to {name} stopped: {exc}; "
                             f"the experiment stays on {short(previous)} "
                             f"({target.describe()} {state})") from exc
        except KeyboardInterrupt:
            # Mid-commit the outcome is unknown: the pending mark tells the next deploy.
            if rollout is not None and not committing and (result is None or result.ok):
                rollout.revert()
            raise
        return DeployReport(name, action, plan, result=result, event=event, notes=tuple(notes))


def deploy(store: StateStore, name: str, bundle: str | None = None, *,
           target: AppTarget | None = None, dry_run: bool = False, message: str = "",
           health_timeout: float = 30.0, lock_timeout: float | None = 300.0,
           mode: str = "restart") -> DeployReport:
    """Deploy the app bundle at *bundle* (default: the experiment's) to *name*.

    Only changed files travel; an unhealthy result is rolled back by itself
    (``report.result.rolled_back``). StoreError if the store fails midway:
    the experiment then stays on its previous revision.
    """
    def desired_of(repo: AppRepo, exp: Experiment) -> tuple[Manifest, dict[str, bytes], str]:
        path = bundle or exp.bundle
        if not path:
            raise InputError(f"experiment {name} has no app bundle yet: name one")
        scanned = scan(path)
        return scanned.manifest, read_files(scanned), str(scanned.root)

    return _rollout(store, name, "deploy", desired_of, target, dry_run, message,
                    health_timeout, lock_timeout, mode)


def rollback(store: StateStore, name: str, ref: str | None = None, *,
             target: AppTarget | None = None, dry_run: bool = False, message: str = "",
             health_timeout: float = 30.0, lock_timeout: float | None = 300.0,
             mode: str = "restart") -> DeployReport:
    """Go back to *ref* (a tag or revision; default: the revision before the current)."""
    def desired_of(repo: AppRepo, exp: Experiment) -> tuple[Manifest, None, None]:
        if ref is None:
            rev = repo.previous_of(exp.revision)
            if rev is None:
                raise InputError(f"experiment {name} has no earlier revision to roll back to")
        else:
            rev = repo.resolve(ref, exp.revision)
        return repo.revision(rev).files, None, None

    return _rollout(store, name, "rollback", desired_of, target, dry_run, message,
                    health_timeout, lock_timeout, mode)


def tag(store: StateStore, name: str, tag_name: str, ref: str | None = None,
        force: bool = False) -> Tag:
    """Name a revision of *name* (default: the current one) *tag_name*."""
    experiments = Experiments(store)
    with experiments.lock(name, 60.0):
        exp, _ = experiments.require(name)
        repo = AppRepo(store, name)
        rev = repo.resolve(ref or "current", exp.revision)
        return repo.set_tag(tag_name, rev, force)
