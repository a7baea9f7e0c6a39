"""Systems and run helpers shared by the emulation tests (small: CI runs them)."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import sendim
from sendim.model import (
    AppSpec, Controller, Deployment, Environment, Fallback, Flow, Granularity, System)
from sendim.topology import generators
from deployers._procs import environ

MB = 1_000_000
PACKET = Granularity.PACKET
"""Bulk flows are simulated packet by packet: that model counts the headers a real
link carries (10 Mbit/s of frames is 9.6 Mbit/s of TCP payload); the fluid model's
payload-at-line-rate is 4 % optimistic against any real network."""
FAT_TREE_START = 6.0
"""Flows start after the ping test (240 pairs) is over: in the emulation, a burst of
route installs slows Open vSwitch's userspace datapath for a moment, which the
simulator does not model; the comparison is about steady bulk transfers."""


def _access_bottleneck(system: System, bw: float = 10e6) -> System:
    """Hosts' own links at *bw*, the fabric at 100 Mbps: each flow's bottleneck is its
    access link, so no congested queue is shared (neither by data nor by ACKs)."""
    for link in system.links:
        if link.src in system.hosts or link.dst in system.hosts:
            link.bandwidth = bw
    return system


def tree_system() -> System:
    """tree(2, 2): 3 switches, 4 hosts; two 8 MB flows in opposite directions through the
    root, starting after the ping test."""
    system = _access_bottleneck(generators.tree(2, 2, bw="100Mbps", name="emu-tree"))
    system.flows += [Flow("f1", "h1", "h3", size=8 * MB, start=2.0, granularity=PACKET),
                     Flow("f2", "h4", "h2", size=8 * MB, start=2.0, granularity=PACKET)]
    return system


def fat_tree_system() -> System:
    """k=4 fat-tree (20 switches, 16 hosts); three 8 MB flows on disjoint paths."""
    system = _access_bottleneck(generators.fat_tree(4, bw="100Mbps", name="emu-fat-tree"))
    system.flows += [Flow("cross", "h1", "h13", size=8 * MB, start=FAT_TREE_START, granularity=PACKET),
                     Flow("pod1", "h5", "h8", size=8 * MB, start=FAT_TREE_START, granularity=PACKET),
                     Flow("pod2", "h9", "h12", size=8 * MB, start=FAT_TREE_START, granularity=PACKET)]
    return system


def deployment(env: str, name: str, apps: list[str] | None = None, *,
               fallback: Fallback | None = None) -> Deployment:
    return Deployment(environment=Environment(env), name=name, seed=1,
                      controller=Controller(apps=[AppSpec(a) for a in apps or []]),
                      fallback=fallback or Fallback())


def run(system: System, dep: Deployment, run_dir: Path, *, pingall: bool = True) -> dict[str, Any]:
    """Run through the public API; return the results document written to *run_dir*."""
    sendim.run(system, dep, pingall=pingall, run_dir=run_dir)
    return json.loads((run_dir / "results.json").read_text())


def sim_and_emu(system: System, apps: list[str] | None, tmp: Path) -> tuple[Path, Path]:
    """The same system and apps simulated, then emulated; the two run directories."""
    sim_dir, emu_dir = tmp / "sim", tmp / "emu"
    run(system, deployment("simulation", "sim", apps), sim_dir)
    run(system, deployment("emulation", "emu", apps, fallback=Fallback(to=None)), emu_dir)
    return sim_dir, emu_dir


def pairs(doc: dict[str, Any]) -> dict[tuple[str, str], bool]:
    return {(p["src"], p["dst"]): p["received"] > 0 for p in doc["pings"] if p["flow"] is None}


def with_fallback(dep: Deployment, **kw: Any) -> Deployment:
    return replace(dep, fallback=replace(dep.fallback, **kw))


def find_script_pid(run_dir: Path) -> int | None:
    """The generated script of *run_dir*'s emulation (its path is on its command line)."""
    script = str(run_dir.resolve() / "emulation" / "net.py")
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if len(argv) > 1 and argv[1].decode(errors="replace") == script:
                return int(entry)
    return None


def _proc_lines() -> dict[int, str]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            out[int(entry)] = cmd
    return out


def state(tag: str) -> dict[str, set]:
    """What an emulation could leave behind; controllers counted only if they are ours (*tag*)."""
    bridges = subprocess.run(["ovs-vsctl", "--timeout=10", "list-br"], capture_output=True,
                             text=True).stdout.split()
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split("\n")
    procs = _proc_lines()
    return {
        "bridges": set(bridges),
        "netns": {line.split()[0] for line in netns if line.strip()},
        "mininet shells": {p for p, c in procs.items() if "mininet:" in c and "bash" in c},
        "iperf3": {p for p, c in procs.items() if c.startswith("iperf3 ")},
        "controllers": {p for p, c in procs.items()
                        if "sendim.ryuapp.launcher" in c and tag in environ(p)},
        "interfaces": {n for n in os.listdir("/sys/class/net") if "-eth" in n},
    }


def leaked(before: dict[str, set], after: dict[str, set]) -> dict[str, set]:
    return {k: after[k] - before[k] for k in after if after[k] - before[k]}
