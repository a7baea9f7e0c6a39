"""``ryu.lib.hub`` in simulated time: green threads driven by SimPy.

Usage::

    env = simpy.Environment()
    with installed(env) as hub:          # ryu.lib.hub now simulated
        hub.spawn(app_loop)              # or: from ryu.lib import hub; hub.spawn
        env.run(until=600)               # 600 simulated seconds, ~0 wall time

The green-thread core (:mod:`.core`) and primitives (:mod:`.sync`) do not need
ryu; :func:`installed` imports ``ryu.lib.hub`` to swap it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import simpy

from sendim.ryuapp.simhub.clock import DEFAULT_EPOCH, SimClock
from sendim.ryuapp.simhub.core import SimHub, SimHubError, SimThread, TaskExit
from sendim.ryuapp.simhub.state import activated, active_hub
from sendim.ryuapp.simhub.swap import PRELOAD, HubSwap, hub_namespace
from sendim.ryuapp.simhub.sync import (BoundedSemaphore, Event, Queue, QueueEmpty,
                                       QueueFull, Semaphore, Timeout)

__all__ = [
    "DEFAULT_EPOCH", "SimClock", "SimHub", "SimHubError", "SimThread", "TaskExit",
    "HubSwap", "hub_namespace", "activated", "active_hub", "installed",
    "Queue", "QueueEmpty", "QueueFull", "Semaphore", "BoundedSemaphore", "Event",
    "Timeout",
]


@contextlib.contextmanager
def installed(env: simpy.Environment, *, epoch: float = DEFAULT_EPOCH,
              hub_modules: Iterable[str] = ("ryu.lib.hub",),
              prefixes: Iterable[str] = ("ryu",),
              preload: Iterable[str] = PRELOAD,
              shutdown: bool = True) -> Iterator[SimHub]:
    """Swap ``ryu.lib.hub`` for a :class:`SimHub` on ``env`` for the block.

    On exit the live threads are killed (``shutdown``) and every patched name
    is restored.  Ryu modules imported inside the block need
    ``hub.swap.refresh()`` (or :meth:`HubSwap.patch_module`) for their
    ``time``/``datetime``/``from ryu.lib.hub import X`` names.
    """
    from sendim.ryuapp.compat import apply_eventlet_compat

    apply_eventlet_compat()
    hub = SimHub(env)
    swap = HubSwap(hub, SimClock(hub, epoch), hub_modules, prefixes, preload)
    swap.install()
    hub.swap = swap
    try:
        yield hub
    finally:
        try:
            if shutdown:
                hub.shutdown()
        finally:
            swap.restore()
