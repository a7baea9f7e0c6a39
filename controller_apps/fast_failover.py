"""Fast failover: precomputed backup paths in FAST-FAILOVER groups (OpenFlow 1.3).

    ryu-manager --observe-links controller_apps/fast_failover.py

Shortest-path routing (:mod:`controller_apps.shortest_path`) in which every
hop of a route is protected against the failure of its outgoing link:

* switch ``u`` forwards traffic towards destination switch ``D`` through a
  fast-failover group: bucket 1 watches and outputs on the primary port
  (towards the next hop ``v`` of the shortest-path tree); bucket 2 watches the
  backup port, tags the packet with VLAN ``id(u–v)`` and outputs it there;
* the backup path is a shortest path from ``u`` to ``D`` without the ``u–v``
  links; its switches carry ``vlan_vid = id(u–v), ipv4_dst → output`` entries
  (priority above the untagged routes) and ``D`` pops the tag before the host.

When the primary link dies the switch itself moves the traffic to the backup
bucket, with no controller round trip; the tag keeps tagged packets on the
backup path, so bouncing back through ``u``'s upstream cannot loop. Then the
controller hears of the failure (port status → link discovery) and recomputes
every route that used the link, which installs new, again protected, routes.
Backup paths of one failure towards one destination form a tree, so switches
shared by several backup paths never disagree. VLAN ids 1..4094 name links;
beyond that many protected links, hops go unprotected (logged).
"""

from __future__ import annotations

from typing import Any

try:
    from controller_apps._routing import Host
    from controller_apps.shortest_path import ROUTE_PRIORITY, ShortestPath
except ImportError:  # loaded by file path without the package on sys.path
    from _routing import Host  # type: ignore[no-redef]
    from shortest_path import ROUTE_PRIORITY, ShortestPath  # type: ignore[no-redef]

IN_PORT_PRIORITY = ROUTE_PRIORITY + 1
BACKUP_PRIORITY = ROUTE_PRIORITY + 2
BACKUP_COOKIE = 1 << 32
"""Set in the cookie of tagged and per-in-port entries (the low bits name the destination)."""
IN_PORT_GROUPS = 1 << 24
"""Group ids from here on: the groups for packets arriving on the backup port."""
MAX_TAG = 4094
ETH_TYPE_8021Q = 0x8100


class FastFailover(ShortestPath):
    """Shortest-path routes with a fast-failover backup at every hop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tags: dict[frozenset[int], int] = {}
        self.group_ids: dict[int, int] = {}
        self.groups: dict[tuple[int, int], tuple[Any, ...]] = {}
        """``(dpid, group id)`` → (primary port, backup port, tag) as installed."""
        self.backups: set[tuple[int, int, str]] = set()
        """``(dpid, tag, destination IP)`` of the tagged entries installed (tag 0:
        the per-in-port entry of a protected hop)."""

    def switch_gone(self, dpid: int) -> None:
        self.groups = {k: v for k, v in self.groups.items() if k[0] != dpid}
        self.backups = {b for b in self.backups if b[0] != dpid}

    def tag(self, u: int, v: int) -> int | None:
        """The VLAN id naming the links between switches ``u`` and ``v``."""
        key = frozenset((u, v))
        tag = self.tags.get(key)
        if tag is None and len(self.tags) < MAX_TAG:
            tag = self.tags[key] = len(self.tags) + 1
        return tag

    def install_route(self, dst: Host, src_dpid: int) -> bool:
        path = self.topo.path(src_dpid, dst.dpid)
        if path is None or dst.dpid not in self.dps:
            return False
        holders = self.routes.get(dst.ip, ())
        stop = next((i for i in range(1, len(path)) if path[i] in holders), len(path))
        for i in reversed(range(stop)):  # path[stop:] is in place (and protected)
            u = path[i]
            dp = self.dps.get(u)
            if dp is None:
                return False
            if u == dst.dpid:
                self.add_flow(dp, ROUTE_PRIORITY, self.dst_match(dp, dst),
                              [dp.ofproto_parser.OFPActionOutput(dst.port)],
                              table_id=self.ROUTE_TABLE, cookie=self.cookie(dst))
                self.note_route(dst, u, None)
            elif not self._protected_hop(dp, dst, path[i + 1]):
                return False
        return True

    def _protected_hop(self, dp: Any, dst: Host, v: int) -> bool:
        """Entries at ``dp`` towards ``dst`` via ``v``, through fast-failover groups.

        OpenFlow drops a packet sent back out of its ingress port unless the
        action names ``OFPP_IN_PORT``; so packets arriving on the backup port
        (from the switch the backup path starts with, whose own route may lead
        here) get their own entry and group, whose backup bucket uses it.
        """
        u = dp.id
        parser, ofp = dp.ofproto_parser, dp.ofproto
        primary = self.topo.port_to(u, v)
        if primary is None:
            return False
        self.note_route(dst, u, primary)
        cookie = self.cookie(dst)
        backup = self.topo.path_without(u, dst.dpid, u, v)
        tag = self.tag(u, v) if backup is not None else None
        backup_port = self.topo.port_to(u, backup[1]) if backup is not None else None
        if backup_port is None or tag is None or not self._install_backup(dst, backup, tag):
            self.logger.info("no backup for %s at %s towards %s", dst.ip, u, v)
            self.add_flow(dp, ROUTE_PRIORITY, self.dst_match(dp, dst),
                          [parser.OFPActionOutput(primary)], table_id=self.ROUTE_TABLE,
                          cookie=cookie)
            return True
        self.link_users.setdefault((u, backup_port), set()).add(dst.ip)
        gid = self.group_ids.setdefault(dst.dpid, len(self.group_ids) + 1)
        for group, out, match, priority, extra in (
                (gid, backup_port, self.dst_match(dp, dst), ROUTE_PRIORITY, 0),
                (gid + IN_PORT_GROUPS, ofp.OFPP_IN_PORT,
                 self.dst_match(dp, dst, in_port=backup_port), IN_PORT_PRIORITY, BACKUP_COOKIE)):
            state = (primary, backup_port, out, tag)
            if self.groups.get((u, group)) != state:
                buckets = [
                    parser.OFPBucket(watch_port=primary, watch_group=ofp.OFPG_ANY,
                                     actions=[parser.OFPActionOutput(primary)]),
                    parser.OFPBucket(watch_port=backup_port, watch_group=ofp.OFPG_ANY, actions=[
                        parser.OFPActionPushVlan(ETH_TYPE_8021Q),
                        parser.OFPActionSetField(vlan_vid=tag | ofp.OFPVID_PRESENT),
                        parser.OFPActionOutput(out)]),
                ]
                command = ofp.OFPGC_MODIFY if (u, group) in self.groups else ofp.OFPGC_ADD
                dp.send_msg(parser.OFPGroupMod(datapath=dp, command=command,
                                               type_=ofp.OFPGT_FF, group_id=group,
                                               buckets=buckets))
                self.groups[(u, group)] = state
            self.add_flow(dp, priority, match, [parser.OFPActionGroup(group)],
                          table_id=self.ROUTE_TABLE, cookie=cookie | extra)
        self.backups.add((u, 0, dst.ip))
        return True

    def _install_backup(self, dst: Host, backup: list[int], tag: int) -> bool:
        """Tagged entries along ``backup`` (after its first switch), destination first."""
        hops = list(zip(backup[1:], backup[2:] + [None]))
        for x, y in reversed(hops):
            dp = self.dps.get(x)
            if dp is None:
                return False
            if (x, tag, dst.ip) in self.backups:
                continue  # shared with an earlier backup path of the same failure
            parser, ofp = dp.ofproto_parser, dp.ofproto
            if y is None:
                actions = [parser.OFPActionPopVlan(), parser.OFPActionOutput(dst.port)]
            else:
                port = self.topo.port_to(x, y)
                if port is None:
                    return False
                actions = [parser.OFPActionOutput(port)]
                self.link_users.setdefault((x, port), set()).add(dst.ip)
            match = self.dst_match(dp, dst, vlan_vid=tag | ofp.OFPVID_PRESENT)
            self.add_flow(dp, BACKUP_PRIORITY, match, actions, table_id=self.ROUTE_TABLE,
                          cookie=self.cookie(dst) | BACKUP_COOKIE)
            self.backups.add((x, tag, dst.ip))
        return True

    def reroute(self, destinations: list[str]) -> None:
        """Delete the tagged entries of ``destinations``, then recompute everything:
        backup entries of the old topology could disagree with new ones."""
        gone = set(destinations)
        stale = {(x, ip) for x, _, ip in self.backups if ip in gone}
        self.backups = {b for b in self.backups if b[2] not in gone}
        for x, ip in sorted(stale):
            dp = self.dps.get(x)
            if dp is not None and ip in self.cookies:
                self.delete_flows(dp, self.cookies[ip] | BACKUP_COOKIE)
        super().reroute(destinations)
