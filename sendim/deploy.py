"""The one interface every deployer (simulation, Mininet, physical, docker) implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from sendim.model import Deployment, System

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
