"""The embedded runtime's pure parts: flow-table tracing, traffic commands, parsers, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from converters.mininet_runtime import flowtables as ft
from converters.mininet_runtime import report, traffic

DATA = Path(__file__).parent / "data"

# Three switches in a line: h1 - s1 - s2 - s3 - h2 (ports: host side 1, chain 2/3).
WIRING = {("h1", 1): ("s1", 1), ("s1", 1): ("h1", 1), ("s1", 2): ("s2", 1), ("s2", 1): ("s1", 2),
          ("s2", 2): ("s3", 1), ("s3", 1): ("s2", 2), ("s3", 2): ("h2", 1), ("h2", 1): ("s3", 2)}
PACKET = {"dl_src": "00:00:00:00:00:01", "dl_dst": "00:00:00:00:00:02", "dl_type": 0x0800,
          "nw_src": "10.0.0.1", "nw_dst": "10.0.0.2", "nw_proto": 6, "tp_src": 40001,
          "tp_dst": 5201}

L2 = """OFPST_FLOW reply (OF1.3) (xid=0x2):
 priority=1,in_port={inp},dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02 actions=output:{out}
 priority=1,in_port={out},dl_src=00:00:00:00:00:02,dl_dst=00:00:00:00:00:01 actions=output:{inp}
 priority=0 actions=CONTROLLER:65535
"""
L3 = """ cookie=0x1, priority=10,ip,nw_dst=10.0.0.2 actions=output:{out}
 cookie=0x2, priority=10,ip,nw_dst=10.0.0.0/255.255.255.0 actions=drop
 priority=0 actions=CONTROLLER:65535
"""


def snap(template: str) -> dict:
    return {"s1": ft.parse_dump(template.format(inp=1, out=2)),
            "s2": ft.parse_dump(template.format(inp=1, out=2)),
            "s3": ft.parse_dump(template.format(inp=1, out=2))}


@pytest.mark.parametrize("template", [L2, L3])
def test_trace_follows_the_tables(template: str) -> None:
    path, why = ft.trace_path(snap(template), ("s1", 1), PACKET, WIRING, "h2")
    assert (path, why) == (["s1", "s2", "s3"], None)


def test_parse_entry_fields() -> None:
    e = ft.parse_entry(" cookie=0x2a, table=1, priority=5,tcp,in_port=3,nw_src=10.0.0.0/8,"
                       "tp_dst=80 actions=set_field:00:00:00:00:00:09->eth_dst,output:4")
    assert (e.table, e.priority, e.cookie) == (1, 5, 42)
    assert e.match == {"dl_type": "2048", "nw_proto": "6", "in_port": "3",
                       "nw_src": "10.0.0.0/8", "tp_dst": "80"}
    assert e.actions == ["set_field:00:00:00:00:00:09->eth_dst", "output:4"]
    assert ft.parse_entry("OFPST_FLOW reply (OF1.3) (xid=0x2):") is None


def test_miss_controller_loop_and_unknown_fields() -> None:
    tables = snap(L3)
    tables["s2"] = ft.parse_dump(" priority=0 actions=CONTROLLER:65535\n")
    path, why = ft.trace_path(tables, ("s1", 1), PACKET, WIRING, "h2")
    assert path == ["s1", "s2"] and "CONTROLLER" in why
    looped = {"s1": ft.parse_dump(" priority=1 actions=output:2\n"),
              "s2": ft.parse_dump(" priority=1 actions=IN_PORT\n priority=2,in_port=1 actions=output:1\n")}
    path, why = ft.trace_path(looped, ("s1", 1), PACKET, WIRING, "h2")
    assert why is not None and path[:2] == ["s1", "s2"]
    odd = {"s1": ft.parse_dump(" priority=9,tun_dst=1.2.3.4 actions=output:2\n"
                               " priority=1 actions=drop\n")}
    path, why = ft.trace_path(odd, ("s1", 1), PACKET, WIRING, "h2")
    assert why == "dropped (fields not evaluated: tun_dst)"


def test_goto_table_and_masks() -> None:
    tables = {name: ft.parse_dump(
        " priority=1 actions=goto_table:1\n"
        " table=1, priority=3,tcp,tp_dst=0x1450/0xfff0 actions=output:2\n"
        " table=1, priority=1 actions=CONTROLLER:65535\n") for name in ("s1", "s2", "s3")}
    assert ft.trace_path(tables, ("s1", 1), PACKET, WIRING, "h2") == (["s1", "s2", "s3"], None)
    udp = dict(PACKET, nw_proto=17)
    assert ft.trace_path(tables, ("s1", 1), udp, WIRING, "h2")[1].startswith("output CONTROLLER")


def flow(**kw) -> dict:
    base = {"id": "f", "protocol": "tcp", "traffic": "bulk", "size": 1000000, "duration": None,
            "rate": None, "packet_size": 1500, "interval": None, "server_port": 5201,
            "client_port": 40001}
    return {**base, **kw}


def test_iperf3_commands() -> None:
    argv, notes = traffic.client_argv(flow(), "10.0.0.2")
    assert argv == ["iperf3", "-c", "10.0.0.2", "-J", "-p", "5201", "--cport", "40001",
                    "-n", "1000000"] and notes == []
    argv, _ = traffic.client_argv(flow(protocol="udp", traffic="cbr", size=None, rate=20e6,
                                       duration=3.0), "10.0.0.2")
    assert argv[-7:] == ["-u", "-l", "1472", "-b", "20000000", "-n", "7500000"]
    argv, notes = traffic.client_argv(flow(size=None, duration=2.5), "10.0.0.2")
    assert argv[-2:] == ["-t", "3"] and "rounded up" in notes[0]
    _, notes = traffic.client_argv(flow(protocol="udp", traffic="poisson", rate=1e6), "10.0.0.2")
    assert any("Poisson" in n for n in notes)
    assert traffic.server_argv(flow()) == ["iperf3", "-s", "-1", "-J", "-p", "5201"]


def test_ping_commands_and_parsers() -> None:
    f = flow(protocol="icmp", traffic="ping", size=None, duration=2.0, interval=0.2)
    assert traffic.ping_argv(f, "10.0.0.9") == ["ping", "-n", "-c", "10", "-i", "0.2", "-s",
                                                "1472", "-W", "2", "10.0.0.9"]
    text = ("== 10.0.0.2\nPING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n"
            "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=5.69 ms\n\n"
            "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n"
            "== 10.0.0.3\nPING 10.0.0.3 (10.0.0.3) 56(84) bytes of data.\n\n"
            "1 packets transmitted, 0 received, 100% packet loss, time 0ms\n"
            "== 10.0.0.4\nPING 10.0.0.4 (10.0.0.4) 56(84) bytes of data.\n\n"
            "1 packets transmitted, 0 received, 100% packet loss, time 0ms\n"
            "PING 10.0.0.4 (10.0.0.4) 56(84) bytes of data.\n"
            "64 bytes from 10.0.0.4: icmp_seq=1 ttl=64 time=0.5 ms\n\n"
            "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n")
    parsed = traffic.parse_pingall(text)
    assert parsed["10.0.0.2"] == {"sent": 1, "received": 1, "rtts_ms": [5.69]}
    assert parsed["10.0.0.3"] == {"sent": 1, "received": 0, "rtts_ms": []}
    assert parsed["10.0.0.4"] == {"sent": 2, "received": 1, "rtts_ms": [0.5]}   # one retry


def test_iperf3_parsers_on_real_output() -> None:
    tcp = traffic.parse_iperf3((DATA / "iperf3_tcp_client.json").read_text(), None, "tcp")
    # This output predates tcp_notsent_lowat: the receiver's count stopped at the
    # end-of-test message, 0.86 MB short of what sat in the sender's socket buffer.
    assert (tcp["bytes"], tcp["offered_bytes"]) == (1234760, 2097152)
    assert tcp["error"] is None and tcp["iperf3_bps"] > 9e6 and tcp["retransmits"] == 0
    udp = traffic.parse_iperf3((DATA / "iperf3_udp_client.json").read_text(),
                               (DATA / "iperf3_udp_server.json").read_text(), "udp")
    assert udp["bytes"] == 1249624 and udp["lost_packets"] == 0
    cut = traffic.parse_iperf3((DATA / "iperf3_tcp_interrupted.json").read_text(), None, "tcp")
    assert cut["error"].startswith("interrupt") and cut["bytes"] == 0
    assert traffic.parse_iperf3("", None, "tcp")["error"] == "no iperf3 client output"
    assert traffic.parse_iperf3("garbage {\"end\": {}}", None, "tcp")["bytes"] == 0


def test_report_documents() -> None:
    f = flow()
    doc = report.flow_document({**f, "src": "h1", "dst": "h2"}, {
        "start_s": 0.5, "end_s": 2.5, "completed": True, "bytes": 1_000_000,
        "path_samples": [(0.6, [], "no entry in table 0"), (1.0, ["s1", "s2"], None),
                         (2.0, ["s1", "s3", "s2"], None), (2.4, ["s1", "s3", "s2"], None)]})
    assert doc["fct_s"] == 2.0 and doc["throughput_bps"] == 4e6
    assert doc["path"] == ["s1", "s2"] and doc["reroutes"] == 1 and doc["path_changes_s"] == [2.0]
    pings = [report.ping_document("h1", "h2", {"sent": 1, "received": 1, "rtts_ms": [1.0]}, None, []),
             report.ping_document("h2", "h1", {"sent": 1, "received": 0, "rtts_ms": []}, None, []),
             report.ping_document("h1", "h2", {"sent": 5, "received": 5, "rtts_ms": [1] * 5}, "p", [])]
    assert report.reachability(pings) == {"pairs": 2, "reachable": 1, "unreachable": [["h2", "h1"]],
                                          "matrix": {"h1": {"h2": True}, "h2": {"h1": False}}}
    full = report.document({"links": []}, [doc], pings, {}, [], {"notes": []})
    assert full["schema"] == "sendim.results/1" and full["realization"] == "emulation"
    assert json.loads(json.dumps(full)) == full
    from sendim.results import Results
    assert Results.from_dict(full).flows[0].extra["iperf3_bps"] is None   # the shared schema


def test_port_counters() -> None:
    text = ("OFPST_PORT reply (OF1.3) (xid=0x2): 2 ports\n"
            "  port  1: rx pkts=10, bytes=1000, drop=0, errs=0, frame=0, over=0, crc=0\n"
            "           tx pkts=20, bytes=3000, drop=1, errs=0, coll=0\n"
            "           duration=5.1s\n"
            "  port LOCAL: rx pkts=0, bytes=0, drop=0, errs=0, frame=0, over=0, crc=0\n"
            "           tx pkts=0, bytes=0, drop=0, errs=0, coll=0\n")
    assert report.parse_ports(text) == {1: {"rx_packets": 10, "rx_bytes": 1000, "rx_drop": 0,
                                            "tx_packets": 20, "tx_bytes": 3000, "tx_drop": 1}}
    data = {"links": [["l", "h1", "s1", 1, 1, "h1-eth1", "s1-eth1", 1e6, 0, 0, None]]}
    docs = report.link_documents(data, {"s1": text}, 2.0)
    assert [(d["src"], d["bytes"]) for d in docs] == [("h1", 1000), ("s1", 3000)]


def test_cpu_monitor() -> None:
    from converters.mininet_runtime.main import busy_fraction, cpu_times
    a = cpu_times()
    assert a is not None and a[1] >= a[0] > 0
    assert busy_fraction((100, 1000), (150, 1100)) == 0.5
    assert busy_fraction(None, a) is None and busy_fraction(a, a) is None
