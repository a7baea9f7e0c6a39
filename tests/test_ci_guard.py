"""The suite-wide CI rule in tests/conftest.py: skips fail under CI=true."""

from pathlib import Path

pytest_plugins = ["pytester"]

GUARD = (Path(__file__).parent / "conftest.py").read_text()
INNER = """
import pytest

def test_needs_a_component():
    pytest.skip("component missing")

@pytest.mark.may_skip
def test_depends_on_the_machine():
    pytest.skip("machine busy")
"""


def _run(pytester, monkeypatch, ci: str):
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest(GUARD)
    pytester.makeini("[pytest]\nmarkers =\n    may_skip: test\n")
    pytester.makepyfile(INNER)
    return pytester.runpytest_subprocess("-q")


def test_in_ci_a_skip_fails_unless_marked(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, "true")
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*counts as a failure: Skipped: component missing*"])


def test_outside_ci_skips_stay_skips(pytester, monkeypatch):
    _run(pytester, monkeypatch, "").assert_outcomes(skipped=2)
