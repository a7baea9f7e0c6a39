"""Small systems and test controllers for the engine tests."""

from __future__ import annotations

from typing import Any

from sendim.simulator.control import ControlChannel
from sendim.simulator.openflow import (
    OFPFF_SEND_FLOW_REM, OFPGT_SELECT, OFPMF_KBPS, OFPP_FLOOD, ApplyActions, Bucket,
    FlowMod, GroupMod, Match, Meter, MeterBandDrop, MeterMod, Output,
)
from sendim.topology.builder import Topo


def doc(results: Any) -> dict:
    """The results as a plain dict, whatever object the engine returned."""
    if isinstance(results, dict):
        return results
    for name in ("to_dict", "as_dict", "document"):
        fn = getattr(results, name, None)
        if callable(fn):
            return fn()
    raise TypeError(f"cannot turn {type(results).__name__} into a dict")


def flow(results: Any, flow_id: str) -> dict:
    return next(f for f in doc(results)["flows"] if f["id"] == flow_id)


def dumbbell(bottleneck: str = "10Mbps", edge: str = "100Mbps", delay: str = "1ms",
             max_queue: int | None = None) -> Topo:
    """h1, h3 — s1 ==bottleneck== s2 — h2, h4."""
    t = Topo("dumbbell")
    t.add_switch("s1")
    t.add_switch("s2")
    for h in ("h1", "h2", "h3", "h4"):
        t.add_host(h)
    t.add_link("h1", "s1", bw=edge, delay=delay)
    t.add_link("h3", "s1", bw=edge, delay=delay)
    t.add_link("s1", "s2", bw=bottleneck, delay=delay, max_queue=max_queue)
    t.add_link("s2", "h2", bw=edge, delay=delay)
    t.add_link("s2", "h4", bw=edge, delay=delay)
    return t


def ring(n: int = 4, bw: str = "10Mbps", delay: str = "1ms") -> Topo:
    """s1..sn in a ring, h1 on s1 and h3 on s3 (ring links first: s1-s2, s2-s3...)."""
    t = Topo("ring")
    for i in range(1, n + 1):
        t.add_switch(f"s{i}")
    for i in range(1, n + 1):
        t.add_link(f"s{i}", f"s{i % n + 1}", bw=bw, delay=delay)
    t.add_host("h1")
    t.add_host("h3")
    t.add_link("h1", "s1", bw="100Mbps")
    t.add_link("h3", "s3", bw="100Mbps")
    return t


class StaticController:
    """Port-based forwarding installed at connect time: ``rules[dpid]`` is a list
    of ``(in_port, instructions)``; optional meters and groups are added first.
    Records every message it gets."""

    def __init__(self, rules: dict[int, list[tuple[int, list]]],
                 meters: dict[int, list[MeterMod]] | None = None,
                 groups: dict[int, list[GroupMod]] | None = None,
                 flags: int = 0, idle_timeout: int = 0) -> None:
        self.rules, self.meters, self.groups = rules, meters or {}, groups or {}
        self.flags, self.idle_timeout = flags, idle_timeout
        self.received: list[tuple[float, int, Any]] = []
        self.channel: ControlChannel | None = None

    def start(self, channel: ControlChannel) -> None:
        self.channel = channel

    def switch_connected(self, dpid: int, features: Any, ports: list[Any]) -> None:
        for mod in self.meters.get(dpid, []):
            self.channel.send(dpid, mod)
        for mod in self.groups.get(dpid, []):
            self.channel.send(dpid, mod)
        for in_port, instructions in self.rules.get(dpid, []):
            self.channel.send(dpid, FlowMod(match=Match(in_port=in_port),
                                            instructions=instructions, flags=self.flags,
                                            idle_timeout=self.idle_timeout))

    def message(self, dpid: int, msg: Any) -> None:
        self.received.append((self.channel.now, dpid, msg))


def out(port: int) -> list:
    return [ApplyActions([Output(port)])]


def metered(meter_id: int, port: int) -> list:
    return [Meter(meter_id), ApplyActions([Output(port)])]


def kbps_meter(meter_id: int, kbps: int) -> MeterMod:
    return MeterMod(meter_id=meter_id, flags=OFPMF_KBPS, bands=[MeterBandDrop(rate=kbps)])


def select_group(group_id: int, ports: list[int]) -> GroupMod:
    return GroupMod(type=OFPGT_SELECT, group_id=group_id,
                    buckets=[Bucket(weight=1, actions=[Output(p)]) for p in ports])


class FloodController:
    """A hub: every switch floods everything (melts down on a loop)."""

    def start(self, channel: ControlChannel) -> None:
        self.channel = channel

    def switch_connected(self, dpid: int, features: Any, ports: list[Any]) -> None:
        self.channel.send(dpid, FlowMod(priority=0, match=Match(),
                                        instructions=[ApplyActions([Output(OFPP_FLOOD)])]))

    def message(self, dpid: int, msg: Any) -> None:
        pass


SEND_FLOW_REM = OFPFF_SEND_FLOW_REM
