"""When the fluid model solves its rates: once per instant, or once per quantum.

Every change the engine makes to the :class:`~sendim.simulator.fluid.FluidNetwork`
(a flow's first packet arriving, a flow completing or stopping, a stall, a
reroute, a meter change) goes into one open batch, and a *flush* solves the
rates once for all of them.

* Exact (``quantum == 0``, the default): the flush runs at the end of the
  instant, after every other event due at that simulated time (a
  :data:`~sendim.simulator.timing.LATE` call). No simulated time passes
  between the changes and the solve, so results are those of solving after
  each change, for one solve per instant: many flows whose first packets
  arrive together, a link failure stalling hundreds of flows, flows
  finishing together.
* Quantum ``q > 0``: changes are also coalesced across time. Simulated time
  is cut into windows ``[k q, (k + 1) q)``; a change made inside a window
  takes effect at its end, when one solve covers every change of the window.
  Until then rates stay as they were: a new flow (or one rerouted after a
  stall) sends nothing, a flow whose neighbour finished does not speed up
  yet, one whose neighbour started does not slow down yet. Completions
  still happen at their exact times under the rates in force. Stalls
  (link or node failures) and meter changes are never deferred: they flush
  at the end of their instant, so no byte crosses a dead link.

Error bound in quantum mode: each rate change a flow sees is applied at most
``q`` late, which shifts its completion time by at most ``q`` per change,
to first order: a flow that starts (or resumes after a stall) late finishes
at most ``q`` late for it; a rate increase from ``r`` to ``r'`` applied
``d <= q`` late delays the completion by ``d (1 - r / r') < q``; a decrease
applied late advances it by ``d (r / r' - 1)``, below ``q`` unless the rate
more than halves (a flow joining a link shared by ``n`` others lowers their
rates by a factor ``n / (n + 1)``: ``q / n``). Errors add up over the
changes a flow sees; in a 10k-flow fat-tree with ``q`` = 1 ms completion
times move by ~1 ms on average and 10 ms at most (``bench/bench_sim.py``).
Capacities are never exceeded: deferred changes only leave capacity idle (a
finished flow's share, a new flow's share) until the window ends, and the
changes that take capacity away - stalls, meter changes - are not deferred.
``stalled_s`` counts a stall until the first probe got through, not until
the window in which the flow resumed ended.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from simpy import Environment

from sendim.errors import ModelError
from sendim.simulator.fluid import FluidNetwork
from sendim.simulator.timing import LATE, Call


class RateUpdates:
    """Batches the changes to *net* and solves them at the end of the instant
    (``quantum == 0``) or of the quantum window; *on_flush* runs after each
    solve (e.g. to re-arm the completion timer)."""

    def __init__(self, env: Environment, net: FluidNetwork, quantum: float,
                 on_flush: Callable[[], None]) -> None:
        quantum = float(quantum)
        if not (quantum >= 0 and math.isfinite(quantum)):
            raise ModelError(f"fluid quantum must be a finite number >= 0 s, got {quantum!r}")
        self.env = env
        self.net = net
        self.quantum = quantum
        self.on_flush = on_flush
        self.flushes = 0
        self._batch = None
        self._call: Call | None = None
        self._due = math.inf

    @property
    def pending(self) -> bool:
        """True while changes wait for a flush."""
        return self._batch is not None

    def touch(self, urgent: bool = False) -> None:
        """Call before changing the network: opens the batch if needed and makes
        sure a flush is due (this instant when *urgent* or exact, else at the
        end of the quantum window)."""
        now = self.env.now
        q = self.quantum
        due = now if urgent or q == 0 else max(now, (math.floor(now / q) + 1) * q)
        if self._batch is None:
            self._batch = self.net.batch().open()
        if due < self._due:
            if self._call is not None:
                self._call.cancel()
            self._due = due
            self._call = Call(self.env, due - now, self.flush, priority=LATE)

    def flush(self) -> None:
        """Solve every pending change now (also called when the run stops)."""
        if self._call is not None:
            self._call.cancel()
            self._call = None
        self._due = math.inf
        batch, self._batch = self._batch, None
        if batch is None:
            return
        self.flushes += 1
        batch.close(self.env.now)
        self.on_flush()
