"""The shared results schema ``sendim.results/1``, used by every realization.

A run returns a :class:`Results`; :func:`write_results` stores it as
``results.json`` in a run directory (see :func:`new_run_dir`),
:func:`read_results` reads it back, :func:`summary_table` prints it.
The format is documented in ``docs/results-schema.md``; the JSON Schema is
:data:`RESULTS_JSON_SCHEMA` (``python -m sendim.results.spec`` prints it).
"""

from sendim.results.schema import (  # schema first: spec.py imports it
    REALIZATIONS,
    SCHEMA_ID,
    WALL_CLOCK_META,
    EventRecord,
    Fallback,
    FlowResult,
    LinkUsage,
    Meta,
    PingResult,
    Reachability,
    Results,
    ResultsError,
    SchemaVersionError,
)
from sendim.results.spec import RESULTS_JSON_SCHEMA, schema_json, validate
from sendim.results.io import (
    comparable,
    dumps,
    new_run_dir,
    normalize,
    now_iso,
    read_results,
    write_results,
)
from sendim.results.summary import summary_table

__all__ = [
    "REALIZATIONS", "RESULTS_JSON_SCHEMA", "SCHEMA_ID", "WALL_CLOCK_META", "EventRecord",
    "Fallback", "FlowResult", "LinkUsage", "Meta", "PingResult", "Reachability", "Results",
    "ResultsError", "SchemaVersionError", "comparable", "dumps", "new_run_dir", "normalize",
    "now_iso", "read_results", "schema_json", "summary_table", "validate", "write_results",
]
