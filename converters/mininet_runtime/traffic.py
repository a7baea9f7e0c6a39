"""Real traffic for a flow: iperf3 and ping command lines, and their output parsed.

Commands are argument lists (never shell strings): nothing from a
descriptor is ever interpreted by a shell. A flow is a dict of the generated
script's ``FLOWS`` data (``id, src, dst, protocol, traffic, size, duration,
rate, start, packet_size, interval, server_port, client_port``).
"""

from __future__ import annotations

import json
import math
import re

IP_HEADERS = 20
UDP_HEADERS = 28          # IP + UDP
ICMP_HEADERS = 28         # IP + ICMP
MIN_PING_INTERVAL = 0.002
PING_REPLY = re.compile(r"icmp_seq=(\d+).*?time=([0-9.]+) ms")
PING_SUMMARY = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")


def udp_bytes(flow: dict) -> int | None:
    """Bytes a UDP/CBR flow sends: its size, else rate × duration."""
    if flow.get("size"):
        return int(flow["size"])
    if flow.get("rate") and flow.get("duration"):
        return max(1, int(flow["rate"] * flow["duration"] / 8))
    return None


def server_argv(flow: dict) -> list[str]:
    """The one-shot iperf3 server for *flow* (run on its destination host)."""
    return ["iperf3", "-s", "-1", "-J", "-p", str(flow["server_port"])]


def client_argv(flow: dict, dst_ip: str) -> tuple[list[str], list[str]]:
    """The iperf3 client for *flow* and notes on what could not be reproduced exactly."""
    notes: list[str] = []
    argv = ["iperf3", "-c", dst_ip, "-J", "-p", str(flow["server_port"]),
            "--cport", str(flow["client_port"])]
    rate = flow.get("rate")
    if flow["protocol"] == "udp" or flow["traffic"] in ("cbr", "poisson"):
        if flow["protocol"] != "udp":
            notes.append(f"flow {flow['id']}: {flow['traffic']} traffic over TCP is paced with iperf3 -b")
        else:
            argv.append("-u")
            argv += ["-l", str(max(16, int(flow["packet_size"]) - UDP_HEADERS))]
        argv += ["-b", str(int(rate)) if rate else "0"]
        if flow["traffic"] == "poisson":
            notes.append(f"flow {flow['id']}: Poisson arrivals are sent at a constant rate "
                         "(iperf3 has no Poisson source)")
    elif rate:
        argv += ["-b", str(int(rate))]
    size = flow.get("size") if flow["protocol"] != "udp" else udp_bytes(flow)
    if size:
        argv += ["-n", str(int(size))]
        if flow.get("duration") and flow.get("size"):
            notes.append(f"flow {flow['id']}: bounded by its size; the duration "
                         "bound is enforced by the run's stop time only")
    elif flow.get("duration"):
        seconds = max(1, math.ceil(float(flow["duration"])))
        if seconds != flow["duration"]:
            notes.append(f"flow {flow['id']}: duration rounded up to {seconds}s (iperf3 -t)")
        argv += ["-t", str(seconds)]
    return argv, notes


def ping_count(flow: dict) -> int:
    """Echo requests an ICMP flow sends."""
    interval = max(MIN_PING_INTERVAL, float(flow.get("interval") or 1.0))
    if flow.get("duration"):
        return max(1, int(round(float(flow["duration"]) / interval)))
    payload = max(1, int(flow["packet_size"]) - ICMP_HEADERS)
    return max(1, math.ceil(int(flow.get("size") or payload) / payload))


def ping_argv(flow: dict, dst_ip: str) -> list[str]:
    """``ping`` for an ICMP flow (numeric, fixed count, interval and payload)."""
    interval = max(MIN_PING_INTERVAL, float(flow.get("interval") or 1.0))
    payload = max(0, int(flow["packet_size"]) - ICMP_HEADERS)
    return ["ping", "-n", "-c", str(ping_count(flow)), "-i", f"{interval:g}",
            "-s", str(payload), "-W", "2", dst_ip]


PINGALL_RETRIES = 2
"""Echoes re-sent (1 s timeout each) when the first gets no answer: reachability is
about a path, and one echo lost in a full queue does not mean there is none."""


def pingall_argv(dst_ips: list[str], timeout: float) -> list[str]:
    """One shell loop pinging each of *dst_ips* in order, once (plus retries if
    unanswered); the addresses are arguments, never part of the script."""
    script = ('for ip in "$@"; do echo "== $ip"; ping -n -c 1 -W "$0" "$ip" || '
              + " || ".join(['ping -n -c 1 -W 1 "$ip"'] * PINGALL_RETRIES) + "; done")
    return ["sh", "-c", script, str(max(1, int(math.ceil(timeout)))), *dst_ips]


def parse_ping(text: str) -> dict:
    """``ping`` output → ``sent``, ``received`` and RTTs in milliseconds."""
    rtts = [float(m.group(2)) for m in PING_REPLY.finditer(text)]
    summaries = [(int(m.group(1)), int(m.group(2))) for m in PING_SUMMARY.finditer(text)]
    if not summaries:
        return {"sent": 0, "received": len(rtts), "rtts_ms": rtts}
    return {"sent": sum(s for s, _ in summaries), "received": sum(r for _, r in summaries),
            "rtts_ms": rtts}


def parse_pingall(text: str) -> dict[str, dict]:
    """Output of :func:`pingall_argv` → per destination address, as :func:`parse_ping`."""
    out: dict[str, dict] = {}
    for block in text.split("== ")[1:]:
        ip, _, rest = block.partition("\n")
        out[ip.strip()] = parse_ping(rest)
    return out


def _load(text: str | None) -> dict:
    if not text:
        return {}
    try:
        doc = json.loads(text)
    except ValueError:
        start = text.find("{")
        try:
            doc = json.loads(text[start:]) if start >= 0 else {}
        except ValueError:
            return {}
    return doc if isinstance(doc, dict) else {}


def parse_iperf3(client_text: str | None, server_text: str | None, protocol: str) -> dict:
    """Bytes delivered, iperf3's own rate, retransmits, losses and error from iperf3 -J.

    Bytes delivered come from the receiving side: the client's
    ``sum_received`` (reported to it by the server) or, when the client was
    interrupted before that exchange, the server's own ``sum_received``.
    """
    client, server = _load(client_text), _load(server_text)
    c_end, s_end = client.get("end", {}), server.get("end", {})
    received = c_end.get("sum_received") or {}
    sent = c_end.get("sum_sent") or c_end.get("sum") or {}
    delivered = int(received.get("bytes") or 0)
    if protocol != "udp" and not delivered:
        delivered = int((s_end.get("sum_received") or {}).get("bytes") or 0)
    if protocol == "udp" and not delivered:
        s_sum = s_end.get("sum") or {}
        packets, lost = s_sum.get("packets") or 0, s_sum.get("lost_packets") or 0
        if packets and sent.get("packets"):
            delivered = int(sent.get("bytes", 0) * (packets - lost) / sent["packets"])
    return {
        "bytes": delivered,
        "offered_bytes": int(sent.get("bytes") or 0),
        "iperf3_bps": received.get("bits_per_second"),
        "retransmits": sent.get("retransmits"),
        "lost_packets": received.get("lost_packets", sent.get("lost_packets")),
        "error": client.get("error") or (None if client else "no iperf3 client output"),
    }
