"""Shared helpers for the OpenFlow tests."""

from __future__ import annotations

from sendim.simulator import packets as pk
from sendim.simulator.openflow import (
    ApplyActions, Datapath, ErrorMsg, FlowMod, Match, Output, Result,
)


def mac(i: int) -> str:
    """Host MAC ``00:00:00:00:00:ii``."""
    return f"00:00:00:00:00:{i:02x}"


def ip(i: int) -> str:
    """Host IP ``10.0.0.i``."""
    return f"10.0.0.{i}"


def make_dp(n_ports: int = 4, **kw) -> Datapath:
    """A switch with ports 1..n_ports, 1 Gbit/s each."""
    ports = [(i, f"00:00:00:00:01:{i:02x}", f"s1-eth{i}", 1_000_000_000) for i in range(1, n_ports + 1)]
    return Datapath(kw.pop("dpid", 1), ports, **kw)


def udp_frame(src: int = 1, dst: int = 2, sport: int = 1000, dport: int = 2000, **kw) -> bytes:
    """A UDP frame between hosts ``src`` and ``dst``."""
    return pk.build_frame(mac(src), mac(dst), ipv4_src=ip(src), ipv4_dst=ip(dst),
                          udp_src=sport, udp_dst=dport, **kw)


def tcp_frame(src: int = 1, dst: int = 2, sport: int = 1000, dport: int = 80, **kw) -> bytes:
    """A TCP frame between hosts ``src`` and ``dst``."""
    return pk.build_frame(mac(src), mac(dst), ipv4_src=ip(src), ipv4_dst=ip(dst),
                          tcp_src=sport, tcp_dst=dport, **kw)


def install(dp: Datapath, now: float = 0.0, **kw) -> list:
    """Send a FlowMod; fail on an error reply. ``actions=`` is a shortcut for
    one ApplyActions instruction; ``match`` may be a dict."""
    if "actions" in kw:
        kw["instructions"] = [ApplyActions(kw.pop("actions"))]
    if isinstance(kw.get("match"), dict):
        kw["match"] = Match(**kw["match"])
    replies = dp.handle(FlowMod(**kw), now)
    errors = [r for r in replies if isinstance(r, ErrorMsg)]
    assert not errors, errors
    return replies


def send(dp: Datapath, msg, now: float = 0.0) -> list:
    """``dp.handle`` that must not produce an error."""
    replies = dp.handle(msg, now)
    assert not any(isinstance(r, ErrorMsg) for r in replies), replies
    return replies


def error_of(replies: list) -> tuple[int, int]:
    """``(type, code)`` of the single ErrorMsg in ``replies``."""
    errs = [r for r in replies if isinstance(r, ErrorMsg)]
    assert len(errs) == 1, replies
    return errs[0].type, errs[0].code


def result_of(replies: list) -> Result:
    """The single Result in ``replies``."""
    res = [r for r in replies if isinstance(r, Result)]
    assert len(res) == 1, replies
    return res[0]


def out_ports(res: Result) -> list[int]:
    """The output ports of a Result, in order."""
    return [p for p, _ in res.outputs]


def table_miss_to_controller(dp: Datapath, table_id: int = 0) -> None:
    """Install Ryu's usual table-miss entry (whole packet to the controller)."""
    from sendim.simulator.openflow import OFPCML_NO_BUFFER, OFPP_CONTROLLER
    install(dp, table_id=table_id, priority=0, actions=[Output(OFPP_CONTROLLER, OFPCML_NO_BUFFER)])
