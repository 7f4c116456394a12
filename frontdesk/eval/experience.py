"""The customers' ratings of a run: how it felt to be served, beside whether the job got done.

Means per dimension with 95% bootstrap intervals over tasks (a task's trials are averaged first,
as pass^k averages over tasks), how satisfaction and success go together, and the two cases a
pass rate hides: customers satisfied by an agent that failed them, and customers unhappy with an
agent that succeeded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel

from frontdesk.eval.metrics import scored_reward, succeeded
from frontdesk.eval.record import TrialRecord
from frontdesk.eval.stats import bootstrap_ci
from frontdesk.simulators.experience import DIMENSIONS


class DimensionScore(BaseModel):
    dimension: str
    mean: float
    ci: tuple[float, float] | None


class ExperienceSummary(BaseModel):
    rated: int  # scored trials with ratings
    unrated: int  # scored trials without: ratings off, or the rating failed (experience_error)
    dimensions: list[DimensionScore]
    satisfied_but_failed: int  # overall ≥ 5 on a failed trial
    succeeded_but_unhappy: int  # overall ≤ 3 on a passed trial
    # Pearson correlation of the overall rating with success (0/1); None when either does not vary.
    satisfaction_success_r: float | None

    @property
    def overall(self) -> DimensionScore | None:
        return next((d for d in self.dimensions if d.dimension == "overall"), None)


def _by_task_means(pairs: list[tuple[str, float]]) -> list[float]:
    by_task: dict[str, list[float]] = defaultdict(list)
    for task_id, value in pairs:
        by_task[task_id].append(value)
    return [sum(v) / len(v) for _, v in sorted(by_task.items())]


def _correlation(x: list[float], y: list[float]) -> float | None:
    if len(x) < 2 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def experience_summary(records: Iterable[TrialRecord]) -> ExperienceSummary | None:
    """The ratings of the scored trials in ``records``; None when no scored trial was rated."""
    scored = [r for r in records if scored_reward(r) is not None]
    rated = [r for r in scored if r.experience is not None]
    if not rated:
        return None
    dimensions = []
    for name in DIMENSIONS:
        per_task = _by_task_means([(r.task_id, float(r.experience.scores()[name])) for r in rated])
        dimensions.append(DimensionScore(dimension=name, mean=sum(per_task) / len(per_task), ci=bootstrap_ci(per_task)))
    passed = [succeeded(scored_reward(r)) for r in rated]
    return ExperienceSummary(
        rated=len(rated),
        unrated=len(scored) - len(rated),
        dimensions=dimensions,
        satisfied_but_failed=sum(r.experience.satisfied and not ok for r, ok in zip(rated, passed, strict=True)),
        succeeded_but_unhappy=sum(r.experience.unhappy and ok for r, ok in zip(rated, passed, strict=True)),
        satisfaction_success_r=_correlation(
            [float(r.experience.overall.score) for r in rated], list(map(float, passed))
        ),
    )
