"""Structures inside messages: match, actions, instructions, buckets, bands, ports.

``*_to_sendim`` read Ryu ``ofproto_v1_3_parser`` objects (as apps build them or
as Ryu parses them); ``*_to_ryu`` build Ryu objects from sendim's dataclasses.
Anything sendim's switch does not implement raises :class:`Untranslatable`
carrying the OpenFlow error a switch would answer with.
"""

from __future__ import annotations

from typing import Any

from ryu.lib import addrconv
from ryu.ofproto import ofproto_v1_3 as ofp
from ryu.ofproto import ofproto_v1_3_parser as parser

from sendim.simulator.openflow import actions as sa
from sendim.simulator.openflow import messages as sm
from sendim.simulator.openflow.match import Match, format_value

__all__ = [
    "Untranslatable", "match_to_sendim", "match_to_ryu", "actions_to_sendim",
    "actions_to_ryu", "instructions_to_sendim", "instructions_to_ryu",
    "buckets_to_sendim", "buckets_to_ryu", "bands_to_sendim", "bands_to_ryu",
    "port_to_sendim", "port_to_ryu", "text", "mac_bin",
]


class Untranslatable(ValueError):
    """A Ryu message (part) sendim's switch does not support.

    ``err_type``/``err_code`` are the OpenFlow error a switch would send back.
    """

    def __init__(self, message: str, err_type: int = ofp.OFPET_BAD_REQUEST,
                 err_code: int = ofp.OFPBRC_BAD_TYPE) -> None:
        super().__init__(message)
        self.err_type = err_type
        self.err_code = err_code


def text(value: Any) -> str:
    """Ryu's bytes/str string fields as ``str``."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).rstrip(b"\0").decode("utf-8", "replace")
    return "" if value is None else str(value)


def mac_bin(mac: str) -> bytes:
    """``'00:00:00:00:00:01'`` → 6 bytes."""
    return addrconv.mac.text_to_bin(mac)


# -- match ------------------------------------------------------------------------

def match_to_sendim(match: parser.OFPMatch | None) -> Match:
    """Ryu ``OFPMatch`` (new or old API) → sendim :class:`Match`."""
    if match is None:
        return Match()
    if match._composed_with_old_api():
        buf = bytearray()
        match.serialize(buf, 0)
        match = parser.OFPMatch.parser(bytes(buf), 0)
    try:
        return Match(dict(match.items()))
    except ValueError as exc:
        raise Untranslatable(f"match not supported by the simulated switch: {exc}",
                             ofp.OFPET_BAD_MATCH, ofp.OFPBMC_BAD_FIELD) from exc


def match_to_ryu(match: Match) -> parser.OFPMatch:
    """sendim :class:`Match` → Ryu ``OFPMatch`` (MAC/IP values as strings)."""
    return parser.OFPMatch(**match.to_dict(strings=True))


# -- actions ------------------------------------------------------------------------

def _set_field_to_sendim(action: parser.OFPActionSetField) -> sa.SetField:
    if action._composed_with_old_api():
        buf = bytearray()
        action.serialize(buf, 0)
        action = parser.OFPActionSetField.parser(bytes(buf), 0)
    try:
        return sa.SetField(action.key, action.value)
    except ValueError as exc:
        raise Untranslatable(f"set-field not supported: {exc}", ofp.OFPET_BAD_ACTION,
                             ofp.OFPBAC_BAD_SET_TYPE) from exc


def action_to_sendim(action: Any) -> sa.Action:
    """One Ryu ``OFPAction*`` → sendim action."""
    kind = type(action)
    if kind is parser.OFPActionOutput:
        return sa.Output(action.port, action.max_len)
    if kind is parser.OFPActionGroup:
        return sa.Group(action.group_id)
    if kind is parser.OFPActionSetField:
        return _set_field_to_sendim(action)
    if kind is parser.OFPActionPushVlan:
        return sa.PushVlan(action.ethertype)
    if kind is parser.OFPActionPopVlan:
        return sa.PopVlan()
    if kind is parser.OFPActionSetQueue:
        return sa.SetQueue(action.queue_id)
    if kind is parser.OFPActionDecNwTtl:
        return sa.DecNwTtl()
    raise Untranslatable(f"action {kind.__name__} not supported by the simulated switch",
                         ofp.OFPET_BAD_ACTION, ofp.OFPBAC_BAD_TYPE)


def actions_to_sendim(actions: Any) -> list[sa.Action]:
    """A list of Ryu actions → sendim actions."""
    return [action_to_sendim(a) for a in actions or ()]


def action_to_ryu(action: sa.Action) -> Any:
    """One sendim action → Ryu ``OFPAction*``."""
    kind = type(action)
    if kind is sa.Output:
        return parser.OFPActionOutput(action.port, action.max_len)
    if kind is sa.Group:
        return parser.OFPActionGroup(action.group_id)
    if kind is sa.SetField:
        return parser.OFPActionSetField(**{action.field: format_value(action.field, action.value)})
    if kind is sa.PushVlan:
        return parser.OFPActionPushVlan(action.ethertype)
    if kind is sa.PopVlan:
        return parser.OFPActionPopVlan()
    if kind is sa.SetQueue:
        return parser.OFPActionSetQueue(action.queue_id)
    if kind is sa.DecNwTtl:
        return parser.OFPActionDecNwTtl()
    raise TypeError(f"not a sendim action: {action!r}")


def actions_to_ryu(actions: Any) -> list[Any]:
    """sendim actions → Ryu actions."""
    return [action_to_ryu(a) for a in actions]


# -- instructions ---------------------------------------------------------------------

def instruction_to_sendim(ins: Any) -> sa.Instruction:
    """One Ryu ``OFPInstruction*`` → sendim instruction."""
    kind = type(ins)
    if kind is parser.OFPInstructionActions:
        if ins.type == ofp.OFPIT_APPLY_ACTIONS:
            return sa.ApplyActions(tuple(actions_to_sendim(ins.actions)))
        if ins.type == ofp.OFPIT_WRITE_ACTIONS:
            return sa.WriteActions(tuple(actions_to_sendim(ins.actions)))
        if ins.type == ofp.OFPIT_CLEAR_ACTIONS:
            return sa.ClearActions()
    elif kind is parser.OFPInstructionGotoTable:
        return sa.GotoTable(ins.table_id)
    elif kind is parser.OFPInstructionWriteMetadata:
        return sa.WriteMetadata(ins.metadata, ins.metadata_mask)
    elif kind is parser.OFPInstructionMeter:
        return sa.Meter(ins.meter_id)
    raise Untranslatable(f"instruction {kind.__name__} not supported",
                         ofp.OFPET_BAD_INSTRUCTION, ofp.OFPBIC_UNKNOWN_INST)


def instructions_to_sendim(instructions: Any) -> list[sa.Instruction]:
    """Ryu instructions → sendim instructions."""
    return [instruction_to_sendim(i) for i in instructions or ()]


def instruction_to_ryu(ins: sa.Instruction) -> Any:
    """One sendim instruction → Ryu ``OFPInstruction*``."""
    kind = type(ins)
    if kind is sa.ApplyActions:
        return parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions_to_ryu(ins.actions))
    if kind is sa.WriteActions:
        return parser.OFPInstructionActions(ofp.OFPIT_WRITE_ACTIONS, actions_to_ryu(ins.actions))
    if kind is sa.ClearActions:
        return parser.OFPInstructionActions(ofp.OFPIT_CLEAR_ACTIONS, [])
    if kind is sa.GotoTable:
        return parser.OFPInstructionGotoTable(ins.table_id)
    if kind is sa.WriteMetadata:
        return parser.OFPInstructionWriteMetadata(ins.metadata, ins.metadata_mask)
    if kind is sa.Meter:
        return parser.OFPInstructionMeter(ins.meter_id)
    raise TypeError(f"not a sendim instruction: {ins!r}")


def instructions_to_ryu(instructions: Any) -> list[Any]:
    """sendim instructions → Ryu instructions."""
    return [instruction_to_ryu(i) for i in instructions]


# -- groups, meters, ports ----------------------------------------------------------------

def buckets_to_sendim(buckets: Any) -> list[sm.Bucket]:
    """Ryu ``OFPBucket`` list → sendim buckets."""
    return [sm.Bucket(weight=b.weight, watch_port=b.watch_port, watch_group=b.watch_group,
                      actions=actions_to_sendim(b.actions)) for b in buckets or ()]


def buckets_to_ryu(buckets: Any) -> list[parser.OFPBucket]:
    """sendim buckets → Ryu ``OFPBucket`` list."""
    return [parser.OFPBucket(weight=b.weight, watch_port=b.watch_port,
                             watch_group=b.watch_group, actions=actions_to_ryu(b.actions))
            for b in buckets]


def bands_to_sendim(bands: Any) -> list[sm.MeterBand]:
    """Ryu meter bands → sendim bands."""
    out: list[sm.MeterBand] = []
    for band in bands or ():
        if isinstance(band, parser.OFPMeterBandDrop):
            out.append(sm.MeterBandDrop(rate=band.rate, burst_size=band.burst_size))
        elif isinstance(band, parser.OFPMeterBandDscpRemark):
            out.append(sm.MeterBandDscpRemark(rate=band.rate, burst_size=band.burst_size,
                                              prec_level=band.prec_level))
        else:
            raise Untranslatable(f"meter band {type(band).__name__} not supported",
                                 ofp.OFPET_METER_MOD_FAILED, ofp.OFPMMFC_BAD_BAND)
    return out


def bands_to_ryu(bands: Any) -> list[Any]:
    """sendim bands → Ryu meter bands."""
    out: list[Any] = []
    for band in bands:
        if isinstance(band, sm.MeterBandDrop):
            out.append(parser.OFPMeterBandDrop(rate=band.rate, burst_size=band.burst_size))
        else:
            out.append(parser.OFPMeterBandDscpRemark(rate=band.rate, burst_size=band.burst_size,
                                                     prec_level=band.prec_level))
    return out


def port_to_sendim(port: Any) -> sm.Port:
    """Ryu ``OFPPort`` → sendim :class:`~sendim.simulator.openflow.messages.Port`."""
    return sm.Port(port_no=port.port_no, hw_addr=text(port.hw_addr), name=text(port.name),
                   config=port.config, state=port.state, curr=port.curr,
                   advertised=port.advertised, supported=port.supported, peer=port.peer,
                   curr_speed=port.curr_speed, max_speed=port.max_speed)


def port_to_ryu(port: sm.Port) -> parser.OFPPort:
    """sendim port → Ryu ``OFPPort`` (as Ryu parses it: ``name`` is bytes)."""
    return parser.OFPPort(port.port_no, port.hw_addr, port.name.encode("utf-8"),
                          port.config, port.state, port.curr, port.advertised,
                          port.supported, port.peer, port.curr_speed, port.max_speed)
