"""The process-wide active :class:`~sendim.ryuapp.simhub.core.SimHub`.

``ryu.lib.hub`` is a module-level API (``hub.Queue()`` takes no hub), so the
simulated replacements find their hub here.  One simulation at a time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sendim.ryuapp.simhub.core import SimHub

__all__ = ["active_hub", "activated", "set_active_hub"]

_ACTIVE: SimHub | None = None


def active_hub() -> SimHub:
    """The hub of the running simulation; ``RuntimeError`` if none."""
    if _ACTIVE is None:
        raise RuntimeError(
            "no simulated hub is active (use sendim.ryuapp.simhub.installed(env))")
    return _ACTIVE


def set_active_hub(hub: SimHub | None) -> SimHub | None:
    """Make ``hub`` the active one; return the previous one."""
    global _ACTIVE
    previous, _ACTIVE = _ACTIVE, hub
    return previous


@contextlib.contextmanager
def activated(hub: SimHub) -> Iterator[SimHub]:
    """Make ``hub`` active for the block without touching ``ryu.lib.hub``."""
    previous = set_active_hub(hub)
    try:
        yield hub
    finally:
        set_active_hub(previous)
