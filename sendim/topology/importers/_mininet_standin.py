"""Stand-ins for the Mininet modules a custom topology file imports.

Only :class:`Topo` (and its helpers) really works, with the API of Mininet
2.3's ``mininet.topo``; everything else (node, link, controller classes,
logging) is inert, and starting a network (``Mininet(...)``, ``CLI(...)``)
raises :class:`NetworkStartRefused`. Names a file imports that are not
defined here resolve to inert classes, and unknown ``mininet.*`` submodules
to empty stand-in modules, so that loading a file never needs Mininet.
These modules live in ``sys.modules`` only while a file is being imported
(see :func:`sendim.topology.importers.mininet_topo.mininet_modules`).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import re
import sys
import types
from collections.abc import Iterator
from typing import Any


class NetworkStartRefused(Exception):
    """The file tried to start a network while being imported."""


# -- mininet.util --------------------------------------------------------------
def natural(text: Any) -> list[Any]:
    """Natural sort key: ``"s10"`` sorts after ``"s9"``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(text))]


def naturalSeq(items: Any) -> list[Any]:  # noqa: N802 - Mininet's name
    return [natural(x) for x in items]


def irange(start: int, end: int, step: int = 1) -> range:
    """Inclusive range, as in Mininet."""
    return range(start, end + 1, step)


def _noop(*_args: Any, **_kwargs: Any) -> None:
    return None


class _Inert:
    """An inert stand-in for any Mininet class (nodes, links, controllers...)."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.args, self.kwargs = args, kwargs

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _noop


def _refuse(*_args: Any, **_kwargs: Any) -> None:
    raise NetworkStartRefused("the file starts a Mininet network while it is being loaded")


class Mininet(_Inert):
    def __init__(self, *args: Any, **kwargs: Any):
        _refuse()


class CLI(_Inert):
    def __init__(self, *args: Any, **kwargs: Any):
        _refuse()


# -- mininet.topo ----------------------------------------------------------------
class MultiGraph:
    """Nodes and keyed parallel edges with attribute dicts (Mininet's own)."""

    def __init__(self) -> None:
        self.node: dict[Any, dict[str, Any]] = {}
        self.edge: dict[Any, dict[Any, dict[Any, dict[str, Any]]]] = {}

    def add_node(self, node: Any, attr_dict: dict[str, Any] | None = None, **attrs: Any) -> None:
        info = {} if attr_dict is None else attr_dict
        info.update(attrs)
        self.node[node] = info

    def add_edge(self, src: Any, dst: Any, key: Any = None,
                 attr_dict: dict[str, Any] | None = None, **attrs: Any) -> Any:
        info = {} if attr_dict is None else attr_dict
        info.update(attrs)
        for n in (src, dst):
            self.node.setdefault(n, {})
            self.edge.setdefault(n, {})
        entry = self.edge[src].setdefault(dst, {})
        self.edge[dst][src] = entry
        if key is None:
            key = max([0] + [k for k in entry if type(k) is int]) + 1
        entry[key] = info
        return key

    def nodes(self, data: bool = False) -> Any:
        return list(self.node.items()) if data else list(self.node)

    def edges_iter(self, data: bool = False, keys: bool = False) -> Iterator[tuple[Any, ...]]:
        for src, entry in self.edge.items():
            for dst, keyed in entry.items():
                if src > dst:
                    continue
                for key, info in keyed.items():
                    yield (src, dst) + ((key,) if keys else ()) + ((info,) if data else ())

    def edges(self, data: bool = False, keys: bool = False) -> list[tuple[Any, ...]]:
        return list(self.edges_iter(data=data, keys=keys))

    def __getitem__(self, node: Any) -> dict[Any, dict[Any, dict[str, Any]]]:
        return self.edge[node]

    def __len__(self) -> int:
        return len(self.node)

    def convertTo(self, cls: Any, data: bool = False, keys: bool = False) -> Any:  # noqa: N802
        g = cls()
        g.add_nodes_from(self.nodes(data=data))
        g.add_edges_from(self.edges(data=data, keys=keys))
        return g


class Topo:
    """Mininet's ``Topo``: switches, hosts and links with their options."""

    def __init__(self, *args: Any, **params: Any):
        self.g = MultiGraph()
        self.hopts = params.pop("hopts", {})
        self.sopts = params.pop("sopts", {})
        self.lopts = params.pop("lopts", {})
        self.ports: dict[Any, dict[int, tuple[Any, int]]] = {}
        self.build(*args, **params)

    def build(self, *args: Any, **params: Any) -> None:
        """Override this method to build your topology."""

    def addNode(self, name: str, **opts: Any) -> str:  # noqa: N802
        self.g.add_node(name, **opts)
        return name

    def addHost(self, name: str, **opts: Any) -> str:  # noqa: N802
        if not opts and self.hopts:
            opts = self.hopts
        return self.addNode(name, **opts)

    def addSwitch(self, name: str, **opts: Any) -> str:  # noqa: N802
        if not opts and self.sopts:
            opts = self.sopts
        return self.addNode(name, isSwitch=True, **opts)

    def addLink(self, node1: str, node2: str, port1: int | None = None,  # noqa: N802
                port2: int | None = None, key: Any = None, **opts: Any) -> Any:
        if not opts and self.lopts:
            opts = self.lopts
        port1, port2 = self.addPort(node1, node2, port1, port2)
        info = dict(opts)
        info.update(node1=node1, node2=node2, port1=port1, port2=port2)
        return self.g.add_edge(node1, node2, key, info)

    def nodes(self, sort: bool = True) -> list[str]:
        return self.sorted(self.g.nodes()) if sort else self.g.nodes()

    def isSwitch(self, n: str) -> bool:  # noqa: N802
        return bool(self.g.node[n].get("isSwitch", False))

    def switches(self, sort: bool = True) -> list[str]:
        return [n for n in self.nodes(sort) if self.isSwitch(n)]

    def hosts(self, sort: bool = True) -> list[str]:
        return [n for n in self.nodes(sort) if not self.isSwitch(n)]

    def iterLinks(self, withKeys: bool = False, withInfo: bool = False) -> Iterator[tuple[Any, ...]]:  # noqa: N802,N803
        for _src, _dst, key, info in self.g.edges_iter(data=True, keys=True):
            yield ((info["node1"], info["node2"]) + ((key,) if withKeys else ())
                   + ((info,) if withInfo else ()))

    def links(self, sort: bool = False, withKeys: bool = False,  # noqa: N803
              withInfo: bool = False) -> list[tuple[Any, ...]]:
        links = list(self.iterLinks(withKeys, withInfo))
        if not sort:
            return links
        size = 3 if withKeys else 2
        return sorted(links, key=lambda link: naturalSeq(link[:size]))

    def addPort(self, src: str, dst: str, sport: int | None = None,  # noqa: N802
                dport: int | None = None) -> tuple[int, int]:
        ports = self.ports
        ports.setdefault(src, {})
        ports.setdefault(dst, {})
        if sport is None:
            sport = len(ports[src]) + (1 if self.isSwitch(src) else 0)
        if dport is None:
            dport = len(ports[dst]) + (1 if self.isSwitch(dst) else 0)
        ports[src][sport] = (dst, dport)
        ports[dst][dport] = (src, sport)
        return sport, dport

    def port(self, src: str, dst: str) -> Any:
        found = [(sp, entry[1]) for sp, entry in self.ports[src].items() if entry[0] == dst]
        return found if len(found) != 1 else found[0]

    def linkInfo(self, src: str, dst: str, key: Any = None) -> dict[str, Any]:  # noqa: N802
        entry = self.g[src][dst]
        return entry[min(entry) if key is None else key]

    def setlinkInfo(self, src: str, dst: str, info: dict[str, Any], key: Any = None) -> None:  # noqa: N802
        entry = self.g[src][dst]
        entry[min(entry) if key is None else key] = info

    def nodeInfo(self, name: str) -> dict[str, Any]:  # noqa: N802
        return self.g.node[name]

    def setNodeInfo(self, name: str, info: dict[str, Any]) -> None:  # noqa: N802
        self.g.node[name] = info

    @staticmethod
    def sorted(items: Any) -> list[Any]:
        return sorted(items, key=natural)


class SingleSwitchTopo(Topo):
    def build(self, k: int = 2, **_opts: Any) -> None:
        switch = self.addSwitch("s1")
        for h in irange(1, k):
            self.addLink(self.addHost(f"h{h}"), switch)


class SingleSwitchReversedTopo(Topo):
    def build(self, k: int = 2) -> None:
        switch = self.addSwitch("s1")
        for h in irange(1, k):
            self.addLink(self.addHost(f"h{h}"), switch, port1=0, port2=k - h + 1)


class MinimalTopo(SingleSwitchTopo):
    def build(self, **_opts: Any) -> None:
        super().build(k=2)


class LinearTopo(Topo):
    def build(self, k: int = 2, n: int = 1, **_opts: Any) -> None:
        last = None
        for i in irange(1, k):
            switch = self.addSwitch(f"s{i}")
            for j in irange(1, n):
                self.addLink(self.addHost(f"h{i}" if n == 1 else f"h{j}s{i}"), switch)
            if last:
                self.addLink(switch, last)
            last = switch


class TreeTopo(Topo):
    def build(self, depth: int = 1, fanout: int = 2) -> None:
        self.hostNum, self.switchNum = 1, 1
        self.addTree(depth, fanout)

    def addTree(self, depth: int, fanout: int) -> str:  # noqa: N802
        if depth > 0:
            node = self.addSwitch(f"s{self.switchNum}")
            self.switchNum += 1
            for _ in range(fanout):
                self.addLink(node, self.addTree(depth - 1, fanout))
        else:
            node = self.addHost(f"h{self.hostNum}")
            self.hostNum += 1
        return node


# -- modules ----------------------------------------------------------------------
_INERT_NAMES = {
    "mininet.node": ["Node", "Host", "CPULimitedHost", "Switch", "OVSSwitch", "OVSKernelSwitch",
                     "UserSwitch", "OVSBridge", "LinuxBridge", "IVSSwitch", "Controller",
                     "OVSController", "NOX", "Ryu", "RemoteController", "DefaultController",
                     "NullController"],
    "mininet.link": ["Intf", "TCIntf", "Link", "TCLink", "OVSLink", "TCULink", "OVSIntf"],
    "mininet.nodelib": ["LinuxBridge", "NAT"],
}
_FUNCTIONS = {
    "mininet.log": ["setLogLevel", "info", "debug", "warn", "warning", "error", "output"],
    "mininet.util": ["dumpNodeConnections", "dumpNetConnections", "dumpNodes", "quietRun",
                     "pmonitor", "waitListening", "custom", "buildTopo", "specialClass"],
    "mininet.clean": ["cleanup"],
}
_REAL = {
    "mininet.topo": {"Topo": Topo, "MultiGraph": MultiGraph, "SingleSwitchTopo": SingleSwitchTopo,
                     "SingleSwitchReversedTopo": SingleSwitchReversedTopo,
                     "MinimalTopo": MinimalTopo, "LinearTopo": LinearTopo},
    "mininet.topolib": {"TreeTopo": TreeTopo},
    "mininet.util": {"irange": irange, "natural": natural, "naturalSeq": naturalSeq},
    "mininet.net": {"Mininet": Mininet},
    "mininet.cli": {"CLI": CLI},
}


def _module(name: str) -> types.ModuleType:
    module = types.ModuleType(name, "sendim stand-in for Mininet's " + name)
    module.__path__ = []  # type: ignore[attr-defined]  # a package: submodules may follow
    inert: dict[str, type] = {}

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if attr not in inert:
            inert[attr] = type(attr, (_Inert,), {"__module__": name})
        return inert[attr]

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    for attr in _INERT_NAMES.get(name, []):
        setattr(module, attr, type(attr, (_Inert,), {"__module__": name}))
    for attr in _FUNCTIONS.get(name, []):
        setattr(module, attr, _noop)
    for attr, value in _REAL.get(name, {}).items():
        setattr(module, attr, value)
    return module


def build_modules() -> dict[str, types.ModuleType]:
    """Fresh stand-in modules: ``mininet`` and its usual submodules."""
    names = ["mininet", *sorted(set(_INERT_NAMES) | set(_FUNCTIONS) | set(_REAL))]
    modules = {name: _module(name) for name in names}
    for name, module in modules.items():
        if "." in name:
            setattr(modules["mininet"], name.split(".", 1)[1], module)
    modules["mininet.log"].lg = _Inert()  # type: ignore[attr-defined]
    return modules


class StandinFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes any other ``mininet.*`` submodule an empty stand-in module."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.startswith("mininet."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _module(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        parent, _, child = module.__name__.rpartition(".")
        if parent in sys.modules:
            setattr(sys.modules[parent], child, module)
