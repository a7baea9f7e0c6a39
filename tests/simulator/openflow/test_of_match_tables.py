"""Match semantics and the indexed flow table lookup."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendim.simulator import packets as pk
from sendim.simulator.openflow import FlowEntry, FlowTable, Match, OFPVID_PRESENT, Output, ApplyActions
from of_helpers import ip, mac, tcp_frame, udp_frame


def headers(frame, in_port=1):
    h = pk.parse_headers(frame)
    h.in_port = in_port
    return h


# --- Match ------------------------------------------------------------------------

def test_match_normalises_strings_masks_and_order():
    m = Match(eth_dst="00:00:00:00:00:02", in_port=1, ipv4_dst=("10.0.0.7", "255.255.255.0"))
    assert list(m) == ["in_port", "eth_dst", "ipv4_dst"]
    assert m["eth_dst"] == 2
    assert m["ipv4_dst"] == (0x0A000000, 0xFFFFFF00)          # value stored pre-masked
    assert Match(ipv4_src="10.1.0.0/16")["ipv4_src"] == (0x0A010000, 0xFFFF0000)
    assert Match(ipv4_src=("10.0.0.1", "255.255.255.255")) == Match(ipv4_src="10.0.0.1")
    assert Match(in_port=1, eth_type=0x800) == Match({"eth_type": 0x800}, in_port=1)
    assert hash(Match(in_port=1)) == hash(Match(in_port=1))
    assert m.get("tcp_dst", 5) == 5 and "in_port" in m and len(m) == 3
    assert m.to_dict(strings=True)["eth_dst"] == "00:00:00:00:00:02"
    assert "eth_dst='00:00:00:00:00:02'" in repr(m)


@pytest.mark.parametrize("kw", [dict(bogus=1), dict(in_port=-1), dict(vlan_pcp=8),
                                dict(tcp_dst=("1", 3)), dict(eth_dst="zz"), dict(ip_proto=(6, 1, 2))])
def test_match_rejects_bad_fields(kw):
    with pytest.raises(ValueError):
        Match(**kw)


def test_match_matches_present_fields_only():
    h = headers(udp_frame(1, 2), in_port=3)
    assert Match().matches(h)
    assert Match(in_port=3, eth_type=0x800, ip_proto=17, udp_dst=2000).matches(h)
    assert Match(in_port=4).matches(h, in_port=4)
    assert not Match(in_port=4).matches(h)
    assert not Match(tcp_dst=2000).matches(h)       # absent field never matches
    assert not Match(arp_op=1).matches(h)
    assert Match(ipv4_src=(ip(0), "255.255.255.0")).matches(h)
    assert not Match(ipv4_src=("10.0.1.0", "255.255.255.0")).matches(h)
    # multicast bit mask on eth_dst
    mcast = Match(eth_dst=("01:00:00:00:00:00", "01:00:00:00:00:00"))
    assert not mcast.matches(h)
    assert mcast.matches(headers(pk.arp_request(mac(1), ip(1), ip(2))))


def test_vlan_vid_oxm_semantics():
    untagged = headers(udp_frame())
    tagged = headers(udp_frame(vlan=10))
    assert Match(vlan_vid=0).matches(untagged) and not Match(vlan_vid=0).matches(tagged)
    assert Match(vlan_vid=OFPVID_PRESENT | 10).matches(tagged)
    assert not Match(vlan_vid=10).matches(tagged)             # OFPVID_PRESENT is required
    anytag = Match(vlan_vid=(OFPVID_PRESENT, OFPVID_PRESENT))
    assert anytag.matches(tagged) and not anytag.matches(untagged)


def test_covers_is_non_strict_subsumption():
    wide = Match(ipv4_dst=("10.0.0.0", "255.0.0.0"))
    assert Match().covers(Match(in_port=1))
    assert wide.covers(Match(ipv4_dst="10.1.2.3", in_port=1))
    assert wide.covers(Match(ipv4_dst=("10.1.0.0", "255.255.0.0")))
    assert not wide.covers(Match(ipv4_dst=("0.0.0.0", "0.0.0.0")))
    assert not wide.covers(Match(in_port=1))
    assert Match(in_port=1).covers(Match(in_port=1, eth_dst=2))
    assert not Match(in_port=1, eth_dst=2).covers(Match(in_port=1))
    assert not Match(eth_dst=2).covers(Match(eth_dst=(2, 0xFFFF)))


# --- FlowTable --------------------------------------------------------------------

def entry(priority, match, port=1, **kw):
    return FlowEntry(0, priority, match, (ApplyActions([Output(port)]),), **kw)


def test_lookup_highest_priority_wins_across_shapes():
    t = FlowTable(0)
    low = entry(1, Match())
    l2 = entry(10, Match(in_port=1, eth_dst=mac(2), eth_src=mac(1)))
    pfx = entry(20, Match(eth_type=0x800, ipv4_dst=("10.0.0.0", "255.255.255.0")))
    host = entry(30, Match(eth_type=0x800, ipv4_dst=ip(2)))
    for e in (low, l2, pfx, host):
        t.add(e)
    assert t.lookup(headers(udp_frame(1, 2))) is host
    assert t.lookup(headers(udp_frame(1, 3))) is pfx
    assert t.lookup(headers(pk.arp_request(mac(1), ip(1), ip(2)), 1)) is low
    t.remove(host)
    t.remove(pfx)
    assert t.lookup(headers(udp_frame(1, 2))) is l2
    assert t.lookup(headers(udp_frame(1, 2), in_port=2)) is low
    t.remove(low)
    assert t.lookup(headers(udp_frame(1, 2), in_port=2)) is None
    assert len(t) == 1


def test_identical_match_other_priority_and_replacement():
    t = FlowTable(0)
    m = Match(in_port=1)
    a, b = entry(5, m, 2), entry(7, m, 3)
    t.add(a)
    t.add(b)
    assert t.lookup(headers(udp_frame())) is b
    c = entry(7, m, 4)
    assert t.add(c) is b and b.removed
    assert t.lookup(headers(udp_frame())) is c and len(t) == 2
    t.remove(c)
    assert t.lookup(headers(udp_frame())) is a


def test_select_strict_and_non_strict_with_filters():
    t = FlowTable(0)
    e1 = entry(10, Match(in_port=1, eth_dst=2), port=2, cookie=0x11)
    e2 = entry(10, Match(in_port=1, eth_dst=3), port=3, cookie=0x21)
    e3 = entry(20, Match(in_port=2), port=1, cookie=0x12)
    for e in (e1, e2, e3):
        t.add(e)
    assert set(t.select(Match(in_port=1))) == {e1, e2}
    assert t.select(Match()) == [e1, e2, e3]
    assert t.select(Match(in_port=1, eth_dst=2), strict=True, priority=10) == [e1]
    assert t.select(Match(in_port=1, eth_dst=2), strict=True, priority=11) == []
    assert t.select(Match(in_port=1), strict=True, priority=10) == []
    assert t.select(Match(), out_port=3) == [e2]
    assert t.select(Match(), cookie=0x01, cookie_mask=0x0F) == [e1, e2]
    assert t.select(Match(), cookie=0x10, cookie_mask=0xF0) == [e1, e3]


FIELDS = {"in_port": st.integers(1, 3), "eth_dst": st.integers(1, 3), "eth_src": st.integers(1, 3),
          "eth_type": st.sampled_from([0x800, 0x806]), "ipv4_dst": st.integers(0, 7),
          "udp_dst": st.integers(1, 3)}


@st.composite
def matches(draw):
    names = draw(st.sets(st.sampled_from(sorted(FIELDS)), max_size=4))
    kw = {}
    for n in names:
        v = draw(FIELDS[n])
        if n in ("ipv4_dst", "eth_dst") and draw(st.booleans()):
            mask = draw(st.sampled_from([0x6, 0x4, 0x1]))
            kw[n] = (v & mask, mask)
        else:
            kw[n] = v
    return Match(**kw)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), matches()), max_size=25),
       st.lists(st.tuples(*(FIELDS[n] for n in sorted(FIELDS))), min_size=1, max_size=10),
       st.data())
def test_indexed_lookup_agrees_with_linear_scan(specs, packets, data):
    t = FlowTable(0)
    for prio, m in specs:
        t.add(entry(prio, m))
    live = t.entries()
    if live:
        for e in data.draw(st.lists(st.sampled_from(live), max_size=3, unique_by=id)):
            t.remove(e)
    live = t.entries()
    for vals in packets:
        h = pk.Headers(**dict(zip(sorted(FIELDS), vals)))
        got = t.lookup(h)
        want = [e.priority for e in live if e.match.matches(h)]
        if not want:
            assert got is None
        else:
            assert got is not None and got.match.matches(h) and got.priority == max(want)


def test_many_exact_entries_are_found():
    t = FlowTable(0)
    for i in range(2000):
        t.add(entry(1, Match(in_port=1 + i % 4, eth_dst=i, eth_src=i + 1), port=i))
    h = pk.Headers(in_port=1 + 1234 % 4, eth_dst=1234, eth_src=1235)
    assert t.lookup(h).apply[0].port == 1234
    assert t.lookup(pk.Headers(in_port=1, eth_dst=1234, eth_src=1235)) is None


def test_tcp_frame_helper_headers():
    h = headers(tcp_frame(1, 2, 5, 6))
    assert (h.tcp_src, h.tcp_dst) == (5, 6)
