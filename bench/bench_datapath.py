"""Packets per second through ``Datapath.process`` with 1k and 10k installed
exact-match entries (Ryu simple_switch_13 shape: in_port, eth_dst, eth_src),
compared with a plain dict lookup of the same keys measured in the same run.

    python bench/bench_datapath.py [--packets N]
"""

from __future__ import annotations

import argparse
import time

from sendim.simulator import packets as pk
from sendim.simulator.openflow import (
    OFPCML_NO_BUFFER, OFPP_CONTROLLER, ApplyActions, Datapath, FlowMod, Match, Output,
)

N_PORTS = 8


def build(n_entries: int) -> tuple[Datapath, list[tuple[bytes, int]], dict]:
    dp = Datapath(1, [(p, p, f"s1-eth{p}", 10**9) for p in range(1, N_PORTS + 1)])
    dp.handle(FlowMod(priority=0, instructions=[ApplyActions([Output(OFPP_CONTROLLER, OFPCML_NO_BUFFER)])]), 0)
    frames, plain = [], {}
    for i in range(n_entries):
        in_port, out_port = 1 + i % N_PORTS, 1 + (i + 1) % N_PORTS
        src, dst = 0x020000000000 + i, 0x020000100000 + i
        dp.handle(FlowMod(priority=1, match=Match(in_port=in_port, eth_dst=dst, eth_src=src),
                          instructions=[ApplyActions([Output(out_port)])]), 0)
        plain[(in_port, dst, src)] = out_port
        frames.append((pk.build_frame(src, dst, ipv4_src=i + 1, ipv4_dst=i + 2, udp_src=1000,
                                      udp_dst=2000, size=1000), in_port))
    return dp, frames, plain


def rate(fn, n: int, repeat: int = 5) -> float:
    """Best of ``repeat`` runs of ``n // repeat`` calls (robust to a busy machine)."""
    k = max(1, n // repeat)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(k)
        best = min(best, time.perf_counter() - t0)
    return k / best


def bench(n_entries: int, n_packets: int) -> None:
    dp, frames, plain = build(n_entries)
    m = len(frames)

    def run_process(n: int) -> None:
        process = dp.process
        for i in range(n):
            f, p = frames[i % m]
            process(f, p, 0.0)

    headers = [pk.parse_headers(f) for f, _ in frames]
    for h, (_, p) in zip(headers, frames):
        h.in_port = p
    table = dp.tables[0]

    def run_lookup(n: int) -> None:
        lookup = table.lookup
        for i in range(n):
            lookup(headers[i % m])

    def run_parse(n: int) -> None:
        parse = pk.parse_headers
        for i in range(n):
            parse(frames[i % m][0])

    keys = [(p, h.eth_dst, h.eth_src) for h, (_, p) in zip(headers, frames)]

    def run_dict(n: int) -> None:
        get = plain.get
        for i in range(n):
            get(keys[i % m])

    run_process(min(n_packets, 2000))  # warm up
    r_proc = rate(run_process, n_packets)
    r_look = rate(run_lookup, n_packets)
    r_parse = rate(run_parse, n_packets)
    r_dict = rate(run_dict, n_packets)
    hits = sum(e.packet_count for e in table.entries() if e.priority == 1)
    assert hits > 0 and dp.tables[0].matched_count == dp.tables[0].lookup_count
    print(f"{n_entries:>6} entries: process {r_proc:>10,.0f} pkt/s | table lookup {r_look:>10,.0f}/s"
          f" | parse_headers {r_parse:>10,.0f}/s | plain dict {r_dict:>12,.0f}/s"
          f" | process/dict = 1/{r_dict / r_proc:.1f}, lookup/dict = 1/{r_dict / r_look:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packets", type=int, default=200_000)
    args = ap.parse_args()
    for n in (1_000, 10_000):
        bench(n, args.packets)


if __name__ == "__main__":
    main()
