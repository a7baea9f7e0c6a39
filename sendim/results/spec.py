"""The JSON Schema (draft 2020-12) of ``sendim.results/1`` and :func:`validate`.

The schema lives here as a Python dict so it ships with the code (no package
data); ``python -m sendim.results.spec`` prints it as JSON. It accepts
additional properties everywhere: version 1 only grows by additions.
"""

from __future__ import annotations

import json
from typing import Any

from sendim.results.schema import REALIZATIONS, SCHEMA_ID, ResultsError, check_version

_S = {"type": "string"}
_S0 = {"type": ["string", "null"]}
_N0 = {"type": ["number", "null"]}
_NN0 = {"type": ["number", "null"], "minimum": 0}
_COUNT = {"type": "integer", "minimum": 0}
_COUNT0 = {"type": ["integer", "null"], "minimum": 0}
_STRINGS = {"type": "array", "items": _S}


def _obj(required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


RESULTS_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:sendim:results:1",
    "title": "sendim results, version 1 (sendim.results/1)",
    "description": "What one run of a sendim system measured; the same for every "
                   "realization. Units: bytes, seconds (_s), milliseconds (_ms), bit/s "
                   "(_bps). See docs/results-schema.md.",
    **_obj(["schema", "realization", "fallback", "flows", "pings", "reachability",
            "controller", "meta"], {
        "schema": {"const": SCHEMA_ID},
        "realization": {"enum": list(REALIZATIONS)},
        "fallback": {"$ref": "#/$defs/fallback"},
        "flows": {"type": "array", "items": {"$ref": "#/$defs/flow"}},
        "pings": {"type": "array", "items": {"$ref": "#/$defs/ping"}},
        "reachability": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/reachability"}]},
        "controller": {"type": "object", "additionalProperties": _COUNT},
        "meta": {"$ref": "#/$defs/meta"},
        "links": {"type": "array", "items": {"$ref": "#/$defs/link"}},
        "events": {"type": "array", "items": {"$ref": "#/$defs/event"}},
    }),
    "$defs": {
        "fallback": _obj(["happened", "reason"], {
            "happened": {"type": "boolean"}, "reason": _S0,
            "requested": {"enum": [*REALIZATIONS, None]},
        }),
        "flow": _obj(["id", "src", "dst", "protocol", "bytes", "start_s", "end_s", "fct_s",
                      "throughput_bps", "path", "drops"], {
            "id": _S, "src": _S, "dst": _S, "protocol": _S, "bytes": _COUNT,
            "start_s": _N0, "end_s": _N0, "fct_s": _NN0, "throughput_bps": _NN0,
            "path": _STRINGS, "drops": _COUNT, "requested_bytes": _COUNT0,
        }),
        "ping": _obj(["src", "dst", "sent", "received", "rtt_avg_ms"], {
            "src": _S, "dst": _S, "sent": _COUNT, "received": _COUNT,
            "rtt_avg_ms": _NN0, "flow": _S0,
        }),
        "reachability": _obj(["pairs", "reachable"], {
            "pairs": _COUNT, "reachable": _COUNT,
            "matrix": {"type": ["object", "null"], "additionalProperties": {
                "type": "object", "additionalProperties": {"type": "boolean"}}},
            "unreachable": {"type": ["array", "null"], "items": {
                "type": "array", "prefixItems": [_S, _S], "minItems": 2, "maxItems": 2}},
        }),
        "link": _obj(["id"], {
            "id": _S, "src": _S0, "dst": _S0, "direction": {"enum": [0, 1, None]},
            "capacity_bps": _NN0, "bytes": _COUNT0, "throughput_bps": _NN0,
            "mean_utilization": _NN0,
            "utilization": {"type": ["array", "null"], "items": {
                "type": "array", "prefixItems": [{"type": "number"}, _NN0],
                "minItems": 2, "maxItems": 2}},
        }),
        "event": _obj(["time_s", "action", "target", "ref"], {
            "time_s": {"type": "number"}, "action": _S, "target": _S, "ref": _S,
        }),
        "meta": _obj([], {
            "environment": {"enum": [*REALIZATIONS, None]}, "system": _S0,
            "granularity": _STRINGS, "seed": {"type": ["integer", "null"]},
            "sim_time_s": _NN0, "wall_time_s": _NN0,
            "started_at": {"type": ["string", "null"], "format": "date-time"},
            "sendim_version": _S0,
            "app_revisions": {"type": "object", "additionalProperties": _S},
            "notes": _STRINGS,
        }),
    },
}


def validate(doc: Any) -> None:
    """Raise :class:`ResultsError` (listing every problem) unless *doc* is a valid
    ``sendim.results/1`` document; :class:`SchemaVersionError` for another version.

    Uses the ``jsonschema`` package when installed, else the structural checks
    of :meth:`Results.from_dict` (required keys and types).
    """
    check_version(doc)
    try:
        import jsonschema
    except ImportError:
        from sendim.results.schema import Results
        Results.from_dict(doc)
        return
    validator = jsonschema.Draft202012Validator(RESULTS_JSON_SCHEMA)
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(x) for x in e.absolute_path])
    if errors:
        raise ResultsError([f"{_where(e.absolute_path)}: {e.message}" for e in errors])


def _where(path) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def schema_json() -> str:
    """The JSON Schema as a JSON text (sorted keys, two-space indent)."""
    return json.dumps(RESULTS_JSON_SCHEMA, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(schema_json(), end="")
