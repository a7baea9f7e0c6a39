"""GraphML and GML importers (e.g. the Internet Topology Zoo) via networkx.

Every graph node becomes a switch, named ``s1..sN`` in file order
(``naming="label"`` uses the sanitized labels instead); the node's label and
its other attributes are kept as switch properties (``label`` is always
set). ``hosts_per_switch`` hosts (``h1..hM``) are attached to each switch
over unlimited links. Edges become links:

* bandwidth: an edge attribute ``bandwidth`` (bit/s, or text with a unit),
  else the Topology Zoo's ``LinkSpeedRaw`` (bit/s), else ``LinkSpeed`` ×
  ``LinkSpeedUnits`` (K/M/G/T), else the line rate of a standard carrier
  named by ``LinkType`` (DS-3, OC-192, STM-16, E1...: :data:`CARRIER_RATES`),
  else ``default_bw`` (1 Gbit/s);
* delay: an edge attribute ``delay`` (seconds, or text with a unit), else
  the great-circle (haversine) distance between the nodes' ``Latitude`` /
  ``Longitude`` × ``delay_per_km`` (5 µs/km, light in fibre), else
  ``default_delay`` (1 ms);
* parallel edges are kept as parallel links on distinct ports
  (``parallel="merge"`` makes one link per node pair: bandwidths summed,
  smallest delay); self-loops are dropped; disconnected parts are kept;
  in a directed graph, each edge and an opposite edge make one link.

Every such decision is reported in :attr:`ImportResult.notes`. GraphML is
first parsed by lxml without DTDs, entities or network access, and files
with a DOCTYPE are refused, so no entity expansion can reach networkx.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from sendim.errors import TopologyImportError, UnitError
from sendim.model import Link, Switch, System
from sendim.topology.generators import GeneratorError, link_bandwidth, link_delay
from sendim.topology.importers.base import (
    ImportResult,
    UniqueIds,
    attach_hosts,
    clean_value,
    finish,
    system_name,
)
from sendim.units import format_bandwidth, format_time, parse_bandwidth, parse_time

DEFAULT_BANDWIDTH = 1e9      # bit/s, for edges without a known speed
DEFAULT_DELAY = 1e-3         # seconds, for edges without coordinates at both ends
DELAY_PER_KM = 5e-6          # seconds per km: light in fibre at ~2/3 c
EARTH_RADIUS_KM = 6371.0
_SPEED_UNITS = {"": 1.0, "K": 1e3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
CARRIER_RATES = {
    "t1": 1.544e6, "ds1": 1.544e6, "e1": 2.048e6, "t2": 6.312e6, "ds2": 6.312e6,
    "e3": 34.368e6, "t3": 44.736e6, "ds3": 44.736e6,
    "oc3": 155.52e6, "stm1": 155.52e6, "oc12": 622.08e6, "stm4": 622.08e6,
    "oc48": 2488.32e6, "stm16": 2488.32e6, "oc192": 9953.28e6, "stm64": 9953.28e6,
    "oc768": 39813.12e6, "stm256": 39813.12e6,
    "gige": 1e9, "gbe": 1e9, "1ge": 1e9, "10ge": 10e9, "10gige": 10e9, "100ge": 100e9,
}
"""Line rates (bit/s) of the standard carrier names in the Zoo's ``LinkType``."""


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


# -- readers -----------------------------------------------------------------
def read_graphml(path: str | Path) -> nx.Graph:
    """Parse a GraphML file safely into a networkx (multi)graph."""
    from lxml import etree

    path = Path(path)
    data = _read_bytes(path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise TopologyImportError(f"{path}:{exc.lineno}: not well-formed XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:
        raise TopologyImportError(f"{path}: has a DOCTYPE declaration; GraphML needs none and "
                                  f"sendim reads no DTDs or entities (they can expand without bound)")
    if etree.QName(root).localname != "graphml":
        raise TopologyImportError(f"{path}: not GraphML (the root element is "
                                  f"<{etree.QName(root).localname}>, not <graphml>)")
    try:
        return nx.parse_graphml(data, force_multigraph=True)
    except Exception as exc:  # networkx raises many types for malformed GraphML
        raise TopologyImportError(f"{path}: invalid GraphML: {exc}") from exc


def read_gml(path: str | Path) -> tuple[nx.Graph, list[str]]:
    """Parse a GML file (node keys are the GML ids); returns the graph and notes."""
    path = Path(path)
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        return nx.parse_gml(text, label="id"), []
    except nx.NetworkXError as exc:
        if "is duplicated" not in str(exc) or not str(exc).startswith("edge"):
            raise TopologyImportError(f"{path}: invalid GML: {exc}") from exc
    # Parallel edges without "multigraph 1" in the header: read as a multigraph.
    fixed, count = re.subn(r"\bgraph\s*\[", "graph [ multigraph 1 ", text, count=1)
    try:
        graph = nx.parse_gml(fixed, label="id")
    except nx.NetworkXError as exc:
        raise TopologyImportError(f"{path}: invalid GML: {exc}") from exc
    return graph, ["the GML file has parallel edges but no 'multigraph 1': read as a multigraph"]


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TopologyImportError(f"{path}: cannot read: {exc.strerror or exc}") from None


# -- conversion ---------------------------------------------------------------
def _coordinates(data: dict[str, Any]) -> tuple[float, float] | None:
    lat = data.get("Latitude", data.get("latitude"))
    lon = data.get("Longitude", data.get("longitude"))
    try:
        lat, lon = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _bandwidth(data: dict[str, Any]) -> tuple[float | None, str]:
    """The edge's bandwidth in bit/s and where it came from (None: unknown)."""
    value = data.get("bandwidth")
    if value is not None:
        try:
            bps = parse_bandwidth(value) if isinstance(value, str) else float(value)
            if bps > 0 and math.isfinite(bps):
                return bps, "bandwidth"
        except (UnitError, ValueError, TypeError):
            pass
    raw = data.get("LinkSpeedRaw")
    try:
        if raw is not None and float(raw) > 0 and math.isfinite(float(raw)):
            return float(raw), "LinkSpeedRaw"
    except (TypeError, ValueError):
        pass
    speed, unit = data.get("LinkSpeed"), str(data.get("LinkSpeedUnits", "")).strip()
    try:
        bps = float(speed) * _SPEED_UNITS[unit]  # type: ignore[arg-type]
        if bps > 0 and math.isfinite(bps):
            return bps, "LinkSpeed"
    except (TypeError, ValueError, KeyError):
        pass
    carrier = re.sub(r"[\s\-_/]", "", str(data.get("LinkType", ""))).lower()
    if carrier in CARRIER_RATES:
        return CARRIER_RATES[carrier], "LinkType"
    return None, ""


def _explicit_delay(data: dict[str, Any]) -> float | None:
    value = data.get("delay")
    if value is None:
        return None
    try:
        seconds = parse_time(value) if isinstance(value, str) else float(value)
    except (UnitError, ValueError, TypeError):
        return None
    return seconds if seconds >= 0 and math.isfinite(seconds) else None


def _properties(data: dict[str, Any]) -> dict[str, str]:
    return {str(k): clean_value(v) for k, v in data.items()
            if str(k) and isinstance(v, (str, int, float, bool))}


def _examples(items: list[str], limit: int = 5) -> str:
    distinct = list(dict.fromkeys(items))
    return ", ".join(repr(x) for x in distinct[:limit]) + (", ..." if len(distinct) > limit else "")


def _edges(graph: nx.Graph, notes: list[str]) -> list[tuple[Any, Any, dict[str, Any]]]:
    """The graph's edges in order; opposite edges of a digraph are paired up."""
    edges = list(graph.edges(data=True))
    if not graph.is_directed():
        return edges
    pending: Counter[tuple[Any, Any]] = Counter()
    kept = []
    for u, v, data in edges:
        if pending[(v, u)]:
            pending[(v, u)] -= 1
            continue
        pending[(u, v)] += 1
        kept.append((u, v, data))
    notes.append(f"directed graph: edges are taken as bidirectional links; "
                 f"{len(edges) - len(kept)} edge(s) paired with an opposite edge")
    return kept


def from_networkx(graph: nx.Graph, *, name: str | None = None, hosts_per_switch: int = 1,
                  default_bw: float | str = DEFAULT_BANDWIDTH,
                  default_delay: float | str = DEFAULT_DELAY,
                  delay_per_km: float = DELAY_PER_KM, parallel: str = "keep",
                  naming: str = "index", source: str = "graph",
                  fmt: str = "networkx") -> ImportResult:
    """Convert a networkx graph as described in the module docstring."""
    notes: list[str] = []
    try:
        bw_default = link_bandwidth(default_bw)
        delay_default = link_delay(default_delay)
    except (GeneratorError, UnitError) as exc:
        raise TopologyImportError(f"default_bw/default_delay: {exc}") from None
    if not isinstance(hosts_per_switch, int) or hosts_per_switch < 0:
        raise TopologyImportError(f"hosts_per_switch must be a whole number >= 0, "
                                  f"got {hosts_per_switch!r}")
    if parallel not in ("keep", "merge"):
        raise TopologyImportError(f'parallel must be "keep" or "merge", got {parallel!r}')
    if naming not in ("index", "label"):
        raise TopologyImportError(f'naming must be "index" or "label", got {naming!r}')
    if graph.number_of_nodes() == 0:
        raise TopologyImportError(f"{source}: the graph has no nodes")

    system = System(name=system_name(name, Path(source).stem if fmt != "networkx" else
                                     str(graph.graph.get("name") or "imported")))
    system.properties.update(_properties(graph.graph))
    system.properties.update({"source": Path(source).name, "format": fmt})

    tally = _Tally()
    ids: dict[Any, str] = {}
    coords: dict[str, tuple[float, float] | None] = {}
    uniq = UniqueIds()
    for index, (node, data) in enumerate(graph.nodes(data=True), start=1):
        label = str(data.get("label", node))
        tally.labels[label] += 1
        sid = uniq.take(label) if naming == "label" else f"s{index}"
        if naming == "label" and sid != label:
            tally.renamed.append(f"{label} -> {sid}")
        props = _properties(data)
        props.update(label=clean_value(label), graph_id=clean_value(node))
        system.switches[sid] = Switch(sid, properties=props)
        ids[node] = sid
        coords[sid] = _coordinates(data)
        if coords[sid] is None:
            tally.no_coords.append(label)

    per_pair: dict[tuple[str, str], Link] = {}
    for u, v, data in _edges(graph, notes):
        a, b = ids[u], ids[v]
        if a == b:
            tally.self_loops += 1
            continue
        bps, origin = _bandwidth(data)
        tally.sources[origin or "default"] += 1
        delay = _explicit_delay(data)
        if delay is None:
            ca, cb = coords[a], coords[b]
            if ca is not None and cb is not None:
                delay = round(haversine_km(*ca, *cb) * delay_per_km, 9)
            else:
                delay = delay_default
                tally.default_delays += 1
        link = Link(a, b, bandwidth=bw_default if bps is None else bps, delay=delay,
                    properties=_properties(data))
        first = per_pair.setdefault((a, b) if a < b else (b, a), link)
        if first is not link:
            tally.parallel += 1
            if parallel == "merge":
                _merge(first, link)
                continue
        system.links.append(link)

    hosts = attach_hosts(system, hosts_per_switch)
    notes += tally.notes(naming, len(system.switches), bw_default, delay_default,
                         delay_per_km, parallel)
    if hosts:
        notes.append(f"{hosts} host(s) attached, {hosts_per_switch} per switch, "
                     f"on unlimited links")
    _report_components(notes, graph)
    return finish(system, notes, fmt, source)


def _merge(first: Link, other: Link) -> None:
    if first.bandwidth is None or other.bandwidth is None:
        first.bandwidth = None
    else:
        first.bandwidth += other.bandwidth
    first.delay = min(first.delay, other.delay)
    first.properties["merged_edges"] = str(int(first.properties.get("merged_edges", "1")) + 1)


@dataclass
class _Tally:
    """What the conversion had to decide, counted for the notes."""

    labels: Counter[str] = field(default_factory=Counter)
    renamed: list[str] = field(default_factory=list)
    no_coords: list[str] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)
    default_delays: int = 0
    self_loops: int = 0
    parallel: int = 0

    def notes(self, naming: str, n: int, bw_default: float | None, delay_default: float,
              delay_per_km: float, parallel: str) -> list[str]:
        out = []
        if naming == "index":
            out.append(f"nodes became switches s1..s{n} in file order; each keeps its "
                       f"label in the property 'label'")
        elif self.renamed:
            out.append(f"{len(self.renamed)} label(s) changed to make valid, unique ids: "
                       f"{_examples(self.renamed)}")
        shared = [label for label, count in self.labels.items() if count > 1]
        if shared:
            out.append(f"{len(shared)} label(s) are shared by several nodes (their switches "
                       f"get distinct ids): {_examples(shared)}")
        if self.no_coords:
            out.append(f"{len(self.no_coords)} node(s) have no coordinates (labels: "
                       f"{_examples(self.no_coords)})")
        known = [f"{k} for {v} link(s)" for k, v in self.sources.items() if k != "default"]
        if known:
            out.append("link bandwidth from " + ", ".join(known))
        if self.sources["default"]:
            bw = format_bandwidth(bw_default) if bw_default else "unlimited"
            out.append(f"no speed known for {self.sources['default']} link(s): "
                       f"default bandwidth {bw} used")
        measured = sum(self.sources.values()) - self.default_delays
        if measured:
            out.append(f"delay of {measured} link(s) from the great-circle distance "
                       f"(or a 'delay' attribute) at {delay_per_km * 1e6:g}us/km")
        if self.default_delays:
            out.append(f"{self.default_delays} link(s) lack coordinates at an end: "
                       f"default delay {format_time(delay_default)} used")
        if self.self_loops:
            out.append(f"{self.self_loops} self-loop(s) dropped")
        if self.parallel:
            out.append(f"{self.parallel} parallel edge(s) " + (
                "kept as separate links on distinct ports" if parallel == "keep" else
                "merged into one link per node pair (bandwidth summed, smallest delay)"))
        return out


def _report_components(notes: list[str], graph: nx.Graph) -> None:
    view = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    sizes = sorted((len(c) for c in nx.connected_components(view)), reverse=True)
    if len(sizes) > 1:
        notes.append(f"the graph has {len(sizes)} disconnected parts (sizes "
                     f"{', '.join(map(str, sizes[:8]))}{', ...' if len(sizes) > 8 else ''}); "
                     f"kept as they are: hosts in different parts cannot reach each other")


def import_graphml(path: str | Path, *, name: str | None = None, hosts_per_switch: int = 1,
                   default_bw: float | str = DEFAULT_BANDWIDTH,
                   default_delay: float | str = DEFAULT_DELAY, delay_per_km: float = DELAY_PER_KM,
                   parallel: str = "keep", naming: str = "index") -> ImportResult:
    """Import a GraphML file; the options are those of :func:`from_networkx`."""
    return from_networkx(read_graphml(path), name=name, hosts_per_switch=hosts_per_switch,
                         default_bw=default_bw, default_delay=default_delay,
                         delay_per_km=delay_per_km, parallel=parallel, naming=naming,
                         source=str(path), fmt="graphml")


def import_gml(path: str | Path, *, name: str | None = None, hosts_per_switch: int = 1,
               default_bw: float | str = DEFAULT_BANDWIDTH,
               default_delay: float | str = DEFAULT_DELAY, delay_per_km: float = DELAY_PER_KM,
               parallel: str = "keep", naming: str = "index") -> ImportResult:
    """Import a GML file; the options are those of :func:`from_networkx`."""
    graph, notes = read_gml(path)
    result = from_networkx(graph, name=name, hosts_per_switch=hosts_per_switch,
                           default_bw=default_bw, default_delay=default_delay,
                           delay_per_km=delay_per_km, parallel=parallel, naming=naming,
                           source=str(path), fmt="gml")
    result.notes[:0] = notes
    return result
