"""The fixed runtime embedded in every generated Mininet script.

Each module here is plain standard-library Python (Mininet is imported
lazily, inside functions, so the pure parts are testable anywhere). The
converter concatenates :data:`MODULES` in order after the script's data
section; lines ending with :data:`STRIP_MARK` (imports between runtime
modules, which share one namespace once embedded) are left out.
"""

from __future__ import annotations

from importlib import resources

MODULES = ("flowtables", "traffic", "report", "network", "main", "serve")
"""Runtime modules in embedding order (later ones use earlier ones)."""

STRIP_MARK = "# runtime: local"
"""Lines ending with this are dropped when the runtime is embedded."""


def embedded_source() -> str:
    """The runtime as one block of Python source, ready to embed."""
    parts = []
    for name in MODULES:
        text = resources.files(__package__).joinpath(f"{name}.py").read_text(encoding="utf-8")
        kept = [line for line in text.splitlines()
                if not line.rstrip().endswith(STRIP_MARK)
                and line.strip() != "from __future__ import annotations"]
        parts.append(f"# ---- runtime: {name} " + "-" * max(0, 60 - len(name)) + "\n"
                     + "\n".join(kept).strip("\n") + "\n")
    return "\n\n".join(parts)
