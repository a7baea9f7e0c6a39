"""Issue 4 acceptance not covered in tests/ryuapp: ``ryu.app.simple_switch_stp_13``,
unmodified from the installed ryu package, on a k=4 fat-tree (many loops)
through the public API, with ``settle`` holding pingall back until STP has
converged in simulated time."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ryu

import sendim  # noqa: E402
from sendim.topology.generators import fat_tree  # noqa: E402

STP = "ryu.app.simple_switch_stp_13"


def test_simple_switch_stp_13_on_a_k4_fat_tree() -> None:
    # a broadcast storm would stop the run with a SimulationError instead
    res = sendim.run(fat_tree(4), pingall=True, settle=60.0, apps=[STP])
    assert res.reachability.reachable == res.reachability.pairs == 16 * 15
    assert res.meta.extra["settle_s"] == 60.0 and res.meta.sim_time_s >= 60.0
    assert res.controller["port_mod"] > 0           # STP blocked ports on the loops
    assert {p.received for p in res.pings} == {1}
    assert STP in res.meta.app_revisions


def test_pinging_before_stp_converges_loses_pings_but_never_storms() -> None:
    res = sendim.run(fat_tree(4), pingall=True, settle=5.0, apps=[STP])
    assert 0 < res.reachability.reachable < res.reachability.pairs
