"""No descriptor can inject code into the generated script or into shell commands.

The model refuses hostile node and flow ids (``check_id``); link ids, system
properties and everything else are still only ever written as literals. To
test the converter on its own, hostile values are put into a System built
directly (bypassing the checks) and the script must carry them verbatim as
data, with the same code as a benign script.
"""

from __future__ import annotations

import ast
import re

import pytest

from converters.mininet import convert, script_data
from converters.mininet_runtime import traffic
from converters.mininet_runtime.network import SAFE_INTF, tc_lines
from sendim.model import Flow, Host, Link, Switch, System
from sendim.model.checks import check_id

HOSTILE = [
    "a'; import os; os.system('touch /tmp/pwned'); '",
    'b"""\nimport os\n"""',
    "c\nimport os",
    "d; rm -rf /",
    "$(touch /tmp/pwned)",
    "`id`",
    "e\\'\\\"",
    "f' + __import__('os').getcwd() + '",
    "x" * 200,
    "ünï\u2028cödé",
]


def _system(node_a: str, node_b: str, link_id: str, flow_id: str, name: str) -> System:
    system = System(name=name)
    system.switches[node_a] = Switch(node_a, dpid=1)
    system.hosts[node_b] = Host(node_b, ip="10.0.0.1/8", mac="00:00:00:00:00:01")
    system.hosts["h2"] = Host("h2", ip="10.0.0.2/8", mac="00:00:00:00:00:02")
    system.links.append(Link(node_b, node_a, 1, 1, bandwidth=10e6, id=link_id))
    system.links.append(Link("h2", node_a, 1, 2, id="h2-sw"))
    system.flows.append(Flow(flow_id, node_b, "h2", size=1000))
    return system


def _data_literal(script: str) -> dict:
    tree = ast.parse(script)
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DATA":
            if isinstance(node.value, ast.Call):          # compact: json.loads('<literal>')
                import json
                return json.loads(ast.literal_eval(node.value.args[0]))
            return ast.literal_eval(node.value)
    raise AssertionError("no DATA")


def _shape(script: str) -> list[str]:
    """The script's code with every constant blanked: what would run."""
    class Blank(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant) -> ast.AST:
            return ast.Constant(value=None)
    return [ast.dump(Blank().visit(node)) for node in ast.parse(script).body]


@pytest.mark.parametrize("value", HOSTILE)
def test_the_model_refuses_hostile_ids(value: str) -> None:
    assert check_id(value) is not None


@pytest.mark.parametrize("readable", [True, False])
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_stay_data(value: str, readable: bool) -> None:
    benign = convert(_system("sw", "h1", "l1", "f1", "benign"), readable=readable)
    script = convert(_system(value, value + "h", value + "l", value + "f", value),
                     readable=readable)
    assert _shape(script) == _shape(benign)         # same code, only data differs
    data = _data_literal(script)
    assert data["system"] == value
    assert data["switches"][0][0] == value and data["hosts"][0][0] == value + "h"
    assert data["links"][0][0] == value + "l" and data["flows"][0]["id"] == value + "f"
    header = script.split("\nDATA = ")[0]
    for line in header.splitlines():          # the name appears once, as a repr in a comment
        if value[:8] in line:
            assert line.startswith("# system: ")


@pytest.mark.parametrize("value", HOSTILE)
def test_names_used_by_mininet_and_shells_are_safe(value: str) -> None:
    data = script_data(_system(value, value + "h", "l1", "f1", "x"))
    for row in data["switches"] + data["hosts"]:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,9}", row[1])
    for row in data["links"]:
        assert SAFE_INTF.fullmatch(row[5]) and SAFE_INTF.fullmatch(row[6])


def test_runtime_commands_are_argument_lists() -> None:
    flow = {"id": "f'; id", "protocol": "tcp", "traffic": "bulk", "size": 10, "duration": None,
            "rate": None, "packet_size": 1500, "interval": None, "server_port": 5201,
            "client_port": 40001}
    argv, _ = traffic.client_argv(flow, "10.0.0.2")
    assert all(isinstance(a, str) for a in argv) and "f'; id" not in argv
    loop = traffic.pingall_argv(["10.0.0.2", "$(id)"], 5)
    assert loop[:2] == ["sh", "-c"] and loop[-1] == "$(id)" and "$(id)" not in loop[2]
    with pytest.raises(ValueError):
        tc_lines("s1-eth1; reboot", 1e6, 0, 0, None, False)
