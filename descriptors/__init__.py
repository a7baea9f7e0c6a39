"""XML schemas and reference descriptors for sendim (data, no code)."""

from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
