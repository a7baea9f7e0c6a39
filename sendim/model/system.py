"""The system model: switches, hosts, links, flows, timed events, command sequences.

A :class:`System` is a pure description (like Mininet's ``Topo``): it holds no
backend handles. Every field is concrete once :func:`sendim.model.resolve`
has filled in the deterministic defaults (dpids, ports, IPs, MACs, link ids);
the parser and the builder both return resolved systems.

Units inside the model are SI base units: bandwidth in bit/s, times in
seconds, sizes in bytes, loss as a fraction in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Iterator


class Protocol(str, Enum):
    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"


class Granularity(str, Enum):
    """How finely the simulator moves a flow's bytes."""

    FLOW = "flow"      # fluid model: max-min fair rates
    PACKET = "packet"  # every packet is an event
    CHUNK = "chunk"    # store-and-forward units of ``chunk_size`` bytes


class Traffic(str, Enum):
    """The traffic source shape of a flow."""

    BULK = "bulk"        # send ``size`` bytes as fast as allowed (TCP-like)
    CBR = "cbr"          # constant bit rate ``rate`` for ``duration``/``size``
    POISSON = "poisson"  # Poisson arrivals of packets at mean ``rate``
    PING = "ping"        # ICMP echo every ``interval``


class EventAction(str, Enum):
    DOWN = "down"
    UP = "up"


class EventTarget(str, Enum):
    LINK = "link"
    NODE = "node"


@dataclass(slots=True)
class Switch:
    """An OpenFlow switch. ``dpid`` 0 means "not yet assigned"."""

    id: str
    dpid: int = 0
    protocol: str = "OpenFlow13"
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Host:
    """An end host with one interface. Empty ``ip``/``mac`` mean "derive"."""

    id: str
    ip: str = ""            # "10.0.0.1/8": address and prefix length
    mac: str = ""           # "00:00:00:00:00:01", lower case
    cpu: float | None = None      # share of a core, a hint for emulation
    memory: int | None = None     # bytes, a hint for emulation
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        """The IP address without its prefix length."""
        return self.ip.split("/", 1)[0]


Node = Switch | Host


@dataclass(slots=True)
class Exec:
    """A command to run in node ``node``, as a step of each sequence in ``seqs``.

    VNX's ``<exec seq="start,test">``: ``sendim exec NAME --seq start`` runs,
    in declaration order, every command whose ``seqs`` name ``start``. The
    command is a shell command line (``sh -c``), run inside the node. With
    ``wait`` False (VNX's ``ostype="exec"``) it is started and left running
    (until the experiment goes down); otherwise (``ostype="system"``) the step
    waits for it, for at most ``timeout`` seconds (None: the runner's default).
    """

    node: str
    seqs: tuple[str, ...]
    command: str
    wait: bool = True
    timeout: float | None = None


@dataclass(slots=True)
class Link:
    """A bidirectional link. Port 0 and an empty id mean "derive"."""

    src: str
    dst: str
    src_port: int = 0
    dst_port: int = 0
    bandwidth: float | None = None   # bit/s; None = unlimited
    delay: float = 0.0               # one-way propagation delay, seconds
    loss: float = 0.0                # fraction of packets lost, 0..1
    max_queue: int | None = None     # packets; None = backend default
    id: str = ""
    properties: dict[str, str] = field(default_factory=dict)

    def other(self, node: str) -> str:
        """The endpoint that is not *node*."""
        return self.dst if node == self.src else self.src

    def port_of(self, node: str) -> int:
        """The port number this link uses on *node*."""
        return self.src_port if node == self.src else self.dst_port


@dataclass(slots=True)
class Flow:
    """Traffic from host ``src`` to host ``dst``.

    A flow is bounded by ``size`` (bytes) or ``duration`` (seconds), or both
    (whichever comes first); ``rate`` caps or sets its sending rate.
    """

    id: str
    src: str
    dst: str
    protocol: Protocol = Protocol.TCP
    size: int | None = None
    duration: float | None = None
    rate: float | None = None          # bit/s
    start: float = 0.0
    granularity: Granularity = Granularity.FLOW
    chunk_size: int | None = None      # bytes, for Granularity.CHUNK
    traffic: Traffic | None = None     # derived from protocol/rate if None
    packet_size: int = 1500            # bytes on the wire (IP packet)
    interval: float | None = None      # seconds between pings, Traffic.PING
    src_port: int | None = None        # transport ports; derived if None
    dst_port: int | None = None


@dataclass(slots=True)
class Event:
    """At ``time`` seconds, take a link or a node ``down`` or ``up``."""

    time: float
    action: EventAction
    target: EventTarget
    ref: str                  # link id or node id


@dataclass(slots=True)
class System:
    """A whole network experiment: topology, traffic and timed events.

    Node ids are unique across switches and hosts. Collections keep the order
    in which things were declared; that order drives every derived default,
    so the same input always gives the same system.
    """

    name: str = "system"
    switches: dict[str, Switch] = field(default_factory=dict)
    hosts: dict[str, Host] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    execs: list[Exec] = field(default_factory=list)
    cmd_seqs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Composed sequences (VNX's ``<cmd-seq>``): name -> the sequences it runs, in order."""

    # -- look-ups -----------------------------------------------------
    def node(self, node_id: str) -> Node:
        """The switch or host called *node_id* (KeyError if none)."""
        found = self.switches.get(node_id)
        if found is None:
            found = self.hosts[node_id]
        return found

    def has_node(self, node_id: str) -> bool:
        return node_id in self.switches or node_id in self.hosts

    def is_switch(self, node_id: str) -> bool:
        return node_id in self.switches

    def is_host(self, node_id: str) -> bool:
        return node_id in self.hosts

    def nodes(self) -> Iterator[Node]:
        """Switches first, then hosts, each in declaration order."""
        yield from self.switches.values()
        yield from self.hosts.values()

    def link(self, link_id: str) -> Link:
        """The link whose id is *link_id* (KeyError if none)."""
        for link in self.links:
            if link.id == link_id:
                return link
        raise KeyError(link_id)

    def flow(self, flow_id: str) -> Flow:
        for flow in self.flows:
            if flow.id == flow_id:
                return flow
        raise KeyError(flow_id)

    @property
    def node_count(self) -> int:
        return len(self.switches) + len(self.hosts)

    def summary(self) -> dict[str, int]:
        """Counts of each kind of element."""
        return {
            "switches": len(self.switches),
            "hosts": len(self.hosts),
            "links": len(self.links),
            "flows": len(self.flows),
            "events": len(self.events),
            "execs": len(self.execs),
        }
