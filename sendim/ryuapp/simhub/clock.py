"""Simulated wall clock: ``time`` and ``datetime`` stand-ins for Ryu code.

Ryu measures some intervals with the wall clock (``time.time()`` in
``ryu.topology.switches``' LLDP and link timeouts and in every OpenFlow
event's timestamp, ``datetime.datetime.today()`` in ``ryu.lib.stplib``'s
topology-change timer).  In a simulation those must follow the simulated
clock.  The swap (:mod:`sendim.ryuapp.simhub.swap`) rebinds the module-global
names ``time`` / ``datetime`` of Ryu's modules (and of the apps' modules) to
these stand-ins; the real modules are never modified.
"""

from __future__ import annotations

import datetime as _datetime
import time as _time
import types
from typing import Any

from sendim.ryuapp.simhub.core import SimHub

__all__ = ["DEFAULT_EPOCH", "SimClock", "SimTimeModule", "SimDatetimeModule"]

DEFAULT_EPOCH = 1_704_067_200.0
"""Unix time of simulated t=0 (2024-01-01T00:00:00Z): deterministic runs."""


class SimClock:
    """Simulated wall clock: ``epoch + env.now``."""

    def __init__(self, hub: SimHub, epoch: float = DEFAULT_EPOCH) -> None:
        self.hub = hub
        self.epoch = float(epoch)

    def time(self) -> float:
        """Simulated Unix time, seconds."""
        return self.epoch + self.hub.now


class SimTimeModule(types.ModuleType):
    """A ``time`` module whose clocks are simulated; the rest is the real one."""

    def __init__(self, clock: SimClock) -> None:
        super().__init__("time", "sendim simulated-time stand-in for the time module")
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)

    def time(self) -> float:
        """Simulated Unix time."""
        return self._clock.time()

    def time_ns(self) -> int:
        """Simulated Unix time, nanoseconds."""
        return int(round(self._clock.time() * 1e9))

    def monotonic(self) -> float:
        """Simulated seconds since t=0."""
        return self._clock.hub.now

    def monotonic_ns(self) -> int:
        """Simulated nanoseconds since t=0."""
        return int(round(self._clock.hub.now * 1e9))

    def sleep(self, seconds: float) -> None:
        """Sleep in simulated time (``hub.sleep``)."""
        self._clock.hub.sleep(seconds)

    def localtime(self, secs: float | None = None) -> _time.struct_time:
        """``time.localtime`` of the simulated clock by default."""
        return _time.localtime(self._clock.time() if secs is None else secs)

    def gmtime(self, secs: float | None = None) -> _time.struct_time:
        """``time.gmtime`` of the simulated clock by default."""
        return _time.gmtime(self._clock.time() if secs is None else secs)

    def ctime(self, secs: float | None = None) -> str:
        """``time.ctime`` of the simulated clock by default."""
        return _time.ctime(self._clock.time() if secs is None else secs)

    def strftime(self, fmt: str, t: Any = None) -> str:
        """``time.strftime`` of the simulated local time by default."""
        return _time.strftime(fmt, self.localtime() if t is None else t)


def _datetime_class(clock: SimClock) -> type[_datetime.datetime]:
    class datetime(_datetime.datetime):  # noqa: N801 - mirrors the stdlib name
        """``datetime.datetime`` whose ``now``/``today``/``utcnow`` are simulated."""

        @classmethod
        def now(cls, tz: _datetime.tzinfo | None = None) -> Any:
            return cls.fromtimestamp(clock.time(), tz)

        @classmethod
        def today(cls) -> Any:
            return cls.fromtimestamp(clock.time())

        @classmethod
        def utcnow(cls) -> Any:
            return cls.fromtimestamp(clock.time(), _datetime.timezone.utc).replace(tzinfo=None)

    return datetime


def _date_class(clock: SimClock) -> type[_datetime.date]:
    class date(_datetime.date):  # noqa: N801
        """``datetime.date`` whose ``today`` is simulated."""

        @classmethod
        def today(cls) -> Any:
            return cls.fromtimestamp(clock.time())

    return date


class SimDatetimeModule(types.ModuleType):
    """A ``datetime`` module whose ``now``/``today`` are simulated."""

    def __init__(self, clock: SimClock) -> None:
        super().__init__("datetime", "sendim simulated-time stand-in for datetime")
        self.datetime = _datetime_class(clock)
        self.date = _date_class(clock)

    def __getattr__(self, name: str) -> Any:
        return getattr(_datetime, name)
