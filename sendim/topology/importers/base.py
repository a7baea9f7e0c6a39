"""What every importer shares: the result type, id sanitising, host attachment."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sendim.errors import TopologyImportError
from sendim.model import Host, Link, System, check, check_id, resolve

_INVALID = re.compile(r"[^A-Za-z0-9_.\-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(slots=True)
class ImportResult:
    """An imported, resolved and checked system plus notes for a human.

    ``notes`` say what the importer had to decide: defaults used, edges
    merged or dropped, names changed, parts of the graph not connected...
    """

    system: System
    notes: list[str] = field(default_factory=list)
    format: str = ""


def sanitize_id(text: str, fallback: str = "n") -> str:
    """A valid model id resembling *text*: ``"Zürich (ZH)"`` → ``"Zurich_ZH"``.

    Accents are folded to ASCII, every run of other characters becomes
    ``_``, an id not starting with a letter or ``_`` gets *fallback* in
    front and the result is cut to 60 characters (room for a ``_N`` suffix).
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ident = _INVALID.sub("_", ascii_text).strip("_.-")
    if not ident:
        ident = fallback
    elif not (ident[0].isalpha() or ident[0] == "_"):
        ident = fallback + ident
    return ident[:60]


class UniqueIds:
    """Hands out sanitized ids, suffixing ``_2``, ``_3``… on collisions."""

    def __init__(self, taken: set[str] | None = None):
        self.taken: set[str] = set() if taken is None else taken

    def take(self, text: str) -> str:
        base = sanitize_id(text)
        ident, n = base, 1
        while ident in self.taken:
            n += 1
            ident = f"{base}_{n}"
        self.taken.add(ident)
        return ident


def clean_value(value: object) -> str:
    """A property value as text without characters XML cannot carry."""
    return _CONTROL.sub("", str(value))


def attach_hosts(system: System, per_switch: int, switch_ids: list[str] | None = None) -> int:
    """Attach *per_switch* new hosts to each switch (in order); returns how many.

    Hosts are named ``h1, h2…`` skipping ids in use; each host link is
    declared with the host first and before the switch's other links, so
    hosts take the lowest switch ports. Host links are unlimited and
    without delay.
    """
    if per_switch <= 0:
        return 0
    counter, added = 0, []
    for sid in switch_ids if switch_ids is not None else list(system.switches):
        for _ in range(per_switch):
            counter += 1
            while system.has_node(f"h{counter}"):
                counter += 1
            hid = f"h{counter}"
            system.hosts[hid] = Host(hid)
            added.append(Link(hid, sid))
    system.links[:0] = added
    return len(added)


def finish(system: System, notes: list[str], fmt: str, source: str) -> ImportResult:
    """Resolve and check *system*; a failed check raises TopologyImportError."""
    resolve(system)
    findings = check(system)
    if findings:
        shown = "\n  ".join(f.message for f in findings[:20])
        more = f"\n  ... and {len(findings) - 20} more" if len(findings) > 20 else ""
        raise TopologyImportError(f"{source}: the imported topology is not valid:\n  {shown}{more}")
    return ImportResult(system, notes, fmt)


def system_name(name: str | None, fallback: str) -> str:
    """*name* if given (it must be a valid id), else *fallback* sanitized."""
    if name is not None:
        if (why := check_id(name)):
            raise TopologyImportError(f"system name: {why}")
        return name
    return sanitize_id(fallback, "topo")
