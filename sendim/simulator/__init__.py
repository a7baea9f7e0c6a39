"""sendim's own discrete-event simulator: engine, links, fluid model, OpenFlow switches."""

# Engine names, imported on first use (PEP 562) so that importing the data plane
# (``sendim.simulator.openflow``) or the codec does not pull in the engine.
_LAZY = {
    "Simulation": "sendim.simulator.engine",
    "ControlChannel": "sendim.simulator.control",
    "ControllerApp": "sendim.simulator.control",
    "SwitchInfo": "sendim.simulator.control",
    "BuiltinShortestPath": "sendim.simulator.builtin_controller",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sendim.simulator' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(module), name)
