"""Command sequences: VNX's ``<exec seq=...>`` steps and ``<cmd-seq>`` compositions.

A sequence name selects, in declaration order, every :class:`~sendim.model.Exec`
that lists it; a composed sequence (``System.cmd_seqs``) runs other
sequences one after the other. :func:`steps` expands a name into the
commands to run (what is wrong with a system's sequences is found by
:func:`sendim.model.check`).
"""

from __future__ import annotations

from sendim.errors import InputError
from sendim.model.system import Exec, System

BOOT_SEQUENCE = "on_boot"
"""Run by ``sendim up`` once the network is up (as VNX runs it at boot)."""

def seq_list(text: str) -> tuple[str, ...]:
    """``"start, test"`` → ``("start", "test")``: the comma list of ``seq`` and ``<cmd-seq>``."""
    return tuple(part.strip() for part in text.split(","))


def sequence_names(system: System) -> list[str]:
    """Every sequence name *system* declares, in order of first declaration."""
    seen: dict[str, None] = {}
    for step in system.execs:
        for seq in step.seqs:
            seen.setdefault(seq, None)
    for name in system.cmd_seqs:
        seen.setdefault(name, None)
    return list(seen)


def steps(system: System, name: str) -> list[Exec]:
    """The commands sequence *name* runs, in order (composed sequences expanded).

    Raises :class:`~sendim.errors.InputError` naming the declared sequences
    when *name* is not one of them.
    """
    by_seq: dict[str, list[Exec]] = {}
    for step in system.execs:
        for seq in step.seqs:
            by_seq.setdefault(seq, []).append(step)
    if name not in by_seq and name not in system.cmd_seqs:
        known = ", ".join(sequence_names(system)) or "none"
        raise InputError(f"system {system.name} has no command sequence {name!r} "
                         f"(its sequences: {known})")
    out: list[Exec] = []
    _expand(system, by_seq, name, out, ())
    return out


def _expand(system: System, by_seq: dict[str, list[Exec]], name: str, out: list[Exec],
            stack: tuple[str, ...]) -> None:
    if name in stack:
        raise InputError("command sequences form a cycle: " + " -> ".join((*stack, name)))
    parts = system.cmd_seqs.get(name)
    if parts is None:
        out.extend(by_seq.get(name, ()))
        return
    for part in parts:
        _expand(system, by_seq, part, out, (*stack, name))
