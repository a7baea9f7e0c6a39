"""Ryu tests: not even collected without ryu outside CI (the modules import it).

Gating by the ``ryu`` marker, and failing in CI, is tests/conftest.py's job."""

from __future__ import annotations

import os

import pytest

from sendim.ryuapp.compat import ryu_available

_IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
_HAVE_RYU = ryu_available()

if not _HAVE_RYU and not _IN_CI:
    # The modules import greenlet/ryu at import time: without ryu, skip them
    # whole (in CI they are collected and fail, as a missing ryu must).
    collect_ignore_glob = ["test_*.py"]


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say why tests/ryuapp did not run."""
    if _HAVE_RYU:
        return None
    if _IN_CI:
        return "ryu is NOT installed: tests/ryuapp will fail (CI=true)"
    return "ryu is not installed: tests/ryuapp skipped (run `scripts/components.sh ryu`)"


def pytest_configure(config: pytest.Config) -> None:
    """Silence eventlet/ryu import-time deprecation noise (not ours to fix)."""
    for message in ("distutils Version classes are deprecated", "'cgi' is deprecated",
                    "the load_module\\(\\) method is deprecated"):
        config.addinivalue_line("filterwarnings", f"ignore:{message}:DeprecationWarning")
