"""Shortest-path routing over the topology Ryu discovers (OpenFlow 1.3).

    ryu-manager --observe-links controller_apps/shortest_path.py

* **Topology**: links come from ``ryu.topology`` (LLDP; the app loads it and
  turns its link discovery on, so ``--observe-links`` is optional).
* **Hosts** are learned from packet-ins on edge ports (ports no discovered
  link uses): ARP and IPv4 sources.
* **ARP** never floods the data plane. A request for a known host is answered
  by the controller (proxy ARP); one for an unknown host is sent by
  packet-outs to the edge ports of every switch (at most once per target per
  second) and answered when the target shows up; a reply goes straight to the
  requester's edge port. Loops in the topology therefore cannot storm.
* **IPv4**: the first packet to a host installs ``ipv4_dst → output`` entries
  along a shortest path (hop count, networkx BFS), last switch first, then
  re-enters the ingress switch's pipeline (packet-out to ``OFPP_TABLE``).
  Routes towards one destination form a tree; different destinations spread
  over equal-cost links.
* **Failures**: when discovery reports a link gone (port down, switch gone,
  LLDP timeout) every route that used it is recomputed and re-installed on the
  switches that carried it; routes are re-optimised when links come back.

Subclasses (ECMP, throttling, fast failover) override :meth:`install_route`,
:meth:`switch_ready` and :meth:`host_learned`, and may move routes to another
table with :attr:`ROUTE_TABLE`.
"""

from __future__ import annotations

import time
from typing import Any

from ryu.base import app_manager
from ryu.controller import ofp_event
from ryu.controller.handler import CONFIG_DISPATCHER, DEAD_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from ryu.lib.packet import arp, ethernet, ether_types, ipv4, packet
from ryu.ofproto import ofproto_v1_3
from ryu.topology import event as topo_event

try:
    from controller_apps._routing import Host, HostTable, Topology
except ImportError:  # loaded by file path without the package on sys.path
    from _routing import Host, HostTable, Topology  # type: ignore[no-redef]

app_manager.require_app("ryu.topology.switches")

ROUTE_PRIORITY = 10
ARP_FLOOD_HOLD = 0.5       # seconds between two floods of requests for one target
ECHO_MEMORY = 2.0          # seconds a flooded frame is remembered, to recognise it coming back
_ALL_COOKIES = 0xFFFFFFFFFFFFFFFF


class ShortestPath(app_manager.RyuApp):
    """Reactive shortest-path routing with proxy ARP and reroute on link loss."""

    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]
    ROUTE_TABLE = 0
    """Table holding the routes and the table-miss entry."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topo = Topology()
        self.hosts = HostTable()
        self.dps: dict[int, Any] = {}
        self.routes: dict[str, set[int]] = {}
        """Destination IP → switches holding an entry towards it."""
        self.link_users: dict[tuple[int, int], set[str]] = {}
        """``(dpid, out port)`` of a switch-to-switch link → destinations routed over it."""
        self.out_ports: dict[tuple[str, int], int] = {}
        """``(destination IP, dpid)`` → output port of the installed entry."""
        self._rerouting = False
        self.cookies: dict[str, int] = {}
        self.packet_ins = 0
        self._arp_floods: dict[str, float] = {}
        self._flooded: dict[bytes, tuple[float, int, int]] = {}
        self._edge_cache: dict[int, tuple[tuple[int, int, int], list[int]]] = {}
        self.echo_ports: set[tuple[int, int]] = set()
        """Ports where a frame the controller flooded came back: switch-to-switch
        links that discovery has not reported yet."""
        self._arp_waiting: dict[str, dict[str, tuple[str, int, int]]] = {}
        self._own_override = False
        if not self.CONF.observe_links:
            # ryu.topology's Switches app reads this when it is instantiated,
            # after the apps named on the command line.
            self.CONF.set_override("observe_links", True)
            self._own_override = True
            self.logger.info("turning on link discovery (--observe-links)")

    def close(self) -> None:
        if self._own_override:
            self.CONF.clear_override("observe_links")
            self._own_override = False

    # -- switches -----------------------------------------------------------------------
    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def _features(self, ev: Any) -> None:
        self.switch_ready(ev.msg.datapath)

    def switch_ready(self, dp: Any) -> None:
        """A switch connected: install the table-miss entry (to the controller)."""
        parser, ofp = dp.ofproto_parser, dp.ofproto
        self.add_flow(dp, 0, parser.OFPMatch(),
                      [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)],
                      table_id=self.ROUTE_TABLE)

    @set_ev_cls(ofp_event.EventOFPStateChange, [MAIN_DISPATCHER, DEAD_DISPATCHER])
    def _state_change(self, ev: Any) -> None:
        dp = ev.datapath
        if dp.id is None:
            return
        if ev.state == MAIN_DISPATCHER:
            self.dps[dp.id] = dp
            self.topo.add_switch(dp.id)
        elif self.dps.get(dp.id) is dp:
            del self.dps[dp.id]
            self.topo.remove_switch(dp.id)
            for dst, holders in self.routes.items():
                holders.discard(dp.id)
            self.out_ports = {k: v for k, v in self.out_ports.items() if k[1] != dp.id}
            self.switch_gone(dp.id)

    def switch_gone(self, dpid: int) -> None:
        """A switch disconnected (its tables are lost); subclasses forget its state."""

    @set_ev_cls(topo_event.EventLinkAdd)
    def _link_add(self, ev: Any) -> None:
        src, dst = ev.link.src, ev.link.dst
        for port in (src, dst):
            for host in self.hosts.forget_port(port.dpid, port.port_no):
                self.logger.info("%s at %s:%s is behind a link, not a host", host.mac,
                                 port.dpid, port.port_no)
        if self.topo.add_link(src.dpid, src.port_no, dst.dpid, dst.port_no) and self.routes:
            self.reroute(list(self.routes))

    @set_ev_cls(topo_event.EventLinkDelete)
    def _link_delete(self, ev: Any) -> None:
        src, dst = ev.link.src, ev.link.dst
        if not self.topo.remove_link(src.dpid, src.port_no, dst.dpid, dst.port_no):
            return
        users = self.link_users.pop((src.dpid, src.port_no), set())
        if users:
            self.logger.info("link %s:%s -> %s:%s down: rerouting %d destinations", src.dpid,
                             src.port_no, dst.dpid, dst.port_no, len(users))
            self.reroute(sorted(users))

    # -- packet-in ----------------------------------------------------------------------
    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def _packet_in(self, ev: Any) -> None:
        msg = ev.msg
        dp = msg.datapath
        in_port = msg.match["in_port"]
        pkt = packet.Packet(msg.data)
        eth = pkt.get_protocol(ethernet.ethernet)
        if eth is None or eth.ethertype == ether_types.ETH_TYPE_LLDP:
            return
        self.packet_ins += 1
        flooded = self._flooded.get(msg.data)
        if flooded is not None and time.time() - flooded[0] < ECHO_MEMORY \
                and flooded[1:] != (dp.id, in_port):
            self.echo_ports.add((dp.id, in_port))  # our own flood, through a link
            return
        edge = not self.topo.is_link_port(dp.id, in_port) and (dp.id, in_port) not in self.echo_ports
        req = pkt.get_protocol(arp.arp)
        if req is not None:
            if edge:  # ARP reaches the controller only from hosts: never forwarded on links
                answered = self._learn(eth.src, req.src_ip, dp.id, in_port)
                self._arp(dp, in_port, eth, req, answered)
            return
        ip = pkt.get_protocol(ipv4.ipv4)
        if ip is None:
            return
        if edge:
            self._learn(eth.src, ip.src, dp.id, in_port)
        target = self.hosts.by_ip.get(ip.dst)
        if target is None:
            self.logger.debug("no host %s yet: dropping a packet from %s", ip.dst, ip.src)
            return
        if self.install_route(target, dp.id):
            parser, ofp = dp.ofproto_parser, dp.ofproto
            dp.send_msg(parser.OFPPacketOut(
                datapath=dp, buffer_id=ofp.OFP_NO_BUFFER, in_port=in_port,
                actions=[parser.OFPActionOutput(ofp.OFPP_TABLE)], data=msg.data))

    def _learn(self, mac: str, ip: str | None, dpid: int, port: int) -> set[str]:
        """Learn a host; answer the ARP requests waiting for it (their MACs are returned)."""
        host, changed = self.hosts.learn(mac, ip, dpid, port)
        if not changed:
            return set()
        self.host_learned(host)
        if host.ip in self.routes:
            self.reroute([host.ip])  # moved: routes towards it lead to the old place
        waiting = self._arp_waiting.pop(host.ip, None) if host.ip else None
        for req_mac, (req_ip, req_dpid, req_port) in (waiting or {}).items():
            self._send_arp(req_dpid, req_port, arp.ARP_REPLY, host.mac, host.ip,
                           req_mac, req_ip)
        return set(waiting or ())

    def host_learned(self, host: Host) -> None:
        """A host appeared (or moved); subclasses attach per-host state here."""

    # -- ARP ----------------------------------------------------------------------------
    def _arp(self, dp: Any, in_port: int, eth: Any, req: Any, answered: set[str]) -> None:
        if req.opcode == arp.ARP_REQUEST:
            target = self.hosts.by_ip.get(req.dst_ip)
            if target is not None:
                self._send_arp(dp.id, in_port, arp.ARP_REPLY, target.mac, target.ip,
                               req.src_mac, req.src_ip)
                return
            self._arp_waiting.setdefault(req.dst_ip, {})[req.src_mac] = (
                req.src_ip, dp.id, in_port)
            now = time.time()
            if now - self._arp_floods.get(req.dst_ip, -ARP_FLOOD_HOLD) >= ARP_FLOOD_HOLD:
                self._arp_floods[req.dst_ip] = now
                self._flood_to_edges(packet_bytes(eth, req), (dp.id, in_port))
        elif req.opcode == arp.ARP_REPLY:
            requester = self.hosts.by_mac.get(eth.dst)
            if requester is not None and eth.dst not in answered:
                self._send_arp(requester.dpid, requester.port, arp.ARP_REPLY, req.src_mac,
                               req.src_ip, req.dst_mac, req.dst_ip)

    def _send_arp(self, dpid: int, port: int, opcode: int, src_mac: str, src_ip: str,
                  dst_mac: str, dst_ip: str) -> None:
        dp = self.dps.get(dpid)
        if dp is None:
            return
        eth = ethernet.ethernet(dst=dst_mac, src=src_mac, ethertype=ether_types.ETH_TYPE_ARP)
        body = arp.arp(opcode=opcode, src_mac=src_mac, src_ip=src_ip, dst_mac=dst_mac,
                       dst_ip=dst_ip)
        self.packet_out(dp, [port], packet_bytes(eth, body))

    def _flood_to_edges(self, data: bytes, skip: tuple[int, int]) -> None:
        """Send ``data`` out of every live edge port of every switch.

        Before discovery has reported every link, some of those ports lead to
        other switches; the frame is remembered so that its copies coming back
        in elsewhere than ``skip`` (where it came from, and where the host's
        identical retries arrive) are recognised, and their ports no longer
        taken for edge ports.
        """
        now = time.time()
        if len(self._flooded) > 256:
            self._flooded = {d: v for d, v in self._flooded.items() if now - v[0] < ECHO_MEMORY}
        self._flooded[data] = (now, *skip)
        for dpid, dp in self.dps.items():
            ofp = dp.ofproto
            ports = []
            for no in self._edge_ports(dp):
                p = dp.ports.get(no)
                if p is not None and (dpid, no) != skip and not (
                        p.state & ofp.OFPPS_LINK_DOWN or p.config & ofp.OFPPC_PORT_DOWN):
                    ports.append(no)
            if ports:
                self.packet_out(dp, ports, data)

    def _edge_ports(self, dp: Any) -> list[int]:
        """Ports of ``dp`` that no known link uses (cached until the topology changes)."""
        key = (self.topo.version, len(self.echo_ports), len(dp.ports))
        cached = self._edge_cache.get(dp.id)
        if cached is None or cached[0] != key:
            ports = [no for no in dp.ports if no <= dp.ofproto.OFPP_MAX
                     and not self.topo.is_link_port(dp.id, no)
                     and (dp.id, no) not in self.echo_ports]
            cached = self._edge_cache[dp.id] = (key, ports)
        return cached[1]

    def packet_out(self, dp: Any, ports: list[int], data: bytes) -> None:
        """Send ``data`` from the controller out of ``ports`` of ``dp``."""
        parser, ofp = dp.ofproto_parser, dp.ofproto
        dp.send_msg(parser.OFPPacketOut(
            datapath=dp, buffer_id=ofp.OFP_NO_BUFFER, in_port=ofp.OFPP_CONTROLLER,
            actions=[parser.OFPActionOutput(p) for p in ports], data=data))

    # -- routes -------------------------------------------------------------------------
    def install_route(self, dst: Host, src_dpid: int) -> bool:
        """Entries towards ``dst`` from switch ``src_dpid``; False if no path.

        Entries go in from the destination backwards, so a packet following
        the first one never finds a switch without one.
        """
        path = self.topo.path(src_dpid, dst.dpid)
        if path is None or dst.dpid not in self.dps:
            return False
        holders = self.routes.get(dst.ip, ())
        for i, u in enumerate(path[1:], 1):
            if u in holders:  # the rest of the tree towards dst is in place
                path = path[:i + 1]
                break
        hops = list(zip(path, path[1:] + [None]))
        if path[-1] != dst.dpid:
            hops.pop()
        for u, v in reversed(hops):
            port = dst.port if v is None else self.topo.port_to(u, v)
            dp = self.dps.get(u)
            if dp is None or port is None:
                return False
            # a packet-in says the ingress lacks the entry; elsewhere an equal one stays
            if self.out_ports.get((dst.ip, u)) != port or (u == src_dpid and not self._rerouting):
                parser = dp.ofproto_parser
                self.add_flow(dp, ROUTE_PRIORITY, self.dst_match(dp, dst),
                              [parser.OFPActionOutput(port)], table_id=self.ROUTE_TABLE,
                              cookie=self.cookie(dst))
                self.out_ports[(dst.ip, u)] = port
            self.note_route(dst, u, port if v is not None else None)
        return True

    def dst_match(self, dp: Any, dst: Host, **fields: Any) -> Any:
        """The match of entries towards ``dst`` (IPv4 to its address)."""
        return dp.ofproto_parser.OFPMatch(eth_type=ether_types.ETH_TYPE_IP, ipv4_dst=dst.ip,
                                          **fields)

    def note_route(self, dst: Host, dpid: int, link_port: int | None) -> None:
        """Remember that ``dpid`` holds an entry towards ``dst`` using ``link_port``."""
        self.routes.setdefault(dst.ip, set()).add(dpid)
        if link_port is not None:
            self.link_users.setdefault((dpid, link_port), set()).add(dst.ip)

    def cookie(self, dst: Host) -> int:
        """The cookie of every entry towards ``dst`` (one per destination)."""
        c = self.cookies.get(dst.ip)
        if c is None:
            c = self.cookies[dst.ip] = len(self.cookies) + 1
        return c

    def reroute(self, destinations: list[str]) -> None:
        """Recompute the routes towards ``destinations`` on every switch holding one."""
        self._rerouting = True
        try:
            self._reroute(destinations)
        finally:
            self._rerouting = False

    def _reroute(self, destinations: list[str]) -> None:
        for ip in destinations:
            holders = self.routes.pop(ip, set())
            for users in self.link_users.values():
                users.discard(ip)
            dst = self.hosts.by_ip.get(ip)
            if dst is None:
                self._delete_routes(ip, holders)
                continue
            dist = self.topo.distances(dst.dpid)   # nearest first: downstream is ready
            for dpid in sorted(holders, key=lambda d: (dist.get(d, len(dist)), d)):
                if dpid in self.routes.get(ip, ()):
                    continue  # on the new route of an earlier holder
                if not self.install_route(dst, dpid):
                    self._delete_routes(ip, [dpid])
        self.link_users = {k: v for k, v in self.link_users.items() if v}

    def _delete_routes(self, ip: str, dpids: Any) -> None:
        cookie = self.cookies.get(ip)
        if cookie is None:
            return
        for dpid in dpids:
            self.out_ports.pop((ip, dpid), None)
            dp = self.dps.get(dpid)
            if dp is not None:
                self.delete_flows(dp, cookie)

    # -- helpers -------------------------------------------------------------------------
    def delete_flows(self, dp: Any, cookie: int) -> None:
        """Delete every entry of ``dp`` carrying exactly ``cookie``."""
        ofp, parser = dp.ofproto, dp.ofproto_parser
        dp.send_msg(parser.OFPFlowMod(
            datapath=dp, command=ofp.OFPFC_DELETE, table_id=ofp.OFPTT_ALL, cookie=cookie,
            cookie_mask=_ALL_COOKIES, out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY,
            match=parser.OFPMatch()))

    def add_flow(self, dp: Any, priority: int, match: Any, actions: list[Any], *,
                 table_id: int = 0, cookie: int = 0, instructions: list[Any] | None = None) -> None:
        """Add (or overwrite) an entry applying ``actions`` (plus ``instructions``)."""
        parser, ofp = dp.ofproto_parser, dp.ofproto
        inst = list(instructions or [])
        if actions:
            inst.append(parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions))
        dp.send_msg(parser.OFPFlowMod(datapath=dp, table_id=table_id, priority=priority,
                                      match=match, instructions=inst, cookie=cookie))


def packet_bytes(*protocols: Any) -> bytes:
    """Serialize ``protocols`` (Ethernet first) into a frame."""
    pkt = packet.Packet()
    for p in protocols:
        pkt.add_protocol(p)
    pkt.serialize()
    return bytes(pkt.data)
