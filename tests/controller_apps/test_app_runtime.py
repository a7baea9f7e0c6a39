"""What the Ryu runtime (sendim.ryuapp) does for these apps at scale stays
equivalent: the fast topology lookups answer as Ryu's own, and the garbage
collector settings come back after the run."""

from __future__ import annotations

import gc

import pytest

pytestmark = pytest.mark.ryu

from app_support import run  # noqa: E402

from sendim.model import Event, EventAction, EventTarget  # noqa: E402
from sendim.topology.generators import fat_tree  # noqa: E402


def test_fast_switch_lookups_match_ryus_own() -> None:
    from ryu.topology import switches

    system = fat_tree(4)
    for at, action, link in ((3.0, EventAction.DOWN, "s5-s1"), (3.0, EventAction.DOWN, "s8-s6"),
                             (5.0, EventAction.UP, "s5-s1")):
        system.events.append(Event(at, action, EventTarget.LINK, link))
    thresholds = gc.get_threshold()
    r = run("shortest_path", system, pingall=True, settle=1.0, until=20.0)
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0
    app = r.ctl.apps["switches"]
    assert "_is_edge_port" in vars(app) and type(app.links) is not switches.LinkState
    assert len(app.links) == 2 * 32 - 2          # s8-s6 is down, in both directions
    checked = 0
    for dpid, state in app.port_state.items():
        for port_no in [*state, 999]:
            fast, slow = app._get_port(dpid, port_no), switches.Switches._get_port(app, dpid,
                                                                                    port_no)
            assert (fast is None) == (slow is None) and (fast is None or fast == slow)
            if slow is not None:
                assert app._is_edge_port(slow) == switches.Switches._is_edge_port(app, slow)
                checked += 1
    assert checked == 20 * 4
    assert sum(not app._is_edge_port(p) for p in (
        switches.Switches._get_port(app, d, n) for d, s in app.port_state.items()
        for n in s) if p is not None) == 2 * 32 - 2
    ends = sum(app.links.ends.values())
    assert ends == 2 * len(app.links)
    assert r.pings() == (240, 240)


def test_same_run_without_speedups_and_gc_tuning() -> None:
    def once(**runtime):
        system = fat_tree(4)
        system.events.append(Event(2.0, EventAction.DOWN, EventTarget.LINK, "s5-s1"))
        r = run("shortest_path", system, pingall=True, settle=1.0, until=8.0, runtime=runtime)
        seen = [(p.src, p.dst, p.received, p.path) for p in r.sim.pings]
        return seen, dict(r.sim.channel.counts), r.sim.events_processed

    assert once() == once(speedups=False, tune_gc=False)
