"""Where each model element was declared, compactly, for error messages.

Links, flows, events and exec steps are located by their index in the model's lists, so
their lines live in ``array('I')`` columns (4 bytes each) with a parallel
``array('H')`` of file indexes; nodes are located by id in one dict of packed
integers. A million links cost about 6 MB of location data.
"""

from __future__ import annotations

from array import array

from sendim.errors import Problem
from sendim.model import Finding

_FILE_BITS = 15
NEIGHBOUR = 1 << _FILE_BITS
"""Flag in a link's file column: the link was declared by ``<neighbour>``."""
MAX_FILES = NEIGHBOUR


class Locations:
    """Files, lines and element tags of everything parsed into one system."""

    def __init__(self) -> None:
        self.files: list[str] = []
        self.roots: list[int] = []            # line of each file's root element
        self.nodes: dict[str, int] = {}       # id -> line << 16 | file index
        self.link_lines = array("I")
        self.link_files = array("H")          # file index | NEIGHBOUR flag
        self.flow_lines = array("I")
        self.flow_files = array("H")
        self.event_lines = array("I")
        self.event_files = array("H")
        self.exec_lines = array("I")
        self.exec_files = array("H")
        self.cmd_seqs: dict[str, int] = {}   # composed sequence -> line << 16 | file index
        self.name_file = 0                    # the file that named the system
        self._problems: list[tuple[int, int, int, str]] = []

    # -- recording ----------------------------------------------------------
    def add_file(self, name: str) -> int:
        """Register a file; returns its index."""
        if len(self.files) >= MAX_FILES:
            raise ValueError(f"at most {MAX_FILES} descriptor files")
        self.files.append(name)
        self.roots.append(1)
        return len(self.files) - 1

    def node(self, node_id: str) -> tuple[int, int] | None:
        """(file index, line) of a node, or None."""
        packed = self.nodes.get(node_id)
        return None if packed is None else (packed & 0xFFFF, packed >> 16)

    def cmd_seq(self, name: str) -> tuple[int, int] | None:
        """(file index, line) of a composed sequence, or None."""
        packed = self.cmd_seqs.get(name)
        return None if packed is None else (packed & 0xFFFF, packed >> 16)

    def where(self, file: int, line: int) -> str:
        """``name:line`` of a location, for messages about another element."""
        return f"{self.files[file]}:{line}"

    # -- problems -------------------------------------------------------------
    def report(self, file: int, line: int | None, message: str) -> None:
        """Record a problem at a file index and line."""
        self._problems.append((file, line or 0, len(self._problems), message))

    def report_finding(self, finding: Finding) -> None:
        """Record a model finding at the line of the element it is about."""
        kind, key = finding.ref.kind, finding.ref.key
        file, line, tag = self.name_file, self.roots[self.name_file] if self.roots else 0, "system"
        if kind in ("switch", "host"):
            found = self.node(str(key))
            if found is not None:
                file, line = found
            tag = kind
        elif kind == "cmd-seq":
            found = self.cmd_seq(str(key))
            if found is not None:
                file, line = found
            tag = kind
        elif kind in ("link", "flow", "event", "exec") and isinstance(key, int):
            lines, files = {
                "link": (self.link_lines, self.link_files),
                "flow": (self.flow_lines, self.flow_files),
                "event": (self.event_lines, self.event_files),
                "exec": (self.exec_lines, self.exec_files),
            }[kind]
            if 0 <= key < len(lines):
                packed_file = files[key]
                file, line = packed_file & (NEIGHBOUR - 1), lines[key]
                tag = "neighbour" if packed_file & NEIGHBOUR else kind
            else:
                tag = kind
        self.report(file, line, _phrase(tag, kind, finding.message))

    @property
    def has_problems(self) -> bool:
        return bool(self._problems)

    def problems(self) -> list[Problem]:
        """Every recorded problem, sorted by file (in load order) and line."""
        return [Problem(self.files[f] if self.files else "<input>", line or None, msg)
                for f, line, _, msg in sorted(self._problems)]


def _phrase(tag: str, kind: str, message: str) -> str:
    """``link 'x' refers to...`` → ``<link> 'x' refers to...``."""
    if message.startswith(kind + " "):
        return f"<{tag}> {message[len(kind) + 1:]}"
    return f"<{tag}> {message}"
