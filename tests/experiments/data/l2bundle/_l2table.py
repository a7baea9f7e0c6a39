"""The learning switch's MAC table and flow entries (helper of l2switch.py)."""

ROUTE_PRIORITY = 10
IDLE_TIMEOUT = 0


class MacTable:
    """MAC address -> port, per datapath."""

    def __init__(self):
        self.ports = {}

    def learn(self, dpid, mac, port):
        self.ports.setdefault(dpid, {})[mac] = port

    def port(self, dpid, mac):
        return self.ports.get(dpid, {}).get(mac)


def install_table_miss(dp):
    ofp, parser = dp.ofproto, dp.ofproto_parser
    actions = [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)]
    dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=0, match=parser.OFPMatch(),
                                  instructions=[parser.OFPInstructionActions(
                                      ofp.OFPIT_APPLY_ACTIONS, actions)]))


def install_route(dp, in_port, src, dst, out_port):
    ofp, parser = dp.ofproto, dp.ofproto_parser
    match = parser.OFPMatch(in_port=in_port, eth_src=src, eth_dst=dst)
    actions = [parser.OFPActionOutput(out_port)]
    dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=ROUTE_PRIORITY, match=match,
                                  idle_timeout=IDLE_TIMEOUT,
                                  instructions=[parser.OFPInstructionActions(
                                      ofp.OFPIT_APPLY_ACTIONS, actions)]))
