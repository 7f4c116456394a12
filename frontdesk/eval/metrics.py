"""pass^k, pass@k and the counts that keep every trial in view."""

from __future__ import annotations

import random
from collections import Counter
from math import comb
from typing import Iterable

from pydantic import BaseModel, Field

from frontdesk.eval.orchestrator import ErrorClass
from frontdesk.simulators.persona import DEFAULT_PERSONA_NAME


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Chance that k trials drawn without replacement from n (c of them successes) all succeed."""
    if not 0 <= c <= n or k < 1 or k > n:
        raise ValueError(f"pass^k needs 0 <= c <= n and 1 <= k <= n (got n={n}, c={c}, k={k})")
    return comb(c, k) / comb(n, k)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chance that at least one of k trials drawn from n (c successes) succeeds."""
    if not 0 <= c <= n or k < 1 or k > n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (got n={n}, c={c}, k={k})")
    return 1.0 - comb(n - c, k) / comb(n, k)


class TrialOutcomeRow(BaseModel):
    """The part of a trial record metrics need."""

    task_id: str
    persona: str = DEFAULT_PERSONA_NAME
    trial: int
    reward: float | None
    error_class: ErrorClass | None
    termination: str


class TaskTally(BaseModel):
    """One cell of the grid: a task played by one persona, tried `trials` times."""

    task_id: str
    persona: str = DEFAULT_PERSONA_NAME
    valid: int = 0  # scored trials (agent-class outcomes included)
    successes: int = 0
    user_excluded: int = 0


class KRow(BaseModel):
    k: int
    pass_hat_k: float | None
    pass_hat_k_ci: tuple[float, float] | None
    pass_at_k: float | None
    tasks: int  # (task, persona) cells with at least k valid trials: the denominator of this row


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


def _bootstrap_ci(values: list[float], seed: int = 0, resamples: int = 1000) -> tuple[float, float] | None:
    """95% percentile bootstrap over tasks; fixed seed so a report is reproducible."""
    if len(values) < 2:
        return None
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


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
    tallies = {(t, p): TaskTally(task_id=t, persona=p) for t in task_ids for p in personas}
    terminations: Counter[str] = Counter()
    done = 0
    rewards: list[float] = []
    for r in rows:
        tally = tallies.get((r.task_id, r.persona))
        if tally is None:
            continue
        done += 1
        terminations[r.termination] += 1
        if r.error_class is ErrorClass.USER:
            tally.user_excluded += 1
        elif r.reward is not None:
            tally.valid += 1
            tally.successes += int(r.reward >= 1.0)
            rewards.append(r.reward)
    k_rows = []
    for k in range(1, trials_per_task + 1):
        eligible = [t for t in tallies.values() if t.valid >= k]
        hat = [pass_hat_k(t.valid, t.successes, k) for t in eligible]
        at = [pass_at_k(t.valid, t.successes, k) for t in eligible]
        k_rows.append(
            KRow(
                k=k,
                pass_hat_k=sum(hat) / len(hat) if hat else None,
                pass_hat_k_ci=_bootstrap_ci(hat, seed=k),
                pass_at_k=sum(at) / len(at) if at else None,
                tasks=len(eligible),
            )
        )
    expected = len(tallies) * trials_per_task
    return RunSummary(
        tasks=len(task_ids),
        personas=personas,
        trials_expected=expected,
        trials_valid=sum(t.valid for t in tallies.values()),
        trials_user_excluded=sum(t.user_excluded for t in tallies.values()),
        trials_pending=expected - done,
        infra_failures=infra_failures,
        average_reward=sum(rewards) / len(rewards) if rewards else None,
        rows=k_rows,
        terminations=dict(sorted(terminations.items())),
        per_task=list(tallies.values()),
    )
