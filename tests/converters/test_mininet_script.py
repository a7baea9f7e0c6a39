"""The Mininet converter: golden scripts, names, layout, linear data."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from converters.mininet import (
    IFNAMSIZ, MininetConverter, convert, intf_name, mininet_names, script_data)
from converters.mininet_runtime import embedded_source
from sendim.errors import InputError
from sendim.model import Deployment
from sendim.parser import load_system
from sendim.registry import CONVERTERS
from sendim.topology import generators

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SENDIM_UPDATE_GOLDEN") == "1"
RUNTIME_MARK = "# ---- runtime: flowtables"

CASES = {
    "dumbbell": [ROOT / "examples/dumbbell/system.xml"],
    "link_failure": [ROOT / "examples/link_failure/system.xml"],
    "fat_tree": [ROOT / "examples/fat_tree/system.xml", ROOT / "examples/fat_tree/flows.xml"],
}


def data_part(script: str) -> str:
    """Header and data: everything before the (fixed) runtime."""
    return script[:script.index(RUNTIME_MARK)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    script = convert(load_system([str(p) for p in CASES[case]]))
    golden = GOLDEN / f"{case}.py.txt"
    if UPDATE:
        golden.write_text(data_part(script))
    assert data_part(script) == golden.read_text(), (
        f"{golden.name} differs; regenerate with SENDIM_UPDATE_GOLDEN=1 if intended")


def test_runtime_is_embedded_verbatim_and_script_compiles() -> None:
    script = convert(load_system(str(CASES["dumbbell"][0])))
    assert embedded_source() in script
    assert "# runtime: local" not in script
    compile(script, "net.py", "exec")
    assert script.startswith("#!/usr/bin/env python3\n")
    assert script.rstrip().endswith("sys.exit(main())")


def test_registered_and_deterministic() -> None:
    system = load_system(str(CASES["fat_tree"][0]))
    conv = CONVERTERS.get("mininet")()
    assert isinstance(conv, MininetConverter)
    assert conv.convert(system) == conv.convert(load_system(str(CASES["fat_tree"][0])))


def test_write_makes_an_executable(tmp_path: Path) -> None:
    path = MininetConverter().write(load_system(str(CASES["dumbbell"][0])), tmp_path / "net.py")
    assert os.access(path, os.X_OK)
    assert "sudo /usr/bin/python3 net.py" in path.read_text()


def test_readable_and_compact_carry_the_same_data() -> None:
    system = generators.fat_tree(4, bw="10Mbps")
    readable = convert(system, readable=True)
    compact = convert(system, readable=False)
    assert "json.loads(" in compact and "json.loads(" not in data_part(readable)

    def data(script: str) -> dict:
        namespace: dict = {}
        exec(compile(data_part(script).replace("from __future__ import annotations", ""),
                     "data", "exec"), namespace)
        return namespace["DATA"]

    assert data(readable) == data(compact) == script_data(system)


def test_deployment_options_reach_the_script() -> None:
    system = load_system(str(CASES["dumbbell"][0]))
    dep = Deployment(options={"datapath": "kernel"}, settle=2.0, duration=30.0)
    dep.controller.port = 6999
    data = script_data(system, dep)
    assert data["datapath"] == "kernel" and data["controller"] == ["127.0.0.1", 6999]
    assert data["settle"] == 2.0 and data["duration"] == 30.0
    with pytest.raises(InputError, match="datapath"):
        script_data(system, Deployment(options={"datapath": "netdev; rm -rf /"}))


def test_names_keep_plain_ids_and_map_the_rest() -> None:
    ids = [("s1", "s"), ("core_switch_number_1", "s"), ("s2", "s"), ("eth0", "s"),
           ("h1", "h"), ("host.with.dots", "h"), ("h-2", "h"), ("c0", "h"), ("S1", "s")]
    names = mininet_names(ids)
    assert names["s1"] == "s1" and names["s2"] == "s2" and names["h1"] == "h1"
    assert names["core_switch_number_1"] == "s3"      # s1, s2 taken: next free
    assert names["eth0"] == "s4"                       # would clash with a real interface
    assert names["host.with.dots"] == "h2" and names["h-2"] == "h3" and names["c0"] == "h4"
    assert names["S1"] == "s5"                         # case-insensitive clash with s1
    assert len(set(names.values())) == len(names)
    assert mininet_names(ids) == names                 # deterministic


def test_interface_names_fit_linux() -> None:
    assert intf_name("s1", 3, 1) == "s1-eth3"
    long = intf_name("abcdefghij", 4000000000, 7)
    assert long == "abcdefghij-p7" and len(long) <= IFNAMSIZ
    system = generators.fat_tree(4)
    data = script_data(system)
    intfs = [n for row in data["links"] for n in row[5:7]]
    assert len(intfs) == len(set(intfs)) and max(map(len, intfs)) <= IFNAMSIZ


def test_flow_ports_are_unique_per_host() -> None:
    system = load_system([str(p) for p in CASES["fat_tree"]])
    data = script_data(system)
    seen_server, seen_client = set(), set()
    for flow in data["flows"]:
        assert (flow["dst"], flow["server_port"]) not in seen_server
        assert (flow["src"], flow["client_port"]) not in seen_client
        seen_server.add((flow["dst"], flow["server_port"]))
        seen_client.add((flow["src"], flow["client_port"]))


def test_script_top_level_is_fixed() -> None:
    """Data, then definitions only: nothing runs at import but the final guard."""
    tree = ast.parse(convert(generators.linear(3)))
    kinds = {type(node).__name__ for node in tree.body}
    assert kinds <= {"Expr", "ImportFrom", "Import", "Assign", "AnnAssign", "FunctionDef",
                     "ClassDef", "If"}
    assert isinstance(tree.body[-1], ast.If)


def test_size_grows_linearly() -> None:
    small, big = generators.linear(500), generators.linear(5000)
    runtime = len(embedded_source())
    a = len(convert(small, readable=False)) - runtime
    b = len(convert(big, readable=False)) - runtime
    assert 9 < b / a < 11
