"""sendim.model is the spec: it must stay free of backends."""

import json
import subprocess
import sys

FORBIDDEN = {"simpy", "ryu", "os_ken", "mininet", "docker", "fabric", "kazoo",
             "paramiko", "eventlet", "lxml"}


def _modules_after_import(module: str) -> set[str]:
    code = ("import json, sys; import " + module +
            "; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return set(json.loads(out.stdout))


def test_model_imports_only_stdlib_and_networkx():
    loaded = _modules_after_import("sendim.model")
    assert not loaded & FORBIDDEN
    # Import hooks of the installer (editable finder, setuptools' distutils hack,
    # certifi via pth files) are not ours; everything else is stdlib or networkx.
    foreign = {m for m in loaded if m not in sys.stdlib_module_names
               and not m.startswith(("__editable__", "_distutils_hack"))
               and m not in {"__main__", "certifi"}}
    assert foreign <= {"sendim", "networkx"}, foreign


def test_builder_and_stats_stay_light():
    loaded = _modules_after_import("sendim.topology.builder, sendim.model.stats")
    assert not loaded & FORBIDDEN
