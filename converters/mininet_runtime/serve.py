"""Serve mode: keep the network up and take commands on a Unix socket (``--serve``).

A long-lived experiment (``sendim up``) builds its network once and then
runs traffic on it many times. Before the switches connect, the script tunes
their controller connections (:func:`tune_controllers`: reconnect within a
second, so that a restarted controller gets its switches back quickly);
once every switch has connected it listens on the socket and prints
``sendim-phase ready``. One JSON request per connection,
one JSON line answered::

    {"op": "ping"}                                   -> {"ok": true, "pid": ..., "busy": false}
    {"op": "run", "out": DIR, "flows": [...], "events": [...], "pingall": true,
     "settle": 0.0, "duration": null, "max_time": null}
                                                     -> {"ok": true, "results": DIR/results.json}
    {"op": "node", "node": ID, "argv": [...], "timeout": 30}
                                                     -> {"ok": true, "rc": 0, "output": "..."}
    {"op": "node", "node": ID, "argv": [...], "wait": false, "log": FILE}
                                                     -> {"ok": true, "pid": ..., "rc": null}
    {"op": "cancel"}                                 -> {"ok": true, "cancelled": true}
    {"op": "stop"}                                   -> {"ok": true}, then the network goes down

A ``node`` request with ``"wait": false`` starts the command (output to
``log``, or nowhere) and answers after ``START_GRACE`` (with its exit code if
it has ended by then); it runs until the network stops, when it is killed
with the rest. ``run`` is the one-shot traffic phase (:class:`Experiment`)
with the request's flows and events on the running network; its results document is
the same as a one-shot run's. Requests that use the network run one at a
time. ``cancel`` (a client's Ctrl-C) ends the
request in progress, the network stays up: a node command is killed with
its process group, a traffic run is interrupted. The socket is created with
mode 0600 (only root may command it).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import socketserver
import subprocess
import threading
import time

from converters.mininet_runtime.main import (  # runtime: local
    Experiment, phase, results_document)  # runtime: local
from converters.mininet_runtime.network import Network, run  # runtime: local

MAX_BACKOFF_MS = 1000
"""Switches retry a lost controller connection at least this often (OVS default: 8 s)."""
MAX_REQUEST = 16 * 2**20
MAX_OUTPUT = 2**20
NODE_TIMEOUT = 30.0
START_GRACE = 0.2
"""Seconds a command started without waiting has to fail at once (its exit code is answered)."""


def tune_controllers(bridges: list[str], max_backoff_ms: int = MAX_BACKOFF_MS) -> None:
    """Reconnect *bridges* to their controller within *max_backoff_ms* once it comes back."""
    if not bridges:
        return
    res = run(["ovs-vsctl", "-f", "json", "--columns=controller", "list", "bridge", *bridges])
    try:
        rows = json.loads(res.stdout)["data"]
    except (ValueError, KeyError):
        return
    uuids: list[str] = []
    for (ctl,) in rows:
        if ctl and ctl[0] == "uuid":
            uuids.append(ctl[1])
        elif ctl and ctl[0] == "set":
            uuids += [u[1] for u in ctl[1]]
    if uuids:
        args = ["ovs-vsctl", "--timeout=30"]
        for u in uuids:
            args += ["--", "set", "controller", u, f"max_backoff={int(max_backoff_ms)}"]
        run(args)


class Service:
    """What the requests act on: the network, its data, the run in progress."""

    def __init__(self, network: Network, data: dict, args: argparse.Namespace,
                 setup: dict) -> None:
        self.network, self.data, self.args, self.setup = network, data, args, setup
        self.busy = threading.Lock()
        self.current: Experiment | None = None
        self.stop = threading.Event()
        self.hosts = {row[0] for row in data["hosts"]}
        self.background: list[subprocess.Popen] = []
        self.current_proc: subprocess.Popen | None = None
        self.cancelled = False
        self._guard = threading.Lock()          # cancelled and current_proc change together

    def handle(self, req: dict) -> dict:
        op = req.get("op")
        if op == "ping":
            return {"ok": True, "pid": os.getpid(), "busy": self.busy.locked()}
        if op == "stop":
            self.stop.set()
            current = self.current
            if current is not None:
                current.interrupt()
            return {"ok": True}
        if op == "cancel":
            return {"ok": True, "cancelled": self.cancel()}
        if op not in ("run", "node"):
            return {"ok": False, "error": f"unknown request {op!r}"}
        if self.stop.is_set():
            return {"ok": False, "error": "the network is stopping"}
        with self.busy:
            try:
                return self.run_traffic(req) if op == "run" else self.node_command(req)
            finally:
                with self._guard:
                    self.cancelled = False

    def cancel(self) -> bool:
        """End the request in progress, if any (it may not have started its process yet)."""
        with self._guard:
            if not self.busy.locked():
                return False
            self.cancelled = True
            proc, current = self.current_proc, self.current
        if current is not None:
            current.interrupt()
        if proc is not None:
            _kill_group(proc)
        return True

    def run_traffic(self, req: dict) -> dict:
        flows, events = list(req.get("flows") or []), list(req.get("events") or [])
        for flow in flows:
            for end in (flow.get("src"), flow.get("dst")):
                if end not in self.hosts:
                    return {"ok": False, "error": f"flow {flow.get('id')}: no host {end!r}"}
        out = str(req["out"])
        os.makedirs(out, exist_ok=True)
        data = {**self.data, "flows": flows, "events": events,
                "settle": float(req.get("settle") or 0.0), "duration": req.get("duration")}
        args = argparse.Namespace(**vars(self.args))
        args.pingall = bool(req.get("pingall"))
        args.no_traffic = False
        args.max_time = req.get("max_time")
        started_at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        wall0 = time.monotonic()
        experiment = Experiment(self.network, data, args, out)
        with self._guard:
            self.current = experiment
            if self.cancelled:
                self.current = None
                return {"ok": False, "error": "cancelled"}
        try:
            parts = experiment.run()
            doc = results_document(self.network, experiment, parts, args, started_at, wall0,
                                   self.setup)
        finally:
            experiment.kill_all()
            self.current = None
        path = os.path.join(out, "results.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
        return {"ok": True, "results": path}

    def node_command(self, req: dict) -> dict:
        node, argv = req.get("node"), req.get("argv")
        if node not in self.network.nodes:
            return {"ok": False, "error": f"no node {node!r} in this network"}
        if not argv or not all(isinstance(a, str) for a in argv):
            return {"ok": False, "error": "argv must be a non-empty list of strings"}
        label = " ".join(argv)[:200]          # the teardown's marker: part of the cmdline
        if req.get("wait") is False:
            return self.start_background(node, argv, req.get("log"), label)
        timeout = float(req.get("timeout") or NODE_TIMEOUT)
        proc = self.network.popen(node, argv, subprocess.PIPE, label)
        with self._guard:
            self.current_proc, doomed = proc, self.cancelled
        if doomed:
            _kill_group(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, _ = proc.communicate()
            return {"ok": True, "rc": None, "timed_out": True,
                    "output": out[-MAX_OUTPUT:].decode(errors="replace")}
        finally:
            with self._guard:
                self.current_proc = None
        answer = {"ok": True, "rc": proc.returncode,
                  "output": out[-MAX_OUTPUT:].decode(errors="replace")}
        if self.cancelled:
            answer["cancelled"] = True
        return answer

    def start_background(self, node: str, argv: list[str], log: object, label: str) -> dict:
        if log is not None and not isinstance(log, str):
            return {"ok": False, "error": "log must be a file path"}
        with open(log or os.devnull, "ab") as out:
            proc = self.network.popen(node, argv, out, label)
        self.background.append(proc)
        time.sleep(START_GRACE)
        return {"ok": True, "pid": proc.pid, "rc": proc.poll()}

    def stop_background(self) -> None:
        """Kill the commands started without waiting (the network's teardown would too)."""
        for proc in self.background:
            _kill_group(proc)
        for proc in self.background:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill a node command and what its shell started (``mnexec -d`` made it a
    session leader, so its process group is its own)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(MAX_REQUEST)
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("a request is a JSON object")
            answer = self.server.service.handle(req)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - answered, the server goes on
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        try:
            self.wfile.write((json.dumps(answer) + "\n").encode())
        except OSError:
            pass


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve(network: Network, data: dict, args: argparse.Namespace, setup: dict) -> None:
    """Answer requests on ``args.serve`` until a ``stop`` request (or SIGTERM: Stopped)."""
    path = args.serve
    if os.path.exists(path):
        os.unlink(path)
    old = os.umask(0o177)
    try:
        server = _Server(path, _Handler)
    finally:
        os.umask(old)
    server.service = Service(network, data, args, setup)  # type: ignore[attr-defined]
    server.timeout = 0.5
    try:
        phase("ready", control=path, pid=os.getpid())
        while not server.service.stop.is_set():  # type: ignore[attr-defined]
            server.handle_request()
        phase("stopping", reason="stop requested")
    finally:
        server.service.stop_background()  # type: ignore[attr-defined]
        server.server_close()
        try:
            os.unlink(path)
        except OSError:
            pass


def request(path: str, req: dict, timeout: float | None = None) -> dict:
    """Send one request to a serving script (a client, for tests and tools)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall((json.dumps(req) + "\n").encode())
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return json.loads(b"".join(chunks) or b"{}")
