"""The deployment model: where and how a system runs.

A :class:`Deployment` names the environment (simulation, emulation, physical,
docker), the controller apps with their options, the fallback policy, the
targets (machines, for physical deployments) and the state store. It never
holds backend handles; each deployer keeps its own records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Environment(str, Enum):
    SIMULATION = "simulation"
    EMULATION = "emulation"
    PHYSICAL = "physical"
    DOCKER = "docker"


@dataclass(slots=True)
class AppSpec:
    """A controller app as ``ryu-manager`` would name it.

    ``name`` is a module path (``ryu.app.simple_switch_13``) or a file path
    (``controller_apps/shortest_path.py``), resolved relative to the
    deployment file when it is relative.
    """

    name: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Controller:
    """The control plane: apps plus ``ryu-manager``-like options."""

    apps: list[AppSpec] = field(default_factory=list)
    observe_links: bool = False
    latency: float = 0.0          # one-way control-channel latency, seconds
    port: int | None = None       # OpenFlow port for real controllers; None = free port


@dataclass(slots=True)
class Fallback:
    """When an emulation does not fit, run the simulation instead.

    ``to`` is the environment to fall back to (None disables fallback).
    The default follows the SENDIM paper: fall back when setup passes 60 s.
    """

    to: Environment | None = Environment.SIMULATION
    max_setup: float = 60.0        # seconds of emulation setup before giving up
    max_nodes: int | None = None   # refuse emulation above this many nodes
    max_memory: int | None = None  # bytes the emulation may take


@dataclass(slots=True)
class Store:
    """Where experiments, revisions and tags are kept."""

    type: str = "local"            # "local" or "zookeeper"
    path: str | None = None        # local: directory; None = user data dir
    hosts: str | None = None       # zookeeper: "127.0.0.1:2181,..."
    tenant: str = "default"


@dataclass(slots=True)
class Target:
    """A machine a physical deployment runs on."""

    name: str
    address: str
    user: str = "root"
    port: int = 22
    key: str | None = None
    nodes: list[str] = field(default_factory=list)   # node ids placed here


@dataclass(slots=True)
class Deployment:
    """Where a system runs, with which controller apps and policies."""

    environment: Environment = Environment.SIMULATION
    name: str = "deployment"
    systems: list[str] = field(default_factory=list)   # system files, resolved paths
    controller: Controller = field(default_factory=Controller)
    fallback: Fallback = field(default_factory=Fallback)
    store: Store = field(default_factory=Store)
    targets: list[Target] = field(default_factory=list)
    seed: int = 0
    duration: float | None = None      # stop the run at this time (seconds)
    settle: float = 0.0                # control-plane settle time before traffic
    options: dict[str, str] = field(default_factory=dict)  # backend-specific, e.g. datapath
