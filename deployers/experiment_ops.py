"""Working with a running emulation: its status, traffic on it, commands in its nodes.

``sendim exec NAME --flows flows.xml`` composes the running system's
topology (switches, hosts, links as they were brought up) with flow files
that refer to its hosts and links, runs those flows (and events, and the
ping test with ``--pingall``) on the running network through its control
channel, and writes the results in the shared schema into a run directory,
with the app revision running at the time in ``meta.app_revisions`` (so two
revisions can be set side by side with ``sendim compare``). Runs hold the
experiment's lock: a deploy waits for the traffic to finish, and the other
way round. Timed link/node events change the running network for good
(until an event brings it back).
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

from sendim.deploy import RunRequest
from sendim.errors import EmulationError, InputError
from sendim.experiments import Experiment, Experiments
from sendim.model import Deployment
from sendim.store.base import StateStore

from deployers._live import Health, Live
from deployers.experiment import UP

EXEC_MARGIN = 120.0
MONITOR_WRITE_EVERY = 0.2
"""Seconds between two status-file writes of :mod:`deployers.ryu_monitor` (its WRITE_EVERY)."""


def running(exp: Experiment) -> Live:
    """The live parts of *exp*; an error unless it is up on this machine."""
    if exp.realization != "emulation" or exp.status != UP or not exp.runtime.get("work"):
        raise InputError(f"experiment {exp.name} is not a running emulation "
                         f"(status {exp.status}, {exp.realization}): bring it up with sendim up")
    if exp.host != socket.gethostname():
        raise EmulationError(f"experiment {exp.name} runs on {exp.host}: run this there")
    return Live(exp.runtime)


def status_of(exp: Experiment) -> dict[str, Any]:
    """What ``sendim status`` shows of *exp*; health only when it runs on this machine."""
    rt = exp.runtime
    doc: dict[str, Any] = {
        "name": exp.name, "tenant": exp.tenant, "realization": exp.realization,
        "status": exp.status, "revision": exp.revision, "pending": exp.pending,
        "bundle": exp.bundle, "since": exp.since, "host": exp.host, "updated": exp.updated,
        "port": rt.get("port"), "slot": rt.get("prefix"), "work": rt.get("work"),
        "switches": len(rt.get("switches", {})), "hosts": len(rt.get("hosts", {})),
        "on_boot": rt.get("on_boot"), "health": None}
    if exp.status == UP and rt.get("work") and exp.host == socket.gethostname():
        live = Live(rt)
        health: Health = live.health()
        doc["health"] = health.to_dict()
        net = live.network()
        doc["network_pid"] = net.pid if net else None
    return doc


def _composed(live: Live, flow_files: list[str], pingall: bool) -> Any:
    from sendim.parser import load_system
    if flow_files:
        return load_system([str(live.file("topology.xml")), *flow_files])
    if pingall:
        return load_system(str(live.file("topology.xml")))
    system = load_system(str(live.file("system.xml")))
    if not system.flows and not system.events:
        raise InputError("nothing to run: give --flows FILE or --pingall (the system declares "
                         "no flows of its own)")
    return system


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    out = {}
    for kind, n in after.items():
        d = n - before.get(kind, 0)
        out[kind] = n if d < 0 else d          # a restart in between: counts began again
    return {k: v for k, v in out.items() if v}


def exec_traffic(store: StateStore, name: str, flow_files: list[str] | None = None, *,
                 pingall: bool = False, run_dir: str | Path | None = None,
                 settle: float = 0.0, max_time: float | None = None,
                 lock_timeout: float = 300.0) -> tuple[Any, Path]:
    """Run flows (and/or the ping test) on running experiment *name*; (Results, run dir).

    Without *flow_files* and *pingall*, the system's own flows and events run.
    """
    from converters.mininet import script_data
    from deployers.mininet import _expected_traffic_s
    from sendim.results import Results, new_run_dir, write_results

    experiments = Experiments(store)
    with experiments.lock(name, lock_timeout):
        exp, _ = experiments.require(name)
        live = running(exp)
        system = _composed(live, list(flow_files or []), pingall)
        data = script_data(system, name_prefix=str(exp.runtime["prefix"]))
        out = Path(run_dir) if run_dir else new_run_dir("runs", name)
        out.mkdir(parents=True, exist_ok=True)
        out = out.resolve()
        dep = Deployment(settle=settle)
        limit = _expected_traffic_s(RunRequest(system, dep, pingall=pingall)) * 3 + EXEC_MARGIN
        before = live.controller_counts()
        t0 = time.monotonic()
        answer = live.request({"op": "run", "out": str(out / "emulation"),
                               "flows": data["flows"], "events": data["events"],
                               "pingall": pingall, "settle": settle, "duration": None,
                               "max_time": max_time}, timeout=limit)
        wall = time.monotonic() - t0
        time.sleep(2.5 * MONITOR_WRITE_EVERY)      # the monitor's last counts reach its file
        try:
            doc = json.loads(Path(answer["results"]).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise EmulationError(f"the running network wrote no results: {exc}") from exc
        doc["controller"] = _delta(before, live.controller_counts())
        meta = doc.setdefault("meta", {})
        label = Path(exp.bundle).name if exp.bundle else "deployers.ryu_builtin"
        meta.update({"app_revisions": {label: exp.revision} if exp.revision else {},
                     "experiment": name, "tenant": exp.tenant, "run_dir": str(out),
                     "deployer_wall_time_s": round(wall, 6)})
        meta["notes"] = [f"ran on the running experiment {name} (app revision "
                         f"{(exp.revision or 'built-in')[:12]})"] + list(meta.get("notes", []))
        results = Results.from_dict(doc)
        write_results(results, out)
        reach = results.reachability
        experiments.add_run(name, {
            "run_dir": str(out), "revision": exp.revision, "pingall": pingall,
            "flows": len(results.flows),
            "reachable": None if reach is None else f"{reach.reachable}/{reach.pairs}"})
    return results, out


def exec_node(store: StateStore, name: str, node: str, argv: list[str],
              timeout: float = 30.0) -> tuple[int | None, str]:
    """Run *argv* inside node *node* of running experiment *name*; (exit code, output).

    The exit code is None when the command ran past *timeout* (it was killed).
    """
    exp, _ = Experiments(store).require(name)
    live = running(exp)
    if not argv:
        raise InputError("give the command to run after --")
    answer = live.request({"op": "node", "node": node, "argv": list(argv),
                           "timeout": timeout}, timeout=timeout + 30)
    return answer.get("rc"), str(answer.get("output", ""))
