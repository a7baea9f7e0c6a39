"""Benchmark of the descriptor parser against bare lxml.

    python bench/bench_parse.py [--sizes 1000,10000] [--degree 10,100]

For N switches of average degree D (N*D/2 links) it generates a system file
and measures, each in a fresh subprocess so peak memory is its own:

  (a) ``lxml.etree.parse`` of the file (a tree, no validation),
  (b) ``lxml.etree.iterparse`` reading every element's attributes and
      freeing elements as it goes (the floor for a streaming reader),
  (c) ``sendim.parser.load_system`` (streaming + XSD validation + model
      objects + ``resolve`` + ``check``); its phases are timed apart in
      one more process.

It prints time per link, peak RSS and the ratios (c)/(a) and (c)/(b).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

clock = time.process_time
"""CPU time of the measuring process: steadier than wall time on a busy machine."""


def generate(path: Path, switches: int, degree: int, seed: int = 1) -> int:
    """Write a system of *switches* switches and switches*degree/2 links."""
    rnd = random.Random(seed)
    links = switches * degree // 2
    bws = ("10Mbps", "100Mbps", "1Gbps")
    delays = ("1ms", "2ms", "5ms", "10ms")
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<system name="bench">\n')
        f.writelines(f'  <switch id="s{i}"/>\n' for i in range(1, switches + 1))
        chunk = []
        for _ in range(links):
            a = rnd.randrange(1, switches + 1)
            b = rnd.randrange(1, switches)
            b = b if b < a else b + 1
            chunk.append(f'  <link src="s{a}" dst="s{b}" bw="{rnd.choice(bws)}" '
                         f'delay="{rnd.choice(delays)}"/>\n')
            if len(chunk) >= 10_000:
                f.writelines(chunk)
                chunk.clear()
        f.writelines(chunk)
        f.write("</system>\n")
    return links


# -- measurements, each run in its own process --------------------------------

def _measure_parse(path: str) -> dict[str, float]:
    from lxml import etree
    from sendim.parser.safe import safe_parser
    t = clock()
    tree = etree.parse(path, safe_parser())
    elapsed = clock() - t
    del tree
    return {"total": elapsed}


def _measure_iterparse(path: str) -> dict[str, float]:
    from lxml import etree
    from sendim.parser.safe import PARSER_OPTIONS
    t = clock()
    root = None
    count = 0
    for _, elem in etree.iterparse(path, events=("end",), **PARSER_OPTIONS):
        for _key, _value in elem.items():
            count += 1
        if root is None:
            root = elem.getroottree().getroot()
        if elem is not root:
            elem.clear()
            if elem.getprevious() is not None:
                del root[0]
    return {"total": clock() - t}


def _measure_load(path: str) -> dict[str, float]:
    from sendim.parser import load_system
    t = clock()
    load_system(path)
    return {"total": clock() - t}


def _measure_phases(path: str) -> dict[str, float]:
    """What load_system does, phase by phase."""
    from sendim.model import check, resolve
    from sendim.parser.system import SystemParser, _gc_paused
    with _gc_paused():
        t0 = clock()
        parser = SystemParser()
        parser.parse_file(path, path)
        t1 = clock()
        resolve(parser.system)
        t2 = clock()
        findings = check(parser.system)
        t3 = clock()
    assert not parser.invalid and not findings, (parser.invalid[:3], findings[:3])
    return {"stream": t1 - t0, "resolve": t2 - t1, "check": t3 - t2, "total": t3 - t0}


_MEASURES = {"parse": _measure_parse, "iterparse": _measure_iterparse, "load": _measure_load,
             "phases": _measure_phases}


def _child(kind: str, path: str) -> None:
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = _MEASURES[kind](path)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["base_mb"] = base / 1024
    print(json.dumps(result))


def _run(kind: str, path: Path, repeat: int) -> dict[str, float]:
    """The fastest of *repeat* measurements, each in a fresh process."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--measure", kind, str(path)],
                             check=True, capture_output=True, text=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return min(runs, key=lambda r: r["total"])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="switch counts, comma separated")
    ap.add_argument("--degree", default="10,100", help="average degrees, comma separated")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (the fastest counts)")
    ap.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        _child(*args.measure)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    degrees = [int(d) for d in args.degree.split(",")]
    header = (f"{'N':>7} {'D':>4} {'links':>9} {'MB':>6} | {'(a) parse':>10} {'(b) iterp':>10} "
              f"{'(c) load':>10} | {'stream':>7} {'resolve':>7} {'check':>7} | "
              f"{'c/a':>5} {'c/b':>5} | {'RSS a':>6} {'RSS b':>6} {'RSS c':>6}")
    print("CPU time per link in µs (fastest of --repeat runs); "
          "RSS = peak resident MB of the measuring process")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="sendim-bench-") as tmp:
        for n in sizes:
            for d in degrees:
                if d >= n:
                    continue
                path = Path(tmp) / f"system-{n}-{d}.xml"
                links = generate(path, n, d)
                size_mb = os.path.getsize(path) / 1e6
                a, b, c, phases = (_run(k, path, args.repeat)
                                   for k in ("parse", "iterparse", "load", "phases"))
                us = lambda r, key="total": r[key] / links * 1e6  # noqa: E731
                print(f"{n:>7} {d:>4} {links:>9} {size_mb:>6.1f} | {us(a):>10.2f} {us(b):>10.2f} "
                      f"{us(c):>10.2f} | {us(phases, 'stream'):>7.2f} {us(phases, 'resolve'):>7.2f} "
                      f"{us(phases, 'check'):>7.2f} | {c['total'] / a['total']:>5.1f} "
                      f"{c['total'] / b['total']:>5.1f} | {a['peak_mb']:>6.0f} {b['peak_mb']:>6.0f} "
                      f"{c['peak_mb']:>6.0f}", flush=True)
                path.unlink()


if __name__ == "__main__":
    main()
