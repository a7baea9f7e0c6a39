"""FluidNetwork batches spanning time, and replays giving way to from-scratch solves."""

from __future__ import annotations

import itertools
import random

import pytest

from sendim.errors import SimulationError
from sendim.simulator.fluid import FluidNetwork, network

M = 1e6
IDS = itertools.count(10_000)


def saturated(n_flows: int, seed: int) -> tuple[FluidNetwork, random.Random]:
    rng = random.Random(seed)
    net = FluidNetwork()
    for k in range(12):
        net.add_resource(k, rng.choice([1, 2, 5, 10]) * M)
    with net.batch():
        for i in range(n_flows):
            net.add_flow(i, rng.sample(range(12), rng.randint(1, 4)), size=1e6)
    return net, rng


def churn(net: FluidNetwork, rng: random.Random, events: int, per_batch: int) -> None:
    for _ in range(events):
        with net.batch():
            for _ in range(per_batch):
                net.remove_flow(rng.choice(list(net.rates())))
                net.add_flow(next(IDS), rng.sample(range(12), rng.randint(1, 4)), size=1e6)
        assert net.recompute() == {}            # the same rates as a fresh solve


def test_a_replay_outgrowing_its_budget_gives_way_to_a_fresh_solve(monkeypatch) -> None:
    monkeypatch.setattr(network, "REPLAY_BUDGET", 0.05)
    monkeypatch.setattr(network, "REPLAY_BUDGET_MIN", 0)
    net, rng = saturated(60, 1)
    churn(net, rng, 20, 1)
    assert net.stats.rescues > 0 and net.stats.fallbacks >= net.stats.rescues


def test_big_batches_are_solved_from_scratch_directly(monkeypatch) -> None:
    monkeypatch.setattr(network, "REPLAY_BUDGET_MIN", 0)
    net, rng = saturated(60, 2)
    churn(net, rng, 3, 1)                      # learns the scan per change
    before = net.stats.fallbacks, net.stats.rescues
    churn(net, rng, 5, 40)
    assert net.stats.fallbacks - before[0] == 5 and net.stats.rescues == before[1]


def test_a_batch_spanning_time_keeps_old_rates_until_it_closes() -> None:
    moved: list[tuple[float, list]] = []
    net = FluidNetwork(on_rates_changed=lambda now, keys: moved.append((now, keys)))
    net.add_resource("L", 10 * M)
    net.add_flow("a", ["L"], size=10e6, now=0.0)
    net.add_flow("b", ["L"], size=10e6, now=0.0)
    batch = net.batch().open()
    net.remove_flow("b", now=1.0)                # "a" speeds up only when the batch closes
    assert moved[-1] == (1.0, ["L"]) and net.load("L") == pytest.approx(5 * M)
    net.add_flow("c", ["L"], cap=2 * M, size=10e6, now=1.5)  # sends nothing until then
    assert batch.close(now=2.0) == {"a": pytest.approx(8 * M), "c": pytest.approx(2 * M)}
    assert net.delivered("a", 2.0) == pytest.approx(5 * M * 2.0 / 8)
    assert net.delivered("c", 2.0) == 0.0
    assert net.finish_time("c") == pytest.approx(2.0 + 10e6 * 8 / (2 * M))
    with pytest.raises(SimulationError):
        batch.close()


def test_an_empty_batch_solves_nothing() -> None:
    net = FluidNetwork()
    net.add_resource("L", M)
    before = net.stats.events
    assert net.batch().open().close(now=1.0) == {}
    assert net.stats.events == before and net.now == 1.0
