"""The live parts of a long-lived emulation on this machine.

:class:`Live` wraps an experiment record's ``runtime`` (written by
:mod:`deployers.experiment`): where its files are, its controller (started,
stopped and restarted by recorded id, always on the same port), its health
(process alive, listening, every switch reconnected), and the control
channel to its network script (:mod:`converters.mininet_runtime.serve`).

Work directory layout (``runtime["work"]``)::

    apps/                  the controller's app directory (a copy of the bundle)
    controller.json        the controller process now running (pid, start time)
    controller.log         its output, every restart appended
    controller-status.json what the monitor app saw (datapaths, message counts)
    controller-system.xml  the system as the controller sees it (dpids in the slot's range)
    topology.xml           the system without traffic (``sendim exec`` adds flows to it)
    manifest.jsonl         everything created, for teardown by id
    net.py, script.out, script.log   the network script and its output
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sendim.errors import EmulationError

from converters.mininet_runtime import serve
from deployers import _slots, _teardown
from deployers._controller import ControllerProcess, listening
from deployers._procs import MARKER_ENV, ProcRef, marked

STOP_GRACE = 60.0
DEFAULT_APP = "deployers.ryu_builtin"
MONITOR_APP = "deployers.ryu_monitor"


def app_entries(app_dir: Path) -> list[str]:
    """The app files ryu-manager loads from an app directory.

    One ``.py`` file at the top: that one. Several: each top-level ``.py``
    whose name does not start with ``_`` (helpers such as ``_routing.py`` are
    imported by those; ryu-manager puts the directory on the path while it
    loads them). None: the built-in shortest-path app.
    """
    files = sorted(p for p in app_dir.glob("*.py") if p.is_file()) if app_dir.is_dir() else []
    if len(files) == 1:
        return [str(files[0])]
    return [str(p) for p in files if not p.name.startswith("_")]


@dataclass(slots=True)
class Health:
    """What ``sendim status`` and the deploy verification look at."""

    controller_alive: bool
    listening: bool
    switches_connected: int
    switches: int
    network_alive: bool
    controller_pid: int | None = None

    @property
    def ok(self) -> bool:
        return (self.controller_alive and self.listening and self.network_alive
                and self.switches_connected == self.switches)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "controller_alive": self.controller_alive,
                "listening": self.listening, "switches_connected": self.switches_connected,
                "switches": self.switches, "network_alive": self.network_alive,
                "controller_pid": self.controller_pid}


class Live:
    """One experiment's processes and files on this machine, from its runtime record."""

    def __init__(self, runtime: dict[str, Any]):
        if not runtime.get("work"):
            raise EmulationError("the experiment record has no runtime on this machine")
        self.rt = runtime
        self.work = Path(runtime["work"])
        self.marker = str(runtime["marker"])
        self.port = int(runtime.get("port") or 0)

    # -- files ---------------------------------------------------------------------------
    @property
    def app_dir(self) -> Path:
        return self.work / "apps"

    def file(self, name: str) -> Path:
        return self.work / name

    @property
    def status_file(self) -> Path:
        return self.file("controller-status.json")

    @property
    def manifest(self) -> Path:
        return self.file("manifest.jsonl")

    # -- processes -----------------------------------------------------------------------
    def network(self) -> ProcRef | None:
        return ProcRef.from_dict(self.rt.get("network"))

    def controller(self) -> ProcRef | None:
        """The controller running now (its pid file; the record may lag behind)."""
        try:
            return ProcRef.from_dict(json.loads(self.file("controller.json").read_text()))
        except (OSError, ValueError):
            return ProcRef.from_dict(self.rt.get("controller"))

    def check_apps(self) -> None:
        """EmulationError naming the file and line if a Python file of the app dir
        does not compile (ryu-manager would only say it cannot import it)."""
        for path in sorted(self.app_dir.rglob("*.py")):
            try:
                compile(path.read_bytes(), str(path), "exec")
            except SyntaxError as exc:
                rel = path.relative_to(self.app_dir)
                raise EmulationError(f"{rel} line {exc.lineno}: {exc.msg}: the controller "
                                     f"cannot load it") from None
            except (OSError, ValueError) as exc:
                raise EmulationError(f"cannot read {path}: {exc}") from exc

    def start_controller(self, timeout: float = 60.0) -> ProcRef:
        """Start the controller on the experiment's port with the apps in its app dir."""
        self.check_apps()
        apps = app_entries(self.app_dir) or [DEFAULT_APP]
        self.status_file.unlink(missing_ok=True)
        env = {"SENDIM_SYSTEM_FILE": str(self.file("controller-system.xml")),
               "SENDIM_CONTROLLER_STATUS": str(self.status_file), MARKER_ENV: self.marker}
        ctl = ControllerProcess([*apps, *self.rt.get("extra_apps", []), MONITOR_APP], self.port,
                                self.file("controller.log"), options=self.rt.get("options", []),
                                env=env)
        try:
            ctl.start(timeout=timeout)
        finally:
            if ctl.proc is not None:
                ref = ProcRef.of(ctl.proc.pid, self.marker)
                self._record_controller(ref)
        return ref

    def _record_controller(self, ref: ProcRef) -> None:
        tmp = self.file(".controller.json.tmp")
        tmp.write_text(json.dumps(ref.to_dict()))
        os.replace(tmp, self.file("controller.json"))
        self.rt["controller"] = ref.to_dict()

    def stop_controller(self) -> None:
        ref = self.controller()
        if ref is not None and not ref.stop(grace=5.0):
            raise EmulationError(f"the controller (pid {ref.pid}) did not stop")

    def restart_controller(self, timeout: float = 60.0) -> ProcRef:
        """Stop this experiment's controller (by its recorded id) and start it again
        (the old one keeps running if the apps do not even compile)."""
        self.check_apps()
        self.stop_controller()
        deadline = time.monotonic() + 10
        while listening(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.start_controller(timeout)

    # -- health ----------------------------------------------------------------------------
    def expected_dpids(self) -> set[int]:
        return {int(d) for _, d in self.rt.get("switches", {}).values()}

    def bridges(self) -> list[str]:
        return [b for b, _ in self.rt.get("switches", {}).values()]

    def seen_dpids(self, controller_pid: int | None) -> set[int]:
        """Datapaths the running controller's monitor app reports connected."""
        try:
            doc = json.loads(self.status_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()
        if controller_pid is not None and doc.get("pid") != controller_pid:
            return set()              # written by a controller that is gone
        return {int(d) for d in doc.get("dpids", [])}

    def controller_counts(self) -> dict[str, int]:
        try:
            doc = json.loads(self.status_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): int(v) for k, v in doc.get("counts", {}).items()}

    def ovs_connected(self) -> set[str]:
        """This experiment's bridges whose every controller connection is up (OVS's view)."""
        bridges = self.bridges()
        if not bridges:
            return set()
        try:
            rows = json.loads(_ovs(["-f", "json", "--columns=name,controller", "list", "bridge",
                                    *bridges]))["data"]
            ctls = json.loads(_ovs(["-f", "json", "--columns=_uuid,is_connected",
                                    "list", "controller"]))["data"]
        except (ValueError, KeyError, EmulationError):
            return set()
        up = {row[0][1] for row in ctls if row[1] is True}
        out = set()
        for name, ctl in rows:
            uuids = ([ctl[1]] if ctl and ctl[0] == "uuid" else
                     [u[1] for u in ctl[1]] if ctl and ctl[0] == "set" else [])
            if uuids and all(u in up for u in uuids):
                out.add(name)
        return out

    def health(self) -> Health:
        ctl = self.controller()
        alive = ctl is not None and ctl.alive()
        pid = ctl.pid if ctl else None
        expected = self.expected_dpids()
        seen = self.seen_dpids(pid) & expected if alive else set()
        if len(seen) == len(expected) and expected:
            connected = len(self.ovs_connected())
            seen_n = min(len(seen), connected)
        else:
            seen_n = len(seen)
        net = self.network()
        return Health(alive, alive and listening(self.port), seen_n, len(expected),
                      net is not None and net.alive(), pid)

    def wait_healthy(self, timeout: float) -> Health:
        """Poll :meth:`health` until it is ok, the controller died, or *timeout* passed."""
        deadline = time.monotonic() + timeout
        while True:
            h = self.health()
            if h.ok or not h.controller_alive or time.monotonic() >= deadline:
                return h
            time.sleep(0.1)

    # -- the network script's control channel ------------------------------------------------
    def request(self, req: dict[str, Any], timeout: float | None = 30.0) -> dict[str, Any]:
        """One request to the network script (see :mod:`converters.mininet_runtime.serve`)."""
        path = str(self.rt.get("control", ""))
        try:
            answer = serve.request(path, req, timeout)
        except KeyboardInterrupt:
            self._cancel(path)
            raise
        except OSError as exc:
            raise EmulationError(f"the network of this experiment does not answer on {path}: "
                                 f"{exc.strerror or exc}") from exc
        except ValueError as exc:
            raise EmulationError(f"the network script answered nonsense on {path}") from exc
        if not answer.get("ok"):
            why = answer.get("error") or "an empty answer"
            raise EmulationError(f"the network script refused: {why}")
        return answer

    @staticmethod
    def _cancel(path: str) -> None:
        """Ctrl-C: end what the network script is doing for us (the network stays up)."""
        try:
            serve.request(path, {"op": "cancel"}, 5.0)
        except (OSError, ValueError):
            pass


def _ovs(args: list[str]) -> str:
    try:
        res = subprocess.run(["ovs-vsctl", "--timeout=10", *args], capture_output=True,
                             text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EmulationError(f"ovs-vsctl failed: {exc}") from exc
    if res.returncode != 0:
        raise EmulationError(f"ovs-vsctl {' '.join(args[:3])}: {res.stderr.strip()}")
    return res.stdout


def write_runtime(rt: dict[str, Any]) -> None:
    """Keep a copy of the runtime record in its work directory (``runtime.json``), so
    that what runs can be found without the store (:func:`local_runtimes`)."""
    work = Path(rt["work"])
    if work.is_dir():
        tmp = work / ".runtime.json.tmp"
        tmp.write_text(json.dumps(rt), encoding="utf-8")
        os.replace(tmp, work / "runtime.json")


def local_runtimes(base: Path) -> list[dict[str, Any]]:
    """The runtime records of every experiment with a work directory under *base*
    (see :func:`deployers.experiment.experiments_dir`): what :func:`teardown` takes
    down without a store."""
    out = []
    for path in sorted(base.glob("*/runtime.json")):
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return out


def teardown(rt: dict[str, Any], *, keep_files: bool = False) -> list[str]:
    """Take down the experiment *rt* describes; what could not be removed (empty: all)."""
    live = Live(rt)
    net = live.network()
    if net is not None and net.alive():
        try:
            live.request({"op": "stop"}, timeout=5.0)
            net.wait(STOP_GRACE)
        except EmulationError:
            pass
        net.stop(grace=30.0)
    remaining: list[str] = []
    try:
        live.stop_controller()
    except EmulationError as exc:
        remaining.append(str(exc))
    remaining += _teardown.remove(_teardown.Created.read(live.manifest))
    for pid in marked(live.marker):        # anything else of ours (children of the above)
        ProcRef.of(pid, live.marker).stop(grace=2.0, group=False)
    remaining += [f"process {pid}" for pid in marked(live.marker)]
    if rt.get("control"):
        Path(rt["control"]).unlink(missing_ok=True)
    if not remaining:
        if rt.get("slot") is not None and rt.get("token"):
            _slots.release(int(rt["slot"]), str(rt["token"]))
        if not keep_files:
            shutil.rmtree(live.work, ignore_errors=True)
    return list(dict.fromkeys(remaining))
