"""Per-host usage throttling with OpenFlow meters (OpenFlow 1.3).

    THROTTLE_PROFILE="10.0.0.1=1000, 00:00:00:00:00:02=500" \\
        ryu-manager --observe-links controller_apps/throttle.py

Shortest-path routing (:mod:`controller_apps.shortest_path`) plus a rate cap
for the hosts of a *profile* (the SENDIM paper's "usage throttling" use
case). The profile maps hosts, by IPv4 or MAC address, to a rate in kbit/s;
see :func:`controller_apps._routing.parse_profile` for the format. It comes
from, in this order: the ``throttle_profile`` option of a Ryu config file
(``--config-file``, ``[DEFAULT]`` section), the ``THROTTLE_PROFILE``
environment variable, or the class attribute :attr:`Throttle.PROFILE`. Each
value is the profile inline or the path of a file holding it.

Pipeline: table 0 meters, table 1 routes. When a profiled host is learned at
its edge switch, that switch gets two drop-band meters at the host's rate,
one for each direction, and two table-0 entries: traffic *from* the host
(``in_port``, ``eth_src``) and traffic *to* it (``eth_dst``) pass their
meter, then go to table 1. Everything else goes straight to table 1.
"""

from __future__ import annotations

import os
from typing import Any

from ryu import cfg

try:
    from controller_apps._routing import Host, parse_profile
    from controller_apps.shortest_path import ShortestPath
except ImportError:  # loaded by file path without the package on sys.path
    from _routing import Host, parse_profile  # type: ignore[no-redef]
    from shortest_path import ShortestPath  # type: ignore[no-redef]

PROFILE_ENV = "THROTTLE_PROFILE"
METER_PRIORITY = 100

try:
    cfg.CONF.register_opts([cfg.StrOpt(
        "throttle_profile", default="",
        help="throttle profile: HOST=RATE_KBPS entries, or a file of them")])
except cfg.DuplicateOptError:  # the module was loaded twice (name and path)
    pass


class Throttle(ShortestPath):
    """Shortest-path routing with per-host meters at the hosts' edge switches."""

    ROUTE_TABLE = 1
    PROFILE: dict[str, int] = {}
    """Host (IPv4 or MAC address) → kbit/s, when neither config nor environment set one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text = self.CONF.throttle_profile or os.environ.get(PROFILE_ENV, "")
        self.profile: dict[str, int] = parse_profile(text) if text else \
            {k.lower(): int(v) for k, v in self.PROFILE.items()}
        self.meters: dict[tuple[int, str], tuple[int, int]] = {}
        """``(dpid, host MAC)`` → (upload meter id, download meter id)."""
        self._next_meter: dict[int, int] = {}
        self.logger.info("throttle profile: %s", self.profile or "empty")

    def switch_ready(self, dp: Any) -> None:
        """Table 0 passes to the routes in table 1; table 1 misses to the controller."""
        super().switch_ready(dp)
        parser = dp.ofproto_parser
        self.add_flow(dp, 0, parser.OFPMatch(), [], table_id=0,
                      instructions=[parser.OFPInstructionGotoTable(self.ROUTE_TABLE)])

    def switch_gone(self, dpid: int) -> None:
        self.meters = {k: v for k, v in self.meters.items() if k[0] != dpid}
        self._next_meter.pop(dpid, None)

    def rate_of(self, host: Host) -> int | None:
        """The host's rate in kbit/s, or None if it is not throttled."""
        rate = self.profile.get(host.mac.lower())
        if rate is None and host.ip is not None:
            rate = self.profile.get(host.ip)
        return rate

    def host_learned(self, host: Host) -> None:
        rate = self.rate_of(host)
        dp = self.dps.get(host.dpid)
        if rate is None or dp is None or (host.dpid, host.mac) in self.meters:
            return
        up, down = self._meter(dp, rate), self._meter(dp, rate)
        self.meters[(host.dpid, host.mac)] = (up, down)
        parser = dp.ofproto_parser
        for meter, match in ((up, parser.OFPMatch(in_port=host.port, eth_src=host.mac)),
                             (down, parser.OFPMatch(eth_dst=host.mac))):
            self.add_flow(dp, METER_PRIORITY, match, [], table_id=0, instructions=[
                parser.OFPInstructionMeter(meter, dp.ofproto.OFPIT_METER),
                parser.OFPInstructionGotoTable(self.ROUTE_TABLE)])
        self.logger.info("throttling %s (%s) at switch %s port %s to %d kbit/s", host.mac,
                         host.ip, host.dpid, host.port, rate)

    def _meter(self, dp: Any, rate_kbps: int) -> int:
        """A new drop-band meter of ``rate_kbps`` on ``dp``; returns its id."""
        meter_id = self._next_meter.get(dp.id, 0) + 1
        self._next_meter[dp.id] = meter_id
        ofp, parser = dp.ofproto, dp.ofproto_parser
        dp.send_msg(parser.OFPMeterMod(
            datapath=dp, command=ofp.OFPMC_ADD, flags=ofp.OFPMF_KBPS, meter_id=meter_id,
            bands=[parser.OFPMeterBandDrop(rate=rate_kbps, burst_size=0)]))
        return meter_id
