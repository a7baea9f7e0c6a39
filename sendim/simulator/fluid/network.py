"""Incremental max-min fair sharing for the fluid flow model.

:class:`FluidNetwork` keeps the max-min fair rate of every flow over directed
resources (a bidirectional link is two resources) and, for the engine, how
many bytes each flow has delivered and when the next one completes.

Allocation: progressive filling (water-filling). The water level rises; a
resource saturates when ``capacity = rates of its frozen flows + level x
its unfrozen flows``, and then freezes its unfrozen flows at the level; a
flow's cap is a one-flow pseudo-resource. A heap orders these events, so a
from-scratch solve of F flows with I path incidences over R resources costs
O((F + I) log(F + R)) (:meth:`FluidNetwork.recompute`).

Incremental updates replay progressive filling *differentially*. Each flow
remembers its rate and the resource that froze it (its bottleneck). After a
change, the water rises again from 0, but only over what differs from the
previous run: the resources the change touched are "perturbed", and a flow
enters play when its bottleneck is perturbed or a perturbed resource
saturates below its old rate. A resource becomes perturbed only when a flow
on it freezes at a new rate (or passes its old rate unfrozen). Flows not in
play keep their rate; on perturbed resources they are known to freeze at
their old rate, which the resource schedules as an event. The work is thus
O((P + N) log) for P flows in play and N flow incidences on perturbed
resources - the flows whose rates change and their immediate neighbours -
independent of the rest of the network; disjoint flows never interact, and
the cost never exceeds a constant factor of re-solving the connected
component. Should rounding leave the replay inconsistent, the component is
solved from scratch instead.

Draining is lazy: a flow stores the bytes delivered when its rate last
changed, so ``delivered(t) = base + rate * (t - t_base) / 8`` and nothing is
settled for flows whose rate stays put. Finish times sit in a heap with lazy
invalidation (:meth:`FluidNetwork.next_completion`, O(log F) amortized); a
flow with at most 1e-6 bytes (or 1e-9 of its size) left counts as done, so
none is left waiting on rounding dust.

Conventions: rates and capacities in bit/s, sizes in bytes, times in seconds.
Capacity ``None`` is infinite: such a resource never constrains and is never
looked at when solving. Every flow needs a finite bound - a cap, a
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
_SNAP_BYTES = 1e-6      # remaining bytes this small (or 1e-9 of the size) count as done


class _Resource:
    __slots__ = ("key", "idx", "cap", "flows", "load", "ep", "fsum", "k", "pend", "ver")

    def __init__(self, key: Hashable, idx: int, cap: float):
        self.key = key
        self.idx = idx
        self.cap = cap
        self.flows: dict[_Flow, None] = {}   # insertion-ordered set
        self.load = 0.0
        # replay state, valid while ep == the network's epoch
        self.ep = 0
        self.fsum = 0.0                      # rates of flows frozen so far
        self.k = 0                           # unfrozen flows
        self.pend: list = []                 # (old rate, idx, flow) out of play
        self.ver = 0


class _Flow:
    __slots__ = ("fid", "idx", "keys", "path", "fin", "ucap", "cap", "rate", "bneck",
                 "size", "base", "t_base", "finish", "version", "ep", "new", "nb")

    def __init__(self, fid: Hashable, idx: int):
        self.fid = fid
        self.idx = idx
        self.keys: list[Hashable] = []
        self.path: tuple[_Resource, ...] = ()
        self.fin: tuple[_Resource, ...] = ()   # the finite-capacity part of path
        self.ucap: float | None = None         # cap as given
        self.cap: float | None = None          # effective cap (ucap or default_cap)
        self.rate = -1.0                       # -1: not solved yet
        self.bneck: _Resource | str | None = None
        self.size: float | None = None
        self.base = 0.0                        # bytes delivered at t_base
        self.t_base = 0.0
        self.finish: float | None = None
        self.version = 0
        self.ep = 0                            # in play while ep == epoch
        self.new: float | None = None          # rate found by the replay
        self.nb: _Resource | str | None = None


@dataclass(slots=True)
class FluidStats:
    """Counters for benchmarks: how much work the incremental solver did."""

    events: int = 0
    in_play: int = 0          # flows re-solved, summed over events
    perturbed: int = 0        # resources re-examined, summed over events
    fallbacks: int = 0        # events that re-solved their component from scratch


class _Inconsistent(Exception):
    """The replay met a state rounding made impossible."""


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
        self.on_rates_changed = on_rates_changed
        self.now = 0.0
        self.stats = FluidStats()
        self._res: dict[Hashable, _Resource] = {}
        self._flows: dict[Hashable, _Flow] = {}
        self._done: list[tuple[float, int, int, _Flow]] = []   # completion heap
        self._nflow = 0
        self._ep = 0
        self._batch: _Batch | None = None

    # -- resources -------------------------------------------------------
    def add_resource(self, key: Hashable, capacity: float | None) -> None:
        """Declare a directed resource of *capacity* bit/s (None = infinite)."""
        if key in self._res:
            raise ModelError(f"resource {key!r} already exists")
        cap = _check_rate(capacity, f"capacity of {key!r}")
        self._res[key] = _Resource(key, len(self._res), INF if cap is None else cap)

    def set_capacity(self, key: Hashable, capacity: float | None,
                     now: float | None = None) -> Rates:
        """Change a capacity (0 = link down, stalling its flows; None = infinite)."""
        self._advance(now)
        r = self._resource(key)
        cap = _check_rate(capacity, f"capacity of {key!r}")
        new = INF if cap is None else cap
        if new == INF:
            for f in r.flows:
                if f.cap is None and not any(q is not r for q in f.fin):
                    raise _unbounded(f.fid)
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
        f.fin = tuple(r for r in f.path if r.cap != INF)
        f.ucap = _check_rate(cap, f"cap of flow {fid!r}")
        f.cap = f.ucap if f.ucap is not None else self.default_cap
        if f.cap is None and not f.fin:
            raise _unbounded(fid)
        f.size = size
        f.t_base = self.now
        self._flows[fid] = f
        for r in f.path:
            r.flows[f] = None
        return self._update(play=[f], perturb=f.fin, extra=f.path)

    def remove_flow(self, fid: Hashable, now: float | None = None) -> Rates:
        """Stop flow *fid* (KeyError if unknown); its neighbours speed up."""
        self._advance(now)
        f = self._flows.pop(fid)
        f.version += 1                       # drops its completion entry
        for r in f.path:
            del r.flows[f]
            r.load -= f.rate if f.rate > 0 else 0.0
        return self._update(perturb=f.fin, extra=f.path)

    def set_cap(self, fid: Hashable, cap: float | None, now: float | None = None) -> Rates:
        """Change the rate cap of *fid* (None = uncapped)."""
        self._advance(now)
        f = self._flows[fid]
        ucap = _check_rate(cap, f"cap of flow {fid!r}")
        eff = ucap if ucap is not None else self.default_cap
        if eff is None and not f.fin:
            raise _unbounded(fid)
        f.ucap, f.cap = ucap, eff
        return self._update(play_d=[f], extra=f.path)

    def set_path(self, fid: Hashable, path: Iterable[Hashable], now: float | None = None) -> Rates:
        """Reroute *fid* over *path*."""
        self._advance(now)
        f = self._flows[fid]
        keys, new = self._path(path)
        fin = tuple(r for r in new if r.cap != INF)
        if f.cap is None and not fin:
            raise _unbounded(fid)
        old, old_fin = f.path, f.fin
        for r in old:
            del r.flows[f]
            r.load -= f.rate if f.rate > 0 else 0.0
        f.keys, f.path, f.fin = keys, new, fin
        for r in new:
            r.flows[f] = None
            r.load += f.rate if f.rate > 0 else 0.0
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
        return self._commit(self._solve(dict.fromkeys(self._flows.values())), [])

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

    def _resource(self, key: Hashable) -> _Resource:
        try:
            return self._res[key]
        except KeyError:
            raise ModelError(f"unknown resource {key!r}") from None

    def _path(self, path: Iterable[Hashable]) -> tuple[list[Hashable], tuple[_Resource, ...]]:
        keys = list(path)
        return keys, tuple(dict.fromkeys(self._resource(k) for k in keys))

    def _update(self, play: Iterable[_Flow] = (), play_d: Iterable[_Flow] = (),
                perturb: Iterable[_Resource] = (), extra: Iterable[_Resource] = ()) -> Rates:
        """Replay progressive filling around a change, then commit.

        *play*: flows re-solved from level 0 (new or rerouted); *play_d*: flows
        re-solved that keep their old rate until the level passes it;
        *perturb*: resources whose load changed from level 0.
        """
        if self._batch is not None:
            self._batch.add(play, play_d, perturb, extra)
            return {}
        self.stats.events += 1
        play = [f for f in play if self._flows.get(f.fid) is f]
        play_d = [f for f in play_d if self._flows.get(f.fid) is f]
        perturb = list(perturb)
        try:
            sol = self._replay(play, play_d, perturb)
        except _Inconsistent:
            self.stats.fallbacks += 1
            seed = dict.fromkeys(play + play_d)
            for r in perturb:
                seed.update(r.flows)
            sol = self._solve(self._component(seed))
        return self._commit(sol, extra)

    def _replay(self, play: list[_Flow], play_d: list[_Flow],
                perturb: list[_Resource]) -> dict[_Flow, tuple[float, object]]:
        """Differential progressive filling; returns {flow in play: (rate, bottleneck)}.

        Heap events, by level: a perturbed resource's next event (kind 0: a
        flow out of play freezing at its old rate, or saturation), a cap
        (kind 1), a flow in play passing its old rate unfrozen (kind 2).
        """
        self._ep += 1
        ep = self._ep
        rtol, atol = 10 * self.rtol, 10 * self.atol
        heap: list = []
        push = heapq.heappush
        pop = heappop = heapq.heappop
        inplay: dict[_Flow, None] = {}
        touched: list[_Resource] = []
        dirty: dict[_Resource, None] = {}      # perturbed resources to reschedule
        level = 0.0

        def enter(h: _Flow, deadline: bool) -> None:
            h.ep, h.new, h.nb = ep, None, None
            inplay[h] = None
            if deadline:
                push(heap, (h.rate, 2, h.idx, 0, h))
            if h.cap is not None:
                push(heap, (h.cap, 1, h.idx, 0, h))
            for q in h.fin:
                if q.ep == ep:
                    dirty[q] = None                    # h is no longer pending there

        def disturb(q: _Resource, lev: float) -> None:
            """q's load differs from the previous run from level *lev* on."""
            q.ep = ep
            touched.append(q)
            fsum, k, pend, joining = 0.0, 0, [], []
            below = lev - atol - rtol * lev
            for h in q.flows:
                if h.ep == ep:
                    if h.new is None:
                        k += 1
                    else:
                        fsum += h.new
                elif h.rate < below:
                    fsum += h.rate                     # froze before, as before
                elif h.bneck is q:
                    joining.append(h)
                    k += 1
                else:
                    pend.append((h.rate, h.idx, h))
                    k += 1
            heapq.heapify(pend)
            q.fsum, q.k, q.pend = fsum, k, pend
            dirty[q] = None
            for h in joining:
                enter(h, True)

        def freeze(h: _Flow, x: float, where: object, skip: object = None) -> None:
            """h freezes at level x, held by *where*; *skip* resets itself."""
            if h.ep != ep:
                h.ep = ep
                inplay[h] = None
            old = h.rate
            h.new, h.nb = x, where
            moved = abs(x - old) > atol + rtol * (x if x > old else old)
            for q in h.fin:
                if q is skip:
                    continue
                if q.ep == ep:
                    q.fsum += x
                    q.k -= 1
                    dirty[q] = None
                elif moved:
                    disturb(q, x)

        for f in play:
            enter(f, False)
        for f in play_d:
            enter(f, True)
        for r in perturb:
            if r.cap != INF and r.ep != ep:
                disturb(r, 0.0)

        while True:
            for r in dirty:                            # (re)schedule changed resources
                r.ver += 1
                if r.k <= 0:
                    continue
                pend = r.pend
                while pend and pend[0][2].ep == ep:   # entered play meanwhile
                    heappop(pend)
                at = (r.cap - r.fsum) / r.k
                if pend and pend[0][0] < at:
                    at = pend[0][0]
                push(heap, (at if at > level else level, 0, r.idx, r.ver, r))
            dirty.clear()
            if not heap:
                break
            at, kind, _, ver, obj = pop(heap)
            if at > level:
                level = at
            if kind == 0:
                r = obj
                if ver != r.ver:
                    continue
                pend = r.pend
                sat = (r.cap - r.fsum) / r.k
                if sat < level:
                    sat = level
                if pend and pend[0][0] < sat:          # a flow out of play freezes on time
                    g = heappop(pend)[2]
                    freeze(g, g.rate, g.bneck)         # updates r too
                    continue
                tie, above = sat - atol - rtol * sat, sat + atol + rtol * sat
                todo = [h for h in r.flows
                        if (h.new is None if h.ep == ep else h.rate >= tie)]
                for h in todo:
                    if h.ep == ep:
                        if h.new is None:
                            freeze(h, sat, r, r)
                    elif h.rate > above:
                        freeze(h, sat, r, r)
                    else:
                        freeze(h, h.rate, h.bneck, r)  # on time, at the same level
                r.fsum, r.k, r.pend = r.cap, 0, []
                r.ver += 1
                dirty.pop(r, None)
            elif obj.ep == ep and obj.new is None:
                if kind == 1:
                    freeze(obj, obj.cap, _CAP)
                else:                                  # passed its old rate unfrozen
                    for q in obj.fin:
                        if q.ep != ep:
                            disturb(q, level)

        self.stats.in_play += len(inplay)
        self.stats.perturbed += len(touched)
        for h in inplay:
            if h.new is None:
                raise _Inconsistent(h.fid)
        for r in touched:
            if r.fsum > r.cap + atol + rtol * r.cap:
                raise _Inconsistent(r.key)
        return {h: (h.new, h.nb) for h in inplay}

    def _solve(self, S: dict[_Flow, None]) -> dict[_Flow, tuple[float, object]]:
        """Progressive filling of the flows in *S* from scratch; flows outside
        *S* keep their rates (none share a resource when *S* is a component)."""
        members: dict[_Resource, list[_Flow]] = {}
        for f in S:
            for r in f.fin:
                lst = members.get(r)
                if lst is None:
                    members[r] = [f]
                else:
                    lst.append(f)
        rem: dict[_Resource, float] = {}
        cnt: dict[_Resource, int] = {}
        heap: list[tuple[float, int, int, object]] = []
        for r, lst in members.items():
            used = 0.0
            if len(lst) != len(r.flows):
                used = sum(g.rate for g in r.flows if g not in S)
            rem[r] = r.cap - used
            cnt[r] = len(lst)
            heap.append((max(rem[r], 0.0) / len(lst), 0, r.idx, r))
        for f in S:
            if f.cap is not None:
                heap.append((f.cap, 1, f.idx, f))
        heapq.heapify(heap)
        sol: dict[_Flow, tuple[float, object]] = {}
        pop, push = heapq.heappop, heapq.heappush
        while len(sol) < len(S):
            share, kind, _, obj = pop(heap)
            if kind:
                if obj in sol:
                    continue
                todo: list = [obj]
                where: object = _CAP
            else:
                c = cnt[obj]
                if c == 0 or max(rem[obj], 0.0) / c != share:
                    continue                           # stale entry
                todo = [g for g in members[obj] if g not in sol]
                where = obj
            for g in todo:
                sol[g] = (share, where)
                for r in g.fin:
                    rem[r] -= share
                    cnt[r] -= 1
                    if cnt[r] and r is not where:
                        push(heap, (max(rem[r], 0.0) / cnt[r], 0, r.idx, r))
        return sol

    @staticmethod
    def _component(S: dict[_Flow, None]) -> dict[_Flow, None]:
        comp = dict(S)
        queue = list(S)
        seen: set[_Resource] = set()
        for f in queue:                                # grows while iterating
            for r in f.fin:
                if r not in seen:
                    seen.add(r)
                    for g in r.flows:
                        if g not in comp:
                            comp[g] = None
                            queue.append(g)
        return comp

    def _commit(self, sol: dict[_Flow, tuple[float, object]],
                extra: Iterable[_Resource]) -> Rates:
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


class _Batch:
    """Collects the changes of a ``with net.batch():`` block; see :meth:`FluidNetwork.batch`."""

    def __init__(self, net: FluidNetwork):
        self.net = net
        self.changed: Rates = {}
        self._play: dict[_Flow, None] = {}
        self._play_d: dict[_Flow, None] = {}
        self._perturb: dict[_Resource, None] = {}
        self._extra: dict[_Resource, None] = {}

    def add(self, play, play_d, perturb, extra) -> None:
        self._play.update(dict.fromkeys(play))
        self._play_d.update(dict.fromkeys(play_d))
        self._perturb.update(dict.fromkeys(perturb))
        self._extra.update(dict.fromkeys(extra))

    def __enter__(self) -> "_Batch":
        if self.net._batch is not None:
            raise SimulationError("FluidNetwork batches do not nest")
        self.net._batch = self
        return self

    def __exit__(self, *exc) -> None:
        self.net._batch = None
        play_d = [f for f in self._play_d if f not in self._play]
        self.changed = self.net._update(list(self._play), play_d, list(self._perturb),
                                        list(self._extra))


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
