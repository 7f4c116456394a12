"""The statistics behind the numbers: pass^k, pass@k, flips, bootstrap intervals.

Pure functions of counts. A *cell* is given as (scored trials, successes); where the counts come
from (a run's records, a table, two runs paired) is :mod:`frontdesk.eval.metrics`'s business.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from math import comb

from pydantic import BaseModel

Cell = tuple[int, int]  # (scored trials, successes)


def _check(name: str, n: int, c: int, k: int) -> None:
    if not 0 <= c <= n or k < 1 or k > n:
        raise ValueError(f"{name} needs 0 <= c <= n and 1 <= k <= n (got n={n}, c={c}, k={k})")


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Chance that k trials drawn without replacement from n (c of them successes) all succeed."""
    _check("pass^k", n, c, k)
    return comb(c, k) / comb(n, k)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chance that at least one of k trials drawn from n (c successes) succeeds."""
    _check("pass@k", n, c, k)
    return 1.0 - comb(n - c, k) / comb(n, k)


def flipped(n: int, c: int) -> bool:
    """A cell that both passed and failed across its scored trials: luck, not skill, decides it."""
    return 0 < c < n


def flip_rate(cells: Iterable[Cell]) -> float | None:
    """Share of cells with at least two scored trials that flipped; None when there are none."""
    repeated = [(n, c) for n, c in cells if n >= 2]
    return mean([float(flipped(n, c)) for n, c in repeated])


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def bootstrap_ci(values: list[float], seed: int = 0, resamples: int = 1000) -> tuple[float, float] | None:
    """95% percentile bootstrap of the mean; fixed seed so a report is reproducible. None below 2 values.

    Paired comparisons pass per-task differences, which makes this a paired bootstrap.
    """
    if len(values) < 2:
        return None
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


class KRow(BaseModel):
    k: int
    pass_hat_k: float | None
    pass_hat_k_ci: tuple[float, float] | None
    pass_at_k: float | None
    tasks: int  # (task, persona) cells with at least k valid trials: the denominator of this row
    pass_at_k_ci: tuple[float, float] | None = None


def pass_k_rows(cells: list[Cell], max_k: int) -> list[KRow]:
    """pass^k and pass@k for k = 1..max_k, averaged over cells given as (scored trials, successes).

    A cell counts towards k only if it has at least k scored trials.
    """
    rows = []
    for k in range(1, max_k + 1):
        eligible = [(n, c) for n, c in cells if n >= k]
        hat = [pass_hat_k(n, c, k) for n, c in eligible]
        at = [pass_at_k(n, c, k) for n, c in eligible]
        rows.append(
            KRow(
                k=k,
                pass_hat_k=mean(hat),
                pass_hat_k_ci=bootstrap_ci(hat, seed=k),
                pass_at_k=mean(at),
                pass_at_k_ci=bootstrap_ci(at, seed=k),
                tasks=len(eligible),
            )
        )
    return rows
