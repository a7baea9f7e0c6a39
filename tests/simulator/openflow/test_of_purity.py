"""The data plane and codec are pure Python: no simpy, no ryu."""

import ast
import pathlib
import subprocess
import sys

import sendim.simulator.openflow as of
import sendim.simulator.packets as packets

FORBIDDEN = {"simpy", "ryu", "os_ken", "eventlet"}


def _modules():
    yield from sorted(pathlib.Path(packets.__file__).parent.glob("*.py"))
    yield from sorted(pathlib.Path(of.__file__).parent.glob("*.py"))


def test_sources_import_neither_simpy_nor_ryu():
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for n in names:
                assert n.split(".")[0] not in FORBIDDEN, (path.name, n)


def test_openflow_modules_stay_small():
    for path in _modules():
        assert len(path.read_text().splitlines()) < 420, path.name


def test_importing_loads_no_backend():
    code = ("import sys, sendim.simulator.packets, sendim.simulator.openflow.datapath;"
            "print(sorted({m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(out.stdout))
    # sendim.simulator/__init__ belongs to the engine and may import simpy; we must not add ryu.
    assert not loaded & {"ryu", "os_ken", "eventlet"}
