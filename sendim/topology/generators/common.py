"""What every generator shares: parameter checks, link options and assembly.

:class:`_Net` builds a :class:`System` directly, with ports and link ids
assigned as :func:`sendim.model.resolve` would; :func:`_without_gc` keeps
the cyclic garbage collector out of the way while a big system is built.
"""

from __future__ import annotations

import functools
import gc
import math
from collections.abc import Callable, Iterable
from typing import Any

from sendim.errors import GeneratorError
from sendim.model import Host, Link, Switch, System, resolve
from sendim.units import parse_bandwidth, parse_time


# -- parameter checks ----------------------------------------------------------
def _int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GeneratorError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise GeneratorError(f"{name} must be at least {minimum}, got {value}")
    return value


def link_bandwidth(value: float | str | None) -> float | None:
    """``bw`` as bit/s: a positive number, a string with a unit, or None (unlimited)."""
    if value is None:
        return None
    bps = parse_bandwidth(value) if isinstance(value, str) else float(value)
    if not (bps > 0 and math.isfinite(bps)):
        raise GeneratorError(f"bw must be a positive bandwidth, got {value!r}")
    return bps


def link_delay(value: float | str | None) -> float:
    """``delay`` as seconds: a number, a string with a unit, or None (0)."""
    if value is None:
        return 0.0
    seconds = parse_time(value) if isinstance(value, str) else float(value)
    if not (seconds >= 0 and math.isfinite(seconds)):
        raise GeneratorError(f"delay must not be negative, got {value!r}")
    return seconds


def _without_gc(function: Callable[..., System]) -> Callable[..., System]:
    """Pause the cyclic garbage collector while *function* runs.

    Generators allocate millions of acyclic objects; the collector would
    rescan them again and again and double the run time for big systems.
    """
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> System:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return wrapper


# -- assembly -------------------------------------------------------------------
class _Net:
    """Collects switches, hosts and links straight into a System (fast path).

    Ports and link ids are assigned here exactly as :func:`resolve` would
    (per node the next free port, in link order; ids ``src-dst``, unique as
    generators make no parallel links), which is much faster for big systems;
    ``resolve`` then fills dpids, IPs and MACs.
    """

    def __init__(self, name: str, bw: float | str | None, delay: float | str | None):
        self.system = System(name=name)
        self.bw = link_bandwidth(bw)
        self.delay = link_delay(delay)
        self.hosts = 0
        self.ports: dict[str, int] = {}

    def switches(self, count: int, **properties: str) -> list[str]:
        """Add *count* switches ``s<next>..``; returns their ids."""
        switches = self.system.switches
        start = len(switches) + 1
        ids = [f"s{i}" for i in range(start, start + count)]
        for sid in ids:
            switches[sid] = Switch(sid, 0, "OpenFlow13", dict(properties))
        return ids

    def host(self) -> str:
        self.hosts += 1
        hid = f"h{self.hosts}"
        self.system.hosts[hid] = Host(hid)
        return hid

    def links(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Add a link for each ``(a, b)``."""
        bw, delay, ports, get = self.bw, self.delay, self.ports, self.ports.get
        append = self.system.links.append
        for a, b in pairs:
            pa = ports[a] = get(a, 0) + 1
            pb = ports[b] = get(b, 0) + 1
            append(Link(a, b, pa, pb, bw, delay, 0.0, None, f"{a}-{b}"))

    def link(self, a: str, b: str) -> None:
        self.links(((a, b),))

    def attach_hosts(self, switch_ids: Iterable[str], per_switch: int) -> None:
        """``per_switch`` hosts on each switch, in order; link src is the host."""
        self.links((self.host(), sid) for sid in switch_ids for _ in range(per_switch))

    def done(self) -> System:
        """Resolve dpids, IPs and MACs; links are complete already.

        Links are set aside while resolving, which spares ``resolve`` a pass
        over ports and ids that are all given (the result is the same).
        """
        links, self.system.links = self.system.links, []
        resolve(self.system)
        self.system.links = links
        return self.system


def _indexed(ids: list[str], pairs: Iterable[tuple[int, int]]) -> Iterable[tuple[str, str]]:
    return ((ids[a], ids[b]) for a, b in pairs)
