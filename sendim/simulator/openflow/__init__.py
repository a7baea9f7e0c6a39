"""OpenFlow 1.3 switch data plane, pure Python (no simpy, no ryu).

:class:`Datapath` is one switch: ``process(frame, in_port, now) -> Result`` runs
a frame through flow tables, groups and meters; ``handle(msg, now)`` applies
controller messages (:mod:`.messages`, :mod:`.multipart`) and returns replies.
Match fields are OXM-named (:class:`Match`); actions and instructions live in
:mod:`.actions`; OF1.3 constants (Ryu's names and values) in :mod:`.constants`.
"""

from sendim.simulator.openflow.actions import (
    ApplyActions, ClearActions, DecNwTtl, GotoTable, Group, Meter, Output, PopVlan,
    PushVlan, SetField, SetQueue, WriteActions, WriteMetadata,
)
from sendim.simulator.openflow.constants import *  # noqa: F401,F403
from sendim.simulator.openflow.datapath import Datapath
from sendim.simulator.openflow.groups import GroupEntry, GroupTable, flow_hash
from sendim.simulator.openflow.match import Match
from sendim.simulator.openflow.messages import *  # noqa: F401,F403
from sendim.simulator.openflow.meters import MeterEntry, MeterTable
from sendim.simulator.openflow.multipart import *  # noqa: F401,F403
from sendim.simulator.openflow.result import (
    DROP_BAD_PORT, DROP_INVALID_TTL, DROP_METER, DROP_NO_ACTION, DROP_PORT_DOWN,
    DROP_TABLE_MISS, PacketBuffer, PortCounters, Result,
)
from sendim.simulator.openflow.tables import FlowEntry, FlowTable
