"""Building systems in Python: the builder, generators and importers."""

from sendim.topology.builder import Topo

__all__ = ["Topo"]
