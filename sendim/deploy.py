"""The one interface every deployer (simulation, Mininet, physical, docker) implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from sendim.model import Controller, Deployment, System

if TYPE_CHECKING:  # results are only needed for typing here
    from sendim.results import Results


@dataclass(slots=True)
class RunRequest:
    """Everything a deployer needs for one run."""

    system: System
    deployment: Deployment
    run_dir: Path | None = None
    pingall: bool = False
    progress: Callable[[float, float | None], None] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Preflight:
    """Whether a realization fits this machine, and why not."""

    fits: bool
    reason: str | None = None


class Deployer(ABC):
    """Realizes a system in one kind of environment and returns shared-schema results."""

    kind: ClassVar[str]

    def preflight(self, request: RunRequest) -> Preflight:
        """Estimate, before starting anything, whether the run fits."""
        return Preflight(True)

    @abstractmethod
    def run(self, request: RunRequest) -> "Results":
        """Run the experiment to completion and clean up everything started."""


def ryu_manager_arguments(controller: Controller) -> tuple[list[str], list[str]]:
    """(app names, ryu-manager options) for a deployment's controller.

    Every realization passes apps the same way, so the same app sees the same
    configuration in simulation and in emulation. Ryu keeps its options in one
    global configuration, so an app's ``<option name="x" value="y"/>`` becomes
    ``--x=y`` for the whole controller (``value="true"`` becomes plain ``--x``).
    """
    apps = [app.name for app in controller.apps]
    options = ["--observe-links"] if controller.observe_links else []
    for app in controller.apps:
        for name, value in app.options.items():
            flag = "--" + name.lstrip("-")
            options.append(flag if value.lower() == "true" else f"{flag}={value}")
    return apps, options
