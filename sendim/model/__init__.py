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
from sendim.model.sequences import BOOT_SEQUENCE, sequence_names, steps
from sendim.model.system import (
    Event,
    EventAction,
    EventTarget,
    Exec,
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
    "AppSpec", "BOOT_SEQUENCE", "Controller", "Deployment", "Environment", "Event", "EventAction",
    "EventTarget", "Exec", "Fallback", "Finding", "Flow", "Granularity", "Host", "Link",
    "Node", "Protocol", "Ref", "Store", "Switch", "System", "Target", "Traffic",
    "check", "check_id", "resolve", "sequence_names", "steps", "to_graph",
    "to_multigraph",
]
