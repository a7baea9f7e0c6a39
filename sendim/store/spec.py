"""Which store to open: store URLs, the deployment's ``<store>``, the environment.

Store URLs::

    /some/dir  file:///some/dir  local:///some/dir    a local store in that directory
    local                                             the default local store
    zk://[tenant[:secret]@]h1:2181[,h2:2181][/chroot] ZooKeeper (also zookeeper://)

Environment: ``SENDIM_STORE`` (a store URL) replaces the default store,
``SENDIM_TENANT`` the default tenant, ``SENDIM_STORE_SECRET`` is the tenant's
secret for ZooKeeper digest ACLs (safer than a secret in the URL, which
shows in ``ps``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from urllib.parse import unquote

from sendim.errors import InputError
from sendim.model.deployment import Store

SCHEMES = {"zk": "zookeeper", "zookeeper": "zookeeper", "file": "local", "local": "local"}
_HOSTS = re.compile(r"[^\s,/:@]+:[0-9]{1,5}(,[^\s,/:@]+:[0-9]{1,5})*")


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """A resolved store description: kind plus what that kind needs."""

    kind: str
    path: str | None = None        # local: directory (None = default)
    hosts: str | None = None       # zookeeper: "h1:2181,h2:2181"
    chroot: str = ""               # zookeeper: path prefix of every node
    tenant: str = "default"
    secret: str | None = None      # zookeeper: tenant secret for digest ACLs
    timeout: float = 5.0           # zookeeper: seconds to get a session

    def url(self) -> str:
        """The spec as a store URL (without the secret)."""
        if self.kind == "zookeeper":
            return f"zk://{self.tenant}@{self.hosts}{self.chroot}"
        if self.kind == "local":
            return f"file://{self.path}" if self.path else "local"
        return f"{self.kind}://{self.hosts or self.path or ''}"


def parse_url(url: str) -> StoreSpec:
    """A :class:`StoreSpec` from a store URL (see the module doc); InputError if bad."""
    text = url.strip()
    if not text:
        raise InputError("empty store URL")
    if "://" not in text:
        if text == "local":
            return StoreSpec("local")
        return StoreSpec("local", os.path.abspath(os.path.expanduser(text)))
    scheme, rest = text.split("://", 1)
    kind = SCHEMES.get(scheme.lower(), scheme.lower())
    if kind == "local":
        return StoreSpec("local", os.path.abspath(unquote(rest)) if rest else None)
    if kind != "zookeeper":
        return StoreSpec(kind, path=rest)    # unknown kinds: the registry names known ones
    tenant = secret = None
    if "@" in rest:
        cred, rest = rest.rsplit("@", 1)
        tenant, _, secret = (unquote(p) for p in cred.partition(":"))
    hosts, slash, chroot = rest.partition("/")
    if not _HOSTS.fullmatch(hosts):
        raise InputError(f"store URL {url!r}: expected zk://host:port[,host:port...][/chroot]")
    return StoreSpec("zookeeper", hosts=hosts, chroot=("/" + chroot.strip("/")) if chroot.strip("/")
                     else "", tenant=tenant or "default", secret=secret or None)


def from_model(store: Store) -> StoreSpec:
    """A :class:`StoreSpec` from a deployment's ``<store>``."""
    if store.type == "zookeeper":
        hosts, _, chroot = (store.hosts or "").partition("/")
        return StoreSpec("zookeeper", hosts=hosts,
                         chroot=("/" + chroot.strip("/")) if chroot.strip("/") else "",
                         tenant=store.tenant)
    return StoreSpec(store.type, path=store.path, tenant=store.tenant)


def resolve(spec: "Store | StoreSpec | str | None" = None, tenant: str | None = None,
            secret: str | None = None, timeout: float | None = None) -> StoreSpec:
    """Resolve what to open. Precedence: explicit arguments, the spec itself,
    then the environment; a missing spec (or the deployment's default local
    store) means ``SENDIM_STORE`` if set, else the default local store."""
    env_url = os.environ.get("SENDIM_STORE", "").strip()
    default_store = isinstance(spec, Store) and spec.type == "local" and spec.path is None
    if spec is None or default_store:
        resolved = parse_url(env_url) if env_url else StoreSpec("local")
        if default_store and spec.tenant != "default":
            resolved = replace(resolved, tenant=spec.tenant)
    elif isinstance(spec, Store):
        resolved = from_model(spec)
    elif isinstance(spec, str):
        resolved = parse_url(spec)
    else:
        resolved = spec
    if tenant:
        resolved = replace(resolved, tenant=tenant)
    elif resolved.tenant == "default" and os.environ.get("SENDIM_TENANT"):
        resolved = replace(resolved, tenant=os.environ["SENDIM_TENANT"])
    if secret:
        resolved = replace(resolved, secret=secret)
    elif resolved.secret is None and os.environ.get("SENDIM_STORE_SECRET"):
        resolved = replace(resolved, secret=os.environ["SENDIM_STORE_SECRET"])
    if timeout is not None:
        resolved = replace(resolved, timeout=timeout)
    return resolved
