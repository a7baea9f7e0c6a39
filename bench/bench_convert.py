"""Benchmark of the Mininet converter against writing the same system as XML.

    python bench/bench_convert.py [--nodes 1000,10000,100000] [--repeat 3]

For each size it builds a linear system (N/2 switches with one host each:
N nodes, N-1 links, one flow per 100 hosts), then measures in the same run:

  (a) ``sendim.parser.write_system`` to a string (the baseline: one pass
      that writes every element once),
  (b) ``converters.mininet.convert`` to a string (the generated script),

and prints conversion time and script size per link, and the ratio (b)/(a).
Linear growth shows as a constant per-link cost across sizes. Times are CPU
time of this process (steadier than wall time on a busy machine), best of
``--repeat``.
"""

from __future__ import annotations

import argparse
import gc
import json
import time

clock = time.process_time


def system_of(nodes: int):
    from sendim.model import Flow
    from sendim.topology import generators

    system = generators.linear(max(1, nodes // 2), hosts_per_switch=1, bw="100Mbps",
                               delay="1ms", name=f"linear-{nodes}")
    hosts = list(system.hosts)
    for i in range(0, len(hosts) - 1, 100):
        system.flows.append(Flow(f"f{i}", hosts[i], hosts[-1 - i] if hosts[-1 - i] != hosts[i]
                                 else hosts[0], size=1_000_000))
    return system


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        gc.collect()
        t = clock()
        out = fn()
        times.append(clock() - t)
    return min(times), out


def measure(nodes: int, repeat: int) -> dict:
    from converters.mininet import convert
    from sendim.parser import write_system

    system = system_of(nodes)
    links = len(system.links)
    t_xml, xml = best(lambda: write_system(system), repeat)
    t_conv, script = best(lambda: convert(system), repeat)
    return {
        "nodes": system.node_count, "links": links, "flows": len(system.flows),
        "xml_s": round(t_xml, 4), "convert_s": round(t_conv, 4),
        "ratio": round(t_conv / t_xml, 2) if t_xml else None,
        "convert_us_per_link": round(t_conv / links * 1e6, 2),
        "script_bytes": len(script), "script_bytes_per_link": round(len(script) / links, 1),
        "xml_bytes_per_link": round(len(xml) / links, 1),
        "readable": "json.loads(" not in script.split("# ---- runtime:")[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", default="1000,10000,100000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = [measure(int(n), args.repeat) for n in args.nodes.split(",")]
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"{'nodes':>7} {'links':>7} {'xml s':>8} {'convert s':>10} {'ratio':>6} "
          f"{'µs/link':>8} {'script B/link':>14} {'xml B/link':>11}")
    for r in rows:
        print(f"{r['nodes']:>7} {r['links']:>7} {r['xml_s']:>8.3f} {r['convert_s']:>10.3f} "
              f"{r['ratio']:>6.2f} {r['convert_us_per_link']:>8.2f} "
              f"{r['script_bytes_per_link']:>14.1f} {r['xml_bytes_per_link']:>11.1f}")
    first, last = rows[0], rows[-1]
    growth = (last["convert_us_per_link"] / first["convert_us_per_link"]
              if first["convert_us_per_link"] else float("nan"))
    print(f"per-link conversion cost, largest / smallest size: {growth:.2f} (1.0 = linear)")


if __name__ == "__main__":
    main()
