"""Hostile descriptors: DTDs, entities, external resources are refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sendim.errors import DescriptorError
from sendim.parser import load, load_system, parse_system_string
from sendim.parser.safe import DOCTYPE_MESSAGE

SECRET = "sendim-secret-3f9a"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _refused(load_it) -> DescriptorError:
    with pytest.raises(DescriptorError) as info:
        load_it()
    return info.value


def test_xxe_is_refused_and_leaks_nothing(secret_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE system [\n'
                    f'  <!ENTITY s SYSTEM "file://{secret_file}">\n]>\n'
                    f'<system name="x"><property name="p" value="&s;"/></system>\n')
    error = _refused(lambda: load_system(path))
    assert [(p.line, p.message) for p in error.problems] == [(2, DOCTYPE_MESSAGE)]
    assert SECRET not in str(error)


def test_billion_laughs_is_refused_quickly() -> None:
    entities = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 12))
    text = f'<!DOCTYPE s [<!ENTITY l0 "lol">{entities}]>\n<system name="&l11;"/>'
    start = time.perf_counter()
    error = _refused(lambda: parse_system_string(text, "laughs.xml"))
    assert time.perf_counter() - start < 2
    assert str(error) == f"laughs.xml:1: {DOCTYPE_MESSAGE}"


def test_entity_in_content_is_refused(secret_file: Path) -> None:
    text = (f'<!DOCTYPE system [<!ENTITY s SYSTEM "file://{secret_file}">]>'
            f'<system name="x"><switch id="s1">&s;</switch></system>')
    error = _refused(lambda: parse_system_string(text))
    assert SECRET not in str(error)
    assert "DOCTYPE" in str(error)


def test_external_dtd_is_refused_without_network() -> None:
    text = ('<?xml version="1.0"?>\n<!-- hi -->\n'
            '<!DOCTYPE system SYSTEM "http://192.0.2.1/never.dtd">\n<system/>\n')
    start = time.perf_counter()
    error = _refused(lambda: parse_system_string(text))
    assert time.perf_counter() - start < 2
    assert [p.line for p in error.problems] == [3]


def test_lowercase_doctype_is_refused_too() -> None:
    error = _refused(lambda: parse_system_string('<!doctype system>\n<system/>'))
    assert "DOCTYPE" in str(error)


def test_doctype_behind_a_long_prologue_is_still_refused(secret_file: Path) -> None:
    # past the bytes the pre-scan reads: the parser-level check catches it
    comment = "<!--" + "x" * 100_000 + "-->\n"
    text = (f'<?xml version="1.0"?>\n{comment}<!DOCTYPE system [<!ENTITY s SYSTEM '
            f'"file://{secret_file}">]>\n<system name="x"><property name="p" value="&s;"/></system>\n')
    error = _refused(lambda: parse_system_string(text))
    assert SECRET not in str(error)
    assert "DOCTYPE" in str(error)


def test_utf16_doctype_is_refused() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE system [<!ENTITY a "b">]>\n<system name="&a;"/>\n'
    error = _refused(lambda: parse_system_string(text.encode("utf-16")))
    assert "DOCTYPE" in str(error)


def test_deployment_with_doctype_is_refused(tmp_path: Path, secret_file: Path) -> None:
    path = tmp_path / "deployment.xml"
    path.write_text(f'<!DOCTYPE d [<!ENTITY s SYSTEM "file://{secret_file}">]>\n'
                    f'<deployment name="&s;"/>\n')
    error = _refused(lambda: load(None, path))
    assert SECRET not in str(error)
    assert error.problems[0].line == 1 and "DOCTYPE" in error.problems[0].message


def test_xinclude_is_not_processed(secret_file: Path) -> None:
    text = (f'<system name="x" xmlns:xi="http://www.w3.org/2001/XInclude">'
            f'<xi:include href="file://{secret_file}" parse="text"/></system>')
    error = _refused(lambda: parse_system_string(text))
    assert SECRET not in str(error)
    assert "is not allowed in <system>" in str(error)


def test_hostile_values_never_execute(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = (f'<system name="x"><switch id="s1"><property name="cmd" '
            f'value="$(touch {marker}); `touch {marker}`"/></switch></system>')
    system = parse_system_string(text)
    assert system.switches["s1"].properties["cmd"].startswith("$(touch")
    assert not marker.exists()


def test_huge_text_is_refused() -> None:
    # huge_tree=False: libxml2 refuses single text nodes over its safety limit
    text = '<system name="x"><property name="p" value="' + "a" * 11_000_000 + '"/></system>'
    error = _refused(lambda: parse_system_string(text))
    assert error.problems[0].line == 1
