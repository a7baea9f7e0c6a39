"""Run-time compatibility fixes for ryu 4.34 on Python 3.11.

``ryu.app.wsgi`` (imported by ``ryu.base.app_manager``) does
``from eventlet.wsgi import ALREADY_HANDLED``; eventlet >= 0.30.3 removed that
name and eventlet <= 0.30.2 does not import on Python 3.11.  Ryu only uses the
value as an opaque "response already sent" marker, so providing a sentinel
before ryu is imported is enough.  Installed files are never edited.

Nothing here monkey-patches the standard library.
"""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["apply_eventlet_compat", "ryu_available", "RyuUnavailable"]


class RyuUnavailable(ImportError):
    """ryu (or its eventlet dependency) is not installed."""


class _AlreadyHandled:
    """Sentinel standing in for eventlet's removed ``ALREADY_HANDLED``."""

    def __repr__(self) -> str:
        return "ALREADY_HANDLED"

    def __iter__(self):  # a WSGI body that yields nothing
        return iter(())


def ryu_available() -> bool:
    """True if the ``ryu`` package can be found (without importing it)."""
    return importlib.util.find_spec("ryu") is not None


def apply_eventlet_compat() -> None:
    """Make ``eventlet.wsgi.ALREADY_HANDLED`` exist; idempotent.

    Must run before the first import of ``ryu.app.wsgi`` (and hence of
    ``ryu.base.app_manager``).  Raises :class:`RyuUnavailable` if eventlet is
    missing.
    """
    try:
        import eventlet.wsgi
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RyuUnavailable(
            "eventlet is not installed; run `scripts/components.sh ryu`"
        ) from exc
    if not hasattr(eventlet.wsgi, "ALREADY_HANDLED"):
        eventlet.wsgi.ALREADY_HANDLED = _AlreadyHandled()


def import_ryu() -> None:
    """Apply the compat fixes and import ryu's core modules.

    Does not import ``ryu.cmd.manager`` (which monkey-patches the process).
    """
    if not ryu_available():
        raise RyuUnavailable(
            "ryu is not installed; run `scripts/components.sh ryu`")
    apply_eventlet_compat()
    import ryu.base.app_manager  # noqa: F401
