"""Evaluation: run trials, score them, read runs back.

The names here are the library's surface: configure (:class:`RunConfig`, :class:`Limits`), run
(:func:`run`, or :func:`plan_run` + :func:`execute_plan` for control over the loop; one trial with
:func:`execute_trial` or :func:`run_trial`), read back (:func:`load_run`, :func:`pool_runs`), score
(:func:`build_goal`, :func:`check`, :func:`pass_hat_k`, :func:`pass_at_k`) and check a domain
(:func:`validate`). Everything else lives in its module (``frontdesk.eval.metrics``, ``.store`` …).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Eager, unlike the rest: the function must win over its own submodule's name (importing
# frontdesk.eval.validate later would otherwise leave the module where the function should be).
from frontdesk.eval.validate import TaskCheck, validate

if TYPE_CHECKING:
    from frontdesk.eval.checker import Component, Verdict, build_goal, check
    from frontdesk.eval.config import RunConfig, Sequential, trial_seed
    from frontdesk.eval.metrics import RunSummary
    from frontdesk.eval.orchestrator import ErrorClass, Limits, TerminationReason, run_trial
    from frontdesk.eval.queue import Queue, execute_queue
    from frontdesk.eval.record import InfraFailure, Leak, QueueRecord, QueueSlot, TrialRecord, TrialResult
    from frontdesk.eval.report import RunView, load_run, pool_runs
    from frontdesk.eval.runner import RunPlan, execute_plan, execute_trial, plan_run, run
    from frontdesk.eval.sequential import SequentialSummary
    from frontdesk.eval.stats import KRow, pass_at_k, pass_hat_k

# Each name is imported from its module on first use: `frontdesk run` reaches its first model
# request without pandas and the report stack (a fifth of a second of imports).
_HOME = {
    **dict.fromkeys(("Component", "Verdict", "build_goal", "check"), "checker"),
    **dict.fromkeys(("RunConfig", "Sequential", "trial_seed"), "config"),
    "RunSummary": "metrics",
    **dict.fromkeys(("ErrorClass", "Limits", "TerminationReason", "run_trial"), "orchestrator"),
    **dict.fromkeys(("InfraFailure", "Leak", "QueueRecord", "QueueSlot", "TrialRecord", "TrialResult"), "record"),
    **dict.fromkeys(("Queue", "execute_queue"), "queue"),
    "SequentialSummary": "sequential",
    **dict.fromkeys(("RunView", "load_run", "pool_runs"), "report"),
    **dict.fromkeys(("RunPlan", "execute_plan", "execute_trial", "plan_run", "run"), "runner"),
    **dict.fromkeys(("KRow", "pass_at_k", "pass_hat_k"), "stats"),
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"frontdesk.eval.{_HOME[name]}"), name)
    raise AttributeError(f"module 'frontdesk.eval' has no attribute {name!r}")


__all__ = [
    "Component",
    "ErrorClass",
    "InfraFailure",
    "KRow",
    "Leak",
    "Limits",
    "Queue",
    "QueueRecord",
    "QueueSlot",
    "RunConfig",
    "RunPlan",
    "RunSummary",
    "RunView",
    "Sequential",
    "SequentialSummary",
    "TaskCheck",
    "TerminationReason",
    "TrialRecord",
    "TrialResult",
    "Verdict",
    "build_goal",
    "check",
    "execute_plan",
    "execute_queue",
    "execute_trial",
    "load_run",
    "pass_at_k",
    "pass_hat_k",
    "plan_run",
    "pool_runs",
    "run",
    "run_trial",
    "trial_seed",
    "validate",
]
