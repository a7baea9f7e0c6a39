"""Incremental max-min fair sharing for the fluid flow model.

:class:`FluidNetwork` keeps the max-min fair rate of every flow over directed
resources (a bidirectional link is two resources) and, for the engine, how
many bytes each flow has delivered and when the next one completes.

Allocation: progressive filling (water-filling). The water level rises; a
resource saturates when ``capacity = rates of its frozen flows + level x
its unfrozen flows``, and then freezes its unfrozen flows at the level; a
flow's cap is a one-flow pseudo-resource. A heap orders these events, so a
from-scratch solve of F flows with I path incidences over R resources costs
O((F + I) log(F + R)) (:meth:`FluidNetwork.recompute`, :func:`.replay.solve`).

Incremental updates replay progressive filling *differentially*
(:func:`.replay.replay`). Each flow remembers its rate and the resource that
froze it (its bottleneck). After a change, the water rises again from 0, but
only over what differs from the previous run: the resources the change
touched are "perturbed", and a flow enters play when its bottleneck is
perturbed or a perturbed resource saturates below its old rate. A resource
becomes perturbed only when a flow on it freezes at a new rate (or passes
its old rate unfrozen). Flows not in play keep their rate; on perturbed
resources they are known to freeze at their old rate, which the resource
schedules as an event. The work is thus O((P + N) log) for P flows in play
and N flow incidences on perturbed resources - the flows whose rates change
and their immediate neighbours - independent of the rest of the network;
disjoint flows never interact. An update whose replay would scan about as
many incidences as the whole network holds (large batches; saturated
networks, where one change ripples almost everywhere) is solved from scratch
over its connected component instead - predicted from recent replays, or
found out when the replay overruns - so that an update never costs much more
than that solve; so is one that rounding left inconsistent. The scratch
solve itself keeps each resource's heap entry as a lower bound instead of
re-pushing it whenever a flow on it freezes.

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
infinite and :class:`~sendim.errors.ModelError` is raised. A resource listed
twice in a path counts once. Rates that move by less than ``atol + rtol * rate``
keep their old value and are not reported, so the engine is not flooded with
no-op changes.

Modules: :mod:`.state` (records, counters), :mod:`.replay` (the two solvers),
:mod:`.network` (the API).
"""

from sendim.simulator.fluid.network import FluidNetwork
from sendim.simulator.fluid.state import INF, FluidStats, Inconsistent, Rates

_Inconsistent = Inconsistent     # the name tests force fallbacks with

__all__ = ["INF", "FluidNetwork", "FluidStats", "Rates"]
