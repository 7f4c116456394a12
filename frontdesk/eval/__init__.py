"""Evaluation: orchestrator (one trial), checker (verdict), runner (many trials, resume), store, metrics."""

from frontdesk.eval.checker import Component, Goal, Verdict, build_goal, check, numbers_in, output_present
from frontdesk.eval.config import RunConfig, domain_fingerprint, redact, trial_seed
from frontdesk.eval.metrics import KRow, RunSummary, TaskTally, TrialOutcomeRow, pass_at_k, pass_hat_k, summarize
from frontdesk.eval.orchestrator import (
    ERROR_CLASS,
    NORMAL_ENDINGS,
    ErrorClass,
    Limits,
    TerminationReason,
    TrialOutcome,
    run_trial,
)
from frontdesk.eval.record import InfraFailure, TrialRecord
from frontdesk.eval.report import RunView, load_run, pool_runs
from frontdesk.eval.runner import RunPlan, execute_plan, execute_trial, plan_run, run, select_tasks
from frontdesk.eval.store import RunStore
from frontdesk.eval.validate import TaskCheck, validate, validate_domain

__all__ = [
    "ERROR_CLASS",
    "NORMAL_ENDINGS",
    "Component",
    "ErrorClass",
    "Goal",
    "InfraFailure",
    "KRow",
    "Limits",
    "RunConfig",
    "RunPlan",
    "RunStore",
    "RunSummary",
    "RunView",
    "TaskCheck",
    "TaskTally",
    "TerminationReason",
    "TrialOutcome",
    "TrialOutcomeRow",
    "TrialRecord",
    "Verdict",
    "build_goal",
    "check",
    "domain_fingerprint",
    "execute_plan",
    "execute_trial",
    "load_run",
    "numbers_in",
    "output_present",
    "pass_at_k",
    "pass_hat_k",
    "plan_run",
    "pool_runs",
    "redact",
    "run",
    "run_trial",
    "select_tasks",
    "summarize",
    "trial_seed",
    "validate",
    "validate_domain",
]
