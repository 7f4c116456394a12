"""The statistics behind the numbers: pass^k, pass@k, flips, bootstrap intervals.

Pure functions of counts. A *cell* is given as (scored trials, successes); where the counts come
from (a run's records, a table, two runs paired) is :mod:`frontdesk.eval.metrics`'s business.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from math import comb

import numpy as np
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


# Resamples per interval. Vectorised, 10,000 cost about a millisecond for pass/fail-derived values
# (benchmarks/bench_verify.py), and keep the endpoints' own Monte Carlo wobble well below 0.01.
RESAMPLES = 10_000
INTERVAL_LABEL = "95% percentile bootstrap over tasks (10,000 resamples, fixed seed)"


def bootstrap_means(values: Sequence[float], seed: int = 0, resamples: int = RESAMPLES) -> np.ndarray:
    """The means of ``resamples`` bootstrap resamples of ``values`` (each drawn with replacement, same size).

    Per-cell pass^k values take few distinct values (a cell with n trials has at most n + 1), so
    the usual path draws how often each distinct value is picked — Multinomial(n, its share) —
    which has exactly the distribution of resampling the values one by one, at a cost that does
    not grow with n. Many distinct values fall back to drawing indices, in chunks that bound memory.
    """
    x = np.asarray(values, dtype=float)
    n = x.size
    rng = np.random.default_rng(seed)
    distinct, counts = np.unique(x, return_counts=True)
    if distinct.size <= 64 or distinct.size * 16 <= n:
        picks = rng.multinomial(n, counts / n, size=resamples)
        return picks @ distinct / n
    out = np.empty(resamples)
    per_chunk = max(1, (1 << 22) // n)  # about 16 MB of int32 indices at a time
    for start in range(0, resamples, per_chunk):
        m = min(per_chunk, resamples - start)
        out[start : start + m] = x[rng.integers(0, n, size=(m, n), dtype=np.int64 if n >= 2**31 else np.int32)].mean(
            axis=1
        )
    return out


def bootstrap_ci(values: Sequence[float], seed: int = 0, resamples: int = RESAMPLES) -> tuple[float, float] | None:
    """95% percentile bootstrap of the mean; fixed seed so a report is reproducible. None below 2 values.

    Paired comparisons pass per-task differences, which makes this a paired bootstrap. Percentile,
    not BCa: pass/fail-derived values are often all equal (an oracle's 1.0s), where BCa's
    acceleration and bias correction are undefined; the percentile interval is then simply the point.
    """
    if len(values) < 2:
        return None
    means = np.sort(bootstrap_means(values, seed, resamples))
    return float(means[int(0.025 * resamples)]), float(means[int(0.975 * resamples) - 1])


class KRow(BaseModel):
    k: int
    pass_hat_k: float | None
    pass_hat_k_ci: tuple[float, float] | None
    pass_at_k: float | None
    tasks: int  # (task, persona) cells with at least k valid trials: the denominator of this row
    pass_at_k_ci: tuple[float, float] | None = None


def pass_k_rows(cells: list[Cell], max_k: int, intervals: bool = True) -> list[KRow]:
    """pass^k and pass@k for k = 1..max_k, averaged over cells given as (scored trials, successes).

    A cell counts towards k only if it has at least k scored trials. ``intervals=False`` skips the
    bootstrap (the intervals are then None) for callers that show only the point estimates.
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
                pass_hat_k_ci=bootstrap_ci(hat, seed=k) if intervals else None,
                pass_at_k=mean(at),
                pass_at_k_ci=bootstrap_ci(at, seed=k) if intervals else None,
                tasks=len(eligible),
            )
        )
    return rows
