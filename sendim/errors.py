"""The one exception tree of sendim.

Everything sendim raises on purpose derives from :class:`SendimError`, so a
caller can catch that one class. The CLI maps :class:`InputError` (and its
subclasses) to exit code 2 and every other :class:`SendimError` to exit 1.

    SendimError
    ├── InputError              bad input from the user (exit code 2)
    │   ├── DescriptorError     XML descriptors: syntax, schema, semantics
    │   ├── UnitError           a value such as "10Mbps" that does not parse
    │   └── TopologyImportError a topology file that cannot be imported
    ├── ModelError              an inconsistent model built in Python
    │   └── GeneratorError      a bad generator/importer parameter (also InputError)
    ├── SimulationError         the simulator failed or had to stop
    ├── DeploymentError         a deployer could not realise the system
    │   └── EmulationError      Mininet/OVS/controller failures
    ├── StoreError              the state store failed
    │   ├── StoreConflict       a compare-and-set lost against another writer
    │   └── StoreLockTimeout    a lock was not acquired in time
    └── RegistryError           an unknown backend kind was asked for
"""

from __future__ import annotations

from dataclasses import dataclass


class SendimError(Exception):
    """Base class of every error sendim raises on purpose."""


class InputError(SendimError):
    """The user's input is wrong; the CLI exits with code 2."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a descriptor, located by file and line."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


class DescriptorError(InputError):
    """One or more problems in descriptors; all of them are reported at once."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("<input>", None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnitError(InputError, ValueError):
    """A quantity such as ``10Mbps`` or ``5ms`` could not be understood."""


class TopologyImportError(InputError):
    """A topology file (GraphML, GML, Mininet Topo) could not be imported."""


class ModelError(SendimError, ValueError):
    """A model built in Python is inconsistent (unknown node, duplicate id...)."""


class GeneratorError(InputError, ModelError):
    """A generator or importer was given a bad parameter value."""


class SimulationError(SendimError):
    """The simulator failed or had to stop (e.g. a broadcast storm)."""


class DeploymentError(SendimError):
    """A deployer could not realise the system."""


class EmulationError(DeploymentError):
    """Mininet, Open vSwitch or the controller process failed."""


class StoreError(SendimError):
    """The state store (local or ZooKeeper) failed."""


class StoreConflict(StoreError):
    """A compare-and-set failed: the key was changed (or created) by someone else."""


class StoreLockTimeout(StoreError):
    """A lock could not be acquired within the timeout."""


class RegistryError(InputError, KeyError):
    """An unknown backend kind was asked for; the message names the known ones."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""
