"""The registry of generators: their parameters, described for a command line.

:data:`GENERATORS` maps each kind to a :class:`GeneratorSpec`;
:func:`generate` builds one by kind from (possibly textual) parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sendim.errors import GeneratorError, RegistryError
from sendim.model import System

from .datacenter import fat_tree, leaf_spine
from .randomized import random_graph, small_world_dc
from .regular import linear, ring, torus, tree


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a generator, described for a command line.

    ``type`` converts a command-line string (``int``, ``float`` or ``str``);
    ``default`` is the function's default (None for "unset"); ``required``
    parameters have no default. The flag is ``--`` + name with ``_`` → ``-``.
    """

    name: str
    type: Callable[[str], Any]
    help: str
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class GeneratorSpec:
    """A generator: its kind, function, one-line description and parameters."""

    kind: str
    function: Callable[..., System]
    description: str
    params: tuple[Param, ...]

    def param(self, name: str) -> Param:
        """The parameter called *name* (``-`` and ``_`` are interchangeable)."""
        wanted = name.replace("-", "_")
        for param in self.params:
            if param.name == wanted:
                return param
        raise GeneratorError(f"{self.kind} has no parameter {name!r}; its parameters are "
                             f"[{', '.join(p.name for p in self.params)}]")


def _p(name: str, type_: Callable[[str], Any], help_: str, default: Any = None,
       choices: tuple[str, ...] | None = None) -> Param:
    return Param(name, type_, help_, default, False, choices)


def _req(name: str, type_: Callable[[str], Any], help_: str) -> Param:
    return Param(name, type_, help_, None, True)


_LINK = (
    _p("bw", str, "bandwidth of every link, e.g. 10Mbps (unlimited if unset)"),
    _p("delay", str, "one-way delay of every link, e.g. 1ms"),
    _p("name", str, "system name (default: from the kind and parameters)"),
)
_HPS = _p("hosts_per_switch", int, "hosts attached to each switch", 1)
_SEED = _p("seed", int, "random seed (same seed, same topology)", 0)

GENERATORS: dict[str, GeneratorSpec] = {spec.kind: spec for spec in (
    GeneratorSpec("linear", linear, "a chain of n switches, hosts on each (Mininet's linear)",
                  (_req("n", int, "number of switches"), _HPS) + _LINK),
    GeneratorSpec("tree", tree, "a tree of switches with hosts at the leaves (Mininet's tree)",
                  (_req("depth", int, "levels of switches"),
                   _req("fanout", int, "children of every switch")) + _LINK),
    GeneratorSpec("fat-tree", fat_tree, "a k-ary fat-tree: (k/2)^2 core switches, k pods",
                  (_req("k", int, "switch port count (even)"),
                   _p("hosts_per_edge", int, "hosts per edge switch (default k/2)")) + _LINK),
    GeneratorSpec("leaf-spine", leaf_spine, "a two-tier Clos: every leaf linked to every spine",
                  (_req("leaves", int, "number of leaf switches"),
                   _req("spines", int, "number of spine switches"),
                   _p("hosts_per_leaf", int, "hosts attached to each leaf", 1)) + _LINK),
    GeneratorSpec("torus", torus, "a 2-D torus of switches (degree 4), hosts on each",
                  (_req("rows", int, "rows (>= 3)"), _req("cols", int, "columns (>= 3)"),
                   _HPS) + _LINK),
    GeneratorSpec("ring", ring, "a ring of n switches, hosts on each",
                  (_req("n", int, "number of switches (>= 3)"), _HPS) + _LINK),
    GeneratorSpec("random", random_graph, "a connected random switch graph of given average degree",
                  (_req("nodes", int, "number of switches"),
                   _req("degree", float, "average switch degree"), _SEED, _HPS) + _LINK),
    GeneratorSpec("small-world", small_world_dc,
                  "a small-world datacenter (SW-Ring/SW-2DTorus, Shin et al. 2011)",
                  (_req("n", int, "number of nodes"),
                   _p("degree", int, "ports per node: lattice links + random links", 6), _SEED,
                   _p("lattice", str, "ring (SW-Ring) or torus (SW-2DTorus)", "ring",
                      ("ring", "torus")), _HPS) + _LINK),
)}
"""Kind (as on the command line) → :class:`GeneratorSpec`."""


def generate(kind: str, **params: Any) -> System:
    """Build the topology *kind* of :data:`GENERATORS` with *params*.

    Parameter names may use ``-`` or ``_``; string values are converted with
    the parameter's type, so command-line text can be passed as is. Raises
    :class:`~sendim.errors.RegistryError` for an unknown kind and
    :class:`GeneratorError` for unknown, missing or bad parameters.
    """
    spec = GENERATORS.get(kind)
    if spec is None:
        raise RegistryError(f'generator "{kind}" is not supported. '
                            f"Supported kinds are [{', '.join(sorted(GENERATORS))}]")
    kwargs: dict[str, Any] = {}
    for key, value in params.items():
        param = spec.param(key)
        if isinstance(value, str) and param.type is not str:
            try:
                value = param.type(value)
            except ValueError:
                raise GeneratorError(f"{kind}: {param.name} must be of type "
                                     f"{param.type.__name__}, got {value!r}") from None
        if param.choices and value not in param.choices:
            raise GeneratorError(f"{kind}: {param.name} must be one of "
                                 f"[{', '.join(param.choices)}], got {value!r}")
        kwargs[param.name] = value
    missing = [p.name for p in spec.params if p.required and p.name not in kwargs]
    if missing:
        raise GeneratorError(f"{kind}: missing parameter(s) {', '.join(missing)}")
    return spec.function(**kwargs)
