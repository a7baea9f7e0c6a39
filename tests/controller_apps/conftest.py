"""Controller-app test gating: tests marked ``ryu`` skip when ryu is missing,
but in CI (``CI=true``) a missing ryu is a failure, not a skip. Tests marked
``mininet`` or ``root`` (the emulation check) skip, or fail in CI, when the
emulation stack is missing, as in tests/emulation.

``test_app_*.py`` import ryu at import time and are not even collected
without it (outside CI); ``test_routing.py`` is plain Python and always runs.
"""

from __future__ import annotations

import os

import pytest

from sendim.ryuapp.compat import ryu_available

_IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
_HAVE_RYU = ryu_available()

if not _HAVE_RYU and not _IN_CI:
    collect_ignore_glob = ["test_app_*.py"]


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say why tests/controller_apps did not run."""
    if _HAVE_RYU:
        return None
    if _IN_CI:
        return "ryu is NOT installed: tests/controller_apps will fail (CI=true)"
    return "ryu is not installed: tests/controller_apps skipped (run `scripts/components.sh ryu`)"


def pytest_configure(config: pytest.Config) -> None:
    """Silence eventlet/ryu import-time deprecation noise (not ours to fix)."""
    for message in ("distutils Version classes are deprecated", "'cgi' is deprecated",
                    "the load_module\\(\\) method is deprecated"):
        config.addinivalue_line("filterwarnings", f"ignore:{message}:DeprecationWarning")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip (or, in CI, fail) tests whose ryu or emulation stack is missing."""
    emulated = [i for i in items if "mininet" in i.keywords or "root" in i.keywords]
    if emulated:
        from deployers._emuhost import missing_requirements

        missing = missing_requirements()
        for item in emulated if missing else ():
            if _IN_CI:
                item.add_marker(pytest.mark.usefixtures("_require_emulation_in_ci"))
            else:
                item.add_marker(pytest.mark.skip(reason="emulation needs " + "; ".join(missing)))
    if _HAVE_RYU:
        return
    reason = "ryu is not installed (run `scripts/components.sh ryu`)"
    for item in items:
        if "ryu" not in item.keywords:
            continue
        if _IN_CI:
            item.add_marker(pytest.mark.usefixtures("_require_ryu_in_ci"))
        else:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _require_emulation_in_ci() -> None:
    """Fail the test: CI must have the emulation stack."""
    from deployers._emuhost import missing_requirements

    pytest.fail("CI=true but the emulation stack is missing: " + "; ".join(missing_requirements())
                + " (bash scripts/components.sh mininet ryu)", pytrace=False)


@pytest.fixture
def _require_ryu_in_ci() -> None:
    """Fail the test: CI must have ryu installed."""
    pytest.fail("CI=true but ryu is not installed: run `scripts/components.sh ryu`",
                pytrace=False)
