"""When fluid rates are solved: once per instant (exact), or per quantum window."""

from __future__ import annotations

import random

import pytest
from engine_helpers import doc, dumbbell, flow

import sendim
from sendim.errors import ModelError
from sendim.model import Deployment, Environment, Event, EventAction, EventTarget, Flow
from sendim.results import comparable
from sendim.simulator.engine import Simulation
from sendim.topology.builder import Topo
from sendim.topology.generators import fat_tree

MUTATORS = ("add_flow", "remove_flow", "set_cap", "set_path", "set_capacity")


def solve_after_every_change(sim: Simulation) -> None:
    """The behaviour before batching: one solve per change, at once."""
    net, updates = sim.fluid.net, sim.fluid.updates
    for name in MUTATORS:
        method = getattr(net, name)

        def wrapper(*args, _method=method, **kwargs):
            out = _method(*args, **kwargs)
            updates.flush()
            return out

        setattr(net, name, wrapper)


def busy_fat_tree(events: bool) -> object:
    system = fat_tree(4, bw="100Mbps", delay="50us")
    hosts = list(system.hosts)
    rng = random.Random(5)
    for i in range(40):
        a, b = rng.sample(hosts, 2)
        # equal sizes, one start: probes arrive together, flows finish together
        system.flows.append(Flow(f"f{i}", a, b, size=rng.choice([2_000_000, 4_000_000])))
    if events:
        cores = {sw.id for sw in system.switches.values() if sw.properties["role"] == "core"}
        core = next(link for link in system.links if {link.src, link.dst} & cores)
        system.events.append(Event(0.2, EventAction.DOWN, EventTarget.LINK, core.id))
        system.events.append(Event(0.6, EventAction.UP, EventTarget.LINK, core.id))
    return system


def results(sim: Simulation) -> dict:
    d = comparable(doc(sim.run()))
    d["meta"].pop("sim_events")          # the batched run has fewer events (fewer solves)
    return d


@pytest.mark.parametrize("events", [False, True])
def test_one_solve_per_instant_gives_the_results_of_one_solve_per_change(events: bool) -> None:
    batched = Simulation(busy_fat_tree(events), seed=2)
    reference = Simulation(busy_fat_tree(events), seed=2)
    solve_after_every_change(reference)
    assert results(batched) == results(reference)
    solves, per_change = batched.fluid.net.stats.events, reference.fluid.net.stats.events
    assert solves < per_change * 0.75, (solves, per_change)


def test_flows_starting_and_finishing_together_are_solved_once() -> None:
    t = Topo("star")
    t.add_switch("s1")
    for i in range(1, 7):
        t.add_host(f"h{i}")
        t.add_link(f"h{i}", "s1", bw="100Mbps", delay="1ms")
    for i in (1, 3, 5):
        t.add_flow(f"h{i}", f"h{i + 1}", id=f"f{i}", size="1MB")
    sim = Simulation(t.build_system())
    res = doc(sim.run())
    assert len({f["end_s"] for f in res["flows"]}) == 1
    assert sim.fluid.net.stats.events == 2      # 3 first packets, then 3 completions


def test_rates_are_solved_when_the_run_stops_mid_instant() -> None:
    t = dumbbell()
    t.add_flow("h1", "h2", id="a", size="5MB")
    t.add_flow("h3", "h4", id="b", size="5MB")
    sim = Simulation(t.build_system(), until=1.0)
    sim.run()
    assert not sim.fluid.updates.pending
    assert sim.fluid.net.rates() == {"a": pytest.approx(5e6), "b": pytest.approx(5e6)}


def two_flows(quantum: float) -> tuple[Simulation, dict]:
    t = dumbbell()
    t.add_flow("h1", "h2", id="big", size="5MB")
    t.add_flow("h3", "h4", id="small", size="2.5MB", start=0.0105)
    sim = Simulation(t.build_system(), fluid_quantum=quantum)
    return sim, doc(sim.run())


def test_quantum_delays_each_rate_change_by_at_most_the_quantum() -> None:
    _, exact = two_flows(0.0)
    sim, coarse = two_flows(0.01)
    assert coarse["meta"]["fluid_quantum_s"] == 0.01 and exact["meta"]["fluid_quantum_s"] == 0
    for fid in ("big", "small"):
        a, b = flow(exact, fid), flow(coarse, fid)
        assert b["completed"] and b["bytes"] == a["bytes"]
        # "small" sees its start and its neighbour's start late; "big" two changes
        assert abs(b["end_s"] - a["end_s"]) <= 2 * 0.01 + 1e-9, fid
        assert b["end_s"] != a["end_s"]
    # one solve per 10 ms window at most: the start of each flow, the end of each
    assert sim.fluid.net.stats.events <= 4


def test_quantum_never_lets_bytes_cross_a_dead_link() -> None:
    t = dumbbell()
    t.add_flow("h1", "h2", id="f", size="50MB")
    system = t.build_system()
    system.events.append(Event(1.0003, EventAction.DOWN, EventTarget.LINK, "s1-s2"))
    sim = Simulation(system, fluid_quantum=0.05, until=1.0004)
    sim.run()
    assert sim.fluid.net.rates()["f"] == 0.0       # at the failure, not at the window's end
    assert sim.flows[0].stalls == 1


def test_bad_quantum_is_refused() -> None:
    t = dumbbell()
    with pytest.raises(ModelError):
        Simulation(t.build_system(), fluid_quantum=-1e-3)


def test_deployment_option_sets_the_quantum() -> None:
    t = dumbbell()
    t.add_flow("h1", "h2", id="f", size="1MB", start=0.0015)
    dep = Deployment(environment=Environment.SIMULATION, name="q",
                     options={"fluid-quantum": "5ms"})
    res = sendim.run(t.build_system(), dep)
    exact = sendim.run(t.build_system(), Deployment(environment=Environment.SIMULATION,
                                                    name="exact"))
    assert res.meta.extra["fluid_quantum_s"] == 0.005
    assert exact.meta.extra["fluid_quantum_s"] == 0.0
    assert 0 < res.flow("f").end_s - exact.flow("f").end_s <= 0.005 + 1e-9


def test_quantum_runs_are_deterministic() -> None:
    a = comparable(doc(Simulation(busy_fat_tree(True), seed=4, fluid_quantum=2e-3).run()))
    b = comparable(doc(Simulation(busy_fat_tree(True), seed=4, fluid_quantum=2e-3).run()))
    assert a == b
