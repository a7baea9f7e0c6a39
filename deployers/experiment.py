"""Long-lived emulations: ``sendim up`` brings one up, ``sendim down`` takes it down.

``up`` builds the network and its controller and leaves them running, each a
process of its own recorded by id in the experiment's record (state store)
and in a work directory on this machine (:mod:`deployers._live`):

* the **network**: the generated Mininet script in serve mode
  (:mod:`converters.mininet_runtime.serve`): it builds the network, waits for
  every switch, then takes commands (traffic, pingall, node commands, stop)
  on a Unix socket;
* the **controller**: ``python -m sendim.ryuapp.launcher`` on its own port,
  loading the apps from the experiment's app directory, a copy of the app
  bundle (so ``sendim app deploy`` can ship changesets into it).

Several experiments share a machine through a slot (:mod:`deployers._slots`):
Mininet names prefixed ``x<slot>`` (bridges, interfaces; within Linux's 15
characters), datapath ids in the slot's range, a control socket of their
own, a free controller port each. Mininet hosts get their own unnamed
namespaces, as always.

Any failure or Ctrl-C (SIGINT, SIGTERM) during ``up`` takes down what it
started, releases the slot and restores the record. ``down`` stops the
network script (it takes its network down), then the controller, then
removes by recorded id whatever is left, and marks the record ``down`` (its
revisions, tags and runs stay) or removes it with *forget*.
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sendim.changeset.bundle import locate_app, read_files, scan
from sendim.changeset.repo import AppRepo, Event, Revision
from sendim.changeset.target import DirectoryTarget
from sendim.deploy import ryu_manager_arguments
from sendim.errors import EmulationError, InputError, SendimError
from sendim.experiments import Experiment, Experiments, check_name
from sendim.model import Environment, System
from sendim.store.base import StateStore

from deployers import _slots
from deployers._controller import free_port
from deployers._emuhost import MININET_PYTHON, ensure_ovs, missing_requirements
from deployers._live import Live, local_runtimes, teardown, write_runtime
from deployers._procs import MARKER_ENV, ProcRef
from deployers.sequences import boot

STARTING, UP, DOWN, FAILED = "starting", "up", "down", "failed"
EXPERIMENTS_ENV = "SENDIM_EXPERIMENTS_DIR"
SETUP_TIMEOUT = 120.0

__all__ = ["UP", "DOWN", "FAILED", "STARTING", "down", "experiments_dir", "local_runtimes",
           "teardown", "up"]


def experiments_dir() -> Path:
    """Where work directories go: ``$SENDIM_EXPERIMENTS_DIR``, else
    ``$XDG_DATA_HOME/sendim/experiments`` (``~/.local/share/sendim/experiments``)."""
    env = os.environ.get(EXPERIMENTS_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "share")
    return Path(base, "sendim", "experiments")


def _without_traffic(system: System) -> System:
    out = copy.deepcopy(system)
    out.flows, out.events = [], []
    return out


def _in_slot(system: System, slot: int) -> System:
    """*system* with its datapath ids moved into *slot*'s range."""
    out = copy.deepcopy(system)
    seen: dict[int, str] = {}
    for sid, sw in out.switches.items():
        sw.dpid = _slots.dpid_of(slot, sw.dpid)
        if sw.dpid in seen:
            raise InputError(f"switches {seen[sw.dpid]} and {sid} have the same low 48 dpid "
                             f"bits: a long-lived experiment needs them distinct")
        seen[sw.dpid] = sid
    return out


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C while ``up`` runs (so that it cleans up)."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)
    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:                 # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextmanager
def _uninterruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait while a cleanup runs (a second Ctrl-C must not cut it short)."""
    try:
        old = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:                 # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def up(store: StateStore, name: str, systems: Sequence[str] | None = None,
       deployment: str | None = None, *, apps: Sequence[str] | None = None,
       seed: int | None = None, settle: float | None = None,
       setup_timeout: float = SETUP_TIMEOUT,
       say: Callable[[str], None] | None = None) -> Experiment:
    """Bring experiment *name* up and leave it running; its record, status ``up``.

    *systems*, *deployment*, *apps*, *seed* and *settle* as for
    :func:`sendim.api.run`. The deployment must be an emulation (a simulation
    is not long-lived: use ``sendim run``). The first app is the app bundle
    (copied into the experiment's app directory and recorded as its first
    revision); further apps are passed to ryu-manager as given.
    """
    from sendim.api import prepare

    check_name(name)
    system, dep = prepare(list(systems) if systems else None, deployment, seed=seed,
                          settle=settle, apps=apps)
    if dep.environment is not Environment.EMULATION:
        raise InputError(f"sendim up needs an emulation deployment, not "
                         f"{dep.environment.value}: a simulation is not long-lived "
                         f"(use sendim run)")
    missing = missing_requirements()
    if missing:
        raise EmulationError("sendim up needs " + "; ".join(missing))
    experiments = Experiments(store)
    with experiments.lock(name, 60.0), _sigterm_as_interrupt():
        claim = _Claim(experiments, name)
        claim.take(systems, deployment)
        starter = _Starter(store, claim, system, dep, say or (lambda _: None))
        try:
            return starter.start(setup_timeout)
        except BaseException:
            with _uninterruptible():
                starter.undo()
                claim.restore()
            raise


class _Claim:
    """The experiment's record while ``up`` runs: taken as ``starting``, restored on failure."""

    def __init__(self, experiments: Experiments, name: str):
        self.experiments, self.name = experiments, name
        self.created = False
        self.previous: Experiment | None = None
        self.exp: Experiment | None = None
        self.version: Any = None

    def take(self, systems: Sequence[str] | None, deployment: str | None) -> None:
        found = self.experiments.get_versioned(self.name)
        if found is None:
            exp = Experiment(self.name, realization="emulation", status=STARTING)
            self.experiments.create(exp)
            self.created = True
        else:
            exp, _ = found
            if exp.realization != "emulation":
                raise InputError(f"experiment {self.name!r} exists as a {exp.realization} "
                                 f"experiment; choose another name")
            if exp.status in (STARTING, UP):
                raise InputError(f"experiment {self.name!r} is {exp.status} already (on "
                                 f"{exp.host}); take it down first: sendim down {self.name}")
            self.previous = copy.deepcopy(exp)
        exp, version = self.experiments.require(self.name)
        exp.status, exp.host, exp.since = STARTING, socket.gethostname(), None
        exp.systems = [str(Path(s).resolve()) for s in systems or []]
        exp.deployment = str(Path(deployment).resolve()) if deployment else None
        exp.target = {"kind": "emulation"}
        exp.runtime = {}
        self.experiments.update(exp, version)
        self.exp, self.version = self.experiments.require(self.name)

    def save_runtime(self, runtime: dict[str, Any]) -> None:
        """Record the runtime as it grows (so that ``down`` finds what a crash left),
        in the store and in the work directory (``runtime.json``: see :func:`teardown`)."""
        assert self.exp is not None
        write_runtime(runtime)
        self.exp.runtime = runtime
        self.experiments.update(self.exp, self.version)
        self.exp, self.version = self.experiments.require(self.name)

    def restore(self) -> None:
        try:
            if self.created:
                self.experiments.remove(self.name)
            elif self.previous is not None:
                exp, version = self.experiments.require(self.name)
                prev = self.previous
                exp.status, exp.runtime, exp.since = prev.status, {}, None
                self.experiments.update(exp, version)
        except SendimError:
            pass                       # the store is gone too: `sendim down` clears it


class _Starter:
    """The processes and files of one ``up``; :meth:`undo` removes them all."""

    def __init__(self, store: StateStore, claim: _Claim, system: System, dep: Any,
                 say: Callable[[str], None]):
        self.store, self.claim, self.system, self.dep, self.say = store, claim, system, dep, say
        self.rt: dict[str, Any] = {}
        self.live: Live | None = None
        self.script: subprocess.Popen | None = None

    def start(self, timeout: float) -> Experiment:
        t0 = time.monotonic()
        name, tenant = self.claim.name, self.store.tenant
        apps, options = ryu_manager_arguments(self.dep.controller)
        bundle = scan(locate_app(apps[0])) if apps else None
        contents = read_files(bundle) if bundle is not None else None
        extra = [str(Path(a).resolve()) if Path(a).exists() else a for a in apps[1:]]
        port = self.dep.controller.port or free_port()
        work_base = experiments_dir()
        work_base.mkdir(parents=True, exist_ok=True)
        slot, token = _slots.allocate({"tenant": tenant, "name": name,
                                       "store": self.store.address, "host": socket.gethostname(),
                                       "pids": [_slots.owner_pid(os.getpid())]})
        prefix = _slots.prefix_of(slot)
        work = work_base / f"{prefix}-{tenant}-{name}"
        self.rt = {"work": str(work), "slot": slot, "token": token, "prefix": prefix,
                   "marker": f"{tenant}/{name}@{prefix}-{token[:8]}", "port": port,
                   "options": options, "extra_apps": extra,
                   "control": str(_slots.socket_path(slot)), "switches": {},
                   "bundle": str(bundle.root) if bundle else None}
        shutil.rmtree(work, ignore_errors=True)
        (work / "apps").mkdir(parents=True)
        _slots.update(slot, token, manifest=str(work / "manifest.jsonl"))
        in_slot = _in_slot(self.system, slot)
        self.claim.save_runtime(self.rt)
        self.live = live = Live(self.rt)
        from sendim.parser import write_system
        write_system(in_slot, live.file("controller-system.xml"))
        write_system(_without_traffic(self.system), live.file("topology.xml"))
        write_system(self.system, live.file("system.xml"))
        if contents is not None:
            target = DirectoryTarget(live.app_dir)
            for path, data in contents.items():
                target.write_file(path, data)
        if ensure_ovs():
            self.say("started Open vSwitch (ovs-ctl start --system-id=random)")
        self.say(f"{name}: controller on 127.0.0.1:{self.rt['port']} (slot {prefix})")
        ctl = live.start_controller(timeout=max(5.0, timeout - (time.monotonic() - t0)))
        self._start_network(in_slot, prefix, timeout - (time.monotonic() - t0))
        self.say(f"{name}: building {len(self.system.switches)} switches, "
                 f"{len(self.system.hosts)} hosts")
        self._wait_ready(t0 + timeout)
        health = live.wait_healthy(max(1.0, timeout - (time.monotonic() - t0)))
        if not health.ok:
            raise EmulationError(f"the experiment is not healthy after setup: {health.to_dict()}"
                                 f"{self._tails()}")
        net = live.network()
        assert net is not None
        _slots.update(slot, token, pids=[_slots.owner_pid(net.pid), _slots.owner_pid(ctl.pid)])
        booted = boot(live, self.system, lambda text: self.say(f"{name}: {text}"))
        if booted is not None:
            self.rt["on_boot"] = booted
        return self._commit(bundle, contents)

    def _start_network(self, system: System, prefix: str, timeout: float) -> None:
        from converters.mininet import MininetConverter, script_data

        live = self.live
        assert live is not None
        net_system = _without_traffic(system)
        data = script_data(net_system, self.dep, name_prefix=prefix)
        self.rt["switches"] = {sid: [mn, dpid] for sid, mn, dpid in data["switches"]}
        self.rt["hosts"] = {hid: mn for hid, mn, _, _ in data["hosts"]}
        self.claim.save_runtime(self.rt)
        script = live.file("net.py")
        MininetConverter().write(net_system, script, self.dep, name_prefix=prefix)
        argv = [MININET_PYTHON, str(script), "--controller", f"127.0.0.1:{live.port}",
                "--out", str(live.file("net")), "--manifest", str(live.manifest),
                "--controller-status", str(live.status_file),
                "--connect-timeout", f"{max(5.0, timeout):.1f}", "--serve", self.rt["control"]]
        with open(live.file("script.out"), "ab") as out, open(live.file("script.log"), "ab") as err:
            self.script = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                           start_new_session=True, cwd=live.work,
                                           env={**os.environ, MARKER_ENV: live.marker})
        self.rt["network"] = ProcRef.of(self.script.pid, live.marker).to_dict()
        self.claim.save_runtime(self.rt)

    def _wait_ready(self, deadline: float) -> None:
        live, proc = self.live, self.script
        assert live is not None and proc is not None
        out = live.file("script.out")
        while True:
            text = out.read_text(errors="replace") if out.exists() else ""
            for line in text.splitlines():
                if line.startswith("sendim-phase ready"):
                    return
                if line.startswith("sendim-phase error"):
                    raise EmulationError(f"the network did not come up: {line[19:].strip()}"
                                         f"{self._tails()}")
            if proc.poll() is not None:
                raise EmulationError(f"the network script exited with code {proc.returncode} "
                                     f"before it was ready{self._tails()}")
            ctl = live.controller()
            if ctl is not None and not ctl.alive():
                raise EmulationError(f"the controller exited while the network was being "
                                     f"built{self._tails()}")
            if time.monotonic() > deadline:
                raise EmulationError(f"the network was not up within the setup timeout"
                                     f"{self._tails()}")
            time.sleep(0.1)

    def _tails(self) -> str:
        out = []
        if self.live is not None:
            for name in ("script.log", "controller.log"):
                try:
                    lines = self.live.file(name).read_text(errors="replace").strip().splitlines()
                except OSError:
                    continue
                if lines:
                    out.append(f"{name}: " + " | ".join(lines[-4:]))
        return ("; " + "; ".join(out)) if out else ""

    def _commit(self, bundle: Any, contents: dict[str, bytes] | None) -> Experiment:
        claim, live = self.claim, self.live
        assert claim.exp is not None and live is not None
        exp, experiments = claim.exp, claim.experiments
        exp.status, exp.since, exp.app_dir = UP, time.time(), str(live.app_dir)
        exp.runtime = self.rt
        write_runtime(self.rt)
        exp.pending = None
        txn = self.store.transaction()
        if bundle is not None and contents is not None:
            repo = AppRepo(self.store, exp.name)
            repo.save_revision(Revision(bundle.revision, bundle.manifest,
                                        {p: len(b) for p, b in contents.items()},
                                        bundle=str(bundle.root)), contents)
            event = Event(repo.next_seq(), "deploy", bundle.revision, exp.revision,
                          bundle.revision, message="sendim up",
                          changes={"add": sorted(bundle.manifest), "change": [], "remove": []})
            exp.revision, exp.bundle = bundle.revision, str(bundle.root)
            txn.create(repo.history_key(event.seq), repo.event_bytes(event))
        else:
            exp.revision = exp.bundle = None       # the built-in routing
        txn.set(experiments.key(exp.name), experiments.record(exp), claim.version)
        txn.commit()
        return exp

    def undo(self) -> None:
        """Take down whatever this ``up`` started (any order of failure)."""
        if self.rt.get("work"):
            teardown(self.rt, keep_files=False)
        elif self.rt.get("slot") is not None:
            _slots.release(self.rt["slot"], self.rt["token"])


def down(store: StateStore, name: str, *, forget: bool = False,
         keep_files: bool = False) -> tuple[Experiment, list[str]]:
    """Take experiment *name* down completely; (its record now, what could not be removed).

    The record is marked ``down`` (revisions, tags and runs stay), or removed
    with *forget*; with leftovers it is marked ``failed`` and keeps its runtime,
    so that ``down`` can be tried again.
    """
    experiments = Experiments(store)
    with experiments.lock(name, 300.0):
        exp, version = experiments.require(name)
        remaining: list[str] = []
        if exp.runtime.get("work"):
            if exp.host != socket.gethostname():
                raise EmulationError(f"experiment {name} runs on {exp.host}, not on this "
                                     f"machine: run sendim down there")
            remaining = teardown(exp.runtime, keep_files=keep_files)
        if forget and not remaining:
            experiments.remove(name)
            exp.status = DOWN
            return exp, []
        exp.status = FAILED if remaining else DOWN
        exp.since = None
        if not remaining:
            exp.runtime = {}
        experiments.update(exp, version)
        return exp, remaining
