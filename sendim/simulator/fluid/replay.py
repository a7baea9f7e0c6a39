"""Progressive filling: differential (:func:`replay`) and from scratch (:func:`solve`).

Both return a :data:`~sendim.simulator.fluid.state.Solution` and leave the
flows' committed rates alone; :class:`~sendim.simulator.fluid.FluidNetwork`
commits the result.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from sendim.simulator.fluid.state import (
    CAP, INF, Flow, FluidStats, Inconsistent, Resource, Solution, TooCostly,
)


def replay(ep: int, play: list[Flow], play_d: list[Flow], perturb: Iterable[Resource], *,
           rtol: float, atol: float, budget: float, stats: FluidStats) -> Solution:
    """Differential progressive filling around a change; *ep* is a fresh epoch.

    *play*: flows re-solved from level 0 (new or rerouted); *play_d*: flows
    re-solved that keep their old rate until the level passes it; *perturb*:
    resources whose load changed from level 0. Raises :class:`TooCostly` once
    the flow incidences scanned exceed *budget*, :class:`Inconsistent` when
    rounding left an impossible state.

    Heap events, by level: a perturbed resource's next event (kind 0: a
    flow out of play freezing at its old rate, or saturation), a cap
    (kind 1), a flow in play passing its old rate unfrozen (kind 2).
    """
    rtol, atol = 10 * rtol, 10 * atol
    heap: list = []
    push = heapq.heappush
    pop = heappop = heapq.heappop
    inplay: dict[Flow, None] = {}
    touched: list[Resource] = []
    dirty: dict[Resource, None] = {}       # perturbed resources to reschedule
    level = 0.0
    work = 0

    def enter(h: Flow, deadline: bool) -> None:
        h.ep, h.new, h.nb = ep, None, None
        inplay[h] = None
        if deadline:
            push(heap, (h.rate, 2, h.idx, 0, h))
        cap = h.cap
        binding = cap is not None
        for q in h.fin:
            if q.ep == ep:
                dirty[q] = None                    # h is no longer pending there
            if binding and q.cap <= cap:
                binding = False                    # q saturates first (or in a tie, first)
        if binding:
            push(heap, (cap, 1, h.idx, 0, h))

    def disturb(q: Resource, lev: float) -> None:
        """q's load differs from the previous run from level *lev* on."""
        nonlocal work
        flows = q.flows
        work += len(flows)
        if work > budget:
            stats.scanned += work
            raise TooCostly(q.key)
        q.ep = ep
        q.sched = INF
        touched.append(q)
        fsum, k, pend, joining = 0.0, 0, [], []
        below = lev - atol - rtol * lev
        for h in flows:
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

    def freeze(h: Flow, x: float, where: object, skip: object = None) -> None:
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
        # A perturbed resource's next event only moves later as flows freeze at
        # the level (at most its share) or leave its pending heap: its entry in
        # the heap stays a lower bound, so it is pushed again only when its event
        # moved earlier, and checked (and pushed later if need be) when popped.
        for r in dirty:
            if r.k <= 0:
                continue
            pend = r.pend
            while pend and pend[0][2].ep == ep:   # entered play meanwhile
                heappop(pend)
            at = (r.cap - r.fsum) / r.k
            if pend and pend[0][0] < at:
                at = pend[0][0]
            if at < level:
                at = level
            if at < r.sched:
                r.ver += 1
                r.sched = at
                push(heap, (at, 0, r.idx, r.ver, r))
        dirty.clear()
        if not heap:
            break
        at, kind, _, ver, obj = pop(heap)
        if kind == 0:
            r = obj
            if ver != r.ver:
                continue
            r.sched = INF                          # no entry left for r
            if r.k <= 0:
                continue
            pend = r.pend
            while pend and pend[0][2].ep == ep:
                heappop(pend)
            nxt = (r.cap - r.fsum) / r.k
            if pend and pend[0][0] < nxt:
                nxt = pend[0][0]
            if nxt > at:                           # its event moved later meanwhile
                r.ver += 1
                r.sched = nxt
                push(heap, (nxt, 0, r.idx, r.ver, r))
                continue
            if at > level:
                level = at
            sat = (r.cap - r.fsum) / r.k
            if sat < level:
                sat = level
            if pend and pend[0][0] < sat:          # a flow out of play freezes on time
                g = heappop(pend)[2]
                freeze(g, g.rate, g.bneck)         # updates r too
                continue
            tie, above = sat - atol - rtol * sat, sat + atol + rtol * sat
            work += len(r.flows)
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
            continue
        if at > level:
            level = at
        if obj.ep == ep and obj.new is None:
            if kind == 1:
                freeze(obj, obj.cap, CAP)
            else:                                  # passed its old rate unfrozen
                for q in obj.fin:
                    if q.ep != ep:
                        disturb(q, level)

    stats.in_play += len(inplay)
    stats.perturbed += len(touched)
    stats.scanned += work
    for h in inplay:
        if h.new is None:
            raise Inconsistent(h.fid)
    for r in touched:
        if r.fsum > r.cap + atol + rtol * r.cap:
            raise Inconsistent(r.key)
    return {h: (h.new, h.nb) for h in inplay}


def solve(S: dict[Flow, None]) -> Solution:
    """Progressive filling of the flows in *S* from scratch; flows outside
    *S* keep their rates (none share a resource when *S* is a component).

    A resource's fair share only grows as flows on it freeze (at the level,
    which is at most its share), so its heap entry stays a lower bound: it is
    checked when popped and pushed again if the share moved up, rather than
    pushed anew at every freeze.
    """
    members: dict[Resource, list[Flow]] = {}
    for f in S:
        for r in f.fin:
            lst = members.get(r)
            if lst is None:
                members[r] = [f]
            else:
                lst.append(f)
    rem: dict[Resource, float] = {}
    cnt: dict[Resource, int] = {}
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
    sol: Solution = {}
    pop, push = heapq.heappop, heapq.heappush
    while len(sol) < len(S):
        share, kind, idx, obj = pop(heap)
        if kind:
            if obj in sol:
                continue
            todo: list = [obj]
            where: object = CAP
        else:
            c = cnt[obj]
            if c == 0:
                continue
            now = max(rem[obj], 0.0) / c
            if now > share:                        # grew since: a later event
                push(heap, (now, 0, idx, obj))
                continue
            todo = [g for g in members[obj] if g not in sol]
            where = obj
        for g in todo:
            sol[g] = (share, where)
            for r in g.fin:
                rem[r] -= share
                cnt[r] -= 1
    return sol


def component(S: dict[Flow, None]) -> dict[Flow, None]:
    """*S* and every flow connected to it through shared finite resources."""
    comp = dict(S)
    queue = list(S)
    seen: set[Resource] = set()
    for f in queue:                                # grows while iterating
        for r in f.fin:
            if r not in seen:
                seen.add(r)
                for g in r.flows:
                    if g not in comp:
                        comp[g] = None
                        queue.append(g)
    return comp
