"""Long-lived experiments with the real thing (Mininet, Open vSwitch, ryu-manager,
ZooKeeper). Gated by tests/conftest.py: skipped when a component is missing,
a failure in CI (``CI=true``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from exp_support import BUNDLE, leaked, state
from sendim.store.testing import store_factory, zookeeper_server  # noqa: F401



@pytest.fixture
def exp_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work directories under this test's tmp_path; no store or tenant from the environment."""
    monkeypatch.setenv("SENDIM_EXPERIMENTS_DIR", str(tmp_path / "exps"))
    for name in ("SENDIM_STORE", "SENDIM_TENANT", "SENDIM_STORE_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def no_leaks(exp_env: Path) -> Iterator[None]:
    """Fail if the test leaves bridges, interfaces, namespaces, processes or slots behind."""
    from deployers._emuhost import ensure_ovs
    ensure_ovs()
    tag = str(exp_env)
    before = state(tag)
    yield
    from deployers.experiment import local_runtimes, teardown
    still_up = []
    for rt in local_runtimes(exp_env / "exps"):      # a failed test: take its experiments down
        still_up.append(rt.get("marker"))
        teardown(rt)
    assert still_up == [] and leaked(before, state(tag)) == {}


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of the test app bundle (a learning switch in two files) to change."""
    return Path(shutil.copytree(BUNDLE, tmp_path / "bundle"))
