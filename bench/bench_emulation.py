"""Benchmark of the emulation: sendim's own overhead, and simulated vs emulated build time.

    sudo python bench/bench_emulation.py [--overhead-repeat 2] [--sizes 50,100,150,200,250]

Needs root, Mininet, Open vSwitch and ryu (``bash scripts/components.sh mininet ryu``).

(1) Overhead. ``sendim.run(examples/dumbbell, emu.xml)`` end to end (pre-flight,
    conversion, controller start, the Mininet script, results, teardown), then
    the same generated script run bare: the same controller started by hand
    (``python -m sendim.ryuapp.launcher`` with the same apps), the script
    under ``/usr/bin/python3``, the controller stopped. Overhead is
    (sendim - bare) / bare, runs alternated, medians reported.

(2) Build time. Linear topologies of N switches with one host each: the
    simulator's build (``Simulation(system)`` plus connecting every switch
    to its controller, a run without traffic) against the emulation's
    build (Mininet hosts, switches, links, OVS started, every switch
    connected to ryu-manager; the script's ``build_s + connect_s``).
    Teardown time is reported apart.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sendim_run(out: Path) -> float:
    import sendim
    t = time.perf_counter()
    sendim.run(None, ROOT / "examples/dumbbell/emu.xml", run_dir=out)
    return time.perf_counter() - t


def _bare_run(script: Path, system_xml: Path, out: Path) -> float:
    from deployers._controller import ControllerProcess, free_port
    from deployers.mininet import DEFAULT_APP, MONITOR_APP

    out.mkdir(parents=True, exist_ok=True)
    status = out / "status.json"
    t = time.perf_counter()
    port = free_port()
    ctl = ControllerProcess([DEFAULT_APP, MONITOR_APP], port, out / "controller.log",
                            env={"SENDIM_SYSTEM_FILE": str(system_xml),
                                 "SENDIM_CONTROLLER_STATUS": str(status)})
    ctl.start()
    try:
        subprocess.run(["/usr/bin/python3", str(script), "--controller", f"127.0.0.1:{port}",
                        "--out", str(out), "--controller-status", str(status)],
                       check=True, capture_output=True, timeout=600)
    finally:
        ctl.stop()
    return time.perf_counter() - t


def overhead(repeat: int, work: Path) -> dict:
    totals, bares = [], []
    for i in range(repeat):
        run_dir = work / f"sendim{i}"
        totals.append(_sendim_run(run_dir))
        emu = run_dir / "emulation"
        bares.append(_bare_run(emu / "net.py", emu / "system.xml", work / f"bare{i}"))
    total, bare = statistics.median(totals), statistics.median(bares)
    return {"sendim_s": [round(x, 3) for x in totals], "bare_s": [round(x, 3) for x in bares],
            "median_sendim_s": round(total, 3), "median_bare_s": round(bare, 3),
            "overhead_s": round(total - bare, 3), "overhead": round((total - bare) / bare, 4)}


def sim_build(n: int) -> float:
    from sendim.simulator.engine import Simulation
    from sendim.topology import generators

    system = generators.linear(n)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        Simulation(system).run()
        times.append(time.perf_counter() - t)
    return min(times)


def emu_build(n: int, work: Path) -> dict:
    from converters.mininet import MininetConverter
    from deployers._controller import ControllerProcess, free_port
    from deployers.mininet import DEFAULT_APP, MONITOR_APP
    from sendim.parser import write_system
    from sendim.topology import generators

    system = generators.linear(n)
    out = work / f"linear{n}"
    out.mkdir(parents=True, exist_ok=True)
    write_system(system, out / "system.xml")
    script = MininetConverter().write(system, out / "net.py")
    status = out / "status.json"
    port = free_port()
    ctl = ControllerProcess([DEFAULT_APP, MONITOR_APP], port, out / "controller.log",
                            env={"SENDIM_SYSTEM_FILE": str(out / "system.xml"),
                                 "SENDIM_CONTROLLER_STATUS": str(status)})
    ctl.start()
    t = time.perf_counter()
    try:
        proc = subprocess.Popen(["/usr/bin/python3", str(script), "--controller",
                                 f"127.0.0.1:{port}", "--out", str(out), "--no-traffic",
                                 "--controller-status", str(status), "--connect-timeout", "900"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        t_stop = None
        for line in proc.stdout:
            if line.startswith("sendim-phase done"):
                t_stop = time.perf_counter()
        proc.wait(timeout=900)
    finally:
        ctl.stop()
    meta = json.loads((out / "results.json").read_text())["meta"]
    end = time.perf_counter()
    return {"build_s": meta["build_s"], "connect_s": meta["connect_s"],
            "teardown_s": round(end - (t_stop or end), 3), "total_s": round(end - t, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--overhead-repeat", type=int, default=2)
    ap.add_argument("--sizes", default="50,100,150,200,250")
    ap.add_argument("--skip-overhead", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_emulation needs root (Mininet)")
    from deployers._emuhost import ensure_ovs
    ensure_ovs()
    with tempfile.TemporaryDirectory(prefix="sendim-bench-emu-") as tmp:
        work = Path(tmp)
        if not args.skip_overhead:
            o = overhead(args.overhead_repeat, work)
            print(f"overhead: sendim {o['median_sendim_s']:.2f}s vs bare {o['median_bare_s']:.2f}s "
                  f"→ {o['overhead_s']:+.2f}s ({o['overhead']:+.1%})  runs {o['sendim_s']} / {o['bare_s']}",
                  flush=True)
        print(f"{'switches':>8} {'sim build s':>12} {'emu build s':>12} {'emu/sim':>8} "
              f"{'(build':>8} {'connect)':>9} {'teardown s':>11}", flush=True)
        for n in (int(x) for x in args.sizes.split(",")):
            s = sim_build(n)
            e = emu_build(n, work)
            emu = e["build_s"] + e["connect_s"]
            print(f"{n:>8} {s:>12.3f} {emu:>12.2f} {emu / s:>8.0f} {e['build_s']:>8.2f} "
                  f"{e['connect_s']:>9.2f} {e['teardown_s']:>11.2f}", flush=True)


if __name__ == "__main__":
    main()
