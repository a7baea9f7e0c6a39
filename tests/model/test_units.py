import random

import pytest

from sendim.errors import InputError, UnitError
from sendim.units import (
    format_bandwidth, format_loss, format_size, format_time,
    parse_bandwidth, parse_loss, parse_size, parse_time,
)


@pytest.mark.parametrize("text,value", [
    ("10Mbps", 10e6), ("1Gbps", 1e9), ("100kbps", 1e5), ("2.5Gbps", 2.5e9),
    ("0", 0.0), ("9.57Mbit/s", 9.57e6),
])
def test_bandwidth(text, value):
    assert parse_bandwidth(text) == pytest.approx(value)


@pytest.mark.parametrize("text,value", [
    ("5ms", 0.005), ("1.5s", 1.5), ("20us", 20e-6), ("2min", 120.0), ("0", 0.0),
])
def test_time(text, value):
    assert parse_time(text) == pytest.approx(value)


@pytest.mark.parametrize("text,value", [
    ("64KB", 64_000), ("10MB", 10_000_000), ("1500B", 1500), ("1KiB", 1024), ("1MiB", 1 << 20),
])
def test_size(text, value):
    assert parse_size(text) == value


@pytest.mark.parametrize("bad", ["10", "10 Mbp", "fast", "-5Mbps", "1e999Mbps", "10Mbps extra", ""])
def test_bad_bandwidth_is_a_unit_error(bad):
    with pytest.raises(UnitError) as info:
        parse_bandwidth(bad)
    assert isinstance(info.value, InputError)
    assert repr(bad) in str(info.value)


def test_unit_error_names_known_units():
    with pytest.raises(UnitError, match="known: .*Mbps"):
        parse_bandwidth("10Mbytes")


@pytest.mark.parametrize("bad", ["1", "150%", "x%"])
def test_bad_loss(bad):
    with pytest.raises(UnitError):
        parse_loss(bad)


def test_loss():
    assert parse_loss("1%") == pytest.approx(0.01)
    assert parse_loss("0") == 0.0


def test_formats_round_trip_on_random_values():
    rng = random.Random(7)
    for _ in range(500):
        bw = rng.choice([rng.uniform(1, 1e11), float(rng.randrange(1, 10**10))])
        t = rng.uniform(1e-7, 1e4)
        size = rng.randrange(1, 10**12)
        loss = rng.random()
        assert parse_bandwidth(format_bandwidth(bw)) == bw
        assert parse_time(format_time(t)) == t
        assert parse_size(format_size(size)) == size
        assert parse_loss(format_loss(loss)) == loss


def test_formats_are_human():
    assert format_bandwidth(10e6) == "10Mbps"
    assert format_time(0.005) == "5ms"
    assert format_size(64_000) == "64KB"
    assert format_loss(0.01) == "1%"
