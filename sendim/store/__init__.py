"""The state store: experiments, app revisions, tags and run history.

One interface (:class:`StateStore`), two built-in kinds registered in
:data:`sendim.registry.STORES`: ``local`` (a directory, the default) and
``zookeeper`` (kazoo). Open one with :func:`open_store`::

    from sendim.store import open_store
    with open_store("zk://alice@127.0.0.1:2181/sendim", secret="s3cret") as store:
        store.put(store.root + "/hello", b"world")
"""

from __future__ import annotations

from sendim.errors import StoreError
from sendim.model.deployment import Store
from sendim.registry import STORES
from sendim.store.base import (StateStore, StoreConflict, StoreLockTimeout, Transaction,
                               Versioned, Watch, join, tenant_root)
from sendim.store.spec import StoreSpec, parse_url, resolve

__all__ = ["StateStore", "StoreConflict", "StoreLockTimeout", "StoreSpec", "Transaction",
           "Versioned", "Watch", "join", "open_store", "parse_url", "resolve", "tenant_root"]


def open_store(spec: "Store | StoreSpec | str | None" = None, *, tenant: str | None = None,
               secret: str | None = None, timeout: float | None = None) -> StateStore:
    """Open the store *spec* names: a deployment's :class:`~sendim.model.Store`,
    a store URL (``zk://...``, a directory), a :class:`StoreSpec`, or None for
    the default (``SENDIM_STORE``, else the local store in the user's data dir).

    Unknown kinds raise :class:`~sendim.errors.RegistryError` naming the known
    ones; an unreachable ZooKeeper raises :class:`StoreError` naming its address.
    """
    resolved = resolve(spec, tenant=tenant, secret=secret, timeout=timeout)
    try:
        cls = STORES.get(resolved.kind)
    except ImportError as exc:
        raise StoreError(f"the {resolved.kind} store needs the {exc.name} package; "
                         f"install it with: bash scripts/components.sh zookeeper") from exc
    return cls.from_spec(resolved)
