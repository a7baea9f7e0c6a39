"""The emulation deployer: the system in real Mininet + Open vSwitch + ryu-manager.

One run, in order: pre-flight (root, Mininet, OVS, iperf3, ryu; size against
the fallback budget), Open vSwitch started if it is not running, the
controller started (the deployment's apps, or the simulator's built-in
shortest-path routing as a Ryu app when it names none) on a free loopback
port, the system converted to a Mininet script (:mod:`converters.mininet`)
and run under Debian's ``/usr/bin/python3``, its results (the shared
schema) read back. A setup watchdog aborts when the network is not built
and connected within ``fallback.max_setup``: :class:`SetupTimeout`, after a
complete teardown, lets :func:`sendim.api.run` fall back to simulation.

Teardown, always (success, error, timeout, Ctrl-C): the script is stopped
through its own process group (it takes its network down), the controller
through its own, then whatever the script's manifest records and still
exists is removed by PID and by name (:mod:`deployers._teardown`).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sendim.deploy import Deployer, Preflight, RunRequest, ryu_manager_arguments
from sendim.errors import EmulationError

from deployers import _teardown
from deployers._controller import ControllerProcess, free_port
from deployers._emuhost import (
    MININET_PYTHON, DoesNotFit, SetupTimeout, available_memory, ensure_ovs, estimate,
    missing_requirements)

if TYPE_CHECKING:
    from sendim.results import Results

DEFAULT_APP = "deployers.ryu_builtin"
"""No app in the deployment: the simulator's built-in shortest-path controller, as a Ryu app."""
MONITOR_APP = "deployers.ryu_monitor"
STOP_GRACE = 60.0            # seconds the script gets to take its network down
MEMORY_SHARE = 0.8           # of MemAvailable an emulation may take

__all__ = ["MininetDeployer", "SetupTimeout", "DoesNotFit", "DEFAULT_APP"]


def _expected_traffic_s(request: RunRequest) -> float:
    """A generous bound on how long the traffic phase can take."""
    dep, system = request.deployment, request.system
    if dep.duration:
        return float(dep.duration)
    slowest = min((l.bandwidth for l in system.links if l.bandwidth), default=10e6)
    end = max((e.time for e in system.events), default=0.0)
    for f in system.flows:
        t = f.duration or 0.0
        if f.size:
            t = max(t, f.size * 8.0 / (f.rate or slowest))
        end = max(end, f.start + t)
    if request.pingall:
        end += 5.0 + 0.05 * len(system.hosts) ** 2
    return end + float(dep.settle or 0.0)


class MininetDeployer(Deployer):
    """Realizes a system in Mininet (registered as environment ``"emulation"``)."""

    kind = "emulation"

    def preflight(self, request: RunRequest) -> Preflight:
        """Requirements present, and the size within the fallback budget."""
        missing = missing_requirements()
        if missing:
            return Preflight(False, "emulation needs " + "; ".join(missing))
        system, fb = request.system, request.deployment.fallback
        est = estimate(len(system.switches), len(system.hosts), len(system.links))
        if fb.max_nodes is not None and est.nodes > fb.max_nodes:
            return Preflight(False, f"{est.nodes} nodes exceed the fallback's max-nodes {fb.max_nodes}")
        mem = available_memory()
        limits = [x for x in (fb.max_memory, mem and int(mem * MEMORY_SHARE)) if x]
        if limits and est.memory > min(limits):
            return Preflight(False, f"estimated memory {est.memory / 2**20:.0f} MiB exceeds "
                                    f"{min(limits) / 2**20:.0f} MiB")
        if fb.to is not None and est.setup_s > fb.max_setup:
            return Preflight(False, f"estimated setup {est.setup_s:.0f}s for {len(system.switches)} "
                                    f"switches and {len(system.hosts)} hosts exceeds max-setup "
                                    f"{fb.max_setup:g}s (per-node cost calibrated on this machine)")
        return Preflight(True)

    def run(self, request: RunRequest) -> "Results":
        """Emulate, collect the shared-schema results, tear everything down."""
        pre = self.preflight(request)
        if not pre.fits:
            raise DoesNotFit(pre.reason or "the emulation does not fit")
        keep = request.run_dir is not None
        work = Path(request.run_dir).resolve() / "emulation" if keep else Path(
            tempfile.mkdtemp(prefix="sendim-emulation-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            return _Run(request, work).execute()
        finally:
            if not keep:
                shutil.rmtree(work, ignore_errors=True)


class _Run:
    """One emulation's processes and files (everything recorded for teardown)."""

    def __init__(self, request: RunRequest, work: Path) -> None:
        self.request = request
        self.work = work
        self.dep = request.deployment
        self.controller: ControllerProcess | None = None
        self.script: subprocess.Popen | None = None
        self.phases: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.notes: list[str] = list(request.notes)
        self.manifest = work / "manifest.jsonl"
        self.status = work / "controller-status.json"
        self.last_error: str | None = None

    def execute(self) -> "Results":
        t0 = time.monotonic()
        fb = self.dep.fallback
        budget = fb.max_setup if fb.to is not None else max(600.0, 3 * fb.max_setup)
        try:
            if ensure_ovs():
                self.notes.append("started Open vSwitch (ovs-ctl start --system-id=random)")
            self._start_controller(budget - (time.monotonic() - t0))
            self._start_script(budget - (time.monotonic() - t0))
            self._wait_for("connected", t0 + budget, setup=True)
            setup_s = time.monotonic() - t0
            limit = _expected_traffic_s(self.request) * 3 + 120
            self._wait_for("done", time.monotonic() + limit, setup=False)
            self._wait_exit(STOP_GRACE)
            doc = self._results(setup_s, time.monotonic() - t0)
        except BaseException:
            self._teardown(raise_on_leak=False)
            raise
        self._teardown(raise_on_leak=True)
        return _to_results(doc)

    # -- processes -------------------------------------------------------------------
    def _start_controller(self, timeout: float) -> None:
        apps, options = ryu_manager_arguments(self.dep.controller)
        if not apps:
            apps = [DEFAULT_APP]
            self.notes.append("no controller app given: the simulator's built-in shortest-path "
                              f"routing runs as a Ryu app ({DEFAULT_APP})")
        if self.dep.controller.latency:
            self.notes.append("controller latency is not emulated (real loopback channel)")
        from sendim.parser import write_system
        system_file = self.work / "system.xml"
        write_system(self.request.system, system_file)
        port = self.dep.controller.port or free_port()
        self.controller = ControllerProcess(
            [*apps, MONITOR_APP], port, self.work / "controller.log", options=options,
            env={"SENDIM_SYSTEM_FILE": str(system_file),
                 "SENDIM_CONTROLLER_STATUS": str(self.status)})
        self.controller.start(timeout=max(5.0, timeout))
        with open(self.manifest, "a", encoding="utf-8") as f:
            f.write(json.dumps({"kind": "pid", "pid": self.controller.proc.pid,
                                "cmd": "sendim.ryuapp.launcher"}) + "\n")

    def _start_script(self, connect_timeout: float) -> None:
        from converters.mininet import MininetConverter

        script = self.work / "net.py"
        MininetConverter().write(self.request.system, script, self.dep)
        argv = [MININET_PYTHON, str(script), "--controller", f"127.0.0.1:{self.controller.port}",
                "--out", str(self.work), "--manifest", str(self.manifest),
                "--controller-status", str(self.status),
                "--connect-timeout", f"{max(5.0, connect_timeout):.1f}"]
        if self.request.pingall:
            argv.append("--pingall")
        with open(self.work / "script.log", "ab") as err:
            self.script = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err,
                                           stdin=subprocess.DEVNULL, start_new_session=True,
                                           cwd=self.work, text=True)
        threading.Thread(target=self._read_phases, args=(self.script,), daemon=True).start()

    def _read_phases(self, proc: subprocess.Popen) -> None:
        with open(self.work / "script.out", "a", encoding="utf-8") as tee:
            for line in proc.stdout:
                tee.write(line)
                tee.flush()
                if line.startswith("sendim-phase "):
                    parts = line.rstrip("\n").split(" ", 2)
                    try:
                        payload = json.loads(parts[2]) if len(parts) > 2 else {}
                    except ValueError:
                        payload = {}
                    self.phases.put((parts[1].strip(), payload))
        self.phases.put(("eof", {}))

    def _wait_for(self, wanted: str, deadline: float, *, setup: bool) -> None:
        progress = self.request.progress
        t_traffic = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if setup:
                    raise SetupTimeout(
                        f"emulation setup exceeded max-setup {self.dep.fallback.max_setup:g}s "
                        "(network not built and connected in time); torn down")
                raise EmulationError("the emulation did not finish in time; torn down")
            try:
                name, info = self.phases.get(timeout=min(0.5, remaining))
            except queue.Empty:
                if progress is not None and t_traffic is not None:
                    progress(time.monotonic() - t_traffic, None)
                continue
            if name == "traffic":
                t_traffic = time.monotonic()
            if name == "error":
                self.last_error = str(info.get("reason"))
            if name == wanted:
                return
            if name in ("eof", "error", "stopped"):
                self._wait_exit(STOP_GRACE)
                raise EmulationError(self._failure())

    def _failure(self) -> str:
        code = self.script.returncode if self.script else None
        try:
            tail = (self.work / "script.log").read_text(errors="replace").strip().splitlines()[-6:]
        except OSError:
            tail = []
        if self.last_error:
            why = self.last_error
        else:
            why = f"the Mininet script exited with code {code}" + "".join(f" | {t}" for t in tail)
        where = self.work if self.request.run_dir is not None else "pass a run directory to keep them"
        return f"emulation failed: {why} (logs: {where})"

    def _wait_exit(self, timeout: float) -> None:
        if self.script is None:
            return
        try:
            self.script.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass

    # -- results ---------------------------------------------------------------------
    def _results(self, setup_s: float, total_s: float) -> dict[str, Any]:
        if self.script is not None and self.script.returncode not in (0, None):
            raise EmulationError(self._failure())
        try:
            doc = json.loads((self.work / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EmulationError(f"the Mininet script wrote no results: {exc}") from exc
        if self.status.exists():
            try:
                doc["controller"] = json.loads(self.status.read_text()).get("counts", {})
            except ValueError:
                pass
        meta = doc.setdefault("meta", {})
        apps = [a.name for a in self.dep.controller.apps] or [DEFAULT_APP]
        meta.update({"setup_s": round(setup_s, 6), "deployer_wall_time_s": round(total_s, 6),
                     "controller_apps": apps, "app_revisions": _revisions(self.dep)})
        if self.request.run_dir is not None:
            meta["run_dir"] = str(self.work)
        meta["notes"] = self.notes + list(meta.get("notes", []))
        return doc

    # -- teardown ----------------------------------------------------------------------
    def _teardown(self, *, raise_on_leak: bool) -> None:
        """Script (its own group), controller (its own group), then the manifest."""
        proc, self.script = self.script, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=STOP_GRACE)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        if self.controller is not None:
            self.controller.stop()
        remaining = _teardown.remove(_teardown.Created.read(self.manifest))
        if remaining:
            message = f"could not remove everything the emulation created: {', '.join(remaining)}"
            if raise_on_leak:
                raise EmulationError(message)
            self.notes.append(message)


def _revisions(dep: Any) -> dict[str, str]:
    """A content hash per app, as the simulation deployer records it."""
    try:
        from sendim.changeset import revision_of
    except ImportError:
        return {}
    out = {}
    for app in dep.controller.apps:
        try:
            out[app.name] = revision_of(app.name)
        except Exception:  # noqa: BLE001 - traceability is best effort
            continue
    return out


def _to_results(doc: dict[str, Any]) -> "Results":
    """The shared-schema document as a :class:`sendim.results.Results`."""
    from sendim.results import Results
    return Results.from_dict(doc)
