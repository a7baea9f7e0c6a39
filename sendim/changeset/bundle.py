"""App bundles and their revisions (content hashes).

An app bundle is one Python file or a directory of Python files plus data.
Its *manifest* maps each file's relative POSIX path to the SHA-256 of its
bytes; ``__pycache__`` directories, ``*.pyc``/``*.pyo`` files and VCS
directories are ignored. The *revision* is the SHA-256 over the sorted
manifest lines ``path NUL sha256 LF``: it depends on the paths and the bytes
only (not on times, owners or the bundle's location).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sendim.errors import InputError

IGNORED_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn"})
IGNORED_SUFFIXES = (".pyc", ".pyo")
SHORT = 12
"""Characters of a revision shown to people."""

Manifest = dict[str, str]
"""Relative POSIX path → SHA-256 (hex) of the file's bytes."""


def file_hash(data: bytes) -> str:
    """SHA-256 (hex) of *data*: the address of a blob."""
    return hashlib.sha256(data).hexdigest()


def revision_id(manifest: Manifest) -> str:
    """The revision of a manifest (see the module doc)."""
    digest = hashlib.sha256()
    for path in sorted(manifest):
        digest.update(f"{path}\0{manifest[path]}\n".encode())
    return digest.hexdigest()


def short(revision: str | None) -> str:
    """The first characters of a revision, or "-" for none."""
    return revision[:SHORT] if revision else "-"


def check_path(path: str) -> str:
    """*path* if it is a safe relative POSIX path inside a bundle, else InputError."""
    pure = PurePosixPath(path)
    if (not path or pure.is_absolute() or "\\" in path or "\0" in path
            or any(part in ("", ".", "..") for part in path.split("/"))):
        raise InputError(f"unsafe path in app bundle: {path!r}")
    return path


@dataclass(frozen=True, slots=True)
class Bundle:
    """A scanned app bundle: where it is, its manifest and its revision."""

    root: Path                 # the file or the directory
    manifest: Manifest
    revision: str

    def files(self) -> list[str]:
        return sorted(self.manifest)

    def read(self, path: str) -> bytes:
        """The bytes of one file of the bundle (as it is on disk now)."""
        check_path(path)
        if self.root.is_file():
            return self.root.read_bytes()
        return (self.root / path).read_bytes()


def _walk(root: Path) -> list[tuple[str, Path]]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS)
        for name in filenames:
            if name.endswith(IGNORED_SUFFIXES):
                continue
            full = Path(dirpath, name)
            if not full.is_file():      # dangling links, sockets...
                continue
            found.append((full.relative_to(root).as_posix(), full))
    return sorted(found)


def scan(path: str | os.PathLike[str]) -> Bundle:
    """Scan the bundle at *path* (a file or a directory); InputError if unusable."""
    root = Path(path).expanduser().resolve()
    if root.is_file():
        if root.name.endswith(IGNORED_SUFFIXES):
            raise InputError(f"app bundle {path} is a compiled file; give the .py source")
        manifest = {root.name: file_hash(root.read_bytes())}
    elif root.is_dir():
        manifest = {rel: file_hash(full.read_bytes()) for rel, full in _walk(root)}
        if not manifest:
            raise InputError(f"app bundle {path} has no files")
    else:
        raise InputError(f"app bundle {path} does not exist")
    return Bundle(root, manifest, revision_id(manifest))


def read_files(bundle: Bundle) -> dict[str, bytes]:
    """Every file of *bundle* by path, verified against the manifest.

    InputError if a file changed since the bundle was scanned.
    """
    contents = {}
    for rel in bundle.manifest:
        data = bundle.read(rel)
        if file_hash(data) != bundle.manifest[rel]:
            raise InputError(f"{bundle.root}: {rel} changed while deploying; try again")
        contents[rel] = data
    return contents


def locate_app(app: str | os.PathLike[str]) -> Path:
    """The file or directory of an app given as a path or as a module name.

    ``ryu.app.simple_switch_13`` resolves to that module's file, a package to
    its directory. InputError if neither exists.
    """
    path = Path(app).expanduser()
    if path.exists():
        return path
    name = str(app)
    if name.replace(".", "").replace("_", "").isalnum():
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin and spec.origin not in ("built-in", "frozen"):
            origin = Path(spec.origin)
            return origin.parent if spec.submodule_search_locations else origin
    raise InputError(f"app {name} is neither a file, a directory nor an importable module")


def revision_of(app: str | os.PathLike[str]) -> str:
    """The revision (content hash) of an app bundle: a file, a directory or a
    module name (see :func:`locate_app`).

    For traceability of runs: a deployer records it in its results meta,
    e.g. ``{a.name: revision_of(a.name) for a in deployment.controller.apps}``.
    """
    return scan(locate_app(app)).revision
