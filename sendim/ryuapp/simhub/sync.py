"""Synchronisation for simulated threads: Queue, Semaphore, Event, Timeout.

APIs follow what ``ryu.lib.hub`` exports (eventlet's ``LightQueue``,
``Semaphore``/``BoundedSemaphore``, ``Timeout``; ryu's own ``Event``).
Waiting is always in simulated time.  Every primitive binds to the hub that
is active when it is created (:func:`sendim.ryuapp.simhub.active_hub`) unless
given one explicitly.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

from sendim.ryuapp.simhub.core import SimHub, SimThread, Wait
from sendim.ryuapp.simhub.state import active_hub

__all__ = ["Queue", "QueueEmpty", "QueueFull", "Semaphore", "BoundedSemaphore",
           "Event", "Timeout"]

_TIMED_OUT = object()

try:  # let code that catches eventlet's exceptions catch ours too
    from eventlet.queue import Empty as _EmptyBase
    from eventlet.queue import Full as _FullBase
except ImportError:  # pragma: no cover - eventlet comes with ryu
    _EmptyBase = Exception  # type: ignore[assignment,misc]
    _FullBase = Exception  # type: ignore[assignment,misc]


class QueueEmpty(_EmptyBase):  # type: ignore[misc,valid-type]
    """``get`` on an empty queue without blocking (or timed out)."""


class QueueFull(_FullBase):  # type: ignore[misc,valid-type]
    """``put`` on a full queue without blocking (or timed out)."""


class _Waiters:
    """FIFO of :class:`Wait` objects with wake-one / wake-all."""

    def __init__(self, hub: SimHub) -> None:
        self.hub = hub
        self.items: collections.deque[Wait] = collections.deque()

    def block(self, timeout: float | None, ready: Callable[[], bool]) -> bool:
        """Wait until ``ready()`` (re-checked on each wake-up) or timeout.

        Returns ``ready()`` at the end (False only on timeout).
        """
        deadline = None if timeout is None else self.hub.now + max(0.0, timeout)
        while not ready():
            if deadline is not None and self.hub.now >= deadline:
                return False
            waiter = self.hub.new_wait()
            self.items.append(waiter)
            if deadline is not None:
                self.hub.resume_soon(waiter, _TIMED_OUT, deadline - self.hub.now)
                waiter.notified = False
            woke = False
            try:
                self.hub.suspend(waiter)
                woke = True
            finally:
                if waiter in self.items:
                    self.items.remove(waiter)
                elif waiter.notified and not woke:
                    self.wake_one()  # pass a wake-up we cannot use on
        return True

    def wake_one(self) -> None:
        """Resume the oldest waiter (soon, at the current instant)."""
        while self.items:
            waiter = self.items.popleft()
            if waiter.active:
                self.hub.resume_soon(waiter)
                return

    def wake_all(self) -> None:
        """Resume every waiter."""
        while self.items:
            self.wake_one()

    def __len__(self) -> int:
        return len(self.items)


class Queue:
    """eventlet ``LightQueue``: FIFO, optionally bounded by ``maxsize``."""

    def __init__(self, maxsize: int | None = None, hub: SimHub | None = None) -> None:
        if maxsize is not None and maxsize < 0:
            raise ValueError("maxsize must be None or >= 0")
        self.hub = hub or active_hub()
        self.maxsize = maxsize
        self.queue: collections.deque[Any] = collections.deque()
        self._getters = _Waiters(self.hub)
        self._putters = _Waiters(self.hub)

    def __repr__(self) -> str:
        return f"<simhub.Queue maxsize={self.maxsize} qsize={self.qsize()}>"

    def qsize(self) -> int:
        """Number of queued items."""
        return len(self.queue)

    def __len__(self) -> int:
        return len(self.queue)

    def empty(self) -> bool:
        """True if no item is queued."""
        return not self.queue

    def full(self) -> bool:
        """True if ``maxsize`` items are queued."""
        return self.maxsize is not None and len(self.queue) >= self.maxsize

    def getting(self) -> int:
        """Number of threads blocked in :meth:`get`."""
        return len(self._getters)

    def putting(self) -> int:
        """Number of threads blocked in :meth:`put`."""
        return len(self._putters)

    def resize(self, size: int | None) -> None:
        """Change ``maxsize`` (waking putters if there is now room)."""
        self.maxsize = size
        if not self.full():
            self._putters.wake_all()

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """Append ``item``, blocking while the queue is full."""
        if self.full():
            if not block or not self._putters.block(timeout, lambda: not self.full()):
                raise QueueFull()
        self.queue.append(item)
        self._getters.wake_one()

    def put_nowait(self, item: Any) -> None:
        """``put(item, block=False)``."""
        self.put(item, False)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Pop the oldest item, blocking while the queue is empty."""
        if not self.queue:
            if not block or not self._getters.block(timeout, lambda: bool(self.queue)):
                raise QueueEmpty()
        item = self.queue.popleft()
        self._putters.wake_one()
        if self.queue:
            self._getters.wake_one()
        return item

    def get_nowait(self) -> Any:
        """``get(block=False)``."""
        return self.get(False)


class Semaphore:
    """eventlet ``Semaphore``: a counter threads block on at zero."""

    def __init__(self, value: int = 1, hub: SimHub | None = None) -> None:
        if value < 0:
            raise ValueError("Semaphore must be initialized with a non-negative value")
        self.hub = hub or active_hub()
        self.counter = value
        self._waiters = _Waiters(self.hub)

    def __repr__(self) -> str:
        return f"<simhub.{type(self).__name__} counter={self.counter}>"

    @property
    def balance(self) -> int:
        """Counter minus the number of blocked acquirers."""
        return self.counter - len(self._waiters)

    def locked(self) -> bool:
        """True if :meth:`acquire` would block."""
        return self.counter <= 0

    def bounded(self) -> bool:
        """False: an unbounded semaphore."""
        return False

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Decrement the counter, blocking while it is zero."""
        if self.counter <= 0:
            if not blocking:
                return False
            if not self._waiters.block(timeout, lambda: self.counter > 0):
                return False
        self.counter -= 1
        return True

    def release(self, blocking: bool = True) -> bool:
        """Increment the counter and wake one blocked acquirer."""
        self.counter += 1
        self._waiters.wake_one()
        return True

    def __enter__(self) -> Semaphore:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class BoundedSemaphore(Semaphore):
    """A :class:`Semaphore` whose counter may not exceed its initial value."""

    def __init__(self, value: int = 1, hub: SimHub | None = None) -> None:
        super().__init__(value, hub)
        self.original_counter = value

    def bounded(self) -> bool:
        """True: releasing past the initial value raises ``ValueError``."""
        return True

    def release(self, blocking: bool = True) -> bool:
        """Increment the counter; ``ValueError`` if already at its bound."""
        if self.counter >= self.original_counter:
            raise ValueError("Semaphore released too many times")
        return super().release(blocking)


class Event:
    """ryu's ``hub.Event``: a flag threads wait for (re-settable)."""

    def __init__(self, hub: SimHub | None = None) -> None:
        self.hub = hub or active_hub()
        self._cond = False
        self._waiters = _Waiters(self.hub)

    def is_set(self) -> bool:
        """The flag."""
        return self._cond

    def set(self) -> None:
        """Set the flag and wake every waiter."""
        self._cond = True
        self._waiters.wake_all()

    def clear(self) -> None:
        """Reset the flag."""
        self._cond = False

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until set (or ``timeout`` simulated seconds); return the flag."""
        self._waiters.block(timeout, lambda: self._cond)
        return self._cond


class Timeout(BaseException):
    """eventlet ``Timeout``: raises in the creating thread after ``seconds``.

    ``Timeout(s)`` starts at once; the exception raised is the Timeout itself
    (or ``exception``; ``False`` makes ``with Timeout(s, False):`` silent).
    """

    def __init__(self, seconds: float | None = None, exception: Any = None,
                 hub: SimHub | None = None) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.exception = exception
        self.hub = hub or active_hub()
        self._owner: SimThread | None = None
        self._generation = 0
        self.pending = False
        if seconds is not None:
            self.start()

    def __repr__(self) -> str:
        return f"<simhub.Timeout seconds={self.seconds} pending={self.pending}>"

    def __str__(self) -> str:
        return "%s second%s" % (self.seconds, "" if self.seconds == 1 else "s")

    def start(self) -> Timeout:
        """(Re)arm the timer for the current thread."""
        self.cancel()
        if self.seconds is None:
            return self
        self._owner = self.hub.current_thread()
        self._generation += 1
        generation = self._generation
        self.pending = True
        self.hub._at(max(0.0, float(self.seconds)), lambda: self._fire(generation))
        return self

    def _fire(self, generation: int) -> None:
        if not self.pending or generation != self._generation:
            return
        self.pending = False
        owner = self._owner
        if owner is None or owner.finished:
            return
        if self.exception is None or self.exception is False:
            exc: BaseException = self
        elif isinstance(self.exception, BaseException):
            exc = self.exception
        else:
            exc = self.exception()
        self.hub.throw(owner, exc)

    def cancel(self) -> None:
        """Disarm the timer (no-op if it fired or was never started)."""
        self.pending = False
        self._generation += 1

    def __enter__(self) -> Timeout:
        if not self.pending:
            self.start()
        return self

    def __exit__(self, typ: Any, value: Any, tb: Any) -> bool:
        self.cancel()
        return value is self and self.exception is False
