"""Cheap timed callbacks on a SimPy environment.

Most simulator activity is "run this function at time T": a frame arriving
at the far end of a link, a control message delivered, a retransmission
timer. A generator process per activity would cost a frame object, a
generator and two events; :class:`Call` is a single pre-triggered event
whose only callback runs the function, which is what ``env.timeout`` plus
a callback does, minus the closure. Processes (``env.process``) remain
available for code that is easier to write sequentially, such as the Ryu
adapter's ``hub.sleep`` loops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simpy import Environment
from simpy.events import NORMAL, Event


LATE = NORMAL + 1
"""Priority of calls that must run after every normal event of their instant."""


class Call(Event):
    """Call ``fn(*args)`` *delay* seconds from now; :meth:`cancel` to skip it.

    Calls due at the same time run in the order they were made, except that
    *priority* :data:`LATE` ones run after all the others of that instant.
    """

    __slots__ = ("fn", "args")

    def __init__(self, env: Environment, delay: float, fn: Callable[..., Any],
                 args: tuple = (), priority: int = NORMAL) -> None:
        self.env = env
        self.callbacks = [self._fire]
        self._value = None
        self._ok = True
        self.fn: Callable[..., Any] | None = fn
        self.args = args
        env.schedule(self, priority, delay)

    def _fire(self, _event: Event) -> None:
        fn = self.fn
        if fn is not None:
            self.fn = None
            fn(*self.args)

    def cancel(self) -> None:
        """Do not run the function (the event still fires, harmlessly)."""
        self.fn = None

    @property
    def pending(self) -> bool:
        """True until the call has run or been cancelled."""
        return self.fn is not None
