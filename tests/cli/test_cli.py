"""The command line: exit codes, --json, messages a newcomer understands."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sendim.cli.main import main
from sendim.parser import load_system

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_good_files(capsys):
    code, out, _ = run_cli(capsys, "validate", str(EXAMPLES / "dumbbell" / "system.xml"))
    assert code == 0
    assert "'dumbbell' is valid" in out


def test_validate_deployment_checks_the_systems_it_names(capsys):
    code, out, _ = run_cli(capsys, "validate", "--json", str(EXAMPLES / "link_failure" / "sim.xml"))
    doc = json.loads(out)
    assert code == 0 and doc["ok"] is True
    assert doc["summary"]["events"] == 2


def test_validate_bad_file_exits_2_with_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.xml"
    bad.write_text('<system name="b">\n  <switch id="s1"/>\n  <link src="s1" dst="s9"/>\n</system>\n')
    code, _, err = run_cli(capsys, "validate", str(bad))
    assert code == 2
    assert "bad.xml:3:" in err and "s9" in err
    assert "Traceback" not in err


def test_validate_bad_file_json(tmp_path, capsys):
    bad = tmp_path / "bad.xml"
    bad.write_text('<system name="b">\n  <switch id="s1"/>\n  <switch id="s1"/>\n</system>\n')
    code, out, _ = run_cli(capsys, "validate", "--json", str(bad))
    doc = json.loads(out)
    assert code == 2 and doc["ok"] is False
    assert doc["problems"][0]["line"] == 3


def test_missing_file_exits_2(capsys):
    code, _, err = run_cli(capsys, "validate", "/nonexistent/system.xml")
    assert code == 2 and "nonexistent" in err


def test_generate_writes_a_loadable_system(tmp_path, capsys):
    out_file = tmp_path / "ft.xml"
    code, out, _ = run_cli(capsys, "generate", "fat-tree", "--k", "4", "-o", str(out_file))
    assert code == 0 and "wrote" in out
    system = load_system(out_file)
    assert system.summary()["switches"] == 20 and system.summary()["hosts"] == 16


@pytest.mark.parametrize("argv,switches", [
    (["linear", "--n", "5"], 5),
    (["tree", "--depth", "2", "--fanout", "3"], 4),
    (["random", "--nodes", "50", "--degree", "4", "--seed", "1"], 50),
])
def test_generate_kinds_json(capsys, argv, switches):
    code, out, _ = run_cli(capsys, "generate", *argv, "--json")
    assert code == 0
    assert json.loads(out)["summary"]["switches"] == switches


def test_generate_unknown_kind_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["generate", "moebius"])
    assert info.value.code == 2
    assert "fat-tree" in capsys.readouterr().err


def test_generate_bad_parameter_exits_2(capsys):
    code, _, err = run_cli(capsys, "generate", "fat-tree", "--k", "3")
    assert code == 2 and "k" in err and "Traceback" not in err


def test_import_topology_zoo_and_show(tmp_path, capsys):
    zoo = ROOT.parent / "shared" / "data" / "topologyzoo" / "Abilene.graphml"
    out_file = tmp_path / "abilene.xml"
    code, out, _ = run_cli(capsys, "import", str(zoo), "-o", str(out_file), "--json")
    assert code == 0 and json.loads(out)["summary"]["switches"] == 11
    code, out, _ = run_cli(capsys, "show", str(out_file), "--json")
    summary = json.loads(out)
    assert code == 0
    assert summary["switches"] == 11 and summary["hosts"] == 11 and summary["components"] == 1
    assert summary["diameter"] >= 1


def test_show_human_summary(tmp_path, capsys):
    out_file = tmp_path / "ring.xml"
    run_cli(capsys, "generate", "ring", "--n", "6", "-o", str(out_file))
    code, out, _ = run_cli(capsys, "show", str(out_file))
    assert code == 0
    assert "switches    6" in out and "diameter    3 switch hops" in out


def test_no_command_exits_2(capsys):
    assert main([]) == 2


def test_console_script_is_installed():
    exe = shutil.which("sendim", path=str(Path(sys.executable).parent)) or shutil.which("sendim")
    assert exe, "the sendim console script is not installed"
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("sendim ")
