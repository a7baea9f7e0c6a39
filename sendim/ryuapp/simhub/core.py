"""Green threads scheduled by a SimPy environment (simulated time).

A :class:`SimHub` runs :class:`SimThread` greenlets.  Every suspension point
(``sleep``, a queue/semaphore/event wait, ``wait`` on a thread) is a
:class:`Wait`; the greenlet switches back to the *loop greenlet* (the one
running ``env.run()``/``env.step()``) and is resumed later from a SimPy event
callback.  ``hub.sleep(10)`` therefore resumes when ``env.now`` has advanced by
10 — with no wall-clock sleep at all.

Semantics follow eventlet's (which ``ryu.lib.hub`` wraps): ``spawn`` only
schedules (the new thread runs at the current simulated instant, after the
caller yields); exceptions escaping a thread are logged, not propagated
(unless ``raise_error=True``); ``TaskExit`` ends a thread quietly; ``kill``
throws ``TaskExit`` into the thread and returns once it has been delivered.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from typing import Any

import greenlet
import simpy

__all__ = ["SimHub", "SimThread", "SimHubError", "TaskExit", "Wait"]

LOG = logging.getLogger("sendim.ryuapp.simhub")

TaskExit = greenlet.GreenletExit
"""Raised inside a thread to end it quietly (``ryu.lib.hub.TaskExit``)."""


class SimHubError(RuntimeError):
    """Misuse of the simulated hub (e.g. blocking outside a simulated thread)."""


class Wait:
    """One suspension of one thread; resumed at most once."""

    __slots__ = ("thread", "active", "notified")

    def __init__(self, thread: SimThread) -> None:
        self.thread = thread
        self.active = True
        self.notified = False


class SimThread(greenlet.greenlet):
    """A green thread of a :class:`SimHub` (eventlet ``GreenThread`` API)."""

    def __init__(self, hub: SimHub, func: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any], raise_error: bool) -> None:
        super().__init__(run=self._main)
        self.hub = hub
        self._func = func
        self._args = args
        self._kwargs = kwargs
        self._raise_error = raise_error
        self._result: Any = None
        self._error: BaseException | None = None
        self._finished = False
        self._cancelled = False
        self._wait: Wait | None = None
        self._joiners: list[Wait] = []
        self._links: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
        self.name = getattr(func, "__qualname__", repr(func))

    def __repr__(self) -> str:
        state = "done" if self.finished else ("running" if self else "pending")
        return f"<SimThread {self.name} {state}>"

    @property
    def finished(self) -> bool:
        """True once the thread has ended (returned, raised, or been killed)."""
        return self._finished

    # -- body ---------------------------------------------------------------
    def _main(self) -> Any:
        try:
            self._result = self._func(*self._args, **self._kwargs)
        except TaskExit:
            pass
        except BaseException as exc:  # noqa: BLE001 - mirror ryu's hub
            if self._raise_error:
                self._error = exc
            self.hub.errors.append((self, exc))
            LOG.error("hub: uncaught exception: %s", traceback.format_exc())
        finally:
            self._finish()
        return self._result

    def _finish(self) -> None:
        self._finished = True
        self.hub._threads.discard(self)
        for waiter in self._joiners:
            self.hub.resume_soon(waiter)
        self._joiners.clear()
        links, self._links = self._links, []
        for func, args, kwargs in links:
            try:
                func(self, *args, **kwargs)
            except Exception:  # noqa: BLE001
                LOG.exception("hub: link callback %r failed", func)

    # -- eventlet GreenThread API -------------------------------------------
    def wait(self) -> Any:
        """Block until the thread ends; return its result (or re-raise)."""
        while not self._finished:
            waiter = self.hub.new_wait()
            self._joiners.append(waiter)
            try:
                self.hub.suspend(waiter)
            finally:
                if waiter in self._joiners:
                    self._joiners.remove(waiter)
        if self._error is not None:
            raise self._error
        return self._result

    def kill(self, *throw_args: Any) -> None:
        """Throw ``TaskExit`` (or ``throw_args``) into the thread."""
        self.hub.kill(self, *throw_args)

    def cancel(self, *throw_args: Any) -> None:
        """Kill the thread only if it has not started yet."""
        if not self:
            self.hub.kill(self, *throw_args)

    def link(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Call ``func(thread, *args, **kwargs)`` when the thread ends."""
        if self._finished:
            func(self, *args, **kwargs)
        else:
            self._links.append((func, args, kwargs))

    def unlink(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Remove a callback added with :meth:`link`."""
        try:
            self._links.remove((func, args, kwargs))
        except ValueError:
            return False
        return True


class SimHub:
    """Schedules :class:`SimThread` greenlets on a SimPy environment."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._loop: greenlet.greenlet = greenlet.getcurrent()
        self._threads: set[SimThread] = set()
        self.errors: list[tuple[SimThread, BaseException]] = []
        """Uncaught exceptions of threads (logged as ryu's hub does)."""
        self.swap: Any = None
        """The :class:`~sendim.ryuapp.simhub.swap.HubSwap` installing this hub."""

    # -- introspection --------------------------------------------------------
    @property
    def now(self) -> float:
        """The simulated time, seconds."""
        return float(self.env.now)

    def current_thread(self) -> SimThread | None:
        """The running :class:`SimThread` of this hub, or None (loop/outside)."""
        cur = greenlet.getcurrent()
        if isinstance(cur, SimThread) and cur.hub is self:
            return cur
        return None

    @property
    def threads(self) -> list[SimThread]:
        """Threads spawned and not yet finished."""
        return sorted(self._threads, key=id)

    # -- scheduling primitives -------------------------------------------------
    def _at(self, delay: float, callback: Callable[[], None]) -> None:
        event = self.env.timeout(delay)
        event.callbacks.append(lambda _ev: callback())

    def new_wait(self) -> Wait:
        """A :class:`Wait` for the current thread (raises outside a thread)."""
        thread = self.current_thread()
        if thread is None:
            raise SimHubError(
                "blocking ryu.lib.hub call outside a simulated thread "
                "(only code running in hub.spawn'ed threads may block)")
        return Wait(thread)

    def suspend(self, waiter: Wait) -> Any:
        """Suspend the current thread until :meth:`resume` of ``waiter``."""
        thread = waiter.thread
        thread._wait = waiter
        try:
            return self._loop.switch()
        finally:
            waiter.active = False
            if thread._wait is waiter:
                thread._wait = None

    def resume(self, waiter: Wait, value: Any = None) -> None:
        """Resume ``waiter``'s thread now (called from the loop greenlet)."""
        if not waiter.active or waiter.thread._wait is not waiter:
            return
        waiter.active = False
        self._loop = greenlet.getcurrent()
        waiter.thread.switch(value)

    def resume_soon(self, waiter: Wait, value: Any = None, delay: float = 0.0) -> None:
        """Schedule :meth:`resume` after ``delay`` simulated seconds."""
        waiter.notified = True
        self._at(delay, lambda: self.resume(waiter, value))

    def throw(self, thread: SimThread, exc: BaseException) -> None:
        """Raise ``exc`` inside a suspended ``thread`` (from the loop greenlet)."""
        if thread.finished or thread._wait is None:
            return
        thread._wait.active = False
        self._loop = greenlet.getcurrent()
        thread.throw(exc)

    # -- ryu.lib.hub API ---------------------------------------------------------
    def spawn(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> SimThread:
        """Start ``func`` in a new thread at the current simulated instant."""
        return self.spawn_after(0.0, func, *args, **kwargs)

    def spawn_after(self, seconds: float, func: Callable[..., Any], *args: Any,
                    **kwargs: Any) -> SimThread:
        """Start ``func`` in a new thread after ``seconds`` of simulated time."""
        raise_error = bool(kwargs.pop("raise_error", False))
        thread = SimThread(self, func, args, kwargs, raise_error)
        self._threads.add(thread)
        self._at(max(0.0, float(seconds)), lambda: self._start(thread))
        return thread

    def _start(self, thread: SimThread) -> None:
        if thread._cancelled or thread.finished:
            return
        self._loop = greenlet.getcurrent()
        thread.parent = self._loop
        thread.switch()

    def sleep(self, seconds: float = 0) -> None:
        """Suspend the current thread for ``seconds`` of simulated time."""
        seconds = max(0.0, float(seconds or 0))
        thread = self.current_thread()
        if thread is None:
            if seconds == 0:
                return
            raise SimHubError("hub.sleep(%r) outside a simulated thread" % seconds)
        waiter = Wait(thread)
        self.resume_soon(waiter, None, seconds)
        self.suspend(waiter)

    def kill(self, thread: SimThread, *throw_args: Any) -> None:
        """End ``thread`` by raising ``TaskExit`` (or ``throw_args``) in it."""
        if thread.finished:
            return
        exc: BaseException
        if not throw_args:
            exc = TaskExit()
        elif isinstance(throw_args[0], BaseException):
            exc = throw_args[0]
        else:
            exc = throw_args[0](*throw_args[1:])
        if not thread:  # not started: it never runs
            thread._cancelled = True
            thread._finish()
            return
        current = greenlet.getcurrent()
        if current is thread:
            raise exc
        if current is self._loop or not isinstance(current, SimThread):
            self.throw(thread, exc)
            return
        # From another thread: deliver now, resume the killer right after.
        me = Wait(current)
        current._wait = me
        self.resume_soon(me)
        if thread._wait is not None:
            thread._wait.active = False
        try:
            thread.throw(exc)
        finally:
            me.active = False
            if current._wait is me:
                current._wait = None

    def joinall(self, threads: Iterable[SimThread]) -> None:
        """Wait for every thread to end (``TaskExit`` ignored)."""
        for thread in threads:
            try:
                thread.wait()
            except TaskExit:
                pass

    @staticmethod
    def getcurrent() -> greenlet.greenlet:
        """The running greenlet (a :class:`SimThread` inside threads)."""
        return greenlet.getcurrent()

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``func`` in a new thread, stepping the simulation until it ends.

        For blocking Ryu calls made from outside the simulated threads (e.g.
        ``AppManager.close()``, which joins the apps' threads).  Simulated time
        advances only if ``func`` sleeps.  Returns its result or re-raises.
        """
        thread = self.spawn(func, *args, raise_error=True, **kwargs)
        while not thread.finished:
            if self.env.peek() == float("inf"):
                raise SimHubError(f"deadlock: {thread!r} blocked with nothing scheduled")
            self.env.step()
        if thread._error is not None:
            self.errors[:] = [(t, e) for t, e in self.errors if t is not thread]
            raise thread._error
        return thread._result

    def shutdown(self) -> None:
        """Kill every live thread (from the loop greenlet); idempotent."""
        for _ in range(3):
            live = [t for t in self.threads if not t.finished]
            if not live:
                return
            for thread in live:
                try:
                    self.kill(thread)
                except Exception:  # noqa: BLE001
                    LOG.exception("hub: error while killing %r", thread)
        for thread in self.threads:  # still blocking in cleanup: abandon
            thread._cancelled = True
            self._threads.discard(thread)
