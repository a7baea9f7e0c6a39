"""Command sequences: VNX's ``<exec seq=...>`` steps and ``<cmd-seq>`` compositions.

A sequence name selects, in declaration order, every :class:`~sendim.model.Exec`
that lists it; a composed sequence (``System.cmd_seqs``) runs other
sequences one after the other. :func:`steps` expands a name into the
commands to run; :func:`check_sequences` finds what is wrong with a
system's sequences, linear in their number.
"""

from __future__ import annotations

import re

from sendim.errors import InputError
from sendim.model.system import Exec, System

BOOT_SEQUENCE = "on_boot"
"""Run by ``sendim up`` once the network is up (as VNX runs it at boot)."""

SEQ_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")


def check_seq_name(name: str) -> str | None:
    """Why *name* is not a valid sequence name, or None."""
    if not SEQ_RE.match(name):
        return (f"sequence name {name!r} is not allowed: use letters, digits, '_', '-' or "
                f"'.', starting with a letter or '_', at most 64 characters")
    return None


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


def check_sequences(system: System) -> list[tuple[str, str | int, str]]:
    """Problems of *system*'s sequences as (kind, key, message).

    Kind ``exec`` has the step's index as key, kind ``cmd-seq`` the composed
    sequence's name.
    """
    out: list[tuple[str, str | int, str]] = []
    exec_seqs: set[str] = set()
    for i, step in enumerate(system.execs):
        if not system.has_node(step.node):
            out.append(("exec", i, f"exec refers to unknown node {step.node!r}"))
        if not step.seqs:
            out.append(("exec", i, "exec names no sequence"))
        for seq in step.seqs:
            if (why := check_seq_name(seq)):
                out.append(("exec", i, "exec " + why))
            exec_seqs.add(seq)
        if not step.command.strip():
            out.append(("exec", i, f"exec in {step.node!r}: the command is empty"))
        elif "\x00" in step.command:
            out.append(("exec", i, f"exec in {step.node!r}: the command contains a NUL byte"))
        if step.timeout is not None and not step.timeout > 0:
            out.append(("exec", i, f"exec in {step.node!r}: timeout must be positive"))
    for name, parts in system.cmd_seqs.items():
        if (why := check_seq_name(name)):
            out.append(("cmd-seq", name, "cmd-seq " + why))
        if name in exec_seqs:
            out.append(("cmd-seq", name, f"cmd-seq {name!r} is also the name of an <exec> "
                                         f"sequence; a name means one or the other"))
        if not parts:
            out.append(("cmd-seq", name, f"cmd-seq {name!r} lists no sequence"))
        for part in parts:
            if part not in exec_seqs and part not in system.cmd_seqs:
                out.append(("cmd-seq", name, f"cmd-seq {name!r} refers to unknown sequence "
                                             f"{part!r}"))
    out.extend(("cmd-seq", name, message) for name, message in _cycles(system))
    return out


def _cycles(system: System) -> list[tuple[str, str]]:
    """One problem per composed sequence that starts a cycle (iterative DFS)."""
    graph = system.cmd_seqs
    state: dict[str, int] = {}          # 1 = on the current path, 2 = done
    found: list[tuple[str, str]] = []
    for root in graph:
        if state.get(root):
            continue
        path: list[str] = [root]
        todo: list[list[str]] = [list(graph[root])]
        state[root] = 1
        while path:
            if not todo[-1]:
                state[path.pop()] = 2
                todo.pop()
                continue
            nxt = todo[-1].pop(0)
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                found.append((nxt, "cmd-seq forms a cycle: " + " -> ".join(cycle)))
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                todo.append(list(graph[nxt]))
    return found
