"""Controller-app tests. Gating by the ``ryu``/``mininet``/``root`` markers,
and failing in CI, is tests/conftest.py's job.

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
