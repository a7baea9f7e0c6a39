import pytest

from sendim.errors import InputError, RegistryError
from sendim.registry import DEPLOYERS, Registry


def test_unknown_kind_names_supported_kinds():
    with pytest.raises(RegistryError) as info:
        DEPLOYERS.get("quantum")
    msg = str(info.value)
    assert 'deployer "quantum" is not supported' in msg
    assert "simulation" in msg
    assert isinstance(info.value, InputError)


def test_registry_loads_builtin_lazily():
    reg = Registry("thing", "sendim.tests.none", {"path": "os.path:join"})
    import os.path
    assert reg.get("path") is os.path.join
    assert reg.kinds() == ["path"]
