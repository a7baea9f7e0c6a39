"""controller_apps/throttle.py in simulation: profiled hosts are capped at
their meter rate in both directions, the others get the link."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ryu

from app_support import run  # noqa: E402

from sendim.model import Flow, Granularity, Protocol  # noqa: E402
from sendim.topology.generators import linear  # noqa: E402

LINK_BPS = 10e6
RATE_KBPS = 2000


def _system(granularity: Granularity, protocol: Protocol = Protocol.TCP,
            size: int | None = 2_000_000, duration: float | None = None):
    """h1, h2 on s1; h3, h4 on s2; 10 Mbit/s links. h1 -> h3 and h2 -> h4."""
    system = linear(2, hosts_per_switch=2, bw=LINK_BPS)
    for fid, src, dst in (("throttled", "h1", "h3"), ("free", "h2", "h4")):
        system.flows.append(Flow(fid, src, dst, protocol, size=size, duration=duration,
                                 start=1.0, granularity=granularity))
    return system


@pytest.fixture
def profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THROTTLE_PROFILE", f"10.0.0.1={RATE_KBPS}  # h1")


def _by_id(r) -> dict:
    return {f.id: f for f in r.results.flows}


@pytest.mark.usefixtures("profile")
def test_fluid_flow_gets_exactly_its_rate_and_the_other_the_rest() -> None:
    r = run("throttle", _system(Granularity.FLOW))
    flows = _by_id(r)
    assert flows["throttled"].throughput_bps == pytest.approx(RATE_KBPS * 1e3, rel=0.01)
    # while both run the free flow gets what the meter leaves of the shared link
    assert flows["free"].throughput_bps == pytest.approx(LINK_BPS - RATE_KBPS * 1e3, rel=0.02)
    assert r.sim.channel.counts["meter_mod"] == 2
    assert r.clean()


@pytest.mark.usefixtures("profile")
@pytest.mark.parametrize("protocol", [Protocol.TCP, Protocol.UDP])
def test_packet_flow_is_policed_to_about_its_rate(protocol: Protocol) -> None:
    if protocol is Protocol.TCP:
        system = _system(Granularity.PACKET, protocol, size=1_500_000)
    else:  # bulk UDP: sends at the link rate for 10 s
        system = _system(Granularity.PACKET, protocol, size=None, duration=10.0)
    r = run("throttle", system)
    flows = _by_id(r)
    thr = flows["throttled"].throughput_bps
    if protocol is Protocol.TCP:
        assert 0.85 * RATE_KBPS * 1e3 < thr < 1.1 * RATE_KBPS * 1e3
        assert flows["throttled"].extra["completed"]
    else:   # the meter drops what exceeds the rate (after a burst of 1 s worth)
        got = flows["throttled"].bytes * 8 / 10.0
        assert RATE_KBPS * 1e3 < got < 1.15 * RATE_KBPS * 1e3
        assert flows["throttled"].drops > 0
    free = flows["free"]
    assert free.bytes * 8 / (free.end_s - free.start_s) > 0.7 * LINK_BPS
    meters = r.sim.switches["s1"].dp.meters.meters
    assert sum(band.packet_count for m in meters.values() for band in m.bands) > 0
    assert r.clean()


def test_download_is_throttled_too_and_profiles_take_macs(monkeypatch) -> None:
    monkeypatch.setenv("THROTTLE_PROFILE", f"00:00:00:00:00:03={RATE_KBPS}")
    system = linear(2, hosts_per_switch=2, bw=LINK_BPS)
    system.flows.append(Flow("down", "h1", "h3", Protocol.TCP, size=1_000_000, start=1.0))
    system.flows.append(Flow("up", "h3", "h2", Protocol.TCP, size=1_000_000, start=1.0))
    system.flows.append(Flow("other", "h4", "h2", Protocol.TCP, size=1_000_000, start=1.0))
    r = run("throttle", system)
    flows = _by_id(r)
    assert flows["down"].throughput_bps == pytest.approx(RATE_KBPS * 1e3, rel=0.01)
    assert flows["up"].throughput_bps == pytest.approx(RATE_KBPS * 1e3, rel=0.01)
    assert flows["other"].throughput_bps > 0.7 * LINK_BPS
    assert r.app.meters.keys() == {(2, "00:00:00:00:00:03")}


def test_profile_file_and_no_profile(tmp_path, monkeypatch) -> None:
    profile = tmp_path / "profile.txt"
    profile.write_text("# user quotas\n10.0.0.1 1000\n10.0.0.2=500kbps\n")
    monkeypatch.setenv("THROTTLE_PROFILE", str(profile))
    r = run("throttle", _system(Granularity.FLOW))
    flows = _by_id(r)
    assert r.app.profile == {"10.0.0.1": 1000, "10.0.0.2": 500}
    assert flows["throttled"].throughput_bps == pytest.approx(1e6, rel=0.01)
    assert flows["free"].throughput_bps == pytest.approx(5e5, rel=0.01)
    monkeypatch.delenv("THROTTLE_PROFILE")
    r = run("throttle", _system(Granularity.FLOW))
    assert "meter_mod" not in r.sim.channel.counts    # nobody throttled: plain routing
    assert _by_id(r)["throttled"].throughput_bps > 0.45 * LINK_BPS


def test_profile_from_a_ryu_config_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("THROTTLE_PROFILE", "10.0.0.1=9000")     # the config file wins
    conf = tmp_path / "ryu.conf"
    conf.write_text(f"[DEFAULT]\nthrottle_profile = 10.0.0.1={RATE_KBPS}\n")
    r = run("throttle", _system(Granularity.FLOW), ("--config-file", str(conf)))
    assert r.app.profile == {"10.0.0.1": RATE_KBPS}
    assert _by_id(r)["throttled"].throughput_bps == pytest.approx(RATE_KBPS * 1e3, rel=0.01)
