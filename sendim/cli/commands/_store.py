"""Options the experiment commands share: which state store, which tenant; durations."""

from __future__ import annotations

import argparse

from sendim.store import StateStore, open_store
from sendim.units import parse_time


def seconds(text: str) -> float:
    """A duration: ``30``, ``30s``, ``500ms``, ``2min``... in seconds (argparse type)."""
    try:
        return float(text)
    except ValueError:
        return parse_time(text)


def store_options() -> argparse.ArgumentParser:
    """A parent parser with ``--store`` and ``--tenant``."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--store", metavar="URL",
                   help="state store: a directory or zk://host:port[,...][/chroot] "
                        "(default: $SENDIM_STORE, else the local store)")
    p.add_argument("--tenant", help="tenant namespace (default: $SENDIM_TENANT or 'default'); "
                                    "the ZooKeeper secret comes from $SENDIM_STORE_SECRET")
    return p


def open_from(args: argparse.Namespace, default: object = None) -> StateStore:
    """The store the arguments name (else *default*, e.g. a deployment's ``<store>``)."""
    return open_store(args.store if args.store else default, tenant=args.tenant)
