"""``sendim convert``: files, stdout, --json, unknown emulators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sendim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DUMBBELL = ROOT / "examples/dumbbell"


def test_convert_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "net.py"
    assert main(["convert", str(DUMBBELL / "system.xml"), "--to", "mininet", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    text = out.read_text()
    compile(text, str(out), "exec")
    assert "'s1-s2', 's1', 's2'" in text                 # readable: one link per line


def test_convert_with_the_deployment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "--deploy", str(DUMBBELL / "emu.xml"), "--json", "--compact",
                 "-o", str(tmp_path / "net.py")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["system"] == "dumbbell" and doc["links"] == 5 and doc["bytes"] > 0
    assert "DATA = json.loads(" in (tmp_path / "net.py").read_text()


def test_convert_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(DUMBBELL / "system.xml")]) == 0
    assert capsys.readouterr().out.startswith("#!/usr/bin/env python3")


def test_unknown_emulator_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(DUMBBELL / "system.xml"), "--to", "ns3"]) == 2
    err = capsys.readouterr().err
    assert 'converter "ns3" is not supported' in err and "mininet" in err
