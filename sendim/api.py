"""The Python API: ``sendim.run(system, deployment)``.

The CLI's ``run`` is a thin layer over :func:`run`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from sendim.deploy import RunRequest
from sendim.errors import DeploymentError, InputError
from sendim.model import AppSpec, Deployment, Environment, System, sequence_names
from sendim.registry import DEPLOYERS

if TYPE_CHECKING:
    from sendim.results import Results

PathLike = str | os.PathLike[str]


def _load_deployment(deployment: Deployment | PathLike | None) -> Deployment:
    if deployment is None:
        return Deployment(environment=Environment.SIMULATION, name="default")
    if isinstance(deployment, Deployment):
        return deployment
    from sendim.parser import load_deployment
    return load_deployment(deployment)


def _load_system(system: System | PathLike | Sequence[PathLike] | None,
                 deployment: Deployment) -> System:
    if isinstance(system, System):
        return system
    from sendim.parser import load_system
    if system is None or (not isinstance(system, (str, os.PathLike)) and not list(system)):
        if not deployment.systems:
            raise InputError("no system given: pass system files, or name them in the "
                             "deployment descriptor with <system file=.../>")
        return load_system(deployment.systems)
    return load_system(system)


def prepare(system: System | PathLike | Sequence[PathLike] | None,
            deployment: Deployment | PathLike | None = None, *,
            seed: int | None = None, settle: float | None = None,
            apps: Sequence[str] | None = None) -> tuple[System, Deployment]:
    """Load and combine inputs; command-line style overrides win over the deployment.

    System files given here take precedence over those the deployment names.
    """
    dep = _load_deployment(deployment)
    sys_ = _load_system(system, dep)
    overrides: dict = {}
    if seed is not None:
        overrides["seed"] = seed
    if settle is not None:
        overrides["settle"] = settle
    if overrides:
        dep = replace(dep, **overrides)
    if apps:
        dep = replace(dep, controller=replace(dep.controller, apps=[AppSpec(a) for a in apps]))
    from sendim.changeset.bundle import locate_app
    for app in dep.controller.apps:
        locate_app(app.name)   # InputError before anything starts if it does not exist
    return sys_, dep


def run(system: System | PathLike | Sequence[PathLike] | None = None,
        deployment: Deployment | PathLike | None = None, *,
        seed: int | None = None, pingall: bool = False, settle: float | None = None,
        apps: Sequence[str] | None = None, run_dir: PathLike | None = None,
        progress: Callable[[float, float | None], None] | None = None) -> "Results":
    """Run *system* where *deployment* says (simulation when None).

    *system* is a :class:`System`, a descriptor path or a list of paths (or
    None to use the files the deployment names). Returns the results in the
    shared schema; with *run_dir* they are also written to
    ``run_dir/results.json``.
    """
    sys_, dep = prepare(system, deployment, seed=seed, settle=settle, apps=apps)
    deployer = DEPLOYERS.get(dep.environment.value)()
    request = RunRequest(sys_, dep, Path(run_dir) if run_dir else None, pingall, progress,
                         notes=_sequence_notes(sys_))
    fallback = dep.fallback.to if dep.fallback.to not in (None, dep.environment) else None
    reason = None
    if fallback is not None:
        pre = deployer.preflight(request)
        if not pre.fits:
            reason = f"pre-flight: {pre.reason}"
    if reason is None:
        try:
            results = deployer.run(request)
        except DeploymentError as exc:
            # Only errors a deployer marks as "does not fit here" (pre-flight,
            # setup watchdog; it has cleaned up) fall back; others are real failures.
            if fallback is None or not getattr(exc, "fallback", False):
                raise
            reason = str(exc)
    if reason is not None:
        notes = [*request.notes, f"fell back from {dep.environment.value} to "
                                 f"{fallback.value}: {reason}"]
        request = replace(request, deployment=replace(dep, environment=fallback), notes=notes)
        results = DEPLOYERS.get(fallback.value)().run(request)
        _mark_fallback(results, fallback.value, dep.environment.value, reason)
    if run_dir is not None:
        from sendim.results import write_results
        write_results(results, Path(run_dir))
    return results


def _sequence_notes(system: System) -> list[str]:
    """What a one-shot run says of the command sequences it does not run."""
    if not system.execs:
        return []
    return [f"{len(system.execs)} <exec> command steps (sequences "
            f"{', '.join(sequence_names(system))}) were not run: they run on a long-lived "
            f"emulation (sendim up runs on_boot; then sendim exec NAME --seq SEQ)"]


def _mark_fallback(results: "Results", realization: str, requested: str, reason: str) -> None:
    """Record in *results* that they come from the fallback environment, and why."""
    from sendim.results import Fallback

    results.realization = realization
    results.fallback = Fallback(happened=True, reason=reason, requested=requested)
    note = f"fell back from {requested} to {realization}: {reason}"
    if note not in results.meta.notes:
        results.meta.notes.append(note)
