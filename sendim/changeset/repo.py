"""An experiment's app history in the state store: blobs, revisions, events, tags.

Blobs are content-addressed and shared by a tenant's experiments
(``/tenants/<t>/blobs/<sha256>``); a file larger than the store's value limit
is stored as chunk blobs plus an index. Revisions (``.../revisions/<rev>``)
are immutable manifests; history events (``.../history/<seq>``) record every
deploy, rollback and failed attempt; tags (``.../tags/<tag>``) name revisions.
Blobs and revisions are written before anything refers to them, so a crash
leaves at worst unreferenced, harmless data.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from sendim.changeset.bundle import Manifest, file_hash, short
from sendim.errors import InputError, StoreError
from sendim.experiments import Experiments, check_name, whoami
from sendim.store.base import StateStore, dumps, join

_CHUNKS = b"sendim-chunks:"


class BlobStore:
    """Content-addressed file contents of one tenant."""

    def __init__(self, store: StateStore):
        self.store = store
        self.base = join(store.root, "blobs")

    def key(self, digest: str) -> str:
        return join(self.base, digest)

    def has(self, digest: str) -> bool:
        return self.store.exists(self.key(digest))

    def put(self, data: bytes) -> str:
        """Store *data* (once); its hash."""
        digest = file_hash(data)
        if self.has(digest):
            return digest
        limit = self.store.max_value_size
        if len(data) <= limit:
            self.store.put(self.key(digest), data)
            return digest
        parts = [self.put(data[i:i + limit]) for i in range(0, len(data), limit)]
        self.store.put(self.key(digest), _CHUNKS + json.dumps(parts).encode())
        return digest

    def get(self, digest: str) -> bytes:
        """The content with hash *digest*; StoreError if missing or damaged."""
        data = self.store.get(self.key(digest))
        if data is None:
            raise StoreError(f"blob {short(digest)} is missing from {self.store.address}")
        if file_hash(data) == digest:
            return data
        if data.startswith(_CHUNKS):
            whole = b"".join(self.get(part) for part in json.loads(data[len(_CHUNKS):]))
            if file_hash(whole) == digest:
                return whole
        raise StoreError(f"blob {short(digest)} in {self.store.address} is damaged")


@dataclass(slots=True)
class Revision:
    """An immutable revision: its manifest and where it first came from."""

    revision: str
    files: Manifest
    sizes: dict[str, int] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    author: str = field(default_factory=whoami)
    bundle: str | None = None


@dataclass(slots=True)
class Event:
    """One line of an experiment's app history."""

    seq: int
    action: str                    # deploy | rollback | deploy-failed | rollback-failed
    revision: str                  # the revision the action aimed at
    previous: str | None           # the revision before it
    current: str | None            # the revision running afterwards
    time: float = field(default_factory=time.time)
    author: str = field(default_factory=whoami)
    message: str = ""
    changes: dict[str, list[str]] = field(default_factory=dict)   # add/change/remove → paths
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.action.endswith("-failed")


@dataclass(slots=True)
class Tag:
    tag: str
    revision: str
    time: float = field(default_factory=time.time)
    author: str = field(default_factory=whoami)


class AppRepo:
    """Revisions, history and tags of one experiment."""

    def __init__(self, store: StateStore, name: str):
        self.store = store
        self.name = name
        self.experiments = Experiments(store)
        self.base = self.experiments.key(name)
        self.blobs = BlobStore(store)

    # -- revisions ---------------------------------------------------------
    def revision_key(self, rev: str) -> str:
        return join(self.base, "revisions", rev)

    def revision(self, rev: str) -> Revision:
        doc = self.store.get_json(self.revision_key(rev))
        if doc is None:
            raise InputError(f"experiment {self.name} has no revision {short(rev)}")
        return Revision(**doc)

    def revisions(self) -> list[str]:
        return self.store.list(join(self.base, "revisions"))

    def save_revision(self, rev: Revision, contents: dict[str, bytes]) -> None:
        """Store the blobs, then the manifest (if not there yet)."""
        for path, digest in rev.files.items():
            if not self.blobs.has(digest):
                self.blobs.put(contents[path])
        if not self.store.exists(self.revision_key(rev.revision)):
            self.store.put(self.revision_key(rev.revision), dumps(asdict(rev)))

    def contents(self, manifest: Manifest) -> dict[str, bytes]:
        """Every file of *manifest*, from the blobs."""
        return {path: self.blobs.get(digest) for path, digest in manifest.items()}

    # -- history -----------------------------------------------------------
    def history_key(self, seq: int) -> str:
        return join(self.base, "history", f"{seq:08d}")

    def history(self) -> list[Event]:
        base = join(self.base, "history")
        events = []
        for name in self.store.list(base):
            doc = self.store.get_json(join(base, name))
            if doc is not None:
                events.append(Event(**doc))
        return sorted(events, key=lambda e: e.seq)

    def next_seq(self) -> int:
        names = self.store.list(join(self.base, "history"))
        return (int(names[-1]) + 1) if names else 1

    def event_bytes(self, event: Event) -> bytes:
        return dumps(asdict(event))

    def previous_of(self, rev: str | None) -> str | None:
        """The revision that ran before *rev* became current (for a bare rollback)."""
        for event in reversed(self.history()):
            if event.ok and event.current == rev and event.previous != rev:
                return event.previous
        return None

    # -- tags --------------------------------------------------------------
    def tag_key(self, tag: str) -> str:
        return join(self.base, "tags", check_name(tag, "tag"))

    def tags(self) -> dict[str, Tag]:
        base = join(self.base, "tags")
        found = {}
        for name in self.store.list(base):
            doc = self.store.get_json(join(base, name))
            if doc is not None:
                found[name] = Tag(**doc)
        return found

    def set_tag(self, tag: str, rev: str, force: bool = False) -> Tag:
        """Name *rev* *tag*; InputError if the tag exists (unless *force*)."""
        key = self.tag_key(tag)
        existing = self.store.get_versioned(key)
        if existing is not None and not force:
            old = json.loads(existing.data)["revision"]
            raise InputError(f"tag {tag!r} already names revision {short(old)} "
                             f"(use --force to move it)")
        value = Tag(tag, rev)
        self.store.put_if(key, dumps(asdict(value)), None if existing is None else existing.version)
        return value

    # -- references ----------------------------------------------------------
    def resolve(self, ref: str, current: str | None = None) -> str:
        """A revision from a tag, a revision, a unique revision prefix (≥ 4) or
        ``current``; InputError naming what exists otherwise."""
        if ref in ("current", "HEAD", "@"):
            if current is None:
                raise InputError(f"experiment {self.name} has no revision deployed yet")
            return current
        tags = self.tags()
        if ref in tags:
            return tags[ref].revision
        revs = self.revisions()
        if len(ref) >= 4 and all(c in "0123456789abcdef" for c in ref.lower()):
            matches = [r for r in revs if r.startswith(ref.lower())]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise InputError(f"revision prefix {ref!r} is ambiguous in {self.name}")
        known = ", ".join(sorted(tags)) or "none"
        raise InputError(f"{ref!r} is neither a tag nor a revision of experiment "
                         f"{self.name} (tags: {known})")

    def describe(self) -> dict[str, Any]:
        """Revisions, tags and history as plain data (for ``--json``)."""
        return {"revisions": self.revisions(),
                "tags": {t: asdict(v) for t, v in self.tags().items()},
                "history": [asdict(e) for e in self.history()]}
