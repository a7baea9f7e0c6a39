"""ECMP load balancing with OpenFlow SELECT groups (OpenFlow 1.3).

    ryu-manager --observe-links controller_apps/ecmp.py

Shortest-path routing (:mod:`controller_apps.shortest_path`: discovery, proxy
ARP, reroute on link loss) where each switch spreads the traffic towards a
destination switch over *all* its equal-cost next hops: the switch gets one
select group per destination switch, with one bucket per next hop (weight 1,
``watch_port`` on the bucket's port so a dead link's bucket is skipped at
once), and ``ipv4_dst → group`` entries for the hosts behind that switch.
The switch hashes each packet's flow fields to pick a bucket, so the packets
of one flow stay on one path while different flows spread over all of them
(the SENDIM paper's "network load balancing" use case).

A route is installed on every switch of the shortest-path DAG between the
ingress and the destination switch, destination side first. Groups are
modified in place when the topology changes.

Hash polarization: a switch that hashes a flow with the same function as its
upstream neighbour would repeat the neighbour's choice (in a k=4 fat-tree, the
edge's choice of aggregation switch would fix the choice of core, so only two
of the four cores carried traffic). All buckets of a group get the same
weight ``2**(d % 12)``, ``d`` the switch's hop count to the destination, so
consecutive hops use different bits of the hash; the split within a group
stays equal.
"""

from __future__ import annotations

from typing import Any

try:
    from controller_apps._routing import Host
    from controller_apps.shortest_path import ROUTE_PRIORITY, ShortestPath
except ImportError:  # loaded by file path without the package on sys.path
    from _routing import Host  # type: ignore[no-redef]
    from shortest_path import ROUTE_PRIORITY, ShortestPath  # type: ignore[no-redef]


class ECMP(ShortestPath):
    """Equal-cost multi-path routing: one select group per (switch, destination switch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_ids: dict[int, int] = {}
        """Destination dpid → the id of the groups leading to it (the same on every switch)."""
        self.groups: dict[tuple[int, int], tuple[int, ...]] = {}
        """``(dpid, group id)`` → the ports of its buckets, as installed."""

    def group_id(self, dst_dpid: int) -> int:
        gid = self.group_ids.get(dst_dpid)
        if gid is None:
            gid = self.group_ids[dst_dpid] = len(self.group_ids) + 1
        return gid

    def install_route(self, dst: Host, src_dpid: int) -> bool:
        """Groups and entries on every switch of the shortest-path DAG to ``dst``."""
        dag = self.topo.shortest_dag(src_dpid, dst.dpid)
        if not dag or dst.dpid not in self.dps:
            return False
        dist = self.topo.distances(dst.dpid)
        gid = self.group_id(dst.dpid)
        holders = self.routes.get(dst.ip, set())
        for u in sorted(dag, key=lambda n: (dist[n], n)):
            dp = self.dps.get(u)
            if dp is None:
                return False
            if u != src_dpid and u in holders and (
                    u == dst.dpid or self.groups.get((u, gid)) == self._ports(u, dag[u])):
                continue  # entry and group already right (an earlier route)
            parser = dp.ofproto_parser
            if u == dst.dpid:
                actions = [parser.OFPActionOutput(dst.port)]
                self.note_route(dst, u, None)
            else:
                ports = self._ports(u, dag[u])
                self._set_group(dp, gid, ports, 1 << (dist[u] % 12))
                actions = [parser.OFPActionGroup(gid)]
                for port in ports:
                    self.note_route(dst, u, port)
            self.add_flow(dp, ROUTE_PRIORITY, self.dst_match(dp, dst), actions,
                          table_id=self.ROUTE_TABLE, cookie=self.cookie(dst))
        return True

    def _ports(self, u: int, next_hops: list[int]) -> tuple[int, ...]:
        return tuple(p for v in next_hops if (p := self.topo.port_to(u, v)) is not None)

    def _set_group(self, dp: Any, gid: int, ports: tuple[int, ...], weight: int) -> None:
        """Create or update the select group ``gid`` of ``dp`` to spread over ``ports``."""
        key = (dp.id, gid)
        old = self.groups.get(key)
        if old == ports:
            return
        ofp, parser = dp.ofproto, dp.ofproto_parser
        buckets = [parser.OFPBucket(weight=weight, watch_port=p, watch_group=ofp.OFPG_ANY,
                                    actions=[parser.OFPActionOutput(p)]) for p in ports]
        command = ofp.OFPGC_ADD if old is None else ofp.OFPGC_MODIFY
        dp.send_msg(parser.OFPGroupMod(datapath=dp, command=command, type_=ofp.OFPGT_SELECT,
                                       group_id=gid, buckets=buckets))
        self.groups[key] = ports

    def switch_gone(self, dpid: int) -> None:
        self.groups = {k: v for k, v in self.groups.items() if k[0] != dpid}
