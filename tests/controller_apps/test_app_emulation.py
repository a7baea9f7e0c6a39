"""controller_apps/shortest_path.py, unchanged, under the real ryu-manager
(sendim's launcher) against Mininet + Open vSwitch, next to the simulation
of the same system: a ring (a loop, so ARP must not be flooded), every pair
reachable in both, the same paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.root, pytest.mark.mininet, pytest.mark.ryu, pytest.mark.slow]

import sendim  # noqa: E402
from app_support import APPS  # noqa: E402
from sendim.model import (  # noqa: E402
    AppSpec, Controller, Deployment, Environment, Fallback, Flow, Granularity)
from sendim.topology.generators import ring  # noqa: E402

APP = str(APPS / "shortest_path.py")


def _run(environment: str, tmp: Path) -> dict:
    system = ring(4, bw="100Mbps", name="ctl-apps-ring")
    system.flows.append(Flow("f1", "h1", "h3", size=2_000_000, start=4.0,
                             granularity=Granularity.PACKET))
    dep = Deployment(environment=Environment(environment), name=environment, seed=1,
                     settle=3.0, controller=Controller(apps=[AppSpec(APP)]),
                     fallback=Fallback(to=None))
    sendim.run(system, dep, pingall=True, run_dir=tmp / environment)
    return json.loads((tmp / environment / "results.json").read_text())


def test_shortest_path_on_a_ring_in_mininet_as_in_simulation(tmp_path: Path) -> None:
    sim, emu = _run("simulation", tmp_path), _run("emulation", tmp_path)
    assert emu["realization"] == "emulation" and not emu["fallback"]["happened"]
    for doc in (sim, emu):
        pings = [p for p in doc["pings"] if p["flow"] is None]
        assert len(pings) == 12 and all(p["received"] > 0 for p in pings), doc["realization"]
    assert [f["path"] for f in emu["flows"]] == [f["path"] for f in sim["flows"]]
    assert len(emu["flows"][0]["path"]) == 3          # h1's switch, one hop, h3's switch
    assert emu["flows"][0]["completed"] and emu["controller"]["packet_in"] > 0
