"""FluidNetwork: max-min fair rates, incremental updates, draining."""

from __future__ import annotations

import math
import random

import pytest

from sendim.errors import ModelError, SimulationError
from sendim.simulator.fluid import FluidNetwork

M = 1e6


def approx(x, rel=1e-9):
    return pytest.approx(x, rel=rel, abs=1e-6)


def net_with(**caps: float | None) -> FluidNetwork:
    net = FluidNetwork()
    for key, cap in caps.items():
        net.add_resource(key, cap)
    return net


# -- naive reference: progressive filling by brute force ------------------------
def reference(caps: dict, flows: dict) -> dict:
    """flows: fid -> (path, cap). Returns max-min fair rates."""
    rate: dict = {}
    rem = {k: (math.inf if c is None else float(c)) for k, c in caps.items()}
    paths = {f: [k for k in dict.fromkeys(p) if rem[k] != math.inf] for f, (p, _) in flows.items()}
    while len(rate) < len(flows):
        best, best_flows = math.inf, []
        for k, c in rem.items():
            users = [f for f, p in paths.items() if f not in rate and k in p]
            if users:
                share = max(c, 0.0) / len(users)
                if share < best:
                    best, best_flows = share, users
        for f, (_, cap) in flows.items():
            if f not in rate and cap is not None and cap < best:
                best, best_flows = cap, [f]
        assert best_flows, "unbounded flow in reference"
        for f in best_flows:
            rate[f] = best
            for k in paths[f]:
                rem[k] -= best
    return rate


# -- hand-computed allocations -------------------------------------------------
def test_two_flows_share_a_bottleneck_then_survivor_takes_all():
    net = net_with(L=10 * M)
    assert net.add_flow("a", ["L"]) == {"a": approx(10 * M)}
    changed = net.add_flow("b", ["L"])
    assert changed == {"a": approx(5 * M), "b": approx(5 * M)}
    assert net.remove_flow("a") == {"b": approx(10 * M)}
    assert net.rates() == {"b": approx(10 * M)}


def test_classic_max_min_three_flows():
    net = net_with(A=10 * M, B=10 * M)
    net.add_flow("f1", ["A", "B"])
    net.add_flow("f2", ["A"])
    net.add_flow("f3", ["B"])
    assert net.rates() == {"f1": approx(5 * M), "f2": approx(5 * M), "f3": approx(5 * M)}
    changed = net.set_capacity("B", 4 * M)
    assert changed == {"f1": approx(2 * M), "f2": approx(8 * M), "f3": approx(2 * M)}
    assert net.utilization("A") == approx(1.0)
    assert net.utilization("B") == approx(1.0)


def test_cap_lets_the_other_flow_take_the_rest():
    net = net_with(L=10 * M)
    net.add_flow("capped", ["L"], cap=2 * M)
    net.add_flow("free", ["L"])
    assert net.rates() == {"capped": approx(2 * M), "free": approx(8 * M)}
    assert net.set_cap("capped", None) == {"capped": approx(5 * M), "free": approx(5 * M)}
    assert net.cap("capped") is None


def test_capacity_zero_stalls_and_restores():
    net = net_with(L=10 * M, R=10 * M)
    net.add_flow("a", ["L", "R"], size=1e6)
    net.add_flow("b", ["R"])
    assert net.set_capacity("L", 0, now=1.0) == {"a": 0.0, "b": approx(10 * M)}
    assert net.next_completion() is None
    assert net.finish_time("a") is None
    assert net.delivered("a", now=5.0) == approx(5 * M / 8)     # 1 s at 5 Mbps
    net.set_capacity("L", 10 * M, now=5.0)
    assert net.rates() == {"a": approx(5 * M), "b": approx(5 * M)}
    # 625 kB delivered, 375 kB left at 5 Mbps = 0.6 s
    assert net.next_completion() == (approx(5.6), "a")


def test_infinite_resources_do_not_constrain_and_unbounded_flows_are_refused():
    net = net_with(core=None, L=10 * M)
    net.add_flow("a", ["core", "L"])
    assert net.rate("a") == approx(10 * M)
    assert net.utilization("core") == 0.0
    assert net.load("core") == approx(10 * M)
    with pytest.raises(ModelError, match="infinite rate"):
        net.add_flow("b", ["core"])
    with pytest.raises(ModelError, match="infinite rate"):
        net.add_flow("c", [])
    with pytest.raises(ModelError, match="infinite rate"):
        net.set_capacity("L", None)
    net.add_flow("d", [], cap=3 * M)
    assert net.rate("d") == approx(3 * M)
    nic = FluidNetwork(default_cap=1e9)
    nic.add_resource("core", None)
    assert nic.add_flow("x", ["core"]) == {"x": approx(1e9)}


def test_bad_input():
    net = net_with(L=1.0)
    with pytest.raises(ModelError, match="unknown resource"):
        net.add_flow("a", ["nope"])
    with pytest.raises(ModelError):
        net.add_resource("L", 5.0)
    with pytest.raises(ModelError):
        net.add_resource("N", -1.0)
    with pytest.raises(ModelError):
        net.add_flow("a", ["L"], cap=float("nan"))
    net.add_flow("a", ["L"])
    with pytest.raises(ModelError, match="already exists"):
        net.add_flow("a", ["L"])
    with pytest.raises(KeyError):
        net.remove_flow("zzz")
    net.advance(2.0)
    with pytest.raises(SimulationError):
        net.advance(1.0)


def test_set_path_and_duplicate_resources():
    net = net_with(A=10 * M, B=10 * M)
    net.add_flow("f", ["A", "A"])          # a resource listed twice counts once
    net.add_flow("g", ["A"])
    assert net.rates() == {"f": approx(5 * M), "g": approx(5 * M)}
    assert net.set_path("f", ["B"]) == {"f": approx(10 * M), "g": approx(10 * M)}
    assert net.path("f") == ["B"]
    assert net.load("A") == approx(10 * M)


# -- completion times ------------------------------------------------------------
def run_to_completion(net: FluidNetwork) -> dict:
    done = {}
    while (nxt := net.next_completion()) is not None:
        t, fid = nxt
        assert net.remaining(fid, t) == approx(0.0)
        done[fid] = t
        net.remove_flow(fid, now=t)
    return done


def test_single_flow_completion():
    net = net_with(L=100 * M)
    net.add_flow("a", ["L"], size=10e6)
    assert run_to_completion(net) == {"a": approx(0.8)}


def test_equal_flows_finish_together():
    net = net_with(L=10 * M)
    net.add_flow("a", ["L"], size=10e6)
    net.add_flow("b", ["L"], size=10e6)
    assert run_to_completion(net) == {"a": approx(16.0), "b": approx(16.0)}


def test_short_flow_first_then_long_flow_speeds_up():
    net = net_with(L=10 * M)
    net.add_flow("short", ["L"], size=5e6)
    net.add_flow("long", ["L"], size=10e6)
    assert run_to_completion(net) == {"short": approx(8.0), "long": approx(12.0)}


def test_late_arrival_and_delivered_bytes():
    net = net_with(L=8 * M)                    # 1 MB/s
    net.add_flow("a", ["L"], size=4e6)
    net.add_flow("b", ["L"], size=1e6, now=1.0)
    assert net.delivered("a") == approx(1e6)
    # both at 0.5 MB/s: b done at 3 s; a has 2 MB left at 1 MB/s -> 5 s
    assert run_to_completion(net) == {"b": approx(3.0), "a": approx(5.0)}


def test_many_simultaneous_finishes_never_get_stuck():
    net = net_with(L=3 * M)
    for i in range(30):
        net.add_flow(i, ["L"], size=1e6 / 3)    # awkward shares on purpose
    done = run_to_completion(net)
    assert len(done) == 30 and len(net) == 0
    assert all(t == approx(80 / 3) for t in done.values())


def test_on_rates_changed_hook():
    calls = []
    net = FluidNetwork(on_rates_changed=lambda now, keys: calls.append((now, sorted(keys))))
    net.add_resource("A", 10 * M)
    net.add_resource("B", 10 * M)
    net.add_flow("f", ["A"], now=1.0)
    net.add_flow("g", ["B"], now=2.0)
    assert calls == [(1.0, ["A"]), (2.0, ["B"])]


# -- incremental == from scratch, on random instances ------------------------------
def random_instance(rng: random.Random, steps: int):
    nres = rng.randint(2, 12)
    caps = {}
    for k in range(nres):
        c = rng.choice([None, 0.0, 1.0, 2.0, 3.0, 10.0, rng.uniform(0.5, 20.0)])
        caps[k] = None if c is None else c * M
    if all(c is None for c in caps.values()):
        caps[0] = 5 * M
    return caps


def check_allocation(net: FluidNetwork, caps: dict, flows: dict):
    want = reference(caps, flows)
    got = net.rates()
    assert set(got) == set(want)
    for f in want:
        assert got[f] == pytest.approx(want[f], rel=1e-7, abs=1e-3), f
    # capacities respected, work conservation: each flow capped or bottlenecked
    load = {k: 0.0 for k in caps}
    for f, (path, _) in flows.items():
        for k in dict.fromkeys(path):
            load[k] += got[f]
    for k, c in caps.items():
        assert net.load(k) == pytest.approx(load[k], rel=1e-9, abs=1e-3)
        if c is not None:
            assert load[k] <= c * (1 + 1e-9) + 1e-3
    for f, (path, cap) in flows.items():
        at_cap = cap is not None and got[f] >= cap * (1 - 1e-9)
        bottlenecked = any(
            caps[k] is not None and load[k] >= caps[k] * (1 - 1e-8) - 1e-3
            and all(got[g] <= got[f] * (1 + 1e-8) + 1e-3
                    for g, (p, _) in flows.items() if k in p)
            for k in path)
        assert at_cap or bottlenecked, f


@pytest.mark.parametrize("seed", range(60))
def test_incremental_matches_reference(seed):
    rng = random.Random(seed)
    caps = random_instance(rng, 0)
    net = FluidNetwork()
    for k, c in caps.items():
        net.add_resource(k, c)
    flows: dict = {}
    next_id = 0
    for step in range(80):
        finite = [k for k, c in caps.items() if c is not None]
        op = rng.random()
        if op < 0.45 or not flows:
            path = rng.sample(list(caps), rng.randint(1, min(4, len(caps))))
            cap = rng.choice([None, None, None, rng.uniform(0.1, 5.0) * M])
            if cap is None and not any(caps[k] is not None for k in path):
                if finite:
                    path.append(rng.choice(finite))
                else:
                    cap = M
            flows[next_id] = (path, cap)
            changed = net.add_flow(next_id, path, cap=cap)
            assert next_id in changed
            next_id += 1
        elif op < 0.75:
            fid = rng.choice(list(flows))
            del flows[fid]
            net.remove_flow(fid)
        elif op < 0.85:
            fid = rng.choice(list(flows))
            path, _ = flows[fid]
            cap = rng.choice([None, rng.uniform(0.1, 5.0) * M])
            if cap is None and not any(caps[k] is not None for k in path):
                continue
            flows[fid] = (path, cap)
            net.set_cap(fid, cap)
        elif op < 0.93:
            fid = rng.choice(list(flows))
            path = rng.sample(list(caps), rng.randint(1, min(3, len(caps))))
            if flows[fid][1] is None and not any(caps[k] is not None for k in path):
                if not finite:
                    continue
                path.append(rng.choice(finite))
            flows[fid] = (path, flows[fid][1])
            net.set_path(fid, path)
        else:
            k = rng.choice(list(caps))
            c = rng.choice([None, 0.0, 1.0, 4.0, rng.uniform(0.5, 20.0)])
            c = None if c is None else c * M
            try:
                net.set_capacity(k, c)
            except ModelError:
                assert c is None                # would leave a flow unbounded
                continue
            caps[k] = c
        before = net.rates()
        check_allocation(net, caps, flows)
        # returned dicts are consistent: recompute from scratch changes nothing
        assert net.recompute() == {}
        assert net.rates() == before
    assert net.stats.fallbacks == 0


def test_fallback_to_component_solve_gives_the_same_rates(monkeypatch):
    from sendim.simulator import fluid

    def broken(self, *args):
        raise fluid._Inconsistent("forced")

    net = net_with(A=10 * M, B=10 * M, C=4 * M)
    net.add_flow("f1", ["A", "B"])
    net.add_flow("f2", ["A"])
    monkeypatch.setattr(FluidNetwork, "_replay", broken)
    assert net.add_flow("f3", ["B", "C"]) == {"f3": approx(4 * M)}
    assert net.rates() == {"f1": approx(5 * M), "f2": approx(5 * M), "f3": approx(4 * M)}
    assert net.remove_flow("f2") == {"f1": approx(6 * M)}
    assert net.stats.fallbacks == 2


def test_changed_dict_reports_exactly_the_changes():
    rng = random.Random(7)
    net = FluidNetwork()
    for k in range(6):
        net.add_resource(k, rng.uniform(1, 10) * M)
    for i in range(40):
        before = net.rates()
        changed = net.add_flow(i, rng.sample(range(6), 2))
        after = net.rates()
        moved = {f for f in before if abs(after[f] - before[f]) > 1e-6 + 1e-9 * after[f]}
        assert set(changed) == moved | {i}
        assert all(after[f] == changed[f] for f in changed)


def test_disjoint_flows_are_never_touched():
    net = FluidNetwork()
    for i in range(200):
        net.add_resource(i, 1e6)
        net.add_flow(i, [i])
    before = net.stats.in_play, net.stats.perturbed
    net.add_flow("x", [5])
    assert net.stats.in_play - before[0] == 2          # only the flows on resource 5
    assert net.stats.perturbed - before[1] == 1
    assert net.stats.fallbacks == 0


def test_batch_applies_one_update():
    net = net_with(L=10 * M, R=10 * M)
    net.add_flow("old", ["L"])
    with net.batch() as b:
        for i in range(4):
            assert net.add_flow(i, ["L", "R"]) == {}
        net.remove_flow(3)
        net.add_flow("gone", ["R"])
        net.remove_flow("gone")
    assert net.stats.events == 2
    assert b.changed == {"old": approx(2.5 * M), 0: approx(2.5 * M), 1: approx(2.5 * M),
                         2: approx(2.5 * M)}
    assert net.recompute() == {}


def reference_fcts(caps: dict, arrivals: list) -> dict:
    """Event-driven reference: arrivals = [(t, fid, path, cap, size)] sorted by t."""
    t, pending, active, left, done = 0.0, list(arrivals), {}, {}, {}
    while pending or active:
        rates = reference(caps, active) if active else {}
        step = math.inf
        for f, r in rates.items():
            if r > 0:
                step = min(step, left[f] * 8 / r)
        t_next = pending[0][0] if pending else math.inf
        if t + step <= t_next:
            dt = step
        else:
            dt = t_next - t
        for f, r in rates.items():
            left[f] -= r * dt / 8
        t += dt
        for f in [f for f in active if left[f] <= 1e-6 * max(1.0, left[f])]:
            done[f] = t
            del active[f]
        while pending and pending[0][0] <= t:
            _, fid, path, cap, size = pending.pop(0)
            active[fid] = (path, cap)
            left[fid] = size
    return done


@pytest.mark.parametrize("seed", range(15))
def test_completion_times_match_event_driven_reference(seed):
    rng = random.Random(1000 + seed)
    caps = {k: rng.choice([1.0, 2.0, 5.0, 10.0]) * M for k in range(5)}
    arrivals, t = [], 0.0
    for i in range(25):
        t += rng.choice([0.0, rng.uniform(0, 2)])
        path = rng.sample(range(5), rng.randint(1, 3))
        cap = rng.choice([None, None, 1.5 * M])
        arrivals.append((t, i, path, cap, rng.choice([1e5, 5e5, 1e6])))
    want = reference_fcts(caps, arrivals)
    net = FluidNetwork()
    for k, c in caps.items():
        net.add_resource(k, c)
    got, pending = {}, list(arrivals)
    while pending or len(net):
        nxt = net.next_completion()
        if pending and (nxt is None or pending[0][0] < nxt[0]):
            at, fid, path, cap, size = pending.pop(0)
            net.add_flow(fid, path, cap=cap, size=size, now=at)
        else:
            at, fid = nxt
            got[fid] = at
            net.remove_flow(fid, now=at)
    assert set(got) == set(want)
    for f in want:
        assert got[f] == pytest.approx(want[f], rel=1e-9), f
