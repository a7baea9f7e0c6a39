"""Safe XML parsing: hardened lxml options, DOCTYPE refusal, schema errors.

Descriptors never need a DTD, so any DOCTYPE is refused before lxml sees the
file: that closes entity expansion ("billion laughs") and external entities
(XXE) at once. The parser options below are a second line of defence.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path
from typing import IO

from lxml import etree

from descriptors import SCHEMA_DIR
from sendim.errors import Problem

PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
)
"""Keyword arguments for every lxml parser and iterparse sendim creates."""

_HEAD_BYTES = 64 * 1024
_MAX_ROUNDS = 100
_MAX_PROLOGUE = 64 * 1024 * 1024
_PROLOGUE_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)

Source = str | bytes
"""A file path, or the bytes of a document given in memory."""


def safe_parser() -> etree.XMLParser:
    """A fresh lxml parser that loads no DTD, entity or network resource."""
    return etree.XMLParser(**PARSER_OPTIONS)


def open_source(source: Source) -> IO[bytes] | str:
    """What lxml should read: the path itself or a stream over the bytes."""
    return io.BytesIO(source) if isinstance(source, bytes) else source


def _head(source: Source, size: int) -> bytes:
    if isinstance(source, bytes):
        return source[:size]
    with open(source, "rb") as f:
        return f.read(size)


def _doctype_line(head: bytes) -> int | bool | None:
    """The line of a DOCTYPE declaration in the prologue of *head*; None if
    there is none, True if the prologue may go on past the end of *head*."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[2:].decode(codec, "replace").encode("utf-8")
            break
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    pos = 0
    while (m := _PROLOGUE_ITEM.match(head, pos)) and m.end() > pos:
        pos = m.end()
    if _DOCTYPE.match(head, pos):
        return head.count(b"\n", 0, pos) + 1
    if pos == len(head) or head.startswith((b"<!--", b"<?"), pos):
        return True
    return None


def doctype_problem(source: Source, filename: str) -> Problem | None:
    """A problem when *source* declares a DOCTYPE (DTDs are never allowed)."""
    size = _HEAD_BYTES
    while (line := _doctype_line(head := _head(source, size))) is True:
        if len(head) < size or size >= _MAX_PROLOGUE:
            return None       # no DOCTYPE, or past reason: the parser checks too
        size *= 8
    return None if line is None else Problem(filename, line, DOCTYPE_MESSAGE)


DOCTYPE_MESSAGE = ("DOCTYPE declarations are not allowed in sendim descriptors "
                   "(no DTDs, no entities); remove the <!DOCTYPE ...> block")


def has_dtd(tree: etree._ElementTree) -> bool:
    """Whether a parsed tree came with an internal or external DTD."""
    info = tree.docinfo
    return info.internalDTD is not None or bool(info.system_url) or bool(info.public_id)


# -- schemas -------------------------------------------------------------

@lru_cache(maxsize=None)
def load_schema(name: str) -> etree.XMLSchema:
    """The compiled schema ``descriptors/schema/<name>.xsd``."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"{name}.xsd"), safe_parser()))


_XS = "{http://www.w3.org/2001/XMLSchema}"


@lru_cache(maxsize=None)
def _pattern_hints(name: str) -> dict[str, str]:
    """Pattern text → what its values mean, from the schema's own docs
    (those of the simple type, or of the attribute that holds it)."""
    doc = etree.parse(str(SCHEMA_DIR / f"{name}.xsd"), safe_parser())
    hints: dict[str, str] = {}
    for pattern in doc.iter(f"{_XS}pattern"):
        for owner in pattern.iterancestors(f"{_XS}simpleType", f"{_XS}attribute"):
            text = " ".join(owner.findtext(f"{_XS}annotation/{_XS}documentation", "").split())
            if text:
                hints[pattern.get("value")] = text
                break
    return hints


@lru_cache(maxsize=None)
def _allowed_children(name: str) -> dict[str, tuple[str, ...]]:
    """Element name → the child element names the schema allows in it."""
    doc = etree.parse(str(SCHEMA_DIR / f"{name}.xsd"), safe_parser())
    types = {t.get("name"): t for t in doc.getroot().iterchildren(f"{_XS}complexType")}
    allowed: dict[str, tuple[str, ...]] = {}
    for elem in doc.iter(f"{_XS}element"):
        ctype = types.get(elem.get("type", "")) if elem.get("type") else elem.find(f"{_XS}complexType")
        if ctype is None or elem.get("name") in allowed:
            continue
        allowed[elem.get("name")] = tuple(
            child.get("name") for child in ctype.iter(f"{_XS}element")
            if next(child.iterancestors(f"{_XS}complexType")) is ctype)
    allowed[""] = tuple(e.get("name") for e in doc.getroot().iterchildren(f"{_XS}element"))
    return allowed


_ELEMENT = re.compile(r"^Element '([^']+)'(?:, attribute '([^']+)')?: (.*)$", re.S)
_PATTERN = re.compile(r"^\[facet 'pattern'\] The value '(.*)' is not accepted by the pattern '(.*)'\.$", re.S)
_ENUM = re.compile(r"^\[facet 'enumeration'\] The value '(.*)' is not an element of the set \{(.*)\}\.$", re.S)
_ATOMIC = re.compile(r"^'(.*)' is not a valid value of the atomic type '(.*)'\.$", re.S)
_NOT_EXPECTED = re.compile(r"^This element is not expected\.(?: Expected is (?:one of )?\( ?(.*?) ?\)\.)?$", re.S)
_REQUIRED = re.compile(r"^The attribute '(.*)' is required but missing\.$")


def _rewrite(message: str, hints: dict[str, str], parent: str | None = None,
             allowed: dict[str, tuple[str, ...]] | None = None) -> str:
    """libxml2's schema message in sendim's ``<element> ...`` style."""
    m = _ELEMENT.match(message.strip())
    if not m:
        return message.strip()
    tag, attr, text = m.groups()
    if attr is not None:
        where = f"<{tag}> attribute {attr}"
        if (p := _PATTERN.match(text)):
            hint = hints.get(p.group(2))
            if hint:
                return f"{where}: {p.group(1)!r} is not {hint}"
            return f"{where}: {p.group(1)!r} does not match the pattern {p.group(2)!r}"
        if (p := _ENUM.match(text)):
            choices = ", ".join(v.strip().strip("'") for v in p.group(2).split(","))
            return f"{where}: {p.group(1)!r} is not one of {choices}"
        if (p := _ATOMIC.match(text)):
            return f"{where}: {p.group(1)!r} is not a valid {p.group(2).removeprefix('xs:')}"
        if text.startswith("The attribute") and text.endswith("is not allowed."):
            return f"<{tag}> has no attribute {attr!r}"
        return f"{where}: {text}"
    if (p := _NOT_EXPECTED.match(text)):
        inside = f" in <{parent}>" if parent else " here"
        children = (allowed or {}).get(parent or "")
        if children is not None:
            return f"<{tag}> is not allowed{inside} (allowed: {', '.join(children) or 'nothing'})"
        if p.group(1):
            return f"<{tag}> is not allowed{inside} (expected one of: {p.group(1)})"
        return f"<{tag}> is not allowed{inside}"
    if (p := _REQUIRED.match(text)):
        return f"<{tag}> is missing the required attribute {p.group(1)!r}"
    if "content is not allowed, because the content type is empty" in text:
        return f"<{tag}> must be empty: no text, no child elements"
    if text.startswith("Character content"):
        return f"<{tag}> must not contain text"
    if text.startswith("No matching global declaration"):
        roots = " or ".join(f"<{name}>" for name in (allowed or {}).get("", ()))
        return f"<{tag}> is not a descriptor root element (expected {roots or 'another root'})"
    return f"<{tag}> {text}"


def syntax_problem(exc: etree.XMLSyntaxError, filename: str) -> Problem:
    """The error that stopped a parse, located at its line."""
    message = _POSITION.sub("", (exc.msg or str(exc)).strip())
    return Problem(filename, exc.lineno or None, f"XML syntax error: {message}")


_POSITION = re.compile(r",? line \d+, column \d+$")


def validation_problems(source: Source, filename: str, schema_name: str,
                        tree: etree._ElementTree | None = None) -> list[Problem]:
    """Every syntax or schema problem of *source*, each with its line.

    Parses the whole document (unless *tree* is given), so it is meant for
    documents already known or expected to be invalid, or small ones.
    """
    if tree is None:
        try:
            tree = etree.parse(open_source(source), safe_parser())
        except etree.XMLSyntaxError as exc:
            return [syntax_problem(exc, filename)]
        except OSError as exc:
            return [Problem(filename, None, f"cannot read the file: {exc.strerror or exc}")]
    if has_dtd(tree):
        return [Problem(filename, 1, DOCTYPE_MESSAGE)]
    schema = load_schema(schema_name)
    hints = _pattern_hints(schema_name)
    allowed = _allowed_children(schema_name)
    found: dict[tuple[int, str], Problem] = {}
    prefixes: dict[str, str] | None = None
    # libxml2 stops checking an element's children at the first unexpected
    # one; drop each unexpected element and validate again to see the rest.
    for _ in range(_MAX_ROUNDS):
        if schema.validate(tree):
            break
        unexpected = []
        for e in schema.error_log:
            parent = e.path.rsplit("/", 2)[-2].split("[")[0] if e.path and e.path.count("/") > 1 else None
            problem = Problem(filename, e.line or None, _rewrite(e.message, hints, parent, allowed))
            found.setdefault((e.line, problem.message), problem)
            if "This element is not expected" in e.message and e.path:
                if prefixes is None:
                    prefixes = {k: v for el in tree.iter() for k, v in el.nsmap.items() if k}
                unexpected.extend(_find(tree, e.path, prefixes))
        removable = [el for el in unexpected if el.getparent() is not None]
        if not removable:
            break
        for el in removable:
            el.getparent().remove(el)
    return sorted(found.values(), key=lambda p: p.line or 0)


def _find(tree: etree._ElementTree, path: str, prefixes: dict[str, str]) -> list:
    """The elements at a libxml2 error path such as ``/system/lnk[2]``."""
    try:
        return tree.xpath(path, namespaces=prefixes)
    except etree.XPathError:
        return []


def missing_file_problem(path: str | Path) -> Problem | None:
    """A problem when *path* is not a readable file."""
    p = Path(path)
    if not p.exists():
        return Problem(str(path), None, "file not found")
    if not p.is_file():
        return Problem(str(path), None, "not a file")
    return None
