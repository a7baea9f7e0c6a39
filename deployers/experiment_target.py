"""The app target of a long-lived emulation (kind ``emulation`` in :data:`APP_TARGETS`).

``sendim app deploy NAME`` ships changed files into the experiment's app
directory, restarts only that experiment's controller (by its recorded id,
on the same port) and verifies it: the process runs and listens, and every
switch of the experiment has reconnected, by the controller's own account
(its monitor app's status file, written by the new process) and by Open
vSwitch's (``is_connected`` of those bridges' controllers only).
"""

from __future__ import annotations

import socket

from sendim.changeset.bundle import Manifest
from sendim.changeset.target import AppTarget, DirectoryTarget
from sendim.errors import DeploymentError, InputError
from sendim.experiments import Experiment

from deployers import _slots
from deployers._live import Live


class EmulationTarget(AppTarget):
    """The controller of one running emulation on this machine."""

    def __init__(self, experiment: Experiment):
        if not experiment.runtime.get("work"):
            raise InputError(f"experiment {experiment.name} is {experiment.status}, not up: "
                             f"bring it up with sendim up")
        self.experiment = experiment
        self.live = Live(experiment.runtime)       # shares the record's runtime dict
        self.files = DirectoryTarget(self.live.app_dir)
        self.restarts = 0

    @classmethod
    def from_experiment(cls, experiment: Experiment) -> "EmulationTarget":
        """The factory :data:`~sendim.changeset.target.APP_TARGETS` calls."""
        return cls(experiment)

    def _here(self) -> None:
        host = self.experiment.host
        if host != socket.gethostname():
            raise DeploymentError(f"experiment {self.experiment.name} runs on {host}: deploy "
                                  f"from that machine")

    @property
    def writes(self) -> int:
        return self.files.writes

    @property
    def removes(self) -> int:
        return self.files.removes

    def write_file(self, path: str, data: bytes) -> None:
        self._here()
        self.files.write_file(path, data)

    def remove_file(self, path: str) -> None:
        self._here()
        self.files.remove_file(path)

    def restart(self) -> None:
        """Restart this experiment's controller only (same port, same options)."""
        self._here()
        self.restarts += 1
        ctl = self.live.restart_controller()
        rt = self.live.rt
        net = self.live.network()
        if rt.get("slot") is not None and rt.get("token"):
            pids = [_slots.owner_pid(p.pid) for p in (net, ctl) if p is not None]
            _slots.update(int(rt["slot"]), str(rt["token"]), pids=pids)

    def healthy(self, timeout: float) -> bool:
        """The controller runs and listens, and every switch has reconnected to it."""
        return self.live.wait_healthy(timeout).ok

    def current_manifest(self) -> Manifest | None:
        return self.files.current_manifest()

    def describe(self) -> str:
        return (f"the controller of {self.experiment.name} "
                f"(127.0.0.1:{self.live.port}, {self.live.app_dir})")
