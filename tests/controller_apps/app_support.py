"""Running a controller app of ``controller_apps/`` in the simulator, and
reading what it did."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from sendim.model import System
from sendim.results import Results
from sendim.ryuapp.adapter import RyuController
from sendim.simulator.engine import Simulation

APPS = Path(__file__).resolve().parents[2] / "controller_apps"


@dataclass
class Run:
    """A finished simulation with its Ryu controller and results."""

    sim: Simulation
    ctl: RyuController
    results: Results

    @property
    def app(self) -> Any:
        """The (one) app instance from controller_apps."""
        return next(a for a in self.ctl.apps.values()
                    if type(a).__module__.split(".")[-1] in APP_MODULES)

    def pings(self) -> tuple[int, int]:
        """(replies received, echo requests sent) over every ping series."""
        return (sum(p.received for p in self.sim.pings), sum(p.sent for p in self.sim.pings))

    def clean(self) -> bool:
        """Neither Ryu thread errors nor messages the switches rejected."""
        return self.ctl.errors == [] and self.ctl.untranslatable == []


APP_MODULES = {"shortest_path", "ecmp", "throttle", "fast_failover"}


def run(app: str | list[str], system: System, options: tuple[str, ...] = (), *,
        runtime: dict[str, Any] | None = None, **sim_args: Any) -> Run:
    """Simulate ``system`` with ``controller_apps.<app>`` (or module names / paths);
    ``runtime`` holds extra :class:`RyuController` arguments."""
    apps = [app] if isinstance(app, str) else list(app)
    apps = [a if ("." in a or "/" in a) else f"controller_apps.{a}" for a in apps]
    ctl = RyuController(apps, options, **(runtime or {}))
    sim = Simulation(system, controller=ctl, **sim_args)
    results = sim.run()
    return Run(sim, ctl, results)


def graph(system: System) -> nx.Graph:
    """Hosts and switches with their links (parallel links merged)."""
    return nx.Graph((link.src, link.dst) for link in system.links)


def hops(path: list[str]) -> int:
    """Links crossed host to host by a path given as its switches."""
    return len(path) + 1


def cores(system: System) -> set[str]:
    """The core switches of a generated fat-tree."""
    return {s for s, sw in system.switches.items() if sw.properties.get("role") == "core"}
