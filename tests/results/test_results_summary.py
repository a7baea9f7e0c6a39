"""The plain-text summary printed after a run."""

from __future__ import annotations

from results_samples import sample

from sendim.results import FlowResult, Results, summary_table
from sendim.results.summary import human_bytes, human_rate, human_time


def test_summary_shows_the_key_numbers():
    text = summary_table(sample())
    print(text)
    assert 'simulation of "dumbbell"' in text and "seed 7" in text
    assert "FALLBACK: ran as simulation: emulation setup took 75 s" in text
    line = next(x for x in text.splitlines() if x.strip().startswith("f1"))
    for part in ("h1 -> h2", "tcp", "10 MB", "800 ms", "100 Mbps", "s1>s2"):
        assert part in line
    unfinished = next(x for x in text.splitlines() if x.strip().startswith("f2"))
    assert "unfinished" in unfinished and "1.25 MB" in unfinished and " 3 " in unfinished
    ping = next(x for x in text.splitlines() if x.strip().startswith("h1 -> h2") and "ms" in x)
    assert "33%" in ping and "1.23 ms" in ping
    assert "Reachability: 11/12 pairs reachable (92%)" in text
    assert "unreachable: h2 -> h1" in text
    assert "Controller messages: flow_mod 30, packet_in 12" in text
    assert "delay not applied: netem unavailable" in text


def test_summary_without_fallback_or_extras():
    r = Results(flows=[FlowResult("f", "a", "b", bytes=512, fct_s=0.001, throughput_bps=4096e3,
                                  path=[])])
    text = summary_table(r)
    assert "FALLBACK" not in text and "Reachability" not in text and "Controller" not in text
    assert "512 B" in text and "1 ms" in text and "4.1 Mbps" in text
    assert summary_table(r.to_dict()) == text


def test_long_lists_are_cut():
    r = Results(flows=[FlowResult(f"f{i}", "a", "b") for i in range(120)])
    text = summary_table(r, max_rows=10)
    assert "f9 " in text and "f10 " not in text
    assert "... and 110 more flows" in text


def test_human_units():
    assert human_bytes(999) == "999 B" and human_bytes(1_500_000) == "1.5 MB"
    assert human_rate(1e9) == "1 Gbps" and human_rate(0) == "0 bps"
    assert human_time(16) == "16 s" and human_time(12.5e-6) == "12.5 us"
