"""The XSDs: annotated, in step with sendim.units, and the examples validate."""

from __future__ import annotations

import itertools

import pytest
from lxml import etree

from descriptors import EXAMPLES_DIR, SCHEMA_DIR
from sendim.errors import UnitError
from sendim.units import (
    BANDWIDTH_UNITS,
    SIZE_UNITS,
    TIME_UNITS,
    parse_bandwidth,
    parse_loss,
    parse_size,
    parse_time,
)

XS = "{http://www.w3.org/2001/XMLSchema}"


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"{name}.xsd")))


@pytest.mark.parametrize("name", ["system", "deployment"])
def test_example_validates(name: str) -> None:
    doc = etree.parse(str(EXAMPLES_DIR / f"{name}.xml"))
    schema = _schema(name)
    assert schema.validate(doc), schema.error_log


@pytest.mark.parametrize("name", ["system", "deployment"])
def test_schema_has_no_namespace_and_documents_every_type(name: str) -> None:
    root = etree.parse(str(SCHEMA_DIR / f"{name}.xsd")).getroot()
    assert root.get("targetNamespace") is None
    for node in root.iterchildren(f"{XS}simpleType", f"{XS}complexType", f"{XS}element"):
        doc = node.findtext(f"{XS}annotation/{XS}documentation")
        assert doc and doc.strip(), f"{name}.xsd: {node.get('name')} has no documentation"


@pytest.mark.parametrize("name", ["system", "deployment"])
def test_example_comments_explain_every_attribute(name: str) -> None:
    """Each element and attribute used in an example is named in its comments."""
    doc = etree.parse(str(EXAMPLES_DIR / f"{name}.xml"))
    comments = " ".join(c.text for c in doc.iter(etree.Comment))
    comments += " ".join(c.text for c in doc.getroot().itersiblings(etree.Comment, preceding=True))
    used = {attr for el in doc.iter(tag=etree.Element) for attr in el.attrib}
    tags = {el.tag for el in doc.iter(tag=etree.Element)}
    for tag in tags:
        assert f"<{tag}>" in comments or f"<{tag} " in comments, f"{name}.xml: <{tag}> is not explained"
    for attr in used:
        assert attr in comments, f"{name}.xml: attribute {attr!r} is not explained"


_TYPES = {
    # kind: (parser, units, how to put a value into a system document)
    "bandwidth": (parse_bandwidth, BANDWIDTH_UNITS, '<link src="a" dst="b" bw="{}"/>'),
    "time": (parse_time, TIME_UNITS, '<link src="a" dst="b" delay="{}"/>'),
    "size": (parse_size, SIZE_UNITS, '<host id="a" memory="{}"/>'),
    "loss": (parse_loss, {"%": 0.01}, '<link src="a" dst="b" loss="{}"/>'),
}
_NUMBERS = ["0", "1", "10", "2.5", ".5", "3.", "1e3", "1E-3", "0.0"]


def _schema_accepts(schema: etree.XMLSchema, template: str, value: str) -> bool:
    text = f'<system name="t">{template.format(value)}</system>'
    return schema.validate(etree.fromstring(text.encode("utf-8")))


def _units_accept(parse, value: str) -> bool:
    try:
        parse(value)
    except UnitError:
        return False
    return True


@pytest.mark.parametrize("kind", _TYPES)
def test_every_unit_of_sendim_units_is_in_the_schema(kind: str) -> None:
    parse, units, template = _TYPES[kind]
    schema = _schema("system")
    for number, unit in itertools.product(_NUMBERS, units):
        for value in (f"{number}{unit}", f"{number} {unit}"):
            if kind == "loss" and not _units_accept(parse, value):
                continue      # e.g. 1e3% is out of range: a semantic error
            assert _schema_accepts(schema, template, value), f"{kind}: {value!r} rejected"


@pytest.mark.parametrize("kind", _TYPES)
def test_the_schema_accepts_only_what_sendim_units_parses(kind: str) -> None:
    parse, units, template = _TYPES[kind]
    schema = _schema("system")
    others = [u for k, (_, us, _) in _TYPES.items() if k != kind for u in us]
    candidates = [f"{n}{u}" for n in _NUMBERS + ["-1", "1,5", "x", ""] for u in [*units, *others, "", "foo"]]
    accepted = [c for c in candidates if _schema_accepts(schema, template, c)]
    assert accepted, kind
    for value in accepted:
        assert _units_accept(parse, value) or kind == "loss", f"{kind}: schema accepts {value!r}"
    for value in ("10", "-5" + next(iter(units)), "fast", "5 5"):
        assert not _schema_accepts(schema, template, value), f"{kind}: schema accepts {value!r}"
