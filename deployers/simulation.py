"""The simulation deployer: sendim's own SimPy simulator (no root, no server).

Deployment options it reads (``<option name=... value=...>``):

``fluid-quantum``
    a time such as ``1ms`` (default ``0``: exact): fluid rates are solved
    once per window of that length instead of after every change, each
    change taking effect at most that late
    (:mod:`sendim.simulator.fluidupdates`). Faster on big saturated runs.
"""

from __future__ import annotations

from sendim.deploy import Deployer, RunRequest, ryu_manager_arguments
from sendim.errors import DeploymentError, InputError
from sendim.results import Results
from sendim.units import parse_time


class SimulationDeployer(Deployer):
    """Runs the system in :class:`sendim.simulator.engine.Simulation`."""

    kind = "simulation"

    def run(self, request: RunRequest) -> Results:
        from sendim.simulator.engine import Simulation

        dep = request.deployment
        controller = None
        if dep.controller.apps:
            controller = _ryu_controller(dep)
        sim = Simulation(
            request.system,
            seed=dep.seed,
            controller=controller,
            control_latency=dep.controller.latency,
            settle=dep.settle,
            pingall=request.pingall,
            until=dep.duration,
            progress=request.progress,
            fluid_quantum=_fluid_quantum(dep),
        )
        results = sim.run()
        if isinstance(results, dict):      # the engine assembles a schema document
            results = Results.from_dict(results)
        results.meta.notes.extend(request.notes)
        if dep.controller.apps:
            results.meta.app_revisions = _revisions(dep)
        return results


def _fluid_quantum(dep) -> float:
    text = dep.options.get("fluid-quantum")
    if text is None:
        return 0.0
    quantum = parse_time(text)
    if quantum < 0:
        raise InputError(f"option fluid-quantum must be a time >= 0, e.g. 1ms; got {text!r}")
    return quantum


def _ryu_controller(dep):
    """The adapter that runs unmodified Ryu apps on simulated switches."""
    try:
        from sendim.ryuapp.adapter import RyuController
    except ImportError as exc:
        raise DeploymentError(
            f"controller apps {[a.name for a in dep.controller.apps]} need the Ryu runtime "
            f"({exc}); install it with: bash scripts/components.sh ryu") from exc
    apps, options = ryu_manager_arguments(dep.controller)
    return RyuController(apps, options)


def _revisions(dep) -> dict[str, str]:
    """Trace the run to the exact app code: a content hash per app."""
    from sendim.changeset import revision_of

    return {app.name: revision_of(app.name) for app in dep.controller.apps}
