"""Long-lived experiments with the real thing (Mininet, Open vSwitch, ryu-manager,
ZooKeeper). Gated like tests/emulation: skipped when a component is missing,
except in CI (``CI=true``), where that is a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from exp_support import BUNDLE, leaked, state
from sendim.store.testing import store_factory, zookeeper_server  # noqa: F401

_IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
_HERE = Path(__file__).resolve().parent


def _missing() -> list[str]:
    from deployers._emuhost import missing_requirements
    return missing_requirements()


def _gated(item: pytest.Item) -> bool:
    return ("mininet" in item.keywords or "root" in item.keywords) and \
        Path(str(item.fspath)).resolve().is_relative_to(_HERE)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gated = [i for i in items if _gated(i)]
    if not gated or _IN_CI:
        return
    missing = _missing()
    if missing:
        for item in gated:
            item.add_marker(pytest.mark.skip(reason="long-lived emulations need "
                                                    + "; ".join(missing)))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """In CI a missing component fails the test (a marker added at collection time
    could not add a fixture any more)."""
    if _IN_CI and _gated(item):
        missing = _missing()
        if missing:
            pytest.fail("CI=true but the emulation stack is missing: " + "; ".join(missing)
                        + " (bash scripts/components.sh mininet ryu)", pytrace=False)


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
