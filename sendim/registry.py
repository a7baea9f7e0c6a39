"""Explicit registries of backends, extended by entry points.

Each backend family (deployers, converters, stores) has one registry that
maps a kind (``"simulation"``) to ``"module:attribute"``. Built-in kinds are
listed explicitly here, so that grep finds them; third-party packages add
kinds through the entry-point group of the family (e.g. ``sendim.deployers``).
Asked for an unknown kind, a registry names the supported ones.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from sendim.errors import RegistryError

T = TypeVar("T")


class Registry(Generic[T]):
    """Kinds → lazily imported backend objects."""

    def __init__(self, family: str, group: str, builtins: dict[str, str]):
        self.family = family
        self.group = group
        self._builtins = dict(builtins)
        self._loaded: dict[str, T] = {}

    def _targets(self) -> dict[str, str]:
        targets = dict(self._builtins)
        for ep in entry_points(group=self.group):
            targets.setdefault(ep.name, ep.value)
        return targets

    def kinds(self) -> list[str]:
        """Every supported kind, built-ins first."""
        return list(self._targets())

    def get(self, kind: str) -> T:
        """The backend registered as *kind*; RegistryError naming the known kinds."""
        if kind in self._loaded:
            return self._loaded[kind]
        targets = self._targets()
        if kind not in targets:
            raise RegistryError(f'{self.family} "{kind}" is not supported. '
                                f"Supported kinds are [{', '.join(targets)}]")
        module_name, _, attr = targets[kind].partition(":")
        obj: Any = importlib.import_module(module_name)
        for part in attr.split(".") if attr else []:
            obj = getattr(obj, part)
        self._loaded[kind] = obj
        return obj


DEPLOYERS: Registry[Any] = Registry("deployer", "sendim.deployers", {
    "simulation": "deployers.simulation:SimulationDeployer",
    "emulation": "deployers.mininet:MininetDeployer",
})
"""Environment kind → Deployer class."""

CONVERTERS: Registry[Any] = Registry("converter", "sendim.converters", {
    "mininet": "converters.mininet:MininetConverter",
})
"""Emulator name → converter (system → emulator script)."""

STORES: Registry[Any] = Registry("store", "sendim.stores", {
    "local": "sendim.store.local:LocalStore",
    "zookeeper": "sendim.store.zookeeper:ZooKeeperStore",
})
"""Store kind → StateStore class (with a ``from_spec(StoreSpec)`` constructor)."""
