"""Queue / Event / Semaphore / Timeout semantics in simulated time."""

from __future__ import annotations

import pytest
import simpy

pytestmark = pytest.mark.ryu

from sendim.ryuapp.simhub import (BoundedSemaphore, Event, Queue, QueueEmpty,  # noqa: E402
                                  QueueFull, Semaphore, SimHub, Timeout, activated)


@pytest.fixture
def env() -> simpy.Environment:
    return simpy.Environment()


@pytest.fixture
def hub(env: simpy.Environment):
    h = SimHub(env)
    with activated(h):
        yield h
    h.shutdown()


def test_queue_fifo_and_bounded_put_blocks(env, hub) -> None:
    q = Queue(2)
    log: list[tuple[str, object, float]] = []

    def producer() -> None:
        for i in range(4):
            q.put(i)
            log.append(("put", i, env.now))

    def consumer() -> None:
        hub.sleep(3)
        for _ in range(4):
            log.append(("got", q.get(), env.now))

    hub.spawn(producer)
    hub.spawn(consumer)
    env.run()
    puts = [(i, t) for kind, i, t in log if kind == "put"]
    gots = [(i, t) for kind, i, t in log if kind == "got"]
    assert puts == [(0, 0.0), (1, 0.0), (2, 3.0), (3, 3.0)]
    assert [i for i, _ in gots] == [0, 1, 2, 3]
    assert q.empty() and q.qsize() == 0 and q.maxsize == 2


def test_queue_nonblocking_and_timeouts(env, hub) -> None:
    q = Queue(1)
    with pytest.raises(QueueEmpty):
        q.get_nowait()
    q.put_nowait("a")
    assert q.full()
    with pytest.raises(QueueFull):
        q.put_nowait("b")
    assert q.get(block=False) == "a"
    result: list[object] = []

    def timed() -> None:
        try:
            q.get(timeout=4)
        except QueueEmpty:
            result.append(env.now)

    hub.spawn(timed)
    env.run()
    assert result == [4.0]


def test_queue_empty_is_eventlets_empty_too() -> None:
    import eventlet.queue

    assert issubclass(QueueEmpty, eventlet.queue.Empty)


def test_killed_getter_does_not_lose_items(env, hub) -> None:
    q = Queue()
    got: list[object] = []

    def getter(tag: str) -> None:
        got.append((tag, q.get(), env.now))

    first = hub.spawn(getter, "first")
    hub.spawn(getter, "second")

    def actor() -> None:
        hub.sleep(1)
        q.put("x")  # wakes "first"...
        hub.kill(first)  # ...which dies before taking it

    hub.spawn(actor)
    env.run()
    assert got == [("second", "x", 1.0)]


def test_event_set_clear_wait(env, hub) -> None:
    ev = Event()
    log: list[tuple[str, bool, float]] = []

    def waiter(tag: str, timeout: float | None) -> None:
        log.append((tag, ev.wait(timeout), env.now))

    hub.spawn(waiter, "a", None)
    hub.spawn(waiter, "b", None)
    hub.spawn(waiter, "short", 2)
    hub.spawn(waiter, "late", 20)

    def setter() -> None:
        hub.sleep(5)
        ev.set()
        ev.clear()  # as ryu's hub.Event: waiters re-check the flag, keep waiting
        hub.sleep(5)
        ev.set()

    hub.spawn(setter)
    env.run()
    assert sorted(log) == [("a", True, 10.0), ("b", True, 10.0),
                           ("late", True, 10.0), ("short", False, 2.0)]
    assert ev.is_set()
    ev.clear()
    assert not ev.is_set()


def test_event_wait_returns_true_when_set(env, hub) -> None:
    ev = Event()
    out: list[bool] = []
    hub.spawn(lambda: out.append(ev.wait(10)))
    hub.spawn_after(1, ev.set)
    env.run()
    assert out == [True]


def test_semaphores(env, hub) -> None:
    sem = Semaphore(1)
    log: list[tuple[str, float]] = []

    def user(tag: str) -> None:
        with sem:
            log.append((tag, env.now))
            hub.sleep(2)

    for tag in "abc":
        hub.spawn(user, tag)
    env.run()
    assert log == [("a", 0.0), ("b", 2.0), ("c", 4.0)]
    assert sem.acquire(blocking=False) and not sem.acquire(blocking=False)
    bounded = BoundedSemaphore(2)
    assert bounded.acquire() and bounded.counter == 1
    bounded.release()
    with pytest.raises(ValueError):
        bounded.release()


def test_timeout_raises_itself_and_can_be_cancelled(env, hub) -> None:
    log: list[object] = []

    def stp_style() -> None:
        ev = Event()
        timeout = Timeout(3)
        try:
            ev.wait()
        except Timeout as t:
            log.append(("timeout", t is timeout, env.now))
        finally:
            timeout.cancel()

    def cancelled() -> None:
        t = Timeout(1)
        t.cancel()
        hub.sleep(2)
        log.append(("survived", env.now))

    def silent() -> None:
        with Timeout(1, False):
            hub.sleep(10)
        log.append(("silent", env.now))

    def custom() -> None:
        try:
            with Timeout(1, KeyError("late")):
                hub.sleep(10)
        except KeyError:
            log.append(("custom", env.now))

    for fn in (stp_style, cancelled, silent, custom):
        hub.spawn(fn)
    env.run()
    assert ("timeout", True, 3.0) in log
    assert ("survived", 2.0) in log
    assert ("silent", 1.0) in log
    assert ("custom", 1.0) in log
