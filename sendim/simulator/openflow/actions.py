"""OpenFlow 1.3 actions and instructions.

Actions: :class:`Output`, :class:`Group`, :class:`SetField`, :class:`PushVlan`,
:class:`PopVlan`, :class:`SetQueue` (accepted, no effect), :class:`DecNwTtl`.
Instructions: :class:`ApplyActions`, :class:`WriteActions`, :class:`ClearActions`,
:class:`GotoTable`, :class:`WriteMetadata`, :class:`Meter`.

The action set (OF1.3 §5.10) holds at most one action per type (one set-field
per field) and runs in :data:`ACTION_SET_ORDER`; a group action in the set
overrides an output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from sendim.simulator.openflow.constants import OFPCML_MAX
from sendim.simulator.openflow.match import field_value
from sendim.simulator.packets import ETH_TYPE_8021Q, SETTABLE_FIELDS


@dataclass(slots=True, frozen=True)
class Output:
    """Send the packet to ``port`` (a port number or an ``OFPP_*`` reserved port);
    ``max_len`` bytes go to the controller (``OFPCML_NO_BUFFER``: whole packet)."""

    port: int
    max_len: int = OFPCML_MAX


@dataclass(slots=True, frozen=True)
class Group:
    """Process the packet through group ``group_id``."""

    group_id: int


@dataclass(slots=True, frozen=True)
class SetField:
    """Rewrite one header field (OXM name; value as int or MAC/IP string)."""

    field: str
    value: Any

    def __post_init__(self) -> None:
        if self.field not in SETTABLE_FIELDS:
            raise ValueError(f"cannot set field {self.field!r}")
        object.__setattr__(self, "value", field_value(self.field, self.value))


@dataclass(slots=True, frozen=True)
class PushVlan:
    """Push a new outer VLAN tag (VID/PCP copied from an inner tag, else 0)."""

    ethertype: int = ETH_TYPE_8021Q


@dataclass(slots=True, frozen=True)
class PopVlan:
    """Pop the outer VLAN tag."""


@dataclass(slots=True, frozen=True)
class SetQueue:
    """Select an egress queue (accepted; queues are not modelled)."""

    queue_id: int


@dataclass(slots=True, frozen=True)
class DecNwTtl:
    """Decrement the IPv4 TTL; a packet with TTL 0/1 is dropped (sent to the
    controller with ``OFPR_INVALID_TTL`` if the switch config asks so)."""


Action = Union[Output, Group, SetField, PushVlan, PopVlan, SetQueue, DecNwTtl]
ACTION_TYPES = (Output, Group, SetField, PushVlan, PopVlan, SetQueue, DecNwTtl)

#: Execution rank of each action type in the action set (OF1.3 §5.10).
ACTION_SET_ORDER: dict[type, int] = {
    PopVlan: 2, PushVlan: 5, DecNwTtl: 7, SetField: 8, SetQueue: 9, Group: 10, Output: 11,
}


def action_set_key(action: Action) -> Any:
    """The slot ``action`` occupies in an action set."""
    if type(action) is SetField:
        return ("set_field", action.field)
    return type(action)


def action_set_list(action_set: dict[Any, Action]) -> list[Action]:
    """The actions of an action set in execution order (group overrides output)."""
    acts = sorted(action_set.values(), key=lambda a: ACTION_SET_ORDER[type(a)])
    if Group in action_set and Output in action_set:
        acts.remove(action_set[Output])
    return acts


@dataclass(slots=True, frozen=True)
class ApplyActions:
    """Apply ``actions`` immediately, in order."""

    actions: tuple[Action, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "actions", tuple(self.actions))


@dataclass(slots=True, frozen=True)
class WriteActions:
    """Merge ``actions`` into the action set."""

    actions: tuple[Action, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "actions", tuple(self.actions))


@dataclass(slots=True, frozen=True)
class ClearActions:
    """Empty the action set."""


@dataclass(slots=True, frozen=True)
class GotoTable:
    """Continue in table ``table_id`` (must be greater than the current one)."""

    table_id: int


@dataclass(slots=True, frozen=True)
class WriteMetadata:
    """``metadata = metadata & ~mask | value & mask``."""

    metadata: int
    metadata_mask: int = 0xFFFFFFFFFFFFFFFF


@dataclass(slots=True, frozen=True)
class Meter:
    """Send the packet through meter ``meter_id`` first (it may drop it)."""

    meter_id: int


Instruction = Union[ApplyActions, WriteActions, ClearActions, GotoTable, WriteMetadata, Meter]
INSTRUCTION_TYPES = (ApplyActions, WriteActions, ClearActions, GotoTable, WriteMetadata, Meter)


def instruction_actions(instructions: tuple[Instruction, ...] | list[Instruction]) -> list[Action]:
    """Every action of apply/write instructions (for out_port/out_group filters)."""
    return [a for i in instructions if type(i) in (ApplyActions, WriteActions) for a in i.actions]
