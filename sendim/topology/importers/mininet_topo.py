"""Import a Mininet ``Topo`` from a Python file, without needing Mininet.

**Importing runs the file**, as ``mn --custom`` does: import only files you
trust. The file is compiled and executed as a throw-away module (no
``__pycache__`` is written, ``__name__`` is not ``"__main__"``, so code under
``if __name__ == "__main__":`` does not run). If Mininet is installed its
real modules are used; otherwise stand-ins for ``mininet.topo``,
``mininet.net``, ``mininet.node``, ``mininet.link``, ``mininet.cli``,
``mininet.log``, ``mininet.util``... are put in ``sys.modules`` while the file
is loaded and its topology built, then removed again (anything previously
there is restored). A file that starts a network at import time is refused.

The topology is chosen by name (``file.py:Name`` or ``topo="Name"``: a key
of the file's ``topos`` dict or a ``Topo`` subclass), else the first entry of
``topos``, else the first ``Topo`` subclass the file defines. Arguments go
to it as with ``mn --topo name,arg1,key=value`` (``args``/``kwargs``).

Mininet semantics are kept: switch, host and link order as Mininet builds
them (``topo.switches()``, ``topo.hosts()``, ``topo.links(sort=True)``), so
default IPs (``10.0.0.N/8``) match Mininet's; ``dpid`` is a hex string
(default: the first number in the switch name, as Mininet derives it);
``bw`` in Mbit/s, ``delay`` like ``"5ms"`` (a bare number means µs, as for
tc), ``loss`` in percent, ``max_queue_size`` in packets; ``jitter`` and the
``cls`` names are kept as properties. Switch ports are Mininet's; a host's
``ethN`` becomes port N+1 (sendim ports start at 1).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
import sys
import traceback
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sendim.errors import TopologyImportError, UnitError
from sendim.model import Host, Link, Switch, System
from sendim.topology.importers import _mininet_standin as standin
from sendim.topology.importers.base import (
    ImportResult,
    attach_hosts,
    clean_value,
    finish,
    sanitize_id,
    system_name,
)
from sendim.units import parse_time

_FIRST_NUMBER = re.compile(r"\d+")
_NODE_KEYS = {"isSwitch", "dpid", "protocols", "cls", "ip", "mac", "cpu"}
_LINK_KEYS = {"node1", "node2", "port1", "port2", "bw", "delay", "loss", "max_queue_size", "cls"}


@contextmanager
def mininet_modules() -> Iterator[str]:
    """Make ``import mininet...`` work; yields "installed" or "stand-in".

    With the stand-ins, ``sys.modules`` and ``sys.meta_path`` are restored on
    exit: every ``mininet*`` entry added is removed, any earlier one put back.
    """
    if "mininet" not in sys.modules and importlib.util.find_spec("mininet") is not None:
        yield "installed"
        return
    if isinstance(sys.modules.get("mininet"), types.ModuleType) and \
            getattr(sys.modules["mininet"], "__spec__", None) is not None:
        yield "installed"  # a real Mininet is imported already
        return
    saved = {k: v for k, v in sys.modules.items() if k == "mininet" or k.startswith("mininet.")}
    finder = standin.StandinFinder()
    sys.modules.update(standin.build_modules())
    sys.meta_path.insert(0, finder)
    try:
        yield "stand-in"
    finally:
        sys.meta_path.remove(finder)
        for name in [k for k in sys.modules if k == "mininet" or k.startswith("mininet.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def _numeric(text: str) -> Any:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def split_args(text: str) -> tuple[str, list[Any], dict[str, Any]]:
    """``"mytopo,3,bw=10"`` → ``("mytopo", [3], {"bw": 10})``, as ``mn --topo``."""
    name, *params = text.split(",")
    args = [_numeric(p) for p in params if "=" not in p]
    kwargs = {k: _numeric(v) for k, _, v in (p.partition("=") for p in params if "=" in p)}
    return name, args, kwargs


def _where(path: Path, exc: BaseException) -> str:
    """``file:line`` of the deepest frame of *exc* inside the user's file."""
    line = exc.lineno if isinstance(exc, SyntaxError) and exc.filename == str(path) else None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == str(path):
            line = frame.lineno
    return f"{path}:{line}" if line else str(path)


@contextmanager
def _user_code(path: Path, doing: str) -> Iterator[None]:
    try:
        yield
    except TopologyImportError:
        raise
    except standin.NetworkStartRefused:
        raise TopologyImportError(
            f"{_where(path, sys.exc_info()[1])}: the file starts a Mininet network while "
            f"{doing}; put that code under `if __name__ == '__main__':`") from None
    except (Exception, SystemExit) as exc:
        raise TopologyImportError(f"{_where(path, exc)}: {doing} failed: "
                                  f"{type(exc).__name__}: {exc}") from exc


def _load(path: Path) -> types.ModuleType:
    """Execute *path* as a fresh module (registered in sys.modules by the caller)."""
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise TopologyImportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    module = types.ModuleType(f"_sendim_topo_{sanitize_id(path.stem)}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module
    with _user_code(path, "loading the file"):
        code = compile(source, str(path), "exec")
        exec(code, module.__dict__)  # noqa: S102 - running the user's topology file is the point
    return module


def _select(path: Path, module: types.ModuleType, topo_cls: type,
            wanted: str | None) -> tuple[str, Callable[..., Any], list[str]]:
    """The (name, factory) to build, plus notes on the choice."""
    topos = getattr(module, "topos", None)
    topos = topos if isinstance(topos, dict) else {}
    classes = {name: obj for name, obj in vars(module).items()
               if isinstance(obj, type) and issubclass(obj, topo_cls) and obj is not topo_cls
               and obj.__module__ == module.__name__}
    if wanted is not None:
        if wanted in topos and callable(topos[wanted]):
            return wanted, topos[wanted], []
        obj = vars(module).get(wanted)
        if isinstance(obj, type) and issubclass(obj, topo_cls):
            return wanted, obj, []
        found = list(topos) + [c for c in classes if c not in topos]
        raise TopologyImportError(f"{path}: no Topo subclass or topos entry named {wanted!r}; "
                                  f"found [{', '.join(found)}]")
    for what, table in (("entry of the topos dict", topos),
                        ("Topo subclass in the file", classes)):
        if table:
            name, *others = table
            notes = [f"used {name!r}, the first {what} (others: {', '.join(others)})"] \
                if others else []
            return name, table[name], notes
    raise TopologyImportError(f"{path}: defines no Topo subclass and no topos dict")


def _cls_name(value: Any) -> str:
    if isinstance(value, functools.partial):
        value = value.func
    return getattr(value, "__name__", None) or str(value)


def _properties(opts: dict[str, Any], skip: set[str]) -> dict[str, str]:
    props = {k: clean_value(v) for k, v in opts.items()
             if k not in skip and isinstance(v, (str, int, float, bool))}
    if opts.get("cls") is not None:
        props["cls"] = _cls_name(opts["cls"])
    return props


def _with_partial(opts: dict[str, Any]) -> dict[str, Any]:
    """Options with the keywords of a ``cls=partial(X, k=v)`` merged in."""
    cls = opts.get("cls")
    if isinstance(cls, functools.partial) and cls.keywords:
        return {**cls.keywords, **opts}
    return dict(opts)


def _switch(name: str, opts: dict[str, Any], used: set[int]) -> Switch:
    dpid_text = opts.get("dpid")
    if dpid_text is not None:
        try:
            dpid = int(str(dpid_text).replace(":", ""), 16)
        except ValueError:
            raise TopologyImportError(f"switch {name!r}: dpid {dpid_text!r} is not hex") from None
    else:  # Mininet's default: the first number in the name
        m = _FIRST_NUMBER.search(name)
        dpid = int(m.group()) if m and 0 < int(m.group()) < 2**64 else 0
        dpid = 0 if dpid in used else dpid
    used.add(dpid)
    return Switch(name, dpid, str(opts.get("protocols") or "OpenFlow13"),
                  _properties(opts, _NODE_KEYS))


def _host(name: str, opts: dict[str, Any]) -> Host:
    cpu = opts.get("cpu")
    cpu = float(cpu) if isinstance(cpu, (int, float)) and cpu > 0 else None
    return Host(name, str(opts.get("ip") or ""), str(opts.get("mac") or "").lower(), cpu,
                None, _properties(opts, _NODE_KEYS))


def _link_delay(value: Any, name: str, notes: list[str]) -> float:
    if value is None:
        return 0.0
    try:
        if isinstance(value, (int, float)) or re.fullmatch(r"\s*[0-9.]+\s*", str(value)):
            notes.append(f"link {name}: delay {value!r} has no unit: read as microseconds (tc)")
            return float(value) * 1e-6
        return parse_time(str(value))
    except (UnitError, ValueError) as exc:
        raise TopologyImportError(f"link {name}: bad delay {value!r}: {exc}") from None


def _link(topo: Any, node1: str, node2: str, info: dict[str, Any], notes: list[str]) -> Link:
    name = f"{node1}-{node2}"
    opts = _with_partial(info)
    try:
        bw = None if opts.get("bw") is None else float(opts["bw"]) * 1e6
        loss = 0.0 if opts.get("loss") is None else float(opts["loss"]) / 100.0
        queue = None if opts.get("max_queue_size") is None else int(opts["max_queue_size"])
    except (TypeError, ValueError) as exc:
        raise TopologyImportError(f"link {name}: bad bw/loss/max_queue_size: {exc}") from None

    def port(node: str, key: str) -> int:
        value = info.get(key)
        if not isinstance(value, int) or value < 0:
            return 0
        return value if topo.isSwitch(node) else value + 1

    return Link(node1, node2, port(node1, "port1"), port(node2, "port2"), bw,
                _link_delay(opts.get("delay"), name, notes), loss, queue,
                properties=_properties(opts, _LINK_KEYS))


def topo_to_system(topo: Any, name: str) -> tuple[System, list[str]]:
    """Read a built Mininet ``Topo`` (real or stand-in) into an unresolved System."""
    notes: list[str] = []
    system = System(name=name)
    used: set[int] = set()
    for sw in topo.switches():
        system.switches[sw] = _switch(sw, _with_partial(topo.nodeInfo(sw)), used)
    for host in topo.hosts():
        system.hosts[host] = _host(host, _with_partial(topo.nodeInfo(host)))
    for node1, node2, info in topo.links(sort=True, withInfo=True):
        system.links.append(_link(topo, node1, node2, info, notes))
    degree: dict[str, int] = {}
    for link in system.links:
        for end in (link.src, link.dst):
            degree[end] = degree.get(end, 0) + 1
    routers = [h for h in system.hosts if degree.get(h, 0) > 1]
    if routers:
        raise TopologyImportError(f"host(s) {', '.join(routers)} have several links; sendim hosts "
                                  f"have one interface (routers are not supported)")
    return system, notes


def import_mininet(path: str | Path, *, topo: str | None = None, args: tuple[Any, ...] = (),
                   kwargs: dict[str, Any] | None = None, name: str | None = None,
                   hosts_per_switch: int = 0) -> ImportResult:
    """Import the Mininet topology of the Python file *path* (see the module doc).

    *topo* may carry ``mn``-style arguments (``"mytopo,3,bw=10"``), added to
    *args*/*kwargs*. ``hosts_per_switch`` attaches that many extra hosts to
    every switch (default none: a Mininet topology has its own hosts).
    """
    path = Path(path)
    if not isinstance(hosts_per_switch, int) or hosts_per_switch < 0:
        raise TopologyImportError(f"hosts_per_switch must be a whole number >= 0, "
                                  f"got {hosts_per_switch!r}")
    wanted, extra_args, extra_kwargs = split_args(topo) if topo else (None, [], {})
    module_name = f"_sendim_topo_{sanitize_id(path.stem)}"
    previous = sys.modules.get(module_name)
    with mininet_modules() as flavour:
        try:
            module = _load(path)
            topo_cls = importlib.import_module("mininet.topo").Topo
            chosen, factory, notes = _select(path, module, topo_cls, wanted)
            with _user_code(path, f"building {chosen}"):
                built = factory(*args, *extra_args, **(kwargs or {}), **extra_kwargs)
            if not isinstance(built, topo_cls):
                raise TopologyImportError(f"{path}: {chosen} gave {type(built).__name__}, "
                                          f"not a Topo")
            with _user_code(path, f"reading {chosen}"):
                try:
                    system, link_notes = topo_to_system(built, system_name(name, chosen))
                except TopologyImportError as exc:
                    raise TopologyImportError(f"{path}: {exc}") from None
        finally:
            sys.modules.pop(module_name, None)
            if previous is not None:
                sys.modules[module_name] = previous
    notes.insert(0, f"topology {chosen!r} built with the {flavour} Mininet modules")
    notes += link_notes
    system.properties.update(source=path.name, format="mininet", topo=chosen)
    hosts = attach_hosts(system, hosts_per_switch)
    if hosts:
        notes.append(f"{hosts} extra host(s) attached, {hosts_per_switch} per switch")
    return finish(system, notes, "mininet", str(path))
