"""frontdesk: a multi-turn user-simulation benchmark for tool-using agents.

``frontdesk.load_run(path)`` reads a run folder: ``.trials`` (a pandas DataFrame, one row per
trial) and ``.summary()`` (pass^k with confidence intervals). It is imported on first use, so
``import frontdesk`` stays light (no pandas, no eval stack).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "load_run"]

if TYPE_CHECKING:
    from frontdesk.eval.report import load_run


def __getattr__(name: str) -> Any:
    if name == "load_run":
        from frontdesk.eval.report import load_run

        return load_run
    raise AttributeError(f"module 'frontdesk' has no attribute {name!r}")
