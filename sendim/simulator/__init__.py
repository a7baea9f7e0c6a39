"""sendim's own discrete-event simulator: engine, links, fluid model, OpenFlow switches."""
