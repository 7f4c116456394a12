"""frontdesk: a multi-turn user-simulation benchmark for tool-using agents.

From Python::

    import frontdesk
    run = frontdesk.evaluate("mock", trials=3)      # offline: scripted oracle agent + scripted customer
    print(run.summary.rows[-1].pass_hat_k)          # pass^3

``frontdesk.load_run(path)`` reads a run folder back (``.trials``, a pandas DataFrame, one row per
trial; ``.summary``, pass^k with confidence intervals). Everything is imported on first use, so
``import frontdesk`` stays light (no pandas, no eval stack, no litellm).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Run", "RunConfig", "__version__", "evaluate", "load_run"]

if TYPE_CHECKING:
    from frontdesk.api import evaluate
    from frontdesk.eval.config import RunConfig
    from frontdesk.eval.report import RunView as Run
    from frontdesk.eval.report import load_run

_LAZY = {
    "evaluate": ("frontdesk.api", "evaluate"),
    "load_run": ("frontdesk.eval.report", "load_run"),
    "Run": ("frontdesk.eval.report", "RunView"),
    "RunConfig": ("frontdesk.eval.config", "RunConfig"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'frontdesk' has no attribute {name!r}")
