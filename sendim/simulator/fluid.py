"""Incremental max-min fair sharing for the fluid flow model.

:class:`FluidNetwork` keeps the max-min fair rate of every flow over directed
resources (a bidirectional link is two resources) and, for the engine, how
many bytes each flow has delivered and when the next one completes.

Allocation: progressive filling (water-filling). The resource (or per-flow
cap, a one-flow pseudo-resource) with the smallest fair share
``remaining capacity / unfrozen flows`` is the bottleneck; its flows freeze at
that share, which is subtracted along their paths; repeat. A heap with lazy
invalidation finds each bottleneck, so solving a set of F flows with I path
incidences over R resources costs O((F + I) log(F + R)), plus O(n_r) per
resource to read the rates of flows outside the set.

Incremental updates: a change (flow added/removed, cap, path or capacity
changed) re-solves only a neighbourhood ``S`` of it - the flows sharing a
resource with the change - with flows outside ``S`` held at their rates. The
result is then verified with the bottleneck certificate (Bertsekas &
Gallager): an allocation is max-min fair iff it is feasible and every flow is
at its cap or crosses a saturated resource on which no flow is faster. Only
flows on resources touched by ``S`` can lose their certificate (each flow
remembers its bottleneck, so most checks are O(1)); violators join ``S`` and
it is solved again. After ``MAX_ROUNDS`` rounds the whole connected component
of the "flows - shared finite resources" graph is solved, which is exact by
construction. So an event costs about the size of its neighbourhood, never
more than a few times its component, and disjoint flows never interact.

Conventions: rates and capacities in bit/s, sizes in bytes, times in seconds.
Capacity ``None`` is infinite: such a resource never constrains, and is not
even looked at when solving. Every flow needs a finite bound - a cap, a
``default_cap`` or a finite resource on its path - otherwise its rate would be
infinite and :class:`ModelError` is raised. A resource listed twice in a path
counts once. Rates that move by less than ``atol + rtol * rate`` keep their old
value and are not reported, so the engine is not flooded with no-op changes.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from sendim.errors import ModelError, SimulationError

INF = math.inf
_CAP = "cap"            # the bottleneck of a flow held by its own cap
MAX_ROUNDS = 4          # local expansion rounds before solving the whole component
_SNAP_BYTES = 1e-6      # remaining bytes this small (or 1e-9 of the size) count as done


class _Resource:
    __slots__ = ("key", "idx", "cap", "flows", "load")

    def __init__(self, key: Hashable, idx: int, cap: float):
        self.key = key
        self.idx = idx
        self.cap = cap
        self.flows: dict[_Flow, None] = {}   # insertion-ordered set
        self.load = 0.0


class _Flow:
    __slots__ = ("fid", "idx", "keys", "path", "ucap", "cap", "rate", "bneck",
                 "size", "base", "t_base", "finish", "version")

    def __init__(self, fid: Hashable, idx: int):
        self.fid = fid
        self.idx = idx
        self.keys: list[Hashable] = []
        self.path: tuple[_Resource, ...] = ()
        self.ucap: float | None = None      # cap as given
        self.cap: float | None = None       # effective cap (ucap or default_cap)
        self.rate = 0.0
        self.bneck: _Resource | str | None = None
        self.size: float | None = None
        self.base = 0.0                     # bytes delivered at t_base
        self.t_base = 0.0
        self.finish: float | None = None
        self.version = 0


@dataclass(slots=True)
class FluidStats:
    """Counters for benchmarks: how much work the incremental solver did."""

    events: int = 0
    solved_flows: int = 0     # sum of |S| over every solve
    rounds: int = 0
    fallbacks: int = 0        # events that solved their whole component


Rates = dict[Hashable, float]


class FluidNetwork:
    """Max-min fair rates over directed resources, maintained incrementally.

    Every mutator returns ``{flow id: new rate}`` for the flows whose rate
    changed (a new flow is always included, a removed one never) and accepts
    ``now`` to advance the clock first. ``on_rates_changed(now, keys)`` is
    called after every mutation, with the keys of the resources whose load
    may have changed, e.g. to sample link utilization.
    """

    def __init__(self, *, default_cap: float | None = None, rtol: float = 1e-9,
                 atol: float = 1e-6,
                 on_rates_changed: Callable[[float, list[Hashable]], None] | None = None):
        self.default_cap = _check_rate(default_cap, "default_cap")
        self.rtol = rtol
        self.atol = atol
        self._ctol = 10 * rtol           # certificate tolerance, looser than rtol
        self.on_rates_changed = on_rates_changed
        self.now = 0.0
        self.stats = FluidStats()
        self._res: dict[Hashable, _Resource] = {}
        self._flows: dict[Hashable, _Flow] = {}
        self._done: list[tuple[float, int, int, _Flow]] = []   # completion heap
        self._nflow = 0

    # -- resources -------------------------------------------------------
    def add_resource(self, key: Hashable, capacity: float | None) -> None:
        """Declare a directed resource of *capacity* bit/s (None = infinite)."""
        if key in self._res:
            raise ModelError(f"resource {key!r} already exists")
        cap = _check_rate(capacity, f"capacity of {key!r}")
        self._res[key] = _Resource(key, len(self._res), INF if cap is None else cap)

    def set_capacity(self, key: Hashable, capacity: float | None,
                     now: float | None = None) -> Rates:
        """Change a capacity (0 = link down, stalling its flows)."""
        self._advance(now)
        r = self._resource(key)
        cap = _check_rate(capacity, f"capacity of {key!r}")
        new = INF if cap is None else cap
        if new == INF:
            for f in r.flows:
                if f.cap is None and not any(q.cap != INF for q in f.path if q is not r):
                    raise _unbounded(f.fid)
        old, r.cap = r.cap, new
        if old == new:
            return {}
        return self._update(dict.fromkeys(r.flows), extra=[r])

    def has_resource(self, key: Hashable) -> bool:
        return key in self._res

    def capacity(self, key: Hashable) -> float | None:
        cap = self._resource(key).cap
        return None if cap == INF else cap

    def load(self, key: Hashable) -> float:
        """Sum of the rates of the flows crossing *key*, bit/s."""
        return self._resource(key).load

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
        f = _Flow(fid, self._nflow)
        self._nflow += 1
        f.keys, f.path = self._path(path)
        f.ucap = _check_rate(cap, f"cap of flow {fid!r}")
        f.cap = f.ucap if f.ucap is not None else self.default_cap
        if f.cap is None and not any(r.cap != INF for r in f.path):
            raise _unbounded(fid)
        f.size = size
        f.t_base = self.now
        f.rate = -1.0               # never "close" to a real rate: always reported
        self._flows[fid] = f
        for r in f.path:
            r.flows[f] = None
        seed = {f: None}
        for r in f.path:
            if r.cap != INF:
                seed.update(r.flows)
        return self._update(seed, extra=f.path)

    def remove_flow(self, fid: Hashable, now: float | None = None) -> Rates:
        """Stop flow *fid* (KeyError if unknown); its neighbours speed up."""
        self._advance(now)
        f = self._flows.pop(fid)
        f.version += 1                       # drops its completion entry
        seed: dict[_Flow, None] = {}
        for r in f.path:
            del r.flows[f]
            if r.cap != INF:
                seed.update(r.flows)
        return self._update(seed, extra=f.path)

    def set_cap(self, fid: Hashable, cap: float | None, now: float | None = None) -> Rates:
        """Change the rate cap of *fid* (None = uncapped)."""
        self._advance(now)
        f = self._flows[fid]
        ucap = _check_rate(cap, f"cap of flow {fid!r}")
        eff = ucap if ucap is not None else self.default_cap
        if eff is None and not any(r.cap != INF for r in f.path):
            raise _unbounded(fid)
        f.ucap, f.cap = ucap, eff
        return self._update(self._around(f), extra=f.path)

    def set_path(self, fid: Hashable, path: Iterable[Hashable], now: float | None = None) -> Rates:
        """Reroute *fid* over *path*."""
        self._advance(now)
        f = self._flows[fid]
        keys, new = self._path(path)
        if f.cap is None and not any(r.cap != INF for r in new):
            raise _unbounded(fid)
        old = f.path
        seed = self._around(f)
        for r in old:
            del r.flows[f]
        f.keys, f.path = keys, new
        for r in new:
            r.flows[f] = None
        seed.update(self._around(f))
        return self._update(seed, extra=old + new)

    def recompute(self, now: float | None = None) -> Rates:
        """Solve every flow from scratch (a reference for tests and benchmarks)."""
        self._advance(now)
        sol = self._solve(dict.fromkeys(self._flows.values()))
        return self._commit(sol, [])

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
        got = f.base + f.rate * max(0.0, t - f.t_base) / 8.0
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

    def _resource(self, key: Hashable) -> _Resource:
        try:
            return self._res[key]
        except KeyError:
            raise ModelError(f"unknown resource {key!r}") from None

    def _path(self, path: Iterable[Hashable]) -> tuple[list[Hashable], tuple[_Resource, ...]]:
        keys = list(path)
        res = tuple(dict.fromkeys(self._resource(k) for k in keys))
        return keys, res

    @staticmethod
    def _around(f: _Flow) -> dict[_Flow, None]:
        seed = {f: None}
        for r in f.path:
            if r.cap != INF:
                seed.update(r.flows)
        return seed

    def _update(self, seed: dict[_Flow, None], extra: Iterable[_Resource]) -> Rates:
        """Re-solve around *seed* until the certificate holds, then commit."""
        self.stats.events += 1
        S = seed
        if not S:
            return self._commit({}, extra)
        for _ in range(MAX_ROUNDS):
            self.stats.rounds += 1
            sol, rem, top = self._solve(S, keep=True)
            grow = self._violators(S, sol, rem, top)
            if grow is None:
                return self._commit(sol, extra)
            if not grow:                          # tolerance corner: stop local search
                break
            S = {**S, **grow}
        self.stats.fallbacks += 1
        return self._commit(self._solve(self._component(S)), extra)

    def _solve(self, S: dict[_Flow, None], keep: bool = False):
        """Progressive filling of the flows in *S*; others keep their rates."""
        self.stats.solved_flows += len(S)
        members: dict[_Resource, list[_Flow]] = {}
        for f in S:
            for r in f.path:
                if r.cap != INF:
                    lst = members.get(r)
                    if lst is None:
                        members[r] = [f]
                    else:
                        lst.append(f)
        rem: dict[_Resource, float] = {}
        cnt: dict[_Resource, int] = {}
        top: dict[_Resource, float] = {}       # fastest rate on r (outside S, then all)
        heap: list[tuple[float, int, int, object]] = []
        for r, lst in members.items():
            used = mx = 0.0
            if len(lst) != len(r.flows):
                for g in r.flows:
                    if g not in S:
                        used += g.rate
                        if g.rate > mx:
                            mx = g.rate
            rem[r] = r.cap - used
            cnt[r] = len(lst)
            top[r] = mx
            heap.append((max(rem[r], 0.0) / len(lst), 0, r.idx, r))
        for f in S:
            if f.cap is not None:
                heap.append((f.cap, 1, f.idx, f))
        heapq.heapify(heap)
        sol: dict[_Flow, tuple[float, object]] = {}
        n = len(S)
        pop, push = heapq.heappop, heapq.heappush
        while len(sol) < n:
            share, kind, _, obj = pop(heap)
            if kind:
                if obj in sol:
                    continue
                todo: list = [obj]
                where: object = _CAP
            else:
                c = cnt[obj]
                if c == 0 or max(rem[obj], 0.0) / c != share:
                    continue                      # stale entry
                todo = [g for g in members[obj] if g not in sol]
                where = obj
            for g in todo:
                sol[g] = (share, where)
                for r in g.path:
                    if r.cap != INF:
                        rem[r] -= share
                        cnt[r] -= 1
                        if share > top[r]:
                            top[r] = share
                        if cnt[r] and r is not where:
                            push(heap, (max(rem[r], 0.0) / cnt[r], 0, r.idx, r))
        if keep:
            return sol, rem, top
        return sol

    def _violators(self, S, sol, rem, top) -> dict[_Flow, None] | None:
        """Flows to add to *S* so the certificate can hold: None if it holds,
        empty if it fails but no flow to add was found."""
        ctol, atol = self._ctol, self.atol * 10
        cache: dict[_Resource, tuple[bool, float]] = {}

        def bottleneck(r: _Resource, x: float) -> bool:
            if r in rem:
                sat, mx = rem[r] <= atol + ctol * r.cap, top[r]
            else:
                got = cache.get(r)
                if got is None:
                    got = (r.load >= r.cap - atol - ctol * r.cap,
                           max((g.rate for g in r.flows), default=0.0))
                    cache[r] = got
                sat, mx = got
            return sat and x >= mx - atol - ctol * mx

        grow: dict[_Flow, None] = {}
        failed = False
        for f, (x, where) in sol.items():
            if where is _CAP or bottleneck(where, x):
                continue
            alt = next((r for r in f.path if r.cap != INF and bottleneck(r, x)), None)
            if alt is not None:
                sol[f] = (x, alt)                 # remember a valid certificate
                continue
            failed = True
            for r in f.path:
                if r.cap != INF:
                    for g in r.flows:
                        if g not in S and g.rate > x + atol + ctol * x:
                            grow[g] = None
        seen: set[_Flow] = set()
        for r in rem:
            for g in r.flows:
                if g in S or g in seen:
                    continue
                seen.add(g)
                b = g.bneck
                if b is _CAP or b not in rem or bottleneck(b, g.rate):
                    continue
                for q in g.path:
                    if q.cap != INF and bottleneck(q, g.rate):
                        g.bneck = q               # still a valid certificate
                        break
                else:
                    failed = True
                    grow[g] = None
        if not failed:
            return None
        return grow

    @staticmethod
    def _component(S: dict[_Flow, None]) -> dict[_Flow, None]:
        comp = dict(S)
        queue = list(S)
        seen: set[_Resource] = set()
        i = 0
        while i < len(queue):
            f = queue[i]
            i += 1
            for r in f.path:
                if r.cap != INF and r not in seen:
                    seen.add(r)
                    for g in r.flows:
                        if g not in comp:
                            comp[g] = None
                            queue.append(g)
        return comp

    def _commit(self, sol, extra: Iterable[_Resource]) -> Rates:
        changed: Rates = {}
        touched: dict[_Resource, None] = dict.fromkeys(extra)
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
            touched.update(dict.fromkeys(f.path))
        for r in touched:
            r.load = sum(g.rate for g in r.flows)
        if touched and self.on_rates_changed is not None:
            self.on_rates_changed(self.now, [r.key for r in touched])
        return changed

    def _settle(self, f: _Flow) -> None:
        dt = self.now - f.t_base
        if dt > 0:
            f.base += f.rate * dt / 8.0
            if f.size is not None and f.base > f.size:
                f.base = f.size
        f.t_base = self.now

    def _schedule(self, f: _Flow) -> None:
        f.version += 1
        f.t_base = self.now
        f.finish = None
        if f.size is None:
            return
        left = f.size - f.base
        if left <= _SNAP_BYTES + 1e-9 * f.size:
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


def _check_rate(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not value >= 0:
        raise ModelError(f"{what} must be >= 0 bit/s or None, got {value!r}")
    return None if value == INF else value


def _unbounded(fid: Hashable) -> ModelError:
    return ModelError(f"flow {fid!r} would get an infinite rate: give it a cap, a "
                      f"default_cap, or a path over a resource of finite capacity")
