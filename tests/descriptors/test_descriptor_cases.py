"""Bad descriptors under ``cases/<case>/`` and the problems they must report.

Each case folder holds the bad file(s) and ``expected.txt``, one line per
problem: ``<file basename>:<line>: <substring of the message>``. A case with
``deployment.xml`` is loaded with :func:`load` (the deployment and its
systems); otherwise every ``*.xml`` file is loaded as one system, in name
order. Every expected problem must be reported, and nothing else.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sendim.errors import DescriptorError, Problem
from sendim.parser import load, load_system

CASES = Path(__file__).parent / "cases"
_EXPECTED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d*): (?P<message>.+)$")


def _expected(case: Path) -> list[tuple[str, int | None, str]]:
    out = []
    for text in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
        if not text.strip():
            continue
        m = _EXPECTED.match(text)
        assert m, f"{case.name}/expected.txt: bad line {text!r}"
        out.append((m["file"], int(m["line"]) if m["line"] else None, m["message"]))
    return out


def _problems(case: Path) -> list[Problem]:
    """Load the case from inside its folder, so messages name bare files."""
    cwd = os.getcwd()
    os.chdir(case)
    try:
        if (case / "deployment.xml").exists():
            load(None, "deployment.xml")
        else:
            load_system(sorted(p.name for p in case.glob("*.xml")))
    except DescriptorError as exc:
        return exc.problems
    finally:
        os.chdir(cwd)
    pytest.fail(f"case {case.name} loaded without any problem")


_CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())
_EXPECTATIONS = [(case, i, exp) for case in _CASE_DIRS for i, exp in enumerate(_expected(case))]


@pytest.fixture(scope="module")
def reported() -> dict[str, list[Problem]]:
    return {}


def _reported(cache: dict[str, list[Problem]], case: Path) -> list[Problem]:
    if case.name not in cache:
        cache[case.name] = _problems(case)
    return cache[case.name]


@pytest.mark.parametrize(("case", "index", "expected"), _EXPECTATIONS,
                         ids=[f"{c.name}-{i + 1}" for c, i, _ in _EXPECTATIONS])
def test_expected_problem_is_reported(case: Path, index: int, expected: tuple,
                                      reported: dict[str, list[Problem]]) -> None:
    file, line, message = expected
    problems = _reported(reported, case)
    matches = [p for p in problems
               if Path(p.file).name == file and p.line == line and message in p.message]
    assert matches, (f"expected {file}:{line}: {message!r}\nreported:\n"
                     + "\n".join(str(p) for p in problems))


@pytest.mark.parametrize("case", _CASE_DIRS, ids=[c.name for c in _CASE_DIRS])
def test_nothing_else_is_reported(case: Path, reported: dict[str, list[Problem]]) -> None:
    problems = _reported(reported, case)
    expected = _expected(case)
    assert len(problems) == len(expected), "\n".join(str(p) for p in problems)
    # reported in file order, then line order
    assert [Path(p.file).name for p in problems] == [f for f, _, _ in expected]


def test_every_case_has_a_bad_file_and_expectations() -> None:
    assert len(_CASE_DIRS) >= 23
    for case in _CASE_DIRS:
        assert list(case.glob("*.xml")), case.name
        assert _expected(case), case.name


def test_error_names_every_problem_in_its_message(reported: dict[str, list[Problem]]) -> None:
    problems = _reported(reported, CASES / "several_errors")
    with pytest.raises(DescriptorError) as info:
        load_system(CASES / "several_errors" / "system.xml")
    lines = str(info.value).splitlines()
    assert len(problems) >= 8
    assert len(lines) == len(info.value.problems) == len(problems)
    for text, p in zip(lines, info.value.problems):
        assert text.endswith(f"system.xml:{p.line}: {p.message}")


def test_missing_file_is_a_descriptor_error(tmp_path: Path) -> None:
    good = CASES.parent / "cases" / "link_to_self" / "system.xml"
    with pytest.raises(DescriptorError) as info:
        load_system([good, tmp_path / "nope.xml"])
    assert [(Path(p.file).name, p.line) for p in info.value.problems] == [("nope.xml", None)]
    assert "file not found" in info.value.problems[0].message


def test_missing_deployment_file_is_a_descriptor_error(tmp_path: Path) -> None:
    with pytest.raises(DescriptorError, match="nope.xml: file not found"):
        load(None, tmp_path / "nope.xml")
