"""Checked reading of JSON data into the typed results objects.

Every ``from_dict`` of :mod:`sendim.results.schema` reads through an
:class:`ObjectReader`: it checks each field's JSON type, collects every
problem (with where it is, e.g. ``$.flows[2].bytes``) instead of stopping at
the first, and keeps unknown keys for the object's ``extra`` dict. The
errors raised are :class:`ResultsError` and :class:`SchemaVersionError`.
"""

from __future__ import annotations

import json
from typing import Any

from sendim.errors import InputError


class ResultsError(InputError):
    """A results document that is not valid ``sendim.results/1``."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = self.problems[:10]
        more = len(self.problems) - len(shown)
        super().__init__("invalid results document: " + "; ".join(shown)
                         + (f" (and {more} more)" if more > 0 else ""))


class SchemaVersionError(ResultsError):
    """The document declares a schema version this sendim does not read."""


_KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "num": (int, float), "bool": (bool,),
    "list": (list,), "dict": (dict,),
}


_NAMES = {"str": "a string", "int": "an integer", "num": "a number", "bool": "true or false",
          "list": "an array", "dict": "an object", "count": "an integer >= 0"}


def is_kind(value: Any, kind: str) -> bool:
    if kind != "bool" and isinstance(value, bool):
        return False
    if kind == "count":
        return isinstance(value, int) and value >= 0
    return isinstance(value, _KINDS[kind])


class ObjectReader:
    """Reads one JSON object, checking types; unknown keys become ``extra``."""

    def __init__(self, data: Any, where: str, problems: list[str]):
        self.where, self.problems, self.used = where, problems, set()
        if not isinstance(data, dict):
            problems.append(f"{where} must be an object, got {type(data).__name__}")
            data = {}
        self.data = data

    def get(self, key: str, kind: str, default: Any = None, *, required: bool = False,
            null: bool = True) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                self.problems.append(f"{self.where}.{key} is missing")
            return default() if callable(default) else default
        value = self.data[key]
        if value is None and null:
            return None
        if not is_kind(value, kind):
            self.problems.append(f"{self.where}.{key} must be {_NAMES[kind]}"
                                 f"{' or null' if null else ''}, got {json.dumps(value)[:40]}")
            return default() if callable(default) else default
        return float(value) if kind == "num" else value

    def extra(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.items() if k not in self.used}


def array_items(value: Any, where: str, problems: list[str]) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where} must be an array")
        return []
    return value


def string_list(value: list, where: str, problems: list[str]) -> list[str]:
    if not all(isinstance(x, str) for x in value):
        problems.append(f"{where} must be a list of strings")
        return [x for x in value if isinstance(x, str)]
    return list(value)


def finish(obj: Any, problems: list[str], caller: list[str] | None) -> Any:
    if caller is None and problems:            # called on its own: report now
        raise ResultsError(problems)
    return obj
