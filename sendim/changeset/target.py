"""Where app files go: the :class:`AppTarget` interface and :class:`DirectoryTarget`.

A target is one experiment's controller: its app directory plus the means to
restart (or reload) that controller and to tell whether it is healthy (for
an emulation: the controller answers and every switch has reconnected).
Realizations provide their own targets through :data:`APP_TARGETS`, keyed by
the ``kind`` in an experiment's ``target`` record.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sendim.changeset.bundle import Manifest, check_path, scan
from sendim.errors import DeploymentError, InputError
from sendim.registry import Registry

if TYPE_CHECKING:
    from sendim.experiments import Experiment


class AppTarget(ABC):
    """A running controller's app directory, as the changeset machinery sees it."""

    @abstractmethod
    def write_file(self, path: str, data: bytes) -> None:
        """Create or replace the file at relative *path* (atomically if possible)."""

    @abstractmethod
    def remove_file(self, path: str) -> None:
        """Remove the file at relative *path* (missing is fine)."""

    @abstractmethod
    def restart(self) -> None:
        """Restart the controller so it runs the files now in place."""

    def reload(self) -> None:
        """Reload the apps without a full restart; by default a restart."""
        self.restart()

    @abstractmethod
    def healthy(self, timeout: float) -> bool:
        """Whether the controller is up and every switch reconnected, within *timeout* s."""

    def current_manifest(self) -> Manifest | None:
        """The files actually in place (None if the target cannot tell)."""
        return None

    def describe(self) -> str:
        """Short text naming the target, for messages."""
        return type(self).__name__


class DirectoryTarget(AppTarget):
    """A controller app directory on this machine, with optional callbacks.

    *restart* is called after files changed; *health* gets the timeout and
    returns whether the controller is healthy (absent: always healthy).
    ``writes`` and ``removes`` count the files shipped (tests assert on them).
    """

    def __init__(self, app_dir: str | os.PathLike[str],
                 restart: Callable[[], None] | None = None,
                 health: Callable[[float], bool] | None = None,
                 reload: Callable[[], None] | None = None):
        self.app_dir = Path(app_dir).expanduser().resolve()
        self._restart, self._health, self._reload = restart, health, reload
        self.writes = 0
        self.removes = 0
        self.restarts = 0

    def _file(self, path: str) -> Path:
        full = self.app_dir / check_path(path)
        if not full.resolve().is_relative_to(self.app_dir):
            raise InputError(f"{path} leaves the app directory {self.app_dir}")
        return full

    def write_file(self, path: str, data: bytes) -> None:
        full = self._file(path)
        full.parent.mkdir(parents=True, exist_ok=True)
        tmp = full.with_name(f".{full.name}.tmp-{uuid.uuid4().hex}")
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, full)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise DeploymentError(f"cannot write {full}: {exc.strerror}") from exc
        self.writes += 1

    def remove_file(self, path: str) -> None:
        full = self._file(path)
        try:
            full.unlink(missing_ok=True)
            parent = full.parent
            while parent != self.app_dir and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        except OSError as exc:
            raise DeploymentError(f"cannot remove {full}: {exc.strerror}") from exc
        self.removes += 1

    def restart(self) -> None:
        self.restarts += 1
        if self._restart is not None:
            self._restart()

    def reload(self) -> None:
        if self._reload is not None:
            self._reload()
        else:
            self.restart()

    def healthy(self, timeout: float) -> bool:
        return True if self._health is None else bool(self._health(timeout))

    def current_manifest(self) -> Manifest | None:
        if not self.app_dir.is_dir() or not any(self.app_dir.iterdir()):
            return {}
        return scan(self.app_dir).manifest

    def describe(self) -> str:
        return f"app directory {self.app_dir}"

    @classmethod
    def from_experiment(cls, experiment: "Experiment") -> "DirectoryTarget":
        """The target an experiment record describes (kind ``directory``).

        ``target["restart"]`` and ``target["health"]`` are optional command
        lines run without a shell; health passes when the command exits 0
        (retried until the timeout).
        """
        spec = experiment.target
        if not experiment.app_dir:
            raise InputError(f"experiment {experiment.name} has no controller app directory")
        restart_cmd = spec.get("restart")
        health_cmd = spec.get("health")
        return cls(experiment.app_dir,
                   restart=(lambda: _run(restart_cmd, "restart")) if restart_cmd else None,
                   health=(lambda t: _probe(health_cmd, t)) if health_cmd else None)


def _argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def _run(command: str | list[str], what: str, timeout: float = 120.0) -> None:
    try:
        done = subprocess.run(_argv(command), capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DeploymentError(f"{what} command {command!r} failed: {exc}") from exc
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise DeploymentError(f"{what} command {command!r} exited {done.returncode}: {tail[0]}")


def _probe(command: str | list[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        left = max(deadline - time.monotonic(), 0.1)
        try:
            if subprocess.run(_argv(command), capture_output=True, timeout=left,
                              check=False).returncode == 0:
                return True
        except (OSError, subprocess.TimeoutExpired):
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))


APP_TARGETS: Registry[Any] = Registry("app target", "sendim.app_targets", {
    "directory": "sendim.changeset.target:DirectoryTarget.from_experiment",
    "emulation": "deployers.experiment_target:EmulationTarget.from_experiment",
})
"""Target kind (``experiment.target["kind"]``) → factory ``(Experiment) -> AppTarget``."""


def target_for(experiment: "Experiment") -> AppTarget:
    """The :class:`AppTarget` of *experiment*, built by its kind's factory."""
    return APP_TARGETS.get(experiment.target.get("kind", "directory"))(experiment)


__all__ = ["APP_TARGETS", "AppTarget", "DirectoryTarget", "target_for"]
