"""Suite-wide rule: in CI (``CI=true``) a skipped test is a failure.

A missing component (Ryu, Mininet, ZooKeeper, a test dependency, the
Topology Zoo data) must never pass silently. Tests whose skip depends on the
machine rather than on a missing piece carry ``@pytest.mark.may_skip``.
"""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and item.get_closest_marker("may_skip") is None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), which counts as a failure: {reason}"
