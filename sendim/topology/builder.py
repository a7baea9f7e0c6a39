"""A Mininet-like builder for systems.

    topo = Topo("dumbbell")
    s1, s2 = topo.add_switch("s1"), topo.add_switch("s2")
    topo.add_link(s1, s2, bw="10Mbps", delay="5ms")
    ...
    system = topo.build_system()

Subclasses may override :meth:`Topo.build` as in Mininet. The snake_case
methods take sendim's units: numbers in SI base units (bit/s, seconds, bytes)
or strings with units (``"10Mbps"``, ``"5ms"``, ``"1%"``). The camelCase
aliases take Mininet's ``TCLink`` conventions so existing topologies keep
their meaning: ``bw`` in Mbit/s, ``delay`` as ``"5ms"``, ``loss`` in percent,
``max_queue_size`` in packets.
"""

from __future__ import annotations

from typing import Any, Sequence

from sendim.errors import ModelError
from sendim.model import (
    Event,
    EventAction,
    EventTarget,
    Exec,
    Flow,
    Granularity,
    Host,
    Link,
    Protocol,
    Switch,
    System,
    Traffic,
    check,
    resolve,
)
from sendim.model.defaults import LinkIds
from sendim.model.sequences import seq_list
from sendim.units import parse_bandwidth, parse_loss, parse_size, parse_time


def _bw(value: float | str | None) -> float | None:
    if value is None:
        return None
    return parse_bandwidth(value) if isinstance(value, str) else float(value)


def _time(value: float | str | None) -> float | None:
    if value is None:
        return None
    return parse_time(value) if isinstance(value, str) else float(value)


def _size(value: int | str | None) -> int | None:
    if value is None:
        return None
    return parse_size(value) if isinstance(value, str) else int(value)


def _loss(value: float | str | None) -> float:
    if value is None:
        return 0.0
    return parse_loss(value) if isinstance(value, str) else float(value)


class Topo:
    """Collects switches, hosts, links, flows and events into a :class:`System`."""

    def __init__(self, name: str = "system", **params: Any):
        self.system = System(name=name)
        self._flow_counter = 0
        self._link_ids = LinkIds()
        self.build(**params)

    def build(self, **params: Any) -> None:
        """Override to describe a topology, as in Mininet's ``Topo.build``."""

    # -- nodes ----------------------------------------------------------
    def _new_node_id(self, node_id: str) -> None:
        if self.system.has_node(node_id):
            raise ModelError(f"node {node_id!r} already exists")

    def add_switch(self, node_id: str, *, dpid: int | str | None = None,
                   protocol: str = "OpenFlow13", **properties: str) -> str:
        """Add a switch; ``dpid`` may be an int or a hex string."""
        self._new_node_id(node_id)
        if isinstance(dpid, str):
            dpid = int(dpid, 16)
        self.system.switches[node_id] = Switch(
            node_id, dpid or 0, protocol, {k: str(v) for k, v in properties.items()})
        return node_id

    def add_host(self, node_id: str, *, ip: str | None = None, mac: str | None = None,
                 cpu: float | None = None, memory: int | str | None = None,
                 **properties: str) -> str:
        """Add a host; ``ip`` is ``"10.0.0.1/24"`` (prefix /8 when omitted)."""
        self._new_node_id(node_id)
        self.system.hosts[node_id] = Host(
            node_id, ip or "", (mac or "").lower(), cpu, _size(memory),
            {k: str(v) for k, v in properties.items()})
        return node_id

    # -- links ----------------------------------------------------------
    def add_link(self, a: str, b: str, *, bw: float | str | None = None,
                 delay: float | str | None = None, loss: float | str | None = None,
                 max_queue: int | None = None, port1: int | None = None,
                 port2: int | None = None, id: str | None = None,
                 **properties: str) -> str:
        """Add a link between nodes *a* and *b*; returns the link id."""
        link = Link(a, b, port1 or 0, port2 or 0, _bw(bw), _time(delay) or 0.0,
                    _loss(loss), max_queue, id or "",
                    {k: str(v) for k, v in properties.items()})
        if link.id:
            self._link_ids.taken.add(link.id)
        else:
            link.id = self._link_ids.take(a, b)
        self.system.links.append(link)
        return link.id

    # -- traffic and events -----------------------------------------------
    def add_flow(self, src: str, dst: str, *, id: str | None = None,
                 protocol: str | Protocol = "tcp", size: int | str | None = None,
                 duration: float | str | None = None, rate: float | str | None = None,
                 start: float | str = 0.0, granularity: str | Granularity = "flow",
                 chunk_size: int | str | None = None, traffic: str | Traffic | None = None,
                 packet_size: int = 1500, interval: float | str | None = None,
                 src_port: int | None = None, dst_port: int | None = None) -> str:
        """Add a flow from host *src* to host *dst*; returns its id."""
        self._flow_counter += 1
        flow_id = id or f"f{self._flow_counter}"
        try:
            flow = Flow(flow_id, src, dst, Protocol(protocol), _size(size),
                        _time(duration), _bw(rate), _time(start) or 0.0,
                        Granularity(granularity), _size(chunk_size),
                        Traffic(traffic) if traffic is not None else None,
                        packet_size, _time(interval), src_port, dst_port)
        except ValueError as exc:
            raise ModelError(f"flow {flow_id!r}: {exc}") from exc
        self.system.flows.append(flow)
        return flow_id

    def add_event(self, at: float | str, action: str | EventAction, *,
                  link: str | None = None, node: str | None = None) -> None:
        """At time *at*, take a ``link`` or a ``node`` ``"down"`` or ``"up"``."""
        if (link is None) == (node is None):
            raise ModelError("an event names exactly one of link= or node=")
        target, ref = (EventTarget.LINK, link) if link is not None else (EventTarget.NODE, node)
        self.system.events.append(Event(_time(at) or 0.0, EventAction(action), target, ref))

    def add_exec(self, node: str, command: str, seq: str | Sequence[str] = "start", *,
                 wait: bool = True, timeout: float | str | None = None) -> None:
        """Add *command* (a shell command line) to run in *node* as a step of *seq*.

        *seq* is a sequence name, or several (a list or ``"start,test"``); see
        ``<exec>`` in the system schema. ``wait=False`` starts it and goes on.
        """
        seqs = seq_list(seq) if isinstance(seq, str) else tuple(seq)
        self.system.execs.append(Exec(node, seqs, command.strip(), wait, _time(timeout)))

    def add_cmd_seq(self, name: str, seqs: Sequence[str]) -> None:
        """Declare sequence *name* that runs the sequences *seqs*, in order."""
        if name in self.system.cmd_seqs:
            raise ModelError(f"cmd-seq {name!r} is already declared")
        self.system.cmd_seqs[name] = tuple(seqs)

    def set_property(self, name: str, value: str) -> None:
        self.system.properties[name] = str(value)

    # -- result -----------------------------------------------------------
    def build_system(self) -> System:
        """Resolve defaults, check everything and return the system.

        Raises :class:`ModelError` listing every problem found.
        """
        system = resolve(self.system)
        findings = check(system)
        if findings:
            raise ModelError("\n".join(f.message for f in findings))
        return system

    # -- Mininet-compatible aliases ------------------------------------------
    def addSwitch(self, name: str, dpid: str | None = None, protocols: str | None = None,
                  **_opts: Any) -> str:
        """Mininet's ``Topo.addSwitch``: ``dpid`` is a hex string."""
        return self.add_switch(name, dpid=dpid, protocol=protocols or "OpenFlow13")

    def addHost(self, name: str, ip: str | None = None, mac: str | None = None,
                cpu: float | None = None, **_opts: Any) -> str:
        """Mininet's ``Topo.addHost``."""
        return self.add_host(name, ip=ip, mac=mac, cpu=cpu if cpu and cpu > 0 else None)

    def addLink(self, node1: str, node2: str, port1: int | None = None,
                port2: int | None = None, bw: float | None = None,
                delay: str | None = None, loss: float | None = None,
                max_queue_size: int | None = None, **_opts: Any) -> str:
        """Mininet's ``Topo.addLink`` with ``TCLink`` parameters."""
        return self.add_link(node1, node2, port1=port1, port2=port2,
                             bw=None if bw is None else float(bw) * 1e6,
                             delay=delay, loss=None if loss is None else float(loss) / 100.0,
                             max_queue=max_queue_size)
