"""Human units for bandwidth, time, size and loss.

Bandwidth is in bits per second, time in seconds, size in bytes and loss as
a fraction in [0, 1]. Decimal prefixes are SI (``1KB`` = 1000 bytes,
``1Mbps`` = 10**6 bit/s); binary prefixes are spelled ``KiB``/``MiB``/``GiB``.
Parsing is cached: real descriptors repeat the same few strings millions of
times.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import lru_cache

from sendim.errors import UnitError

_NUMBER = r"(?P<num>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)"
_RE = re.compile(r"^\s*" + _NUMBER + r"\s*(?P<unit>[A-Za-z%µ/]*)\s*$")

BANDWIDTH_UNITS: dict[str, float] = {
    "bps": 1.0, "kbps": 1e3, "Kbps": 1e3, "Mbps": 1e6, "Gbps": 1e9, "Tbps": 1e12,
    "bit/s": 1.0, "kbit/s": 1e3, "Mbit/s": 1e6, "Gbit/s": 1e9,
}
TIME_UNITS: dict[str, float] = {
    "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0,
    "min": 60.0, "h": 3600.0,
}
SIZE_UNITS: dict[str, float] = {
    "B": 1, "KB": 1e3, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
    "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4,
}


def _split(text: str, what: str) -> tuple[float, str]:
    if not isinstance(text, str):
        raise UnitError(f"{what} must be a string such as '10Mbps', got {text!r}")
    m = _RE.match(text)
    if not m:
        raise UnitError(f"{what} {text!r} is not a number with a unit")
    value = float(m.group("num"))
    if not math.isfinite(value):
        raise UnitError(f"{what} {text!r} is not finite")
    return value, m.group("unit")


def _lookup(text: str, what: str, units: dict[str, float], example: str) -> float:
    value, unit = _split(text, what)
    if unit == "":
        if value == 0:
            return 0.0
        raise UnitError(f"{what} {text!r} has no unit (write e.g. {example!r}; "
                        f"units: {', '.join(units)})")
    try:
        return value * units[unit]
    except KeyError:
        raise UnitError(f"{what} {text!r} has an unknown unit {unit!r} "
                        f"(known: {', '.join(units)})") from None


@lru_cache(maxsize=4096)
def parse_bandwidth(text: str) -> float:
    """``'10Mbps'`` → ``1e7`` (bit/s)."""
    return _lookup(text, "bandwidth", BANDWIDTH_UNITS, "10Mbps")


@lru_cache(maxsize=4096)
def parse_time(text: str) -> float:
    """``'5ms'`` → ``0.005`` (seconds)."""
    return _lookup(text, "time", TIME_UNITS, "5ms")


@lru_cache(maxsize=4096)
def parse_size(text: str) -> int:
    """``'64KB'`` → ``64000`` (bytes, rounded to a whole byte)."""
    return int(round(_lookup(text, "size", SIZE_UNITS, "64KB")))


def _percent_to_fraction(number: str) -> float:
    """Correctly rounded number/100, so that every fraction has an exact text."""
    return float(Decimal(number.strip()) / 100)


@lru_cache(maxsize=1024)
def parse_loss(text: str) -> float:
    """``'1%'`` → ``0.01``; must lie in 0..100 %."""
    value, unit = _split(text, "loss")
    if unit == "%":
        frac = _percent_to_fraction(text.strip()[:-1])
    elif unit == "" and value == 0:
        frac = 0.0
    else:
        raise UnitError(f"loss {text!r} must be a percentage such as '1%'")
    if not 0.0 <= frac <= 1.0:
        raise UnitError(f"loss {text!r} must lie between 0% and 100%")
    return frac


def _shortest(value: float, scale: float) -> str | None:
    """The shortest decimal text t with float(t) * scale == value, if any."""
    scaled = value / scale
    for digits in range(0, 13):
        text = repr(round(scaled, digits))
        if text.endswith(".0"):
            text = text[:-2]
        if float(text) * scale == value:
            return text
    return None


def _fmt(value: float, units: list[tuple[str, float]], base: str) -> str:
    """Pick the largest unit in which *value* reads exactly and briefly."""
    if value == 0:
        return "0" + base
    for name, scale in units:
        if abs(value / scale) >= 1:
            text = _shortest(value, scale)
            if text is not None:
                return text + name
    return repr(float(value)) + base


def format_bandwidth(bps: float) -> str:
    """``1e7`` → ``'10Mbps'`` (round-trips through :func:`parse_bandwidth`)."""
    return _fmt(bps, [("Tbps", 1e12), ("Gbps", 1e9), ("Mbps", 1e6), ("kbps", 1e3), ("bps", 1.0)], "bps")


def format_time(seconds: float) -> str:
    """``0.005`` → ``'5ms'`` (round-trips through :func:`parse_time`)."""
    return _fmt(seconds, [("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)], "s")


def format_size(nbytes: int) -> str:
    """``64000`` → ``'64KB'`` (round-trips through :func:`parse_size`)."""
    return _fmt(nbytes, [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1)], "B")


def format_loss(frac: float) -> str:
    """``0.01`` → ``'1%'`` (round-trips through :func:`parse_loss`)."""
    exact = Decimal(repr(frac)) * 100   # exact decimal shift of the shortest repr
    for digits in range(0, 17):
        text = f"{round(exact, digits).normalize():f}"
        if _percent_to_fraction(text) == frac:
            return text + "%"
    return f"{exact.normalize():f}%"
