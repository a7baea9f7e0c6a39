"""System → standalone Mininet script (``sendim convert system.xml --to mininet``).

The script is data plus a fixed runtime: the topology, traffic and events
are embedded as literal data (one element per line for small systems, one
JSON string for large ones) and the runtime
(:mod:`converters.mininet_runtime`) is the same text in every script, so
conversion time and script size grow linearly with the system.

Safety: every value taken from a descriptor is written as a Python literal
(``repr``/JSON) and never spliced into code; the runtime runs commands as
argument lists and ``shlex.quote``\\ s the few shell lines it needs. Node
ids become Mininet names only when they are short and plain
(``[A-Za-z][A-Za-z0-9_]{0,9}``, not a common Linux interface name);
others are mapped deterministically to ``s<n>``/``h<n>``. Interface names
stay within Linux's 15 characters.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sendim
from sendim.errors import InputError
from sendim.model import Deployment, System

from converters.mininet_runtime import embedded_source

IFNAMSIZ = 15
MAX_NAME = 10
PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,%d}" % (MAX_NAME - 1))
PREFIX = re.compile(r"x[a-z0-9]{1,3}")
"""Name prefixes of long-lived experiments: ``x`` + a slot (no reserved name starts so)."""
RESERVED = re.compile(r"(lo|eth\d*|en\w*|wl\w*|docker\w*|br\d*|virbr\w*|veth\w*|tap\w*|"
                      r"tun\w*|ovs\w*|bond\w*|dummy\w*|c\d+)", re.I)
MAC = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")
DATAPATHS = ("user", "kernel", "auto")
READABLE_LIMIT = 400
"""Systems with at most this many nodes + links get one element per line."""
SERVER_PORT, CLIENT_PORT = 5201, 40001
DEFAULT_CONTROLLER = ("127.0.0.1", 6653)

_COLUMNS = {
    "switches": "id, Mininet name, dpid",
    "hosts": "id, Mininet name, ip/prefix, mac",
    "links": "id, src, dst, src port, dst port, src interface, dst interface, "
             "bandwidth bit/s (None = unshaped), one-way delay s, loss fraction, queue packets",
    "flows": "one dict per flow; ports are the iperf3 server (dst) and client (src) ports",
    "events": "time s, action, target, link or node id",
}


def mininet_names(ids: Iterable[tuple[str, str]], prefix: str = "") -> dict[str, str]:
    """``(id, kind)`` pairs (kind ``"s"`` or ``"h"``) → unique Mininet names.

    Plain short ids are kept; the others become ``<kind><n>`` with the
    smallest ``n`` not taken, in declaration order (deterministic). With a
    *prefix* (a long-lived experiment's, so that several share one machine)
    every name starts with it and stays within :data:`MAX_NAME` characters.
    """
    if prefix and not PREFIX.fullmatch(prefix):
        raise InputError(f"bad Mininet name prefix {prefix!r}")
    pairs = list(ids)
    names: dict[str, str] = {}
    taken: set[str] = set()
    for node_id, _ in pairs:
        name = prefix + node_id
        if PLAIN_NAME.fullmatch(name) and not RESERVED.fullmatch(name) \
                and PLAIN_NAME.fullmatch(node_id) and name.lower() not in taken:
            names[node_id] = name
            taken.add(name.lower())
    counters = {"s": 0, "h": 0}
    for node_id, kind in pairs:
        if node_id in names:
            continue
        n = counters[kind]
        while True:
            n += 1
            candidate = f"{prefix}{kind}{n}"
            if candidate.lower() not in taken:
                break
        if len(candidate) > MAX_NAME:
            raise InputError(f"too many nodes for Mininet names with prefix {prefix!r}")
        counters[kind] = n
        names[node_id] = candidate
        taken.add(candidate.lower())
    return names


def intf_name(node: str, port: int, ordinal: int) -> str:
    """``<node>-eth<port>``, or ``<node>-p<ordinal>`` (base 36) when that is too long."""
    name = f"{node}-eth{port}"
    if len(name) <= IFNAMSIZ:
        return name
    digits, n = "", ordinal
    while True:
        n, r = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
        if not n:
            break
    name = f"{node}-p{digits}"
    if len(name) > IFNAMSIZ:
        raise InputError(f"node {node!r} has too many links for Linux interface names")
    return name


def _ports(system: System) -> list[tuple[int, int]]:
    """iperf3 (server, client) ports per flow: the flow's own when free, else allocated."""
    used_dst: dict[str, set[int]] = {}
    used_src: dict[str, set[int]] = {}
    out = []
    for flow in system.flows:
        taken_d = used_dst.setdefault(flow.dst, set())
        taken_s = used_src.setdefault(flow.src, set())
        sport = flow.dst_port if flow.dst_port and flow.dst_port not in taken_d else None
        cport = flow.src_port if flow.src_port and flow.src_port not in taken_s else None
        if sport is None:
            sport = SERVER_PORT
            while sport in taken_d:
                sport += 1
        if cport is None:
            cport = CLIENT_PORT
            while cport in taken_s:
                cport += 1
        taken_d.add(sport)
        taken_s.add(cport)
        out.append((sport, cport))
    return out


def _check_host(host: Any) -> None:
    try:
        ipaddress.IPv4Interface(host.ip)
    except ValueError as exc:
        raise InputError(f"host {host.id!r}: {host.ip!r} is not an IPv4 address/prefix") from exc
    if not MAC.fullmatch(host.mac):
        raise InputError(f"host {host.id!r}: {host.mac!r} is not a MAC address")


def script_data(system: System, deployment: Deployment | None = None, *,
                name_prefix: str = "") -> dict[str, Any]:
    """Everything the runtime needs, as plain JSON-able data.

    *name_prefix* starts every Mininet name (hence every bridge and switch
    interface name): a long-lived experiment's, see :func:`mininet_names`.
    """
    dep = deployment or Deployment()
    datapath = dep.options.get("datapath", "user")
    if datapath not in DATAPATHS:
        raise InputError(f"deployment option datapath={datapath!r}: use one of {', '.join(DATAPATHS)}")
    names = mininet_names([(s, "s") for s in system.switches] + [(h, "h") for h in system.hosts],
                          name_prefix)
    ctl = "c0"                      # RESERVED keeps node names off c<digits>
    switches = [[sid, names[sid], int(sw.dpid)] for sid, sw in system.switches.items()]
    hosts = []
    for hid, host in system.hosts.items():
        _check_host(host)
        hosts.append([hid, names[hid], host.ip, host.mac])
    ordinal: dict[str, int] = {}
    links = []
    for link in system.links:
        ends = []
        for node, port in ((link.src, link.src_port), (link.dst, link.dst_port)):
            k = ordinal[node] = ordinal.get(node, 0) + 1
            ends.append(intf_name(names[node], int(port), k))
        links.append([link.id, link.src, link.dst, int(link.src_port), int(link.dst_port),
                      ends[0], ends[1],
                      float(link.bandwidth) if link.bandwidth else None,
                      float(link.delay), float(link.loss),
                      int(link.max_queue) if link.max_queue else None])
    flows = []
    for flow, (sport, cport) in zip(system.flows, _ports(system)):
        flows.append({
            "id": flow.id, "src": flow.src, "dst": flow.dst, "protocol": flow.protocol.value,
            "traffic": (flow.traffic.value if flow.traffic else "bulk"),
            "size": flow.size, "duration": flow.duration, "rate": flow.rate,
            "start": float(flow.start), "packet_size": int(flow.packet_size),
            "interval": flow.interval, "server_port": sport, "client_port": cport})
    events = [[float(e.time), e.action.value, e.target.value, e.ref] for e in system.events]
    port = dep.controller.port or DEFAULT_CONTROLLER[1]
    return {
        "system": system.name, "sendim_version": sendim.__version__,
        "protocols": "OpenFlow13", "datapath": datapath,
        "controller": [DEFAULT_CONTROLLER[0], int(port)], "controller_name": ctl,
        "settle": float(dep.settle or 0.0), "duration": dep.duration, "seed": dep.seed,
        "switches": switches, "hosts": hosts, "links": links, "flows": flows, "events": events,
    }


def _render_readable(data: dict[str, Any]) -> str:
    lines = ["DATA = {"]
    for key, value in data.items():
        if key in _COLUMNS:
            lines.append(f"    # {_COLUMNS[key]}")
            if not value:
                lines.append(f"    {key!r}: [],")
                continue
            lines.append(f"    {key!r}: [")
            lines.extend(f"        {row!r}," for row in value)
            lines.append("    ],")
        else:
            lines.append(f"    {key!r}: {value!r},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _render_compact(data: dict[str, Any]) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
    return ("# The system as JSON (large systems are embedded compactly).\n"
            f"DATA = json.loads({text!r})\n")


_HEADER = '''#!/usr/bin/env python3
"""A sendim system in Mininet, generated by sendim {version}.

Run it as root with Debian's Python, where Mininet lives:

    sudo /usr/bin/python3 {script} --pingall --out results-dir

It builds {n_switches} switch(es) (Open vSwitch, OpenFlow 1.3) and {n_hosts} host(s)
joined by {n_links} link(s), connects the switches to the controller at
{controller} (start one first, e.g.
``ryu-manager --ofp-tcp-listen-port {port} ryu.app.simple_switch_13``), waits
until it has seen every switch, runs {n_flows} flow(s) with iperf3/ping and
{n_events} timed event(s), and writes results.json (sendim's results schema)
into --out. Everything it creates is taken down when it ends.
"""
# system: {name}

from __future__ import annotations

import json

'''

_FOOTER = '''

if __name__ == "__main__":
    sys.exit(main())
'''


class MininetConverter:
    """Writes standalone Mininet scripts (registered as converter ``"mininet"``)."""

    name = "mininet"
    suffix = ".py"

    def convert(self, system: System, deployment: Deployment | None = None, *,
                readable: bool | None = None, script_name: str = "net.py",
                name_prefix: str = "") -> str:
        """The script's text. *readable*: one element per line (default: small systems);
        *name_prefix*: see :func:`script_data`."""
        data = script_data(system, deployment, name_prefix=name_prefix)
        if readable is None:
            readable = len(system.switches) + len(system.hosts) + len(system.links) <= READABLE_LIMIT
        host, port = data["controller"]
        header = _HEADER.format(
            version=sendim.__version__, script=Path(script_name).name if PLAIN_FILE.fullmatch(
                Path(script_name).name) else "net.py",
            n_switches=len(data["switches"]), n_hosts=len(data["hosts"]),
            n_links=len(data["links"]), n_flows=len(data["flows"]),
            n_events=len(data["events"]), controller=f"{host}:{port}", port=port,
            name=repr(system.name))
        body = _render_readable(data) if readable else _render_compact(data)
        return header + body + "\n\n" + embedded_source() + _FOOTER

    def write(self, system: System, path: str | Path, deployment: Deployment | None = None,
              *, readable: bool | None = None, name_prefix: str = "") -> Path:
        """Write the script to *path* (made executable) and return the path."""
        path = Path(path)
        text = self.convert(system, deployment, readable=readable, script_name=path.name,
                            name_prefix=name_prefix)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)
        return path


PLAIN_FILE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def convert(system: System, deployment: Deployment | None = None, **kwargs: Any) -> str:
    """Shortcut for ``MininetConverter().convert(...)``."""
    return MininetConverter().convert(system, deployment, **kwargs)
