"""Model → XML: the inverse of the parser.

Output is deterministic and explicit: every resolved value is written (link
ids, ports, dpids, addresses, traffic shapes...), units formatted with
``sendim.units.format_*``, links in the explicit ``<link>`` style, one
element per line. Loading what was written gives an equal model. Writing is
a single pass of string formatting, linear in the size of the system.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from sendim.errors import ModelError
from sendim.model import Deployment, System
from sendim.parser.deployment import is_file_app
from sendim.units import format_bandwidth, format_loss, format_size, format_time

_PLAIN = re.compile('[^&<>"\x00-\x1f\ufffe\uffff]*').fullmatch
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
_BATCH = 4096


def _q(value: str) -> str:
    """*value* as a quoted, escaped XML attribute value."""
    if _PLAIN(value):
        return f'"{value}"'
    if _NOT_XML.search(value):
        raise ModelError(f"{value!r} contains characters XML cannot represent")
    return quoteattr(value)


def _decimal(value: float) -> str:
    """A float in xs:decimal form (no exponent) that reads back exactly."""
    text = repr(float(value))
    return f"{Decimal(text):f}" if "e" in text or "E" in text else text


def _properties(props: dict[str, str], indent: str) -> Iterator[str]:
    for name, value in props.items():
        yield f"{indent}<property name={_q(name)} value={_q(value)}/>\n"


def _element(head: str, props: dict[str, str], tag: str) -> Iterator[str]:
    """``<tag .../>`` or, with properties, ``<tag ...>`` + children + close."""
    if not props:
        yield f"  <{head}/>\n"
        return
    yield f"  <{head}>\n"
    yield from _properties(props, "    ")
    yield f"  </{tag}>\n"


def iter_system_xml(system: System) -> Iterator[str]:
    """The XML text of *system*, in chunks.

    Every value of a resolved system is written; values an unresolved one
    leaves to derive (dpid 0, port 0, empty ids and addresses) are left out,
    so loading the text gives the resolved system either way.
    """
    yield _HEADER
    yield f"<system name={_q(system.name)}>\n"
    yield from _properties(system.properties, "  ")
    ids: dict[str, str] = {}
    for s in system.switches.values():
        ids[s.id] = q = _q(s.id)
        dpid = f' dpid="{s.dpid}"' if s.dpid else ""
        yield from _element(f"switch id={q}{dpid} protocol={_q(s.protocol)}", s.properties, "switch")
    for h in system.hosts.values():
        ids[h.id] = q = _q(h.id)
        head = f"host id={q}"
        if h.ip:
            head += f" ip={_q(h.ip)}"
        if h.mac:
            head += f" mac={_q(h.mac)}"
        if h.cpu is not None:
            head += f' cpu="{_decimal(h.cpu)}"'
        if h.memory is not None:
            head += f' memory="{format_size(h.memory)}"'
        yield from _element(head, h.properties, "host")
    yield from _links(system, ids)
    for f in system.flows:
        head = f"flow id={_q(f.id)}" if f.id else "flow"
        head += (f" src={ids.get(f.src) or _q(f.src)} dst={ids.get(f.dst) or _q(f.dst)}"
                 f' protocol="{f.protocol.value}"')
        if f.size is not None:
            head += f' size="{format_size(f.size)}"'
        if f.duration is not None:
            head += f' duration="{format_time(f.duration)}"'
        if f.rate is not None:
            head += f' rate="{format_bandwidth(f.rate)}"'
        head += f' start="{format_time(f.start)}" granularity="{f.granularity.value}"'
        if f.chunk_size is not None:
            head += f' chunk="{format_size(f.chunk_size)}"'
        if f.traffic is not None:
            head += f' traffic="{f.traffic.value}"'
        head += f' packet-size="{f.packet_size}"'
        if f.interval is not None:
            head += f' interval="{format_time(f.interval)}"'
        if f.src_port is not None:
            head += f' src-port="{f.src_port}"'
        if f.dst_port is not None:
            head += f' dst-port="{f.dst_port}"'
        yield f"  <{head}/>\n"
    for e in system.events:
        yield (f'  <event at="{format_time(e.time)}" action="{e.action.value}" '
               f"{e.target.value}={_q(e.ref)}/>\n")
    for x in system.execs:
        head = f"exec node={ids.get(x.node) or _q(x.node)} seq={_q(','.join(x.seqs))}"
        if not x.wait:
            head += ' ostype="exec"'
        if x.timeout is not None:
            head += f' timeout="{format_time(x.timeout)}"'
        yield f"  <{head}>{_text(x.command)}</exec>\n"
    for name, parts in system.cmd_seqs.items():
        yield f"  <cmd-seq seq={_q(name)}>{_text(','.join(parts))}</cmd-seq>\n"
    yield "</system>\n"


def _text(value: str) -> str:
    """*value* as escaped element text (carriage returns kept)."""
    if _NOT_XML.search(value):
        raise ModelError(f"{value!r} contains characters XML cannot represent")
    return escape(value, {"\r": "&#13;"})


def _links(system: System, ids: dict[str, str]) -> Iterator[str]:
    # bandwidths, delays and losses repeat: format each distinct value once
    bws: dict[float | None, str] = {None: ""}
    delays: dict[float, str] = {}
    losses: dict[float, str] = {}
    batch: list[str] = []
    for link in system.links:
        bw = bws.get(link.bandwidth)
        if bw is None:
            bw = bws[link.bandwidth] = f' bw="{format_bandwidth(link.bandwidth)}"'
        delay = delays.get(link.delay)
        if delay is None:
            delay = delays[link.delay] = format_time(link.delay)
        loss = losses.get(link.loss)
        if loss is None:
            loss = losses[link.loss] = format_loss(link.loss)
        head = f"link id={_q(link.id)}" if link.id else "link"
        head += f" src={ids.get(link.src) or _q(link.src)} dst={ids.get(link.dst) or _q(link.dst)}"
        if link.src_port:
            head += f' src-port="{link.src_port}"'
        if link.dst_port:
            head += f' dst-port="{link.dst_port}"'
        head += f'{bw} delay="{delay}" loss="{loss}"'
        if link.max_queue is not None:
            head += f' queue="{link.max_queue}"'
        if link.properties:
            batch.extend(_element(head, link.properties, "link"))
        else:
            batch.append(f"  <{head}/>\n")
        if len(batch) >= _BATCH:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch)


def _relative(path: str, base: Path | None) -> str:
    """*path* relative to *base* when both are known, else unchanged."""
    if base is None or not os.path.isabs(path):
        return path
    try:
        return os.path.relpath(path, base)
    except ValueError:          # another drive on Windows
        return path


def iter_deployment_xml(dep: Deployment, base: Path | None = None) -> Iterator[str]:
    """The XML text of *dep*; absolute paths are made relative to *base*."""
    yield _HEADER
    yield f'<deployment name={_q(dep.name)} environment="{dep.environment.value}">\n'
    for path in dep.systems:
        yield f"  <system file={_q(_relative(path, base))}/>\n"
    c = dep.controller
    head = f'controller observe-links="{str(c.observe_links).lower()}" latency="{format_time(c.latency)}"'
    if c.port is not None:
        head += f' port="{c.port}"'
    if c.apps:
        yield f"  <{head}>\n"
        for app in c.apps:
            name = _relative(app.name, base) if is_file_app(app.name) else app.name
            yield from _nested(f"app name={_q(name)}", "app", _options(app.options, "      "), "    ")
        yield "  </controller>\n"
    else:
        yield f"  <{head}/>\n"
    fb = dep.fallback
    head = (f'fallback to="{fb.to.value if fb.to is not None else "none"}" '
            f'max-setup="{format_time(fb.max_setup)}"')
    if fb.max_nodes is not None:
        head += f' max-nodes="{fb.max_nodes}"'
    if fb.max_memory is not None:
        head += f' max-memory="{format_size(fb.max_memory)}"'
    yield f"  <{head}/>\n"
    st = dep.store
    head = f"store type={_q(st.type)}"
    if st.path is not None:
        head += f" path={_q(_relative(st.path, base))}"
    if st.hosts is not None:
        head += f" hosts={_q(st.hosts)}"
    yield f"  <{head} tenant={_q(st.tenant)}/>\n"
    for t in dep.targets:
        head = f'target name={_q(t.name)} address={_q(t.address)} user={_q(t.user)} port="{t.port}"'
        if t.key is not None:
            head += f" key={_q(t.key)}"
        nodes = (f"    <node ref={_q(n)}/>\n" for n in t.nodes)
        yield from _nested(head, "target", nodes, "  ")
    head = f'run seed="{dep.seed}"'
    if dep.duration is not None:
        head += f' duration="{format_time(dep.duration)}"'
    yield f'  <{head} settle="{format_time(dep.settle)}"/>\n'
    yield from _options(dep.options, "  ")
    yield "</deployment>\n"


def _options(options: dict[str, str], indent: str) -> Iterator[str]:
    for name, value in options.items():
        yield f"{indent}<option name={_q(name)} value={_q(value)}/>\n"


def _nested(head: str, tag: str, children: Iterable[str], indent: str) -> Iterator[str]:
    lines = list(children)
    if not lines:
        yield f"{indent}<{head}/>\n"
        return
    yield f"{indent}<{head}>\n"
    yield from lines
    yield f"{indent}</{tag}>\n"


def write_chunks(chunks: Iterable[str], path: str | Path | None) -> str:
    """Join *chunks*, or stream them to *path* and return the path."""
    if path is None:
        return "".join(chunks)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(chunks)
    return str(path)
