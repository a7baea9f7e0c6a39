"""Loading scales linearly: memory per link stays flat as files grow."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from sendim.parser import load_system


def _ring(path: Path, switches: int, chords: int) -> int:
    """A ring of switches plus chords: switches + switches*chords links."""
    with open(path, "w", encoding="utf-8") as f:
        f.write('<system name="scale">\n')
        f.writelines(f'  <switch id="s{i}"/>\n' for i in range(switches))
        for i in range(switches):
            for k in range(chords + 1):
                f.write(f'  <link src="s{i}" dst="s{(i + 1 + 7 * k) % switches}" '
                        f'bw="{(k % 3 + 1) * 10}Mbps" delay="1ms"/>\n')
        f.write("</system>\n")
    return switches * (chords + 1)


def _peak_bytes_per_link(path: Path, links: int) -> float:
    tracemalloc.start()
    try:
        system = load_system(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(system.links) == links
    return peak / links


@pytest.mark.slow
def test_memory_per_link_is_flat(tmp_path: Path) -> None:
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    n_small = _ring(small, 1_000, 4)
    n_large = _ring(large, 8_000, 4)
    per_link_small = _peak_bytes_per_link(small, n_small)
    per_link_large = _peak_bytes_per_link(large, n_large)
    assert per_link_large < 1.3 * per_link_small, (per_link_small, per_link_large)
    assert per_link_large < 1500     # bytes, model objects and checks included
