"""Suite-wide rules for tests that need real components.

* A test marked ``ryu``, ``mininet`` or ``root`` is skipped when what it
  needs is missing, with the reason and the install command.
* In CI (``CI=true``) a skipped test is a failure: a missing component (Ryu,
  Mininet, ZooKeeper, a test dependency, the Topology Zoo data) must never
  pass silently. Tests whose skip depends on the machine rather than on a
  missing piece carry ``@pytest.mark.may_skip``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


@cache
def _ryu_missing() -> str | None:
    from sendim.ryuapp.compat import ryu_available
    return None if ryu_available() else "ryu is not installed (bash scripts/components.sh ryu)"


@cache
def _emulation_missing() -> str | None:
    from deployers._emuhost import missing_requirements
    missing = missing_requirements()
    return ("emulation needs " + "; ".join(missing) + " (bash scripts/components.sh mininet ryu)"
            if missing else None)


REQUIREMENTS: dict[str, Callable[[], str | None]] = {
    "ryu": _ryu_missing,
    "mininet": _emulation_missing,
    "root": _emulation_missing,
}
"""Marker → why its tests cannot run here (None when they can)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for marker, missing in REQUIREMENTS.items():
            if marker in item.keywords and (reason := missing()):
                item.add_marker(pytest.mark.skip(reason=reason))
                break


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and item.get_closest_marker("may_skip") is None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), which counts as a failure: {reason}"
