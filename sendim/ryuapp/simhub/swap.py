"""Swap ``ryu.lib.hub`` (and Ryu's wall clocks) for simulated ones, reversibly.

What is patched, while :class:`HubSwap` is installed, and only in this
process:

- the attributes of the ``ryu.lib.hub`` module listed in
  :func:`hub_namespace` (``spawn``, ``sleep``, ``Queue``, ``Timeout``, ...).
  Ryu and apps reach the hub through ``from ryu.lib import hub``, so they see
  the simulated versions;
- module globals of Ryu's modules (``ryu.*``) and of the given app modules
  that are bound to an *original* hub object (``from ryu.lib.hub import
  StreamServer`` in ``ryu.controller.controller``, ``Timeout`` in BGP ...),
  and their ``time`` / ``datetime`` module globals (see :mod:`.clock`).

Everything is put back on :meth:`HubSwap.restore`, including names bound in
modules imported while the swap was active.  Nothing monkey-patches the
standard library; eventlet's ``monkey_patch`` is replaced by a no-op.
"""

from __future__ import annotations

import datetime as _datetime
import importlib
import sys
import time as _time
import types
from collections.abc import Iterable
from typing import Any

from sendim.ryuapp.simhub.clock import SimClock, SimDatetimeModule, SimTimeModule
from sendim.ryuapp.simhub.core import SimHub, SimHubError, TaskExit
from sendim.ryuapp.simhub.state import set_active_hub
from sendim.ryuapp.simhub import sync

__all__ = ["HubSwap", "hub_namespace"]

_MISSING = object()

PRELOAD = ("ryu.base.app_manager", "ryu.controller.controller",
           "ryu.controller.ofp_event", "ryu.controller.ofp_handler")
"""Ryu modules imported before patching, so their names are rebound too."""


def _unavailable(what: str) -> Any:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise SimHubError(f"hub.{what} (real network I/O) is not available "
                          "inside a simulation")
    refuse.__name__ = what
    return refuse


def _no_patch(*_args: Any, **_kwargs: Any) -> None:
    """``hub.patch``: eventlet monkey-patching is never applied in simulation."""


def hub_namespace(hub: SimHub) -> dict[str, Any]:
    """The simulated ``ryu.lib.hub`` API, bound to ``hub``."""
    return {
        "spawn": hub.spawn,
        "spawn_after": hub.spawn_after,
        "sleep": hub.sleep,
        "kill": hub.kill,
        "joinall": hub.joinall,
        "getcurrent": hub.getcurrent,
        "patch": _no_patch,
        "Queue": sync.Queue,
        "QueueEmpty": sync.QueueEmpty,
        "Semaphore": sync.Semaphore,
        "BoundedSemaphore": sync.BoundedSemaphore,
        "Event": sync.Event,
        "Timeout": sync.Timeout,
        "TaskExit": TaskExit,
        "listen": _unavailable("listen"),
        "connect": _unavailable("connect"),
        "StreamServer": _unavailable("StreamServer"),
        "StreamClient": _unavailable("StreamClient"),
        "WSGIServer": _unavailable("WSGIServer"),
        "WebSocketWSGI": _unavailable("WebSocketWSGI"),
    }


class HubSwap:
    """Install/restore the simulated hub into ``ryu.lib.hub`` and Ryu modules."""

    def __init__(self, hub: SimHub, clock: SimClock,
                 hub_modules: Iterable[str] = ("ryu.lib.hub",),
                 prefixes: Iterable[str] = ("ryu",),
                 preload: Iterable[str] = PRELOAD) -> None:
        self.hub = hub
        self.clock = clock
        self.hub_module_names = tuple(hub_modules)
        self.prefixes = tuple(prefixes)
        self.preload = tuple(preload)
        self.namespace = hub_namespace(hub)
        self.time_module = SimTimeModule(clock)
        self.datetime_module = SimDatetimeModule(clock)
        self._hub_modules: list[types.ModuleType] = []
        self._saved_attrs: list[tuple[types.ModuleType, str, Any]] = []
        self._orig_to_sim: dict[int, tuple[Any, Any]] = {}
        self._sim_to_orig: dict[int, tuple[Any, Any]] = {}
        self._extra: list[types.ModuleType] = []
        self.installed = False

    # -- install ------------------------------------------------------------------
    def install(self) -> None:
        """Patch; ``RuntimeError`` if another simulated hub is installed."""
        if self.installed:
            return
        previous = set_active_hub(self.hub)
        if previous is not None:
            set_active_hub(previous)
            raise RuntimeError("another simulated hub is already installed")
        try:
            for name in self.preload:
                importlib.import_module(name)
            for name in self.hub_module_names:
                module = importlib.import_module(name)
                self._hub_modules.append(module)
                for attr, sim in self.namespace.items():
                    orig = module.__dict__.get(attr, _MISSING)
                    self._saved_attrs.append((module, attr, orig))
                    setattr(module, attr, sim)
                    if orig is not _MISSING and orig is not sim:
                        self._orig_to_sim[id(orig)] = (orig, sim)
                        self._sim_to_orig[id(sim)] = (sim, orig)
            self._orig_to_sim[id(_time)] = (_time, self.time_module)
            self._orig_to_sim[id(_datetime)] = (_datetime, self.datetime_module)
            self._sim_to_orig[id(self.time_module)] = (self.time_module, _time)
            self._sim_to_orig[id(self.datetime_module)] = (self.datetime_module, _datetime)
            self.installed = True
            for module in self._target_modules():
                self._rebind(module, self._orig_to_sim)
        except BaseException:
            self.restore()
            raise

    def refresh(self) -> None:
        """Rebind names in Ryu modules imported since :meth:`install`.

        Call after importing apps (the adapter does, after loading them).
        """
        if self.installed:
            for module in self._target_modules():
                self._rebind(module, self._orig_to_sim)

    def patch_module(self, module: types.ModuleType) -> None:
        """Also rebind hub names / clocks in ``module`` (e.g. an app's module)."""
        if module not in self._extra:
            self._extra.append(module)
        if self.installed:
            self._rebind(module, self._orig_to_sim)

    # -- restore ------------------------------------------------------------------
    def restore(self) -> None:
        """Undo everything; idempotent."""
        try:
            for module in self._target_modules():
                self._rebind(module, self._sim_to_orig)
            for module, attr, orig in reversed(self._saved_attrs):
                if orig is _MISSING:
                    module.__dict__.pop(attr, None)
                else:
                    setattr(module, attr, orig)
        finally:
            self._saved_attrs.clear()
            self._hub_modules.clear()
            self.installed = False
            from sendim.ryuapp.simhub.state import active_hub
            try:
                if active_hub() is self.hub:
                    set_active_hub(None)
            except RuntimeError:
                pass

    # -- helpers ------------------------------------------------------------------
    def _target_modules(self) -> list[types.ModuleType]:
        hub_ids = {id(m) for m in self._hub_modules}
        found: list[types.ModuleType] = []
        for name, module in list(sys.modules.items()):
            if not isinstance(module, types.ModuleType) or id(module) in hub_ids:
                continue
            if any(name == p or name.startswith(p + ".") for p in self.prefixes):
                found.append(module)
        found.extend(m for m in self._extra if id(m) not in hub_ids)
        return found

    @staticmethod
    def _rebind(module: types.ModuleType, mapping: dict[int, tuple[Any, Any]]) -> None:
        namespace = module.__dict__
        for key, value in list(namespace.items()):
            hit = mapping.get(id(value))
            if hit is not None and hit[0] is value:
                namespace[key] = hit[1]
