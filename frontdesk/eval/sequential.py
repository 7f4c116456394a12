"""A sequential run's own numbers: the learning curve, the learning gain, memory, leaks.

Read from the trial records (each carries its queue slot, and its verdict the leaks), so a
regraded or verified run has them too; ``queues.jsonl`` adds what the agent remembered. Every
interval here is a 95% percentile bootstrap over *queues* (each order of each persona is one
queue): the customers of one queue share an agent and a database, so they are not independent
draws; whole queues are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel

from frontdesk.eval.metrics import succeeded
from frontdesk.eval.privacy import leaks_of
from frontdesk.eval.record import Leak, QueueRecord, TrialRecord
from frontdesk.eval.stats import bootstrap_ci, mean

MAX_POINTS = 20  # a longer queue's curve is drawn over this many stretches of consecutive positions


class CurvePoint(BaseModel):
    first: int  # 1-based positions, inclusive
    last: int
    trials: int  # scored trials at these positions, across queues
    success: float | None
    ci: tuple[float, float] | None = None


class SequentialSummary(BaseModel):
    queues: int
    queue_size: int
    memory: bool
    order: str
    curve: list[CurvePoint]
    early: float | None  # success over the first third of positions
    late: float | None  # and over the last third
    learning_gain: float | None  # late - early, per queue, averaged
    learning_gain_ci: tuple[float, float] | None = None
    fresh_starts: int  # customers whose gold could not run on the queue's state
    notes_per_queue: float | None  # frontdesk memory notes at a queue's end (None: memory off or not recorded)
    leaks: list[Leak]
    trials_with_leaks: int
    queues_with_leaks: int


def _stretches(size: int) -> list[tuple[int, int]]:
    """0-based (first, last) positions of each curve point: one per position, or MAX_POINTS stretches."""
    if size <= MAX_POINTS:
        return [(p, p) for p in range(size)]
    edges = np.linspace(0, size, MAX_POINTS + 1).round().astype(int)
    return [(int(a), int(b) - 1) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def _share(values: Sequence[float]) -> float | None:
    return mean(list(values))


def _by_queue(records: Iterable[TrialRecord]) -> dict[tuple[str, int], dict[int, TrialRecord]]:
    queues: dict[tuple[str, int], dict[int, TrialRecord]] = {}
    for r in records:
        if r.queue is not None:
            queues.setdefault((r.persona, r.trial), {})[r.queue.position] = r
    return queues


def sequential_summary(
    records: Iterable[TrialRecord], queue_records: list[QueueRecord], memory: bool, order: str
) -> SequentialSummary | None:
    queues = _by_queue(records)
    if not queues:
        return None
    size = max(max(q) + 1 for q in queues.values())
    # Position -> 1/0 per queue, scored customers only (an excluded trial has no score).
    scored = [{p: float(succeeded(r.reward)) for p, r in q.items() if r.reward is not None} for q in queues.values()]
    curve = []
    for i, (first, last) in enumerate(_stretches(size)):
        # One value per queue (its success over the stretch): the bootstrap resamples queues.
        span = range(first, last + 1)
        per_queue = [v for s in scored if (v := _share([s[p] for p in span if p in s])) is not None]
        curve.append(
            CurvePoint(
                first=first + 1,
                last=last + 1,
                trials=sum(p in s for s in scored for p in span),
                success=_share(per_queue),
                ci=bootstrap_ci(per_queue, seed=i),
            )
        )
    third = max(1, size // 3)
    gains, early, late = [], [], []
    for s in scored:
        e = _share([s[p] for p in range(third) if p in s])
        lt = _share([s[p] for p in range(size - third, size) if p in s])
        early += [e] if e is not None else []
        late += [lt] if lt is not None else []
        if e is not None and lt is not None:
            gains.append(lt - e)
    leaky = [(key, r) for key, q in queues.items() for r in q.values() if leaks_of(r)]
    notes = [len(q.memory.notes) for q in queue_records if q.memory is not None]
    return SequentialSummary(
        queues=len(queues),
        queue_size=size,
        memory=memory,
        order=order,
        curve=curve,
        early=_share(early),
        late=_share(late),
        learning_gain=_share(gains),
        learning_gain_ci=bootstrap_ci(gains, seed=size),
        fresh_starts=sum(r.queue.start == "fresh" for q in queues.values() for r in q.values() if r.queue),
        notes_per_queue=_share([float(n) for n in notes]) if memory and notes else None,
        leaks=[leak for _, r in leaky for leak in leaks_of(r)],
        trials_with_leaks=len(leaky),
        queues_with_leaks=len({key for key, _ in leaky}),
    )
