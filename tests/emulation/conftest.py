"""Emulation test gating and leak checks.

Tests marked ``root`` or ``mininet`` need root, Mininet, Open vSwitch,
iperf3 and ryu (gated by tests/conftest.py: skipped when missing, a failure
in CI). The ``no_leaks`` fixture
compares what exists before and after a test: OVS bridges, named network
namespaces, Mininet host shells, iperf3 processes and sendim controller
processes started for the test (recognised by their environment).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emu_support import leaked, state

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
