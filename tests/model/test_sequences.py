"""Command sequences in the model: expansion order, composition, checks, the builder."""

from __future__ import annotations

import pytest

from sendim.errors import InputError, ModelError
from sendim.model import Exec, check, sequence_names, steps
from sendim.model.stats import summarize
from sendim.topology.builder import Topo


def _topo() -> Topo:
    t = Topo("seq")
    t.add_switch("s1")
    for h in ("h1", "h2"):
        t.add_host(h)
        t.add_link(h, "s1")
    return t


def test_a_sequence_is_its_steps_in_declaration_order() -> None:
    t = _topo()
    t.add_exec("h2", "echo one", "start")
    t.add_exec("h1", "echo two", "start, test", timeout="2s")
    t.add_exec("s1", "echo three", ["test"], wait=False)
    t.add_exec("h1", "echo four", "start")
    t.add_cmd_seq("all", ["test", "start"])
    system = t.build_system()
    assert [x.command for x in steps(system, "start")] == ["echo one", "echo two", "echo four"]
    assert [x.command for x in steps(system, "test")] == ["echo two", "echo three"]
    assert [x.command for x in steps(system, "all")] == [
        "echo two", "echo three", "echo one", "echo two", "echo four"]
    assert steps(system, "test")[0].timeout == 2.0 and steps(system, "test")[1].wait is False
    assert sequence_names(system) == ["start", "test", "all"]
    assert summarize(system)["sequences"] == {"start": 3, "test": 2, "all": 5}
    assert system.summary()["execs"] == 4


def test_an_unknown_sequence_names_the_known_ones() -> None:
    t = _topo()
    t.add_exec("h1", "true", "start")
    with pytest.raises(InputError, match=r"no command sequence 'stat' \(its sequences: start\)"):
        steps(t.build_system(), "stat")


def test_composed_sequences_nest() -> None:
    t = _topo()
    t.add_exec("h1", "a", "a")
    t.add_exec("h2", "b", "b")
    t.add_cmd_seq("ab", ["a", "b"])
    t.add_cmd_seq("twice", ["ab", "ab"])
    assert [x.command for x in steps(t.build_system(), "twice")] == ["a", "b", "a", "b"]


@pytest.mark.parametrize("bad, message", [
    (Exec("h9", ("start",), "true"), "exec refers to unknown node 'h9'"),
    (Exec("h1", ("no way",), "true"), "exec sequence name 'no way' is not allowed"),
    (Exec("h1", (), "true"), "exec names no sequence"),
    (Exec("h1", ("start",), "  "), "exec in 'h1': the command is empty"),
    (Exec("h1", ("start",), "a\x00b"), "the command contains a NUL byte"),
    (Exec("h1", ("start",), "true", timeout=0.0), "timeout must be positive"),
])
def test_bad_steps_are_found(bad: Exec, message: str) -> None:
    t = _topo()
    system = t.build_system()
    system.execs.append(bad)
    findings = check(system)
    assert [f.ref.kind for f in findings] == ["exec"] and message in findings[0].message
    assert findings[0].ref.key == 0


def test_bad_compositions_are_found() -> None:
    t = _topo()
    t.add_exec("h1", "true", "start")
    system = t.build_system()
    system.cmd_seqs.update({"start": ("start",), "all": ("start", "later"),
                            "x": ("y",), "y": ("x",), "none": ()})
    messages = sorted(f.message for f in check(system))
    assert "cmd-seq 'start' is also the name of an <exec> sequence; a name means one or the other" in messages
    assert "cmd-seq 'all' refers to unknown sequence 'later'" in messages
    assert "cmd-seq forms a cycle: x -> y -> x" in messages
    assert "cmd-seq 'none' lists no sequence" in messages
    with pytest.raises(InputError, match="cycle: x -> y -> x"):
        steps(system, "x")


def test_the_builder_refuses_a_second_cmd_seq_and_reports_bad_steps() -> None:
    t = _topo()
    t.add_cmd_seq("all", ["a"])
    with pytest.raises(ModelError, match="already declared"):
        t.add_cmd_seq("all", ["b"])
    t.add_exec("h7", "true", "a")
    with pytest.raises(ModelError, match="exec refers to unknown node 'h7'"):
        t.build_system()
