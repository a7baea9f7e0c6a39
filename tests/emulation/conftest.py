"""Emulation test gating and leak checks.

Tests marked ``root`` or ``mininet`` need root, Mininet, Open vSwitch,
iperf3 and ryu; they are skipped when something is missing, except in CI
(``CI=true``), where a missing piece is a failure. The ``no_leaks`` fixture
compares what exists before and after a test: OVS bridges, named network
namespaces, Mininet host shells, iperf3 processes and sendim controller
processes started for the test (recognised by their environment).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from emu_support import leaked, state

_IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _missing() -> list[str]:
    from deployers._emuhost import missing_requirements
    return missing_requirements()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gated = [i for i in items if "mininet" in i.keywords or "root" in i.keywords]
    if not gated:
        return
    missing = _missing()
    if not missing:
        return
    reason = "emulation needs " + "; ".join(missing)
    for item in gated:
        if _IN_CI:
            item.add_marker(pytest.mark.usefixtures("_require_emulation_in_ci"))
        else:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _require_emulation_in_ci() -> None:
    pytest.fail("CI=true but the emulation stack is missing: " + "; ".join(_missing())
                + " (bash scripts/components.sh mininet ryu)", pytrace=False)


@pytest.fixture(scope="session")
def ovs() -> None:
    """Open vSwitch running (started with ovs-ctl when it is not)."""
    from deployers._emuhost import ensure_ovs
    ensure_ovs()


@pytest.fixture
def no_leaks(tmp_path: Path, ovs: None) -> Iterator[None]:
    """Fail the test if it leaves bridges, namespaces, shells, iperf3 or controllers behind."""
    before = state(str(tmp_path))
    yield
    after = state(str(tmp_path))
    assert leaked(before, after) == {}
