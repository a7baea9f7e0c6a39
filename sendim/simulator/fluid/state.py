"""The records :class:`~sendim.simulator.fluid.FluidNetwork` keeps per resource and flow."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

from sendim.errors import ModelError

INF = math.inf
CAP = "cap"             # the bottleneck of a flow held by its own cap
SNAP_BYTES = 1e-6       # remaining bytes this small (or 1e-9 of the size) count as done

Rates = dict[Hashable, float]


class Resource:
    """A directed resource (one direction of a link, a meter)."""

    __slots__ = ("key", "idx", "cap", "flows", "load", "ep", "fsum", "k", "pend", "ver",
                 "sched")

    def __init__(self, key: Hashable, idx: int, cap: float):
        self.key = key
        self.idx = idx
        self.cap = cap
        self.flows: dict[Flow, None] = {}    # insertion-ordered set
        self.load = 0.0
        # replay state, valid while ep == the network's epoch
        self.ep = 0
        self.fsum = 0.0                      # rates of flows frozen so far
        self.k = 0                           # unfrozen flows
        self.pend: list = []                 # (old rate, idx, flow) out of play
        self.ver = 0                         # version of its live heap entry
        self.sched = INF                     # level of that entry (a lower bound)


class Flow:
    """A flow: its path, cap, rate, bottleneck and lazy drain accounting."""

    __slots__ = ("fid", "idx", "keys", "path", "fin", "ucap", "cap", "rate", "bneck",
                 "size", "base", "t_base", "finish", "version", "ep", "new", "nb")

    def __init__(self, fid: Hashable, idx: int):
        self.fid = fid
        self.idx = idx
        self.keys: list[Hashable] = []
        self.path: tuple[Resource, ...] = ()
        self.fin: tuple[Resource, ...] = ()    # the finite-capacity part of path
        self.ucap: float | None = None         # cap as given
        self.cap: float | None = None          # effective cap (ucap or default_cap)
        self.rate = -1.0                       # -1: not solved yet
        self.bneck: Resource | str | None = None
        self.size: float | None = None
        self.base = 0.0                        # bytes delivered at t_base
        self.t_base = 0.0
        self.finish: float | None = None
        self.version = 0
        self.ep = 0                            # in play while ep == epoch
        self.new: float | None = None          # rate found by the replay
        self.nb: Resource | str | None = None


Solution = dict[Flow, tuple[float, object]]
"""{flow: (rate, bottleneck)} for the flows a solve or replay decided."""


@dataclass(slots=True)
class FluidStats:
    """Counters for benchmarks: how much work the incremental solver did."""

    events: int = 0
    in_play: int = 0          # flows re-solved, summed over events
    perturbed: int = 0        # resources re-examined, summed over events
    scanned: int = 0          # flow incidences the replays scanned, summed over events
    fallbacks: int = 0        # events that re-solved their component from scratch
    rescues: int = 0          # replays abandoned for growing past that cost


class Inconsistent(Exception):
    """The replay met a state rounding made impossible."""


class TooCostly(Exception):
    """The replay did more work than solving from scratch would."""


def check_rate(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not value >= 0:
        raise ModelError(f"{what} must be >= 0 bit/s or None, got {value!r}")
    return None if value == INF else value


def unbounded(fid: Hashable) -> ModelError:
    return ModelError(f"flow {fid!r} would get an infinite rate: give it a cap, a "
                      f"default_cap, or a path over a resource of finite capacity")
