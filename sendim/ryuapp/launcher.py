"""``ryu-manager`` replacement: ``python -m sendim.ryuapp.launcher [args]``.

Takes exactly ryu-manager's arguments (``--ofp-tcp-listen-port``,
``--observe-links``, app module names or files, ...).  It applies
:func:`sendim.ryuapp.compat.apply_eventlet_compat` before ryu is imported and
then runs ryu's own ``ryu.cmd.manager.main``.  This is a real controller
process (for Mininet / hardware); ryu's manager monkey-patches *this* process
with eventlet, which is why the simulator never imports this module's target.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sendim.ryuapp.compat import RyuUnavailable, apply_eventlet_compat, ryu_available

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ryu-manager with ``argv`` (default: ``sys.argv[1:]``)."""
    if not ryu_available():
        print("sendim: ryu is not installed; run `scripts/components.sh ryu`",
              file=sys.stderr)
        return 2
    try:
        apply_eventlet_compat()
    except RyuUnavailable as exc:
        print(f"sendim: {exc}", file=sys.stderr)
        return 2
    args = list(sys.argv[1:] if argv is None else argv)
    # ryu's manager reads sys.argv for --user-flags; keep it consistent.
    sys.argv = ["ryu-manager", *args]
    from ryu.cmd import manager  # monkey-patches this process (by design)

    manager.main(args=args, prog="ryu-manager")
    return 0


if __name__ == "__main__":
    sys.exit(main())
