"""Topology generators: free functions that return a resolved :class:`System`.

Every generator names its switches ``s1..sN`` and its hosts ``h1..hM`` in a
documented, deterministic order, applies the common link options ``bw``
(bit/s, or a string such as ``"10Mbps"``) and ``delay`` (seconds, or
``"5ms"``) to *every* link, host links included, and returns a system that
:func:`sendim.model.resolve` has completed. Host links are declared before
switch-to-switch links on each switch, so hosts sit on the lowest ports.
The random generators take a ``seed`` and give the same system for the same
seed on every platform. All of them run in time linear in the size of the
result (the Kleinberg sampling of :func:`small_world_dc` adds a log factor).

:data:`GENERATORS` describes each generator and its parameters, so a command
line can offer ``sendim generate KIND --param value`` without knowing them;
:func:`generate` builds one by kind. Bad parameters raise
:class:`GeneratorError`, which is both an :class:`~sendim.errors.InputError`
(exit code 2 in the CLI) and a :class:`~sendim.errors.ModelError`
(a ``ValueError`` for Python callers).
"""

from sendim.errors import GeneratorError

from .common import link_bandwidth, link_delay
from .datacenter import fat_tree, leaf_spine
from .randomized import random_graph, small_world_dc
from .registry import GENERATORS, GeneratorSpec, Param, generate
from .regular import linear, ring, torus, tree

__all__ = [
    "GENERATORS",
    "GeneratorError",
    "GeneratorSpec",
    "Param",
    "fat_tree",
    "generate",
    "leaf_spine",
    "linear",
    "link_bandwidth",
    "link_delay",
    "random_graph",
    "ring",
    "small_world_dc",
    "torus",
    "tree",
]
