"""Pre-flight, messages and fallback decisions (no root or Mininet needed)."""

from __future__ import annotations

import pytest

import sendim
from deployers import _emuhost
from deployers.mininet import DEFAULT_APP, DoesNotFit, MininetDeployer, _expected_traffic_s
from emu_support import deployment, tree_system
from sendim.deploy import RunRequest
from sendim.errors import DeploymentError, EmulationError
from sendim.model import Fallback
from sendim.registry import DEPLOYERS
from sendim.topology import generators


def test_registered() -> None:
    assert DEPLOYERS.get("emulation") is MininetDeployer
    assert DEFAULT_APP == "deployers.ryu_builtin"


def test_missing_pieces_are_named_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_emuhost.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(_emuhost.shutil, "which", lambda tool: None)
    monkeypatch.setattr(_emuhost, "MININET_PYTHON", "/nonexistent/python3")
    missing = _emuhost._missing_now()
    text = "\n".join(missing)
    assert "root privileges" in text
    assert "Mininet (importable by /nonexistent/python3): install it with: " \
           "bash scripts/components.sh mininet" in text
    assert "iperf3 (iperf3 not found)" in text and "iputils-ping (ping not found)" in text


def test_without_fallback_the_error_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("deployers.mininet.missing_requirements",
                        lambda: ["Mininet (importable by /usr/bin/python3): install it with: "
                                 "bash scripts/components.sh mininet"])
    dep = deployment("emulation", "nofb", fallback=Fallback(to=None))
    with pytest.raises(EmulationError, match="bash scripts/components.sh mininet") as exc:
        sendim.run(tree_system(), dep)
    assert isinstance(exc.value, DoesNotFit) and isinstance(exc.value, DeploymentError)


def test_missing_pieces_fall_back_to_simulation(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import json
    monkeypatch.setattr("deployers.mininet.missing_requirements", lambda: ["root privileges"])
    sendim.run(tree_system(), deployment("emulation", "fb"), run_dir=tmp_path)
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["realization"] == "simulation"
    assert doc["fallback"] == {"happened": True, "requested": "emulation",
                               "reason": "pre-flight: emulation needs root privileges"}
    assert any("fell back from emulation to simulation" in n for n in doc["meta"]["notes"])


@pytest.mark.parametrize(("fallback", "fits", "words"), [
    (Fallback(), True, None),
    (Fallback(max_nodes=5), False, "7 nodes exceed the fallback's max-nodes 5"),
    (Fallback(max_memory=1000), False, "estimated memory"),
])
def test_budget(monkeypatch: pytest.MonkeyPatch, fallback: Fallback, fits: bool, words: str | None) -> None:
    monkeypatch.setattr("deployers.mininet.missing_requirements", lambda: [])
    request = RunRequest(tree_system(), deployment("emulation", "b", fallback=fallback))
    pre = MininetDeployer().preflight(request)
    assert pre.fits is fits and (words is None or words in pre.reason)


def test_estimated_setup_against_max_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("deployers.mininet.missing_requirements", lambda: [])
    big = generators.linear(600)
    pre = MininetDeployer().preflight(RunRequest(big, deployment("emulation", "big")))
    assert not pre.fits and "exceeds max-setup 60s" in pre.reason
    assert MininetDeployer().preflight(RunRequest(generators.linear(250),
                                                  deployment("emulation", "ok"))).fits
    est = _emuhost.estimate(250, 250, 499)
    assert 17 < est.setup_s < 40             # measured ≈19 s here (16.8 s build + controller)
    no_fb = deployment("emulation", "big", fallback=Fallback(to=None))
    assert MininetDeployer().preflight(RunRequest(big, no_fb)).fits


def test_traffic_bound() -> None:
    request = RunRequest(tree_system(), deployment("emulation", "t"))
    assert 3.2 <= _expected_traffic_s(request) < 10
