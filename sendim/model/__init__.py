"""sendim's model: the single source of truth every realization reads.

Imports nothing heavier than the standard library and networkx.
"""

from sendim.model.checks import Finding, Ref, check, check_id
from sendim.model.defaults import resolve
from sendim.model.deployment import (
    AppSpec,
    Controller,
    Deployment,
    Environment,
    Fallback,
    Store,
    Target,
)
from sendim.model.graph import to_graph, to_multigraph
from sendim.model.system import (
    Event,
    EventAction,
    EventTarget,
    Flow,
    Granularity,
    Host,
    Link,
    Node,
    Protocol,
    Switch,
    System,
    Traffic,
)

__all__ = [
    "AppSpec", "Controller", "Deployment", "Environment", "Event", "EventAction",
    "EventTarget", "Fallback", "Finding", "Flow", "Granularity", "Host", "Link",
    "Node", "Protocol", "Ref", "Store", "Switch", "System", "Target", "Traffic",
    "check", "check_id", "resolve", "to_graph", "to_multigraph",
]
