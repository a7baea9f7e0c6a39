"""sendim's OpenFlow names and numbers line up with Ryu's ofproto_v1_3 (when
ryu is installed), so the Ryu translation is a mechanical mapping."""

import dataclasses
import inspect

import pytest

from sendim.simulator.openflow import constants, messages, multipart
from sendim.simulator.openflow import (
    GroupFeaturesStatsRequest, MeterFeaturesStatsRequest, OFPGT_FF, OFPMBT_DROP, OFPMF_PKTPS,
)
from of_helpers import make_dp, send

# OF1.2 config flag kept on purpose, and a default not named in ofproto_v1_3.
NOT_IN_RYU = {"OFPC_INVALID_TTL_TO_CONTROLLER", "OFP_DEFAULT_MISS_SEND_LEN"}
RYU_NAME = {"FeaturesReply": "OFPSwitchFeatures"}
IGNORED_RYU_PARAMS = {"self", "datapath", "len_", "length", "type_", "kwargs", "actions_len"}


@pytest.mark.ryu
def test_constants_equal_ryu():
    ofp = pytest.importorskip("ryu.ofproto.ofproto_v1_3")
    ours = {n: getattr(constants, n) for n in dir(constants) if n.startswith("OF")}
    assert ours
    for name, value in ours.items():
        if name not in NOT_IN_RYU:
            assert getattr(ofp, name) == value, name


@pytest.mark.ryu
def test_message_fields_are_ryu_attributes():
    parser = pytest.importorskip("ryu.ofproto.ofproto_v1_3_parser")
    for mod in (messages, multipart):
        for name, cls in vars(mod).items():
            if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)) or name == "Message":
                continue
            rcls = getattr(parser, RYU_NAME.get(name, "OFP" + name))
            if hasattr(rcls, "_fields"):
                theirs = set(rcls._fields)
            else:
                theirs = set(inspect.signature(rcls.__init__).parameters)
            theirs = {p.rstrip("_") if p == "type_" else p for p in theirs} - IGNORED_RYU_PARAMS
            mine = {f.name for f in dataclasses.fields(cls)} - {"xid"}
            if name.endswith("Reply") and "body" in mine:   # Ryu sets body/flags in the parser
                mine -= {"body", "flags"}
            assert mine <= theirs | {"type"}, (name, mine - theirs)


def test_group_and_meter_features():
    dp = make_dp()
    (g,) = send(dp, GroupFeaturesStatsRequest(xid=4))
    assert g.xid == 4 and g.body.types & (1 << OFPGT_FF) and len(g.body.max_groups) == 4
    (m,) = send(dp, MeterFeaturesStatsRequest())
    assert m.body[0].band_types & (1 << OFPMBT_DROP) and m.body[0].capabilities & OFPMF_PKTPS
