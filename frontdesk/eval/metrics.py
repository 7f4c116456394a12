"""A run's numbers built from its trial records: the pass^k headline, the per-trial table, its breakdowns.

Two layers. The headline (:func:`summarize`) works on the expected grid of (task, persona) cells,
so pending trials are counted. The analysis layer works on :func:`trial_table`, a pandas DataFrame
with one row per finished trial, and answers "where does it fail, and what does it cost". Both
count trials with :func:`tally_cells`; the statistics themselves are in :mod:`frontdesk.eval.stats`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from frontdesk.envs import Task
from frontdesk.eval.noise import NoiseFloor, noise_floor
from frontdesk.eval.orchestrator import ErrorClass, TerminationReason
from frontdesk.eval.record import TrialRecord
from frontdesk.eval.stats import KRow, flip_rate, flipped, mean, pass_k_rows
from frontdesk.simulators.experience import DIMENSIONS
from frontdesk.simulators.persona import DEFAULT_PERSONA_NAME
from frontdesk.trajectory import Role, Usage

CellKey = tuple[str, str]  # (task_id, persona)


class TrialOutcomeRow(BaseModel):
    """The part of a trial record metrics need."""

    task_id: str
    persona: str = DEFAULT_PERSONA_NAME
    trial: int
    reward: float | None
    error_class: ErrorClass | None
    termination: str
    conceded: bool | None = None  # pressure trials only: did the agent give in (see concession_of)


def concession_of(record: TrialRecord) -> bool | None:
    """True if the agent gave in on a pressure task (its verdict's no_concession failed); None when the
    trial is not a scored pressure trial, so the concession rate counts only trials where it could."""
    component = record.verdict.component("no_concession") if record.verdict else None
    return None if component is None or scored_reward(record) is None else not component.passed


class TaskTally(BaseModel):
    """One cell of the grid: a task played by one persona, tried `trials` times."""

    task_id: str
    persona: str = DEFAULT_PERSONA_NAME
    valid: int = 0  # scored trials (agent-class outcomes included)
    successes: int = 0
    user_excluded: int = 0

    @property
    def flipped(self) -> bool:
        return flipped(self.valid, self.successes)


def succeeded(reward: float) -> bool:
    return reward >= 1.0


def scored_reward(row: TrialOutcomeRow | TrialRecord) -> float | None:
    """The reward a trial counts with; None when it is not scored (a user error never is)."""
    return None if row.error_class is ErrorClass.USER else row.reward


def tally_cells(rows: Iterable[TrialOutcomeRow], grid: Iterable[CellKey] | None = None) -> dict[CellKey, TaskTally]:
    """Each cell's scored trials, successes and user-excluded trials: the one place trials are counted.

    With ``grid`` the cells are fixed (in its order, empty ones included) and rows outside it are
    ignored; without, every row's cell is counted, in sorted order.
    """
    tallies = {key: TaskTally(task_id=key[0], persona=key[1]) for key in grid or ()}
    for r in rows:
        key = (r.task_id, r.persona)
        if key not in tallies:
            if grid is not None:
                continue
            tallies[key] = TaskTally(task_id=r.task_id, persona=r.persona)
        tally = tallies[key]
        reward = scored_reward(r)
        if reward is not None:
            tally.valid += 1
            tally.successes += succeeded(reward)
        elif r.error_class is ErrorClass.USER:
            tally.user_excluded += 1
    return tallies if grid is not None else dict(sorted(tallies.items()))


class RunSummary(BaseModel):
    tasks: int
    personas: list[str] = Field(default_factory=lambda: [DEFAULT_PERSONA_NAME])
    trials_expected: int
    trials_valid: int
    trials_user_excluded: int
    trials_pending: int  # not finished yet: never run, or infra failure waiting for a resume
    infra_failures: int  # infra failures recorded so far (each is retried on resume)
    average_reward: float | None
    rows: list[KRow]
    terminations: dict[str, int] = Field(default_factory=dict)
    per_task: list[TaskTally] = Field(default_factory=list)
    flipped_tasks: int = 0  # cells with >= 2 scored trials that both passed and failed
    flip_rate: float | None = None  # flipped_tasks over cells with >= 2 scored trials
    noise: NoiseFloor | None = None  # per k, the MDD between two runs of this size (frontdesk.eval.noise)
    pressure_trials: int = 0  # scored trials of pressure tasks
    concessions: int = 0  # of those, the ones where the agent made a forbidden write or said something forbidden

    @property
    def concession_rate(self) -> float | None:
        """The share of pressure trials where the agent gave in; beside pass^k, not part of it."""
        return self.concessions / self.pressure_trials if self.pressure_trials else None

    def __call__(self) -> RunSummary:
        """``view.summary()`` and ``view.summary`` are the same summary (notebook and attribute spelling)."""
        return self

    @property
    def by_cell(self) -> dict[CellKey, TaskTally]:
        """``per_task`` by (task_id, persona)."""
        return {(t.task_id, t.persona): t for t in self.per_task}


def summarize(
    rows: Iterable[TrialOutcomeRow],
    task_ids: list[str],
    trials_per_task: int,
    infra_failures: int = 0,
    personas: list[str] | None = None,
) -> RunSummary:
    """pass^k over (task, persona) cells: each cell is tried `trials_per_task` times.

    With one persona a cell is simply a task. Rows outside the grid are ignored.
    """
    personas = personas or [DEFAULT_PERSONA_NAME]
    grid = [(t, p) for t in task_ids for p in personas]
    in_grid = set(grid)
    finished = [r for r in rows if (r.task_id, r.persona) in in_grid]
    tallies = list(tally_cells(finished, grid).values())
    rewards = [x for x in map(scored_reward, finished) if x is not None]
    cells = [(t.valid, t.successes) for t in tallies]
    expected = len(tallies) * trials_per_task
    return RunSummary(
        tasks=len(task_ids),
        personas=personas,
        trials_expected=expected,
        trials_valid=sum(t.valid for t in tallies),
        trials_user_excluded=sum(t.user_excluded for t in tallies),
        trials_pending=expected - len(finished),
        infra_failures=infra_failures,
        average_reward=mean(rewards),
        rows=pass_k_rows(cells, trials_per_task),
        terminations=dict(sorted(Counter(r.termination for r in finished).items())),
        per_task=tallies,
        flipped_tasks=sum(t.flipped for t in tallies),
        flip_rate=flip_rate(cells),
        noise=noise_floor(cells, trials_per_task),
        pressure_trials=sum(r.conceded is not None for r in finished),
        concessions=sum(r.conceded is True for r in finished),
    )


# --- the per-trial table ------------------------------------------------------------------------

CELL = ["run", "domain", "task_id", "persona"]
# Columns that are the same for every trial of a cell: grouping by them keeps cells whole, so
# pass^k per group means something. Termination and error class vary by trial: counts only.
CELL_ATTRIBUTES = {"run", "domain", "task_id", "persona", "tags", "gold_actions"}


def _usage_columns(side: str, usage: Usage) -> dict[str, Any]:
    return {
        f"{side}_calls": usage.calls,
        f"{side}_attempts": usage.attempts,  # HTTP requests, retries included
        f"{side}_tokens": usage.prompt_tokens + usage.completion_tokens,
        f"{side}_cost_usd": usage.cost_usd,
    }


def _trial_row(r: TrialRecord, run: str, domain: str, task: Task | None) -> dict[str, Any]:
    verdict = r.verdict
    sides = {"agent": r.agent_usage, "user": r.user_usage, "judge": r.judge_usage}
    total = sum(sides.values(), Usage())
    reward = scored_reward(r)
    row: dict[str, Any] = {
        "run": run,
        "domain": domain,
        "task_id": r.task_id,
        "persona": r.persona,
        "trial": r.trial,
        "seed": r.seed,
        "tags": list(task.tags) if task else [],
        "gold_actions": len(task.gold_actions) if task else None,
        "termination": r.termination.value,
        "error_class": r.error_class.value if r.error_class else None,
        "scored": reward is not None,
        "reward": r.reward,
        "passed": None if reward is None else succeeded(reward),
        "failed_components": verdict.failed if verdict else [],
        "messages": len(r.messages),
        "tool_calls": sum(len(m.tool_calls) for m in r.messages if m.role is Role.AGENT),
        "tool_errors": r.tool_errors,
        **{k: v for side, u in sides.items() for k, v in _usage_columns(side, u).items()},
        "tokens": total.prompt_tokens + total.completion_tokens,
        "model_calls": total.calls,
        "attempts": total.attempts,
        "cost_usd": total.cost_usd,
        "duration_s": r.duration_s,
        "started_at": r.started_at,
    }
    for c in verdict.components if verdict else []:
        row[f"{'check' if c.gating else 'info'}_{c.name}"] = c.passed
    if r.queue is not None:  # sequential runs: where in its queue (order = trial) the customer was served
        row["queue_position"] = r.queue.position + 1
        row["queue_start"] = r.queue.start
    scores = r.experience.scores() if r.experience else {}
    for name in DIMENSIONS:  # the customer's ratings, 1-7 (NA when there are none)
        row[f"rating_{name}"] = scores.get(name)
    return row


_TYPES = {
    "trial": "int64",
    "seed": "int64",
    "gold_actions": "Int64",
    "reward": "float64",
    "passed": "boolean",
    **{f"rating_{name}": "Int64" for name in DIMENSIONS},
}
_QUEUE_TYPES = {"queue_position": "Int64"}


def trial_table(records: list[TrialRecord], run: str, domain: str, tasks: dict[str, Task]) -> pd.DataFrame:
    """One row per finished trial.

    Columns: run, domain, task_id, persona, trial, seed, tags (list), gold_actions, termination,
    error_class (None, "agent" or "user"), scored, reward, passed (NA when not scored),
    failed_components (gating ones), messages, tool_calls, tool_errors, <side>_calls/_tokens/_cost_usd
    for agent, user and judge, tokens, cost_usd (NaN if any price is unknown), duration_s,
    started_at, rating_<dimension> (the customer's 1-7 ratings, NA without), one column per
    verdict component: check_<name> (gating) or info_<name>, and in sequential runs queue_position
    (1-based) and queue_start ("queue" or "fresh").
    ``tasks`` gives tags and gold-action counts; a task missing from it gets none.
    """
    rows = [_trial_row(r, run, domain, tasks.get(r.task_id)) for r in records]
    frame = pd.DataFrame(rows, columns=list(_trial_row_template(run, domain)) if not rows else None)
    checks = [c for c in frame.columns if c.startswith(("check_", "info_"))]
    queued = {c: t for c, t in _QUEUE_TYPES.items() if c in frame.columns}
    return frame.astype({**_TYPES, **queued, **{c: "boolean" for c in checks}}).sort_values(
        ["task_id", "persona", "trial"], ignore_index=True
    )


def _trial_row_template(run: str, domain: str) -> dict[str, Any]:
    """The columns of an empty table: those of a row built from a blank record."""
    blank = TrialRecord.model_construct(
        task_id="", persona="", trial=0, seed=0, termination=TerminationReason.USER_STOP, error_class=None,
        reward=None, verdict=None, agent_usage=Usage(), user_usage=Usage(), tool_errors=0,
        started_at=0.0, duration_s=0.0, messages=[], experience=None,
    )  # fmt: skip
    return _trial_row(blank, run, domain, None)


def _outcomes(trials: pd.DataFrame) -> list[TrialOutcomeRow]:
    """The table's rows as the outcomes :func:`tally_cells` counts (NaN, the table's "none", is None)."""
    columns = trials[["task_id", "persona", "trial", "reward", "error_class", "termination"]]
    return [
        TrialOutcomeRow(
            task_id=task_id,
            persona=persona,
            trial=trial,
            reward=None if pd.isna(reward) else reward,
            error_class=None if pd.isna(error_class) else error_class,
            termination=termination,
        )
        for task_id, persona, trial, reward, error_class, termination in columns.itertuples(index=False)
    ]


_CELL_COLUMNS = [*CELL, "trials", "scored", "successes", "user_excluded", "success_rate", "flipped"]


def per_cell(trials: pd.DataFrame) -> pd.DataFrame:
    """Per (run, domain, task, persona): trials, scored, successes, user_excluded, success_rate, flipped."""
    out = []
    for (run, domain), group in trials.groupby(["run", "domain"], sort=True):
        outcomes = _outcomes(group)
        finished = Counter((r.task_id, r.persona) for r in outcomes)
        for (task_id, persona), t in tally_cells(outcomes).items():
            out.append(
                [run, domain, task_id, persona, finished[(task_id, persona)], t.valid, t.successes, t.user_excluded,
                 t.successes / t.valid if t.valid else None, t.flipped]
            )  # fmt: skip
    counts = {c: "int64" for c in ("trials", "scored", "successes", "user_excluded")}
    frame = pd.DataFrame(out, columns=_CELL_COLUMNS)
    return frame.astype({**counts, "success_rate": "float64", "flipped": "bool"})


def breakdown(trials: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts and success rate per value of ``by``; pass^1..pass^K too when ``by`` keeps cells whole.

    ``tags`` is exploded: a task with two tags counts in both groups; a missing value is "(none)".
    """
    frame = (trials.explode(by) if by == "tags" else trials).reset_index(drop=True)
    frame = frame.assign(_group=frame[by].astype("object").where(frame[by].notna(), "(none)"))
    max_k = int(per_cell(trials)["scored"].max()) if len(trials) else 0
    groups = sorted(frame.groupby("_group", sort=False), key=lambda kv: (isinstance(kv[0], str), kv[0]))
    out = []
    for value, group in groups:
        # Every trial is in exactly one cell, so the cells' counts add up to the group's.
        cells = per_cell(group)
        scored = int(cells["scored"].sum())
        successes = int(cells["successes"].sum())
        row: dict[str, Any] = {
            by: value,
            "trials": len(group),
            "scored": scored,
            "user_excluded": int(cells["user_excluded"].sum()),
            "successes": successes,
            "success_rate": successes / scored if scored else None,
        }
        if by in CELL_ATTRIBUTES:
            row["cells"] = len(cells)
            pairs = list(zip(cells["scored"], cells["successes"], strict=True))
            for k_row in pass_k_rows(pairs, max_k, intervals=False):  # the breakdown shows points only
                row[f"pass^{k_row.k}"] = k_row.pass_hat_k
        out.append(row)
    return pd.DataFrame(out)


def component_failures(trials: pd.DataFrame) -> pd.DataFrame:
    """Per verdict component: trials it was checked on, how often it failed, and how often it was
    the only gating failure. Informational components are listed with gating False."""
    scored = trials[trials["scored"]]
    failed_trials = int((~scored["passed"].astype(bool)).sum())
    out = []
    for column in [c for c in trials.columns if c.startswith(("check_", "info_"))]:
        gating, name = column.startswith("check_"), column.split("_", 1)[1]
        checked = scored[column].dropna()
        failures = int((~checked.astype(bool)).sum())
        only = sum(f == [name] for f in scored["failed_components"]) if gating else 0
        out.append(
            {
                "component": name,
                "gating": gating,
                "checked": len(checked),
                "failed": failures,
                "share_of_failed_trials": failures / failed_trials if failed_trials else None,
                "sole_cause": only,
            }
        )
    columns = ["component", "gating", "checked", "failed", "share_of_failed_trials", "sole_cause"]
    return pd.DataFrame(out, columns=columns).sort_values(["gating", "failed"], ascending=False, ignore_index=True)


USAGE_METRICS = [
    "cost_usd",
    "agent_cost_usd",
    "user_cost_usd",
    "judge_cost_usd",
    "tokens",
    "agent_tokens",
    "user_tokens",
    "judge_tokens",
    "model_calls",
    "attempts",
    "duration_s",
]


def usage_stats(trials: pd.DataFrame) -> pd.DataFrame:
    """Per trial mean, p50, p95 and the total of cost, tokens, model calls and their HTTP attempts, and latency.

    A trial whose price is unknown is left out of the cost figures and counted in ``unknown``.
    """
    out = []
    for metric in USAGE_METRICS:
        values = pd.to_numeric(trials[metric], errors="coerce")
        known = values.dropna()
        out.append(
            {
                "metric": metric,
                "trials": len(known),
                "unknown": int(values.isna().sum()),
                "mean": float(known.mean()) if len(known) else None,
                "p50": float(known.quantile(0.5)) if len(known) else None,
                "p95": float(known.quantile(0.95)) if len(known) else None,
                "total": float(known.sum()) if len(known) else None,
            }
        )
    return pd.DataFrame(out)
