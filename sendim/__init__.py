"""sendim: build software-defined networks incrementally.

Simulate first, emulate next, deploy last, with the same system descriptors
and the same unmodified Ryu controller apps.
"""

__version__ = "0.1.0"

from sendim.errors import (  # noqa: E402
    DescriptorError,
    InputError,
    ModelError,
    SendimError,
)
from sendim.topology.builder import Topo  # noqa: E402
from sendim.api import run  # noqa: E402

__all__ = ["DescriptorError", "InputError", "ModelError", "SendimError", "Topo", "__version__", "run"]
