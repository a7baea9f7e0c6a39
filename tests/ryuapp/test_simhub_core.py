"""Simulated-time green threads: sleep, spawn, kill, join, errors."""

from __future__ import annotations

import logging
import time

import pytest
import simpy

pytestmark = pytest.mark.ryu  # greenlet comes with ryu's eventlet

from sendim.ryuapp.simhub import SimHub, SimHubError, TaskExit, activated


@pytest.fixture
def env() -> simpy.Environment:
    return simpy.Environment()


@pytest.fixture
def hub(env: simpy.Environment):
    h = SimHub(env)
    with activated(h):
        yield h
    h.shutdown()


def test_sleep_advances_simulated_clock_not_wall_clock(env, hub) -> None:
    woke: list[float] = []

    def sleeper() -> None:
        hub.sleep(10)
        woke.append(env.now)

    hub.spawn(sleeper)
    start = time.perf_counter()
    env.run()
    assert woke == [10.0]
    assert env.now == 10.0
    assert time.perf_counter() - start < 0.5


def test_ten_simulated_minutes_of_periodic_work_is_fast(env, hub) -> None:
    ticks: list[float] = []

    def loop() -> None:
        while True:
            ticks.append(env.now)
            hub.sleep(1)

    hub.spawn(loop)
    start = time.perf_counter()
    env.run(until=600)
    assert len(ticks) == 600
    assert ticks[:3] == [0.0, 1.0, 2.0]
    assert time.perf_counter() - start < 2.0


def test_spawn_runs_only_when_caller_yields(env, hub) -> None:
    order: list[str] = []

    def child() -> None:
        order.append("child")

    def parent() -> None:
        hub.spawn(child)
        order.append("parent before yield")
        hub.sleep(0)
        order.append("parent after yield")

    hub.spawn(parent)
    env.run()
    assert order == ["parent before yield", "child", "parent after yield"]


def test_spawn_after_and_args(env, hub) -> None:
    seen: list[tuple[float, int, int]] = []
    hub.spawn_after(7.5, lambda a, b: seen.append((env.now, a, b)), 1, b=2)
    env.run()
    assert seen == [(7.5, 1, 2)]


def test_wait_returns_result_and_joinall(env, hub) -> None:
    results: list[object] = []

    def work(n: int) -> int:
        hub.sleep(n)
        return n * 10

    def joiner() -> None:
        threads = [hub.spawn(work, n) for n in (3, 1, 2)]
        hub.joinall(threads)
        results.append(env.now)
        results.extend(t.wait() for t in threads)

    hub.spawn(joiner)
    env.run()
    assert results == [3.0, 30, 10, 20]


def test_kill_blocked_thread_runs_finally_and_ends_quietly(env, hub) -> None:
    events: list[str] = []

    def victim() -> None:
        try:
            hub.sleep(100)
            events.append("not reached")
        finally:
            events.append(f"finally at {env.now:g}")

    def killer() -> None:
        t = hub.spawn(victim)
        hub.sleep(5)
        hub.kill(t)
        events.append(f"killed dead={t.dead}")
        hub.joinall([t])
        events.append("joined")

    hub.spawn(killer)
    env.run()
    assert events == ["finally at 5", "killed dead=True", "joined"]
    assert env.now == 100  # the abandoned sleep timer still expires harmlessly
    assert not hub.errors


def test_kill_before_start_never_runs(env, hub) -> None:
    ran: list[int] = []
    t = hub.spawn(lambda: ran.append(1))
    hub.kill(t)
    env.run()
    assert ran == []
    assert t.finished


def test_kill_from_loop_and_self_kill(env, hub) -> None:
    events: list[str] = []

    def selfkill() -> None:
        hub.kill(hub.getcurrent())
        events.append("not reached")

    def blocked() -> None:
        try:
            hub.sleep(50)
        except TaskExit:
            events.append("got TaskExit")
            raise

    hub.spawn(selfkill)
    t = hub.spawn(blocked)
    env.run(until=1)
    hub.kill(t)  # from the loop greenlet (e.g. simulator shutdown)
    assert events == ["got TaskExit"]
    assert t.finished


def test_uncaught_exception_is_logged_and_simulation_continues(env, hub, caplog) -> None:
    done: list[float] = []

    def bad() -> None:
        raise ValueError("boom")

    def good() -> None:
        hub.sleep(1)
        done.append(env.now)

    with caplog.at_level(logging.ERROR):
        hub.spawn(bad)
        hub.spawn(good)
        env.run()
    assert done == [1.0]
    assert len(hub.errors) == 1 and isinstance(hub.errors[0][1], ValueError)
    assert "boom" in caplog.text


def test_raise_error_reraises_in_wait(env, hub) -> None:
    caught: list[BaseException] = []

    def bad() -> None:
        raise KeyError("k")

    def waiter() -> None:
        t = hub.spawn(bad, raise_error=True)
        try:
            t.wait()
        except KeyError as exc:
            caught.append(exc)

    hub.spawn(waiter)
    env.run()
    assert len(caught) == 1


def test_blocking_outside_a_thread_is_an_error(env, hub) -> None:
    hub.sleep(0)  # yielding is fine (no-op) outside threads
    with pytest.raises(SimHubError):
        hub.sleep(1)


def test_link_called_on_exit(env, hub) -> None:
    linked: list[object] = []
    t = hub.spawn(lambda: 42)
    t.link(lambda th, tag: linked.append((th.wait(), tag)), "x")
    env.run()
    assert linked == [(42, "x")]


def test_shutdown_kills_everything(env) -> None:
    h = SimHub(env)
    finals: list[int] = []

    def forever(n: int) -> None:
        try:
            while True:
                h.sleep(1)
        finally:
            finals.append(n)

    with activated(h):
        for n in range(3):
            h.spawn(forever, n)
        env.run(until=5)
        h.shutdown()
    assert sorted(finals) == [0, 1, 2]
    assert h.threads == []


def test_call_runs_blocking_code_from_outside(env, hub) -> None:
    def blocking(x: int) -> int:
        hub.sleep(3)
        return x + 1

    assert hub.call(blocking, 3) == 4
    assert env.now == 3.0
    with pytest.raises(ZeroDivisionError):
        hub.call(lambda: 1 / 0)
    assert hub.errors == []
