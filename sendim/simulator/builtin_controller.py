"""The built-in controller: reactive shortest-path forwarding over OpenFlow.

It speaks only through the :class:`~sendim.simulator.control.ControlChannel`:

* on connect, a table-miss entry sends everything else to the controller;
* ARP requests are answered by proxy ARP from the model's host table
  (a packet-out of the reply on the port the request came in), so no
  broadcast ever floods the network;
* an IPv4 packet-in for a known host computes a shortest path (hop count)
  from the ingress switch to the host's switch over the links believed up,
  installs ``ipv4_dst → output`` entries along it (last switch first) and
  sends the packet on with a packet-out;
* a port-status saying a link went down deletes, by cookie, every route
  that used it, so the next packet misses, comes back as a packet-in and
  takes a new path. Links coming back are used by new routes.

Routes are destination-based; hop counts to a destination switch are
computed by BFS on demand and cached until the topology changes, so nothing
is precomputed for all pairs and a 100k-node system costs only the searches
its traffic needs. Equal-cost choices are spread by destination (see
:meth:`BuiltinShortestPath.path`).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from sendim.simulator import packets as pk
from sendim.simulator.openflow import (
    OFP_NO_BUFFER, OFPCML_NO_BUFFER, OFPFC_DELETE, OFPP_CONTROLLER, OFPPR_DELETE,
    OFPPS_LINK_DOWN, OFPPC_PORT_DOWN, OFPTT_ALL, ApplyActions, ErrorMsg, FlowMod, Match,
    Output, PacketIn, PacketOut, PortStatus,
)

if TYPE_CHECKING:
    from sendim.simulator.control import ControlChannel

ROUTE_PRIORITY = 10
TREE_CACHE = 4096
_ALL_COOKIES = 0xFFFFFFFFFFFFFFFF


def _mix(a: int, b: int, c: int) -> int:
    """A fixed 32-bit hash of three small integers (no PYTHONHASHSEED)."""
    x = (a * 0x9E3779B1 + b * 0x85EBCA77 + c * 0xC2B2AE3D) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    x ^= x >> 12
    x = (x * 0x297A2D39) & 0xFFFFFFFF
    return x ^ (x >> 15)


class BuiltinShortestPath:
    """Shortest-path routing for runs without a controller app.

    ``idle_timeout`` (seconds, 0 = permanent) applies to installed routes.
    """

    def __init__(self, idle_timeout: int = 0) -> None:
        self.idle_timeout = idle_timeout
        self.channel: ControlChannel | None = None
        self.errors: list[ErrorMsg] = []
        self._cookie = 0
        self._trees: dict[str, dict[str, int]] = {}     # destination → hop counts
        self._routes: dict[int, tuple[list[int], list[str]]] = {}   # cookie → (dpids, links)
        self._by_link: dict[str, dict[int, None]] = {}
        self._down: set[str] = set()

    # -- ControllerApp -------------------------------------------------------------
    def start(self, channel: "ControlChannel") -> None:
        """Read the topology and the host table from the model."""
        self.channel = channel
        system = channel.system
        if system is None:
            raise ValueError("the built-in controller needs the channel's system")
        self._dpid = {sid: sw.dpid for sid, sw in system.switches.items()}
        self._name = {sw.dpid: sid for sid, sw in system.switches.items()}
        self._index = {sid: i for i, sid in enumerate(system.switches)}
        # switch → (neighbour, port here, port there, link id), in model order
        self._adj: dict[str, list[tuple[str, int, int, str]]] = {
            sid: [] for sid in system.switches}
        self._port_link: dict[tuple[str, int], str] = {}
        self._hosts: dict[int, tuple[str, int, int]] = {}    # ip → (switch, port, mac)
        for link in system.links:
            src_sw, dst_sw = link.src in system.switches, link.dst in system.switches
            if src_sw:
                self._port_link[(link.src, link.src_port)] = link.id
            if dst_sw:
                self._port_link[(link.dst, link.dst_port)] = link.id
            if src_sw and dst_sw:
                self._adj[link.src].append((link.dst, link.src_port, link.dst_port, link.id))
                self._adj[link.dst].append((link.src, link.dst_port, link.src_port, link.id))
            elif src_sw or dst_sw:
                sw, host = (link.src, link.dst) if src_sw else (link.dst, link.src)
                h = system.hosts.get(host)
                if h is not None:
                    self._hosts[pk.ip_to_int(h.address)] = (sw, link.port_of(sw),
                                                             pk.mac_to_int(h.mac))

    def switch_connected(self, dpid: int, features: Any, ports: list[Any]) -> None:
        """Install the table-miss entry: everything unmatched to the controller."""
        miss = FlowMod(priority=0, match=Match(), instructions=[
            ApplyActions([Output(OFPP_CONTROLLER, OFPCML_NO_BUFFER)])])
        self.channel.send(dpid, miss)

    def switch_disconnected(self, dpid: int) -> None:
        """A switch died; its neighbours report the links, nothing else to do."""

    def message(self, dpid: int, msg: Any) -> None:
        t = type(msg)
        if t is PacketIn:
            self._packet_in(dpid, msg)
        elif t is PortStatus:
            self._port_status(dpid, msg)
        elif t is ErrorMsg:
            self.errors.append(msg)

    # -- packet-in -------------------------------------------------------------------
    def _packet_in(self, dpid: int, msg: PacketIn) -> None:
        in_port = msg.match.get("in_port")
        if in_port is None:
            return
        h = pk.parse_headers(msg.data)
        if h.eth_type == pk.ETH_TYPE_ARP:
            self._arp(dpid, in_port, h)
        elif h.eth_type == pk.ETH_TYPE_IP and h.ipv4_dst is not None:
            self._route(dpid, in_port, h.ipv4_dst, msg)

    def _arp(self, dpid: int, in_port: int, h: pk.Headers) -> None:
        if h.arp_op != pk.ARP_REQUEST or h.arp_tpa is None:
            return
        target = self._hosts.get(h.arp_tpa)
        if target is None:
            return
        reply = pk.arp_reply(target[2], h.arp_tpa, h.arp_sha, h.arp_spa)
        self.channel.send(dpid, PacketOut(in_port=OFPP_CONTROLLER,
                                          actions=[Output(in_port)], data=reply))

    def _route(self, dpid: int, in_port: int, dst_ip: int, msg: PacketIn) -> None:
        target = self._hosts.get(dst_ip)
        first = self._name.get(dpid)
        if target is None or first is None:
            return
        last, host_port, _ = target
        hops = self.path(first, last)
        if hops is None:
            return
        self._cookie += 1
        cookie = self._cookie
        match = Match(eth_type=pk.ETH_TYPE_IP, ipv4_dst=dst_ip)
        dpids: list[int] = []
        links: list[str] = []
        outs = [port for _, port, _ in hops] + [host_port]
        switches = [first] + [nxt for nxt, _, _ in hops]
        for sw, port in zip(reversed(switches), reversed(outs)):
            d = self._dpid[sw]
            dpids.append(d)
            self.channel.send(d, FlowMod(
                priority=ROUTE_PRIORITY, match=match, cookie=cookie,
                idle_timeout=self.idle_timeout,
                instructions=[ApplyActions([Output(port)])]))
        for _, _, link in hops:
            links.append(link)
            self._by_link.setdefault(link, {})[cookie] = None
        self._routes[cookie] = (dpids, links)
        data = msg.data if msg.buffer_id == OFP_NO_BUFFER else b""
        self.channel.send(dpid, PacketOut(buffer_id=msg.buffer_id, in_port=in_port,
                                          actions=[Output(outs[0])], data=data))

    def path(self, src: str, dst: str) -> list[tuple[str, int, str]] | None:
        """Hops ``(next switch, out port, link id)`` from switch *src* to *dst*.

        Among equal-cost next hops a switch picks one by a fixed hash of
        (destination, switch, neighbour): the choice depends only on the
        switch and the destination, so the routes towards one destination
        form a tree (entries never disagree), while different destinations
        spread over different equal-cost links (core switches of a fat-tree).
        """
        dist = self._trees.get(dst)
        if dist is None:
            dist = self._distances(dst)
        left = dist.get(src)
        if left is None:
            return None
        index, adj, down = self._index, self._adj, self._down
        root = index[dst]
        hops = []
        node = src
        while left > 0:
            left -= 1
            best = None
            here = index[node]
            for nbr, port, _, link in adj[node]:
                if dist.get(nbr) == left and link not in down:
                    score = _mix(root, here, index[nbr])
                    if best is None or score < best[0]:
                        best = (score, nbr, port, link)
            if best is None:
                return None
            hops.append(best[1:])
            node = best[1]
        return hops

    def _distances(self, root: str) -> dict[str, int]:
        """Hop counts to *root* over the links believed up (BFS)."""
        dist = {root: 0}
        queue = deque([root])
        adj, down = self._adj, self._down
        while queue:
            node = queue.popleft()
            d = dist[node] + 1
            for nbr, _, _, link in adj[node]:
                if nbr not in dist and link not in down:
                    dist[nbr] = d
                    queue.append(nbr)
        if len(self._trees) >= TREE_CACHE:
            del self._trees[next(iter(self._trees))]
        self._trees[root] = dist
        return dist

    # -- port status -------------------------------------------------------------------
    def _port_status(self, dpid: int, msg: PortStatus) -> None:
        sw = self._name.get(dpid)
        link = self._port_link.get((sw, msg.desc.port_no)) if sw is not None else None
        if link is None:
            return
        down = (msg.reason == OFPPR_DELETE or bool(msg.desc.state & OFPPS_LINK_DOWN)
                or bool(msg.desc.config & OFPPC_PORT_DOWN))
        if down == (link in self._down):
            return
        self._trees.clear()
        if not down:
            self._down.discard(link)
            return
        self._down.add(link)
        for cookie in list(self._by_link.pop(link, {})):
            route = self._routes.pop(cookie, None)
            if route is None:
                continue
            dpids, links = route
            for other in links:
                if other != link:
                    self._by_link.get(other, {}).pop(cookie, None)
            for d in dpids:
                self.channel.send(d, FlowMod(command=OFPFC_DELETE, table_id=OFPTT_ALL,
                                             cookie=cookie, cookie_mask=_ALL_COOKIES))
