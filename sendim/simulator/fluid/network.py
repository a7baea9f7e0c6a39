"""The :class:`FluidNetwork` API: resources, flows, batches, draining."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Hashable, Iterable

from sendim.errors import ModelError, SimulationError
from sendim.simulator.fluid.replay import component, replay, solve
from sendim.simulator.fluid.state import (
    CAP, INF, SNAP_BYTES, Flow, FluidStats, Inconsistent, Rates, Resource, Solution,
    TooCostly, check_rate, unbounded,
)

REPLAY_BUDGET = 1.2
"""A replay scanning more flow incidences than this many times the network's
size (path incidences + flows) is abandoned for a from-scratch solve, which
costs about as much as such a scan: large batches are cheaper solved afresh."""
SCRATCH_AT = 0.8
"""An update whose predicted scan exceeds this many times the network's size
is solved from scratch without replaying. The prediction: the recent scan per
change (a moving average) times ``changes ** BATCH_GROWTH`` (changes batched
together overlap, so a batch scans less than its changes one by one)."""
BATCH_GROWTH = 0.75
REPLAY_BUDGET_MIN = 256


class FluidNetwork:
    """Max-min fair rates over directed resources, maintained incrementally.

    Every mutator returns ``{flow id: new rate}`` for the flows whose rate
    changed (a new flow is always included, a removed one never) and accepts
    ``now`` to advance the clock first. ``on_rates_changed(now, keys)`` is
    called after every solve, with the keys of the resources whose load
    may have changed, e.g. to integrate link loads; inside a batch, also when
    removing or rerouting a flow moves load at once.
    """

    def __init__(self, *, default_cap: float | None = None, rtol: float = 1e-9,
                 atol: float = 1e-6,
                 on_rates_changed: Callable[[float, list[Hashable]], None] | None = None):
        self.default_cap = check_rate(default_cap, "default_cap")
        self.rtol = rtol
        self.atol = atol
        self.on_rates_changed = on_rates_changed
        self.now = 0.0
        self.stats = FluidStats()
        self._res: dict[Hashable, Resource] = {}
        self._flows: dict[Hashable, Flow] = {}
        self._done: list[tuple[float, int, int, Flow]] = []   # completion heap
        self._nflow = 0
        self._incidences = 0                 # path lengths of all flows, summed
        self._per_change = 0.0               # recent replay scan per change (average)
        self._ep = 0
        self._batch: _Batch | None = None

    # -- resources -------------------------------------------------------
    def add_resource(self, key: Hashable, capacity: float | None) -> None:
        """Declare a directed resource of *capacity* bit/s (None = infinite)."""
        if key in self._res:
            raise ModelError(f"resource {key!r} already exists")
        cap = check_rate(capacity, f"capacity of {key!r}")
        self._res[key] = Resource(key, len(self._res), INF if cap is None else cap)

    def set_capacity(self, key: Hashable, capacity: float | None,
                     now: float | None = None) -> Rates:
        """Change a capacity (0 = link down, stalling its flows; None = infinite)."""
        self._advance(now)
        r = self._resource(key)
        cap = check_rate(capacity, f"capacity of {key!r}")
        new = INF if cap is None else cap
        if new == INF:
            for f in r.flows:
                if f.cap is None and not any(q is not r for q in f.fin):
                    raise unbounded(f.fid)
        old, r.cap = r.cap, new
        if old == new:
            return {}
        if INF in (old, new):
            for f in r.flows:
                f.fin = tuple(q for q in f.path if q.cap != INF)
        if new == INF:          # its bottlenecked flows lose their bottleneck
            return self._update(play_d=[f for f in r.flows if f.bneck is r], extra=[r])
        return self._update(perturb=[r], extra=[r])

    def has_resource(self, key: Hashable) -> bool:
        return key in self._res

    def capacity(self, key: Hashable) -> float | None:
        cap = self._resource(key).cap
        return None if cap == INF else cap

    def load(self, key: Hashable) -> float:
        """Sum of the rates of the flows crossing *key*, bit/s."""
        return self._resource(key).load

    def loads(self, keys: Iterable[Hashable]) -> list[float]:
        """:meth:`load` of each key, in order (KeyError if unknown)."""
        res = self._res
        return [res[k].load for k in keys]

    def utilization(self, key: Hashable) -> float:
        """Load over capacity now; 0 for infinite or zero capacities."""
        r = self._resource(key)
        if r.cap == INF or r.cap <= 0:
            return 0.0
        return r.load / r.cap

    # -- flows -------------------------------------------------------------
    def add_flow(self, fid: Hashable, path: Iterable[Hashable], cap: float | None = None,
                 size: float | None = None, now: float | None = None) -> Rates:
        """Start flow *fid* over *path* (resource keys), optionally capped at
        *cap* bit/s and bounded by *size* bytes (for :meth:`next_completion`)."""
        self._advance(now)
        if fid in self._flows:
            raise ModelError(f"flow {fid!r} already exists")
        if size is not None and not (size >= 0 and math.isfinite(size)):
            raise ModelError(f"size of flow {fid!r} must be a finite number >= 0, got {size!r}")
        f = Flow(fid, self._nflow)
        self._nflow += 1
        f.keys, f.path = self._path(path)
        f.fin = tuple(r for r in f.path if r.cap != INF)
        f.ucap = check_rate(cap, f"cap of flow {fid!r}")
        f.cap = f.ucap if f.ucap is not None else self.default_cap
        if f.cap is None and not f.fin:
            raise unbounded(fid)
        f.size = size
        f.t_base = self.now
        self._flows[fid] = f
        self._incidences += len(f.path)
        for r in f.path:
            r.flows[f] = None
        return self._update(play=[f], perturb=f.fin, extra=f.path)

    def remove_flow(self, fid: Hashable, now: float | None = None) -> Rates:
        """Stop flow *fid* (KeyError if unknown); its neighbours speed up."""
        self._advance(now)
        f = self._flows.pop(fid)
        f.version += 1                       # drops its completion entry
        self._incidences -= len(f.path)
        for r in f.path:
            del r.flows[f]
            r.load -= f.rate if f.rate > 0 else 0.0
        self._loads_moved(f.path)
        return self._update(perturb=f.fin, extra=f.path)

    def set_cap(self, fid: Hashable, cap: float | None, now: float | None = None) -> Rates:
        """Change the rate cap of *fid* (None = uncapped)."""
        self._advance(now)
        f = self._flows[fid]
        ucap = check_rate(cap, f"cap of flow {fid!r}")
        eff = ucap if ucap is not None else self.default_cap
        if eff is None and not f.fin:
            raise unbounded(fid)
        f.ucap, f.cap = ucap, eff
        return self._update(play_d=[f], extra=f.path)

    def set_path(self, fid: Hashable, path: Iterable[Hashable], now: float | None = None) -> Rates:
        """Reroute *fid* over *path*."""
        self._advance(now)
        f = self._flows[fid]
        keys, new = self._path(path)
        fin = tuple(r for r in new if r.cap != INF)
        if f.cap is None and not fin:
            raise unbounded(fid)
        old, old_fin = f.path, f.fin
        for r in old:
            del r.flows[f]
            r.load -= f.rate if f.rate > 0 else 0.0
        f.keys, f.path, f.fin = keys, new, fin
        self._incidences += len(new) - len(old)
        for r in new:
            r.flows[f] = None
            r.load += f.rate if f.rate > 0 else 0.0
        self._loads_moved(old + new)
        return self._update(play=[f], perturb=old_fin + fin, extra=old + new)

    def batch(self) -> "_Batch":
        """Group mutations, e.g. every flow starting at one instant::

            with net.batch() as b:
                for ...: net.add_flow(...)      # each returns {}
            b.changed                           # {flow id: rate}, one update

        One replay at the end of the block costs far less than one per flow.
        """
        return _Batch(self)

    def recompute(self, now: float | None = None) -> Rates:
        """Solve every flow from scratch (a reference for tests and benchmarks)."""
        self._advance(now)
        return self._commit(solve(dict.fromkeys(self._flows.values())), [])

    def __contains__(self, fid: Hashable) -> bool:
        return fid in self._flows

    def __len__(self) -> int:
        return len(self._flows)

    def rate(self, fid: Hashable) -> float:
        return self._flows[fid].rate

    def rates(self) -> Rates:
        """Every flow's current rate, in insertion order."""
        return {fid: f.rate for fid, f in self._flows.items()}

    def path(self, fid: Hashable) -> list[Hashable]:
        return list(self._flows[fid].keys)

    def cap(self, fid: Hashable) -> float | None:
        return self._flows[fid].ucap

    # -- draining ------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Move the clock to *now*. Accounting is lazy: nothing is settled here."""
        if now < self.now:
            if now < self.now - 1e-9 * max(1.0, abs(self.now)):
                raise SimulationError(f"fluid clock cannot go back from {self.now} to {now}")
            return
        self.now = now

    def delivered(self, fid: Hashable, now: float | None = None) -> float:
        """Bytes *fid* has delivered by *now* (default: the current time)."""
        f = self._flows[fid]
        t = self.now if now is None else now
        if f.finish is not None and t >= f.finish:
            return float(f.size)  # type: ignore[arg-type]
        got = f.base + max(f.rate, 0.0) * max(0.0, t - f.t_base) / 8.0
        return got if f.size is None else min(got, f.size)

    def remaining(self, fid: Hashable, now: float | None = None) -> float | None:
        """Bytes *fid* still has to send, or None when it has no size."""
        f = self._flows[fid]
        return None if f.size is None else max(0.0, f.size - self.delivered(fid, now))

    def finish_time(self, fid: Hashable) -> float | None:
        """When *fid* completes at its current rate; None if never (no size, stalled)."""
        return self._flows[fid].finish

    def next_completion(self) -> tuple[float, Hashable] | None:
        """``(time, flow id)`` of the earliest completion, or None. O(log F) amortized;
        ties resolve in the order flows were added. The flow stays until removed."""
        heap = self._done
        while heap:
            t, _, version, f = heap[0]
            if f.version == version:
                return t, f.fid
            heapq.heappop(heap)
        return None

    # -- internals -------------------------------------------------------------
    def _advance(self, now: float | None) -> None:
        if now is not None:
            self.advance(now)

    def _resource(self, key: Hashable) -> Resource:
        try:
            return self._res[key]
        except KeyError:
            raise ModelError(f"unknown resource {key!r}") from None

    def _path(self, path: Iterable[Hashable]) -> tuple[list[Hashable], tuple[Resource, ...]]:
        keys = list(path)
        return keys, tuple(dict.fromkeys(self._resource(k) for k in keys))

    def _update(self, play: Iterable[Flow] = (), play_d: Iterable[Flow] = (),
                perturb: Iterable[Resource] = (), extra: Iterable[Resource] = (),
                changes: int = 1) -> Rates:
        """Replay progressive filling around *changes* mutations, then commit.

        *play*: flows re-solved from level 0 (new or rerouted); *play_d*: flows
        re-solved that keep their old rate until the level passes it;
        *perturb*: resources whose load changed from level 0.
        """
        if self._batch is not None:
            self._batch.add(play, play_d, perturb, extra)
            return {}
        stats = self.stats
        stats.events += 1
        play = [f for f in play if self._flows.get(f.fid) is f]
        play_d = [f for f in play_d if self._flows.get(f.fid) is f]
        perturb = list(perturb)
        size = self._incidences + len(self._flows)
        sol = None
        spread = changes ** BATCH_GROWTH
        if spread * self._per_change <= SCRATCH_AT * size + REPLAY_BUDGET_MIN:
            scanned = stats.scanned
            try:
                sol = self._replay(play, play_d, perturb)
            except (Inconsistent, TooCostly) as why:
                stats.rescues += isinstance(why, TooCostly)
            self._per_change += 0.25 * ((stats.scanned - scanned) / spread - self._per_change)
        else:
            self._per_change *= 0.75         # so that replays get tried again
        if sol is None:
            stats.fallbacks += 1
            seed = dict.fromkeys(play + play_d)
            for r in perturb:
                seed.update(r.flows)
            sol = solve(component(seed))
        return self._commit(sol, extra)

    def _replay(self, play: list[Flow], play_d: list[Flow],
                perturb: list[Resource]) -> Solution:
        """Differential progressive filling (:func:`.replay.replay`)."""
        self._ep += 1
        budget = REPLAY_BUDGET * (self._incidences + len(self._flows)) + REPLAY_BUDGET_MIN
        return replay(self._ep, play, play_d, perturb, rtol=self.rtol, atol=self.atol,
                      budget=budget, stats=self.stats)

    def _loads_moved(self, resources: tuple[Resource, ...]) -> None:
        """Loads changed before the solve (in a batch): tell the hook now, as
        the batch may be applied later in time."""
        if self._batch is not None and self.on_rates_changed is not None:
            self.on_rates_changed(self.now, [r.key for r in resources])

    def _commit(self, sol: Solution, extra: Iterable[Resource]) -> Rates:
        changed: Rates = {}
        touched: dict[Resource, None] = dict.fromkeys(extra)
        rtol, atol = self.rtol, self.atol
        for f, (x, where) in sol.items():
            f.bneck = where
            old = f.rate
            if abs(x - old) <= atol + rtol * max(abs(x), abs(old)):
                continue
            if old > 0:
                self._settle(f)
            f.rate = x
            self._schedule(f)
            changed[f.fid] = x
            delta = x - (old if old > 0 else 0.0)
            for r in f.path:
                r.load += delta
                touched[r] = None
        for r in touched:
            if not r.flows or r.load < 0:
                r.load = 0.0 if not r.flows else sum(g.rate for g in r.flows)
        if touched and self.on_rates_changed is not None:
            self.on_rates_changed(self.now, [r.key for r in touched])
        return changed

    def _settle(self, f: Flow) -> None:
        dt = self.now - f.t_base
        if dt > 0:
            f.base += f.rate * dt / 8.0
            if f.size is not None and f.base > f.size:
                f.base = f.size
        f.t_base = self.now

    def _schedule(self, f: Flow) -> None:
        f.version += 1
        f.t_base = self.now
        f.finish = None
        if f.size is None:
            return
        left = f.size - f.base
        if left <= SNAP_BYTES + 1e-9 * f.size:
            f.base = f.size
            f.finish = self.now
        elif f.rate <= 0:
            return
        else:
            f.finish = self.now + left * 8.0 / f.rate
        heapq.heappush(self._done, (f.finish, f.idx, f.version, f))
        if len(self._done) > 2 * len(self._flows) + 1024:
            self._done = [e for e in self._done if e[3].version == e[2]]
            heapq.heapify(self._done)


class _Batch:
    """Collects mutations and solves once; see :meth:`FluidNetwork.batch`.

    Usable as a ``with`` block, or opened and closed explicitly when the
    mutations span simulated time (:meth:`open`, :meth:`close`).
    """

    def __init__(self, net: FluidNetwork):
        self.net = net
        self.changed: Rates = {}
        self.changes = 0
        self._play: dict[Flow, None] = {}
        self._play_d: dict[Flow, None] = {}
        self._perturb: dict[Resource, None] = {}
        self._extra: dict[Resource, None] = {}

    def add(self, play, play_d, perturb, extra) -> None:
        self.changes += 1
        self._play.update(dict.fromkeys(play))
        self._play_d.update(dict.fromkeys(play_d))
        self._perturb.update(dict.fromkeys(perturb))
        self._extra.update(dict.fromkeys(extra))

    def open(self) -> "_Batch":
        """Start collecting: until :meth:`close`, mutators return ``{}``."""
        if self.net._batch is not None:
            raise SimulationError("FluidNetwork batches do not nest")
        self.net._batch = self
        return self

    def close(self, now: float | None = None) -> Rates:
        """Apply everything collected in one update at *now* (default: the
        network's clock); returns and keeps the rates that changed."""
        net = self.net
        if net._batch is not self:
            raise SimulationError("this FluidNetwork batch is not open")
        net._batch = None
        net._advance(now)
        if not self.changes:
            return self.changed
        play_d = [f for f in self._play_d if f not in self._play]
        self.changed = net._update(list(self._play), play_d, list(self._perturb),
                                   list(self._extra), changes=self.changes)
        return self.changed

    def __enter__(self) -> "_Batch":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()
