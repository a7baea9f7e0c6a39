"""Meter table: token-bucket bands in simulated time.

Each band is a token bucket filled at its rate (bits/s for ``OFPMF_KBPS``
meters, packets/s for ``OFPMF_PKTPS``) up to its depth: ``burst_size``
(kbit or packets) when the meter has ``OFPMF_BURST`` and a non-zero burst,
else one second's worth of the rate (as Open vSwitch does). Buckets start
full. A packet costs its size in bits (or 1 packet) in every band; the bands
whose buckets cannot pay are *exceeded* and the one with the highest rate
among them applies (OF1.3 §5.7). A drop band drops the packet; a DSCP-remark
band is counted but lets the packet pass unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sendim.simulator.openflow.constants import (
    OFPET_METER_MOD_FAILED, OFPM_ALL, OFPM_MAX, OFPMBT_DROP, OFPMC_ADD, OFPMC_DELETE,
    OFPMC_MODIFY, OFPMF_BURST, OFPMF_KBPS, OFPMF_PKTPS, OFPMF_STATS, OFPMMFC_BAD_BAND,
    OFPMMFC_BAD_BURST, OFPMMFC_BAD_COMMAND, OFPMMFC_BAD_FLAGS, OFPMMFC_BAD_RATE,
    OFPMMFC_INVALID_METER, OFPMMFC_METER_EXISTS, OFPMMFC_UNKNOWN_METER,
)
from sendim.simulator.openflow.messages import (
    ErrorMsg, MeterBand, MeterBandDrop, MeterBandDscpRemark, MeterMod,
)

DEFAULT_BURST_SECONDS = 1.0


@dataclass(slots=True, eq=False)
class BandState:
    """One band's token bucket and counters."""

    band: MeterBand
    rate: float          # tokens per second
    depth: float         # bucket capacity in tokens
    tokens: float
    last: float
    packet_count: int = 0
    byte_count: int = 0


@dataclass(slots=True, eq=False)
class MeterEntry:
    """An installed meter: flags, bands with buckets, counters."""

    meter_id: int
    flags: int
    bands: list[BandState]
    install_time: float = 0.0
    packet_in_count: int = 0
    byte_in_count: int = 0
    pktps: bool = False

    def apply(self, nbytes: int, now: float) -> bool:
        """Meter one packet of ``nbytes`` at ``now``; ``False`` = drop it."""
        self.packet_in_count += 1
        self.byte_in_count += nbytes
        cost = 1.0 if self.pktps else nbytes * 8.0
        hit: BandState | None = None
        for b in self.bands:
            if now > b.last:
                b.tokens = min(b.depth, b.tokens + (now - b.last) * b.rate)
                b.last = now
            if b.tokens >= cost:
                b.tokens -= cost
            elif hit is None or b.rate > hit.rate:
                hit = b
        if hit is None:
            return True
        hit.packet_count += 1
        hit.byte_count += nbytes
        return hit.band.type != OFPMBT_DROP

    def rate_bps(self, packet_bytes: int = 1500) -> float | None:
        """The lowest drop-band rate in bit/s (``pktps`` meters: times
        ``packet_bytes``·8), i.e. the long-run cap; ``None`` without drop bands."""
        rates = [b.rate for b in self.bands if b.band.type == OFPMBT_DROP]
        if not rates:
            return None
        r = min(rates)
        return r * packet_bytes * 8 if self.pktps else r


def _bands(flags: int, bands: list[MeterBand], now: float) -> list[BandState]:
    pktps = bool(flags & OFPMF_PKTPS)
    out = []
    for band in bands:
        rate = band.rate if pktps else band.rate * 1000.0
        if flags & OFPMF_BURST and band.burst_size:
            depth = band.burst_size if pktps else band.burst_size * 1000.0
        else:
            depth = rate * DEFAULT_BURST_SECONDS
        out.append(BandState(band, rate, depth, depth, now))
    return out


class MeterTable:
    """The meters of one switch."""

    def __init__(self) -> None:
        self.meters: dict[int, MeterEntry] = {}

    def __contains__(self, meter_id: int) -> bool:
        return meter_id in self.meters

    def get(self, meter_id: int) -> MeterEntry | None:
        """The meter ``meter_id``, or ``None``."""
        return self.meters.get(meter_id)

    def mod(self, msg: MeterMod, now: float) -> tuple[ErrorMsg | None, list[int]]:
        """Apply a meter mod: ``(error or None, deleted meter ids)``."""
        def err(code: int) -> tuple[ErrorMsg, list[int]]:
            return ErrorMsg(type=OFPET_METER_MOD_FAILED, code=code, data=msg, xid=msg.xid), []

        mid = msg.meter_id
        if msg.command == OFPMC_DELETE:
            if mid == OFPM_ALL:
                gone = list(self.meters)
                self.meters.clear()
                return None, gone
            return None, [mid] if self.meters.pop(mid, None) is not None else []
        if msg.command not in (OFPMC_ADD, OFPMC_MODIFY):
            return err(OFPMMFC_BAD_COMMAND)
        if not 1 <= mid <= OFPM_MAX:
            return err(OFPMMFC_INVALID_METER)
        if msg.command == OFPMC_ADD and mid in self.meters:
            return err(OFPMMFC_METER_EXISTS)
        if msg.command == OFPMC_MODIFY and mid not in self.meters:
            return err(OFPMMFC_UNKNOWN_METER)
        flags = msg.flags
        if flags & ~(OFPMF_KBPS | OFPMF_PKTPS | OFPMF_BURST | OFPMF_STATS) or (
                flags & OFPMF_KBPS and flags & OFPMF_PKTPS):
            return err(OFPMMFC_BAD_FLAGS)
        for b in msg.bands:
            if not isinstance(b, (MeterBandDrop, MeterBandDscpRemark)):
                return err(OFPMMFC_BAD_BAND)
            if b.rate <= 0:
                return err(OFPMMFC_BAD_RATE)
            if b.burst_size < 0:
                return err(OFPMMFC_BAD_BURST)
        old = self.meters.get(mid)
        m = MeterEntry(mid, flags, _bands(flags, list(msg.bands), now),
                       now if old is None else old.install_time, pktps=bool(flags & OFPMF_PKTPS))
        if old is not None:
            m.packet_in_count, m.byte_in_count = old.packet_in_count, old.byte_in_count
        self.meters[mid] = m
        return None, []

    def apply(self, meter_id: int, nbytes: int, now: float) -> bool:
        """Meter a packet; unknown meters pass everything."""
        m = self.meters.get(meter_id)
        return True if m is None else m.apply(nbytes, now)

    def rate_bps(self, meter_id: int, packet_bytes: int = 1500) -> float | None:
        """See :meth:`MeterEntry.rate_bps`; ``None`` for an unknown meter."""
        m = self.meters.get(meter_id)
        return None if m is None else m.rate_bps(packet_bytes)


__all__ = ["BandState", "DEFAULT_BURST_SECONDS", "MeterEntry", "MeterTable"]
