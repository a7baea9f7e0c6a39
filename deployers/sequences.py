"""Command sequences on a running experiment: VNX's ``<exec seq=...>``.

``sendim exec NAME --seq start`` expands sequence ``start`` of the running
system (its ``<exec>`` steps in declaration order, ``<cmd-seq>``
compositions unfolded) and runs each step inside its node through the
network script's ``node`` request: ``sh -c COMMAND``, waiting for it
(``ostype="system"``) or leaving it running (``ostype="exec"``, its output
in a log file of the run directory). The first step that fails (exit code
other than 0, or past its timeout) stops the sequence unless *keep_going*;
the steps after it are reported as skipped. The report, ``exec.json`` in the
run directory, has one entry per step with its exit code, output and time.
``sendim up`` runs the sequence ``on_boot`` this way once the network is up.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from sendim.errors import EmulationError
from sendim.experiments import Experiment, Experiments
from sendim.model import BOOT_SEQUENCE, Exec, System, sequence_names, steps
from sendim.store.base import StateStore

from deployers._live import Live

DEFAULT_TIMEOUT = 30.0
"""Seconds a waiting step may take when its ``<exec>`` gives no timeout."""
ANSWER_MARGIN = 30.0


@dataclass(slots=True)
class StepResult:
    """What one step did. ``status``: ok, failed, timed-out, started or skipped."""

    node: str
    command: str
    wait: bool
    status: str = "skipped"
    rc: int | None = None
    output: str = ""
    seconds: float = 0.0
    pid: int | None = None
    log: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "timed-out")


@dataclass(slots=True)
class SequenceReport:
    """A sequence run: its steps, in order, and whether all went well."""

    sequence: str
    steps: list[StepResult] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(s.failed or s.status == "skipped" for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "ok": self.ok, "wall_s": round(self.wall_s, 6),
                "steps": [asdict(s) for s in self.steps]}


def run_steps(live: Live, sequence: str, todo: list[Exec], log_dir: Path, *,
              keep_going: bool = False, default_timeout: float = DEFAULT_TIMEOUT,
              say: Callable[[StepResult], None] | None = None) -> SequenceReport:
    """Run *todo* (the steps of *sequence*) in the running network of *live*, in order."""
    report = SequenceReport(sequence, [StepResult(x.node, x.command, x.wait) for x in todo])
    t0 = time.monotonic()
    stopped = False
    for n, (step, result) in enumerate(zip(todo, report.steps), 1):
        if stopped:
            continue
        req: dict[str, Any] = {"op": "node", "node": step.node, "argv": ["sh", "-c", step.command]}
        s0 = time.monotonic()
        if step.wait:
            timeout = step.timeout or default_timeout
            answer = live.request({**req, "timeout": timeout}, timeout=timeout + ANSWER_MARGIN)
            result.rc, result.output = answer.get("rc"), str(answer.get("output", ""))
            result.status = ("timed-out" if answer.get("timed_out") or result.rc is None
                             else "ok" if result.rc == 0 else "failed")
        else:
            log_dir.mkdir(parents=True, exist_ok=True)
            result.log = str(log_dir / f"step{n:03d}-{step.node}.log")
            answer = live.request({**req, "wait": False, "log": result.log})
            result.pid, result.rc = answer.get("pid"), answer.get("rc")
            result.status = "started" if result.rc in (None, 0) else "failed"
        result.seconds = round(time.monotonic() - s0, 6)
        if say is not None:
            say(result)
        stopped = result.failed and not keep_going
    report.wall_s = time.monotonic() - t0
    return report


def exec_sequence(store: StateStore, name: str, sequence: str, *,
                  run_dir: str | Path | None = None, keep_going: bool = False,
                  default_timeout: float = DEFAULT_TIMEOUT, lock_timeout: float = 300.0,
                  say: Callable[[StepResult], None] | None = None
                  ) -> tuple[SequenceReport, Path]:
    """Run command sequence *sequence* of running experiment *name*; (report, run dir).

    Holds the experiment's lock, like traffic runs; writes ``exec.json`` into
    the run directory and records the run in the experiment's history.
    """
    from sendim.results import new_run_dir, now_iso

    experiments = Experiments(store)
    with experiments.lock(name, lock_timeout):
        exp, live, todo = _running_steps(experiments, name, sequence)
        out = Path(run_dir) if run_dir else new_run_dir("runs", f"{name}-{sequence}")
        out.mkdir(parents=True, exist_ok=True)
        out = out.resolve()
        started_at = now_iso()
        report = run_steps(live, sequence, todo, out, keep_going=keep_going,
                           default_timeout=default_timeout, say=say)
        doc = {"experiment": name, "tenant": exp.tenant, "revision": exp.revision,
               "started_at": started_at, **report.to_dict()}
        (out / "exec.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
        experiments.add_run(name, {"run_dir": str(out), "revision": exp.revision,
                                   "sequence": sequence, "ok": report.ok,
                                   "steps": len(report.steps)})
    return report, out


def _running_steps(experiments: Experiments, name: str,
                   sequence: str) -> tuple[Experiment, Live, list[Exec]]:
    """Running experiment *name*, its live parts and the steps of its *sequence*."""
    from deployers.experiment_ops import running

    exp, _ = experiments.require(name)
    live = running(exp)
    return exp, live, steps(running_system(live), sequence)


def running_system(live: Live) -> System:
    """The system the running experiment was brought up with (its sequences included)."""
    from sendim.parser import load_system

    path = live.file("system.xml")
    if not path.exists():
        raise EmulationError(f"the experiment's system file {path} is gone")
    return load_system(str(path))


def sequence_plan(store: StateStore, name: str, sequence: str) -> list[Exec]:
    """The steps *sequence* of running experiment *name* would run (``--dry-run``)."""
    return _running_steps(Experiments(store), name, sequence)[2]


def boot(live: Live, system: System, say: Callable[[str], None]) -> dict[str, Any] | None:
    """Run *system*'s ``on_boot`` sequence, if it has one, on the network just brought up.

    Writes ``on_boot.json`` into the work directory and returns its summary;
    raises :class:`EmulationError` (so that ``up`` takes everything down)
    naming the first step that failed.
    """
    if BOOT_SEQUENCE not in sequence_names(system):
        return None
    todo = steps(system, BOOT_SEQUENCE)
    say(f"running sequence {BOOT_SEQUENCE} ({len(todo)} steps)")
    report = run_steps(live, BOOT_SEQUENCE, todo, live.file(BOOT_SEQUENCE))
    path = live.file(f"{BOOT_SEQUENCE}.json")
    path.write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")
    if not report.ok:
        bad = next(s for s in report.steps if s.failed)
        tail = " | ".join(bad.output.strip().splitlines()[-3:])
        raise EmulationError(f"sequence {BOOT_SEQUENCE} failed at {bad.node}$ {bad.command} "
                             f"({bad.status}, rc {bad.rc})" + (f": {tail}" if tail else ""))
    return {"report": str(path), "steps": len(report.steps), "wall_s": round(report.wall_s, 3)}
