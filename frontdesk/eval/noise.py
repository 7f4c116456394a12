"""How much of a number is noise: the minimum detectable difference (MDD) and trial planning.

Comparisons are paired by (task, persona) cell, so what differs between two runs of the same tasks
is each cell's trial-to-trial luck; how hard the tasks are cancels out. The MDD is the difference
in pass^k that such a comparison finds 80% of the time at α = 0.05 (two-sided), from the normal
approximation: MDD = (z₁₋α/₂ + z_power) × SE(mean per-cell difference).

- Of **one run** (``report``), projected onto two runs of its size and agent: each cell's
  difference then has variance 2·Var(its pass^k estimate), estimated without bias from the cell's
  own trials (needs n ≥ 2k; see :func:`cell_variance`).
- Of **a comparison** (``compare``): the observed per-cell differences' standard deviation.
- **Planning** (``plan``): the trials per task that bring the pass^1 MDD down to a target, from a
  pilot run's within-task variance (or the worst case, p = 0.5, without one).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist

from pydantic import BaseModel

from frontdesk.errors import ConfigError
from frontdesk.eval.stats import Cell, flip_rate, pass_hat_k

ALPHA = 0.05
POWER = 0.80
MDD_LABEL = "MDD: minimum detectable difference at 80% power, α = 0.05 two-sided, paired by task"


def z_sum(alpha: float = ALPHA, power: float = POWER) -> float:
    """z₁₋α/₂ + z_power: 1.96 + 0.84 = 2.80 at the defaults."""
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError(f"alpha and power must be between 0 and 1 (got {alpha}, {power})")
    normal = NormalDist()
    return normal.inv_cdf(1 - alpha / 2) + normal.inv_cdf(power)


def cell_variance(n: int, c: int, k: int) -> float | None:
    """Unbiased estimate of the variance of one cell's pass^k estimate C(c,k)/C(n,k); None if n < 2k.

    Var = E[U²] − p^(2k): U² estimates the first term and C(c,2k)/C(n,2k) the second, both without
    bias. For k = 1 this is c(n−c)/(n²(n−1)), the usual s²/n. With fewer than 2k trials no unbiased
    estimate exists (a cell's p^(2k) cannot be estimated), so none is given rather than a guess.
    """
    if n < 2 * k:
        return None
    u = pass_hat_k(n, c, k)
    return u * u - pass_hat_k(n, c, 2 * k)


class KNoise(BaseModel):
    k: int
    cells: int  # cells in this pass^k row (at least k scored trials)
    mdd: float | None  # None: too few trials per cell (fewer than 2k) or fewer than two cells


class NoiseFloor(BaseModel):
    """The noise floor of one run: per k, the MDD between two runs of its size; and its flip rate."""

    alpha: float = ALPHA
    power: float = POWER
    rows: list[KNoise]
    flip_rate: float | None
    label: str = MDD_LABEL


def noise_floor(cells: Sequence[Cell], max_k: int, alpha: float = ALPHA, power: float = POWER) -> NoiseFloor:
    """Per k = 1..max_k, the MDD of a paired comparison of two runs shaped like this one.

    Cells in a row whose variance cannot be estimated (between k and 2k − 1 trials) are given the
    mean variance of those that can: the row's mean is still over all of them.
    """
    z = z_sum(alpha, power)
    rows = []
    for k in range(1, max_k + 1):
        in_row = [(n, c) for n, c in cells if n >= k]
        variances = [v for n, c in in_row if (v := cell_variance(n, c, k)) is not None]
        mdd = None
        if len(in_row) >= 2 and variances:
            mean_var = max(0.0, sum(variances) / len(variances))
            mdd = z * math.sqrt(2 * mean_var / len(in_row))
        rows.append(KNoise(k=k, cells=len(in_row), mdd=mdd))
    return NoiseFloor(alpha=alpha, power=power, rows=rows, flip_rate=flip_rate(cells))


def paired_mdd(differences: Sequence[float], alpha: float = ALPHA, power: float = POWER) -> float | None:
    """MDD of a paired comparison from its per-cell differences; None below two cells."""
    t = len(differences)
    if t < 2:
        return None
    mean = sum(differences) / t
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / (t - 1))
    return z_sum(alpha, power) * sd / math.sqrt(t)


def noise_verdict(difference: float | None, mdd: float | None) -> str:
    """Plain words for a difference beside its noise floor."""
    if difference is None or mdd is None:
        return "noise floor unknown (fewer than two paired tasks)"
    if difference == 0:
        return f"no difference (noise floor {mdd:.3f})"
    if abs(difference) < mdd:
        return (
            f"|B − A| = {abs(difference):.3f} is within the noise floor ({mdd:.3f}): "
            "a comparison this size misses differences this small more than 20% of the time"
        )
    return f"|B − A| = {abs(difference):.3f} is above the noise floor ({mdd:.3f})"


# --- planning -------------------------------------------------------------------------------------

WORST_CASE_VARIANCE = 0.25  # p(1 − p) at p = 0.5


class TrialPlan(BaseModel):
    """How many trials per task a paired pass^1 comparison needs to detect ``target_mdd``."""

    target_mdd: float
    alpha: float
    power: float
    cells: int  # (task, persona) cells each run covers
    variance_per_trial: float  # mean over cells of p(1 − p): one trial's outcome variance
    variance_source: str
    trials_per_task: int
    mdd_at_plan: float  # the MDD those trials give
    total_trials_per_run: int


def trial_variance(cells: Sequence[Cell]) -> tuple[float, str]:
    """Mean within-cell outcome variance p(1 − p) of a pilot, and where the figure comes from.

    Cells with at least two trials give c(n − c)/(n(n − 1)), unbiased. A pilot with single trials
    cannot separate luck from difficulty, so it gives p̄(1 − p̄), which bounds the mean from above.
    """
    repeated = [(n, c) for n, c in cells if n >= 2]
    if repeated:
        mean = sum(c * (n - c) / (n * (n - 1)) for n, c in repeated) / len(repeated)
        return mean, f"within-task variance of the pilot's {len(repeated)} cells with ≥ 2 trials"
    scored = [(n, c) for n, c in cells if n >= 1]
    if scored:
        p = sum(c for _, c in scored) / sum(n for n, _ in scored)
        return p * (1 - p), "pilot has single trials: p̄(1 − p̄), an upper bound"
    return WORST_CASE_VARIANCE, "no pilot: the worst case, every task at p = 0.5"


def plan_trials(
    target_mdd: float,
    cells: int,
    pilot: Sequence[Cell] | None = None,
    alpha: float = ALPHA,
    power: float = POWER,
) -> TrialPlan:
    """Trials per task so that two runs of ``cells`` cells detect a pass^1 difference of ``target_mdd``.

    MDD(n) = z·√(2·σ²/(n·cells)) with σ² the mean within-cell variance of one trial, so
    n = ⌈2·z²·σ²/(cells·MDD²)⌉. Assumes the difference is about the same on every task;
    a difference concentrated on a few tasks needs more.
    """
    if not 0 < target_mdd < 1:
        raise ValueError(f"the target difference must be between 0 and 1 (got {target_mdd})")
    if cells < 1:
        raise ValueError("a comparison needs at least one task")
    variance, source = trial_variance(pilot) if pilot is not None else (WORST_CASE_VARIANCE, trial_variance([])[1])
    z = z_sum(alpha, power)
    needed = max(1, math.ceil(2 * z * z * variance / (cells * target_mdd**2) - 1e-9))
    return TrialPlan(
        target_mdd=target_mdd,
        alpha=alpha,
        power=power,
        cells=cells,
        variance_per_trial=variance,
        variance_source=source,
        trials_per_task=needed,
        mdd_at_plan=z * math.sqrt(2 * variance / (needed * cells)),
        total_trials_per_run=needed * cells,
    )


class PilotPlan(BaseModel):
    plan: TrialPlan
    warnings: list[str] = []
    pilot_mdd: tuple[int, float] | None = None  # (the pilot's trials per task, the pass^1 MDD at that size)


def pilot_plan(
    domain: str,
    target_mdd: float,
    pilot: Path | str | None = None,
    agent: str | None = None,
    split: str | None = None,
    alpha: float = ALPHA,
    power: float = POWER,
) -> PilotPlan:
    """``frontdesk plan``: the trials per task for ``domain``'s tasks (of ``split``), from a pilot run's variance."""
    # Run folders and domains are read here only; importing them at the top would loop through metrics.
    from frontdesk.envs import get_domain
    from frontdesk.eval.report import load_run

    if split not in (None, "train", "test"):
        raise ConfigError(f"--split must be 'train' or 'test', not {split!r}")
    tasks = [t for t in get_domain(domain).tasks if not split or t.split == split]
    if not tasks:
        raise ConfigError(f"domain {domain!r} has no tasks in split {split!r}")
    warnings: list[str] = []
    cells: list[Cell] | None = None
    personas = 1
    pilot_mdd = None
    if pilot is not None:
        view = load_run(pilot)
        config = view.manifest["config"]
        if config["domain"] != domain:
            raise ConfigError(f"the pilot {pilot} ran on domain {config['domain']!r}, not {domain!r}")
        if agent is not None and config["agent"] != agent:
            warnings.append(
                f"the pilot's agent is {config['agent']}, not {agent}: its variance may not be this agent's"
            )
        cells = [(t.valid, t.successes) for t in view.summary.per_task]
        personas = len(view.personas)
        trials = int(config["trials"])
        at_pilot = noise_floor(cells, 1, alpha, power).rows[0].mdd if cells else None
        pilot_mdd = (trials, at_pilot) if at_pilot is not None else None
    plan = plan_trials(target_mdd, len(tasks) * personas, cells, alpha, power)
    if cells is not None and plan.variance_per_trial == 0:
        warnings.append(
            "the pilot never varied within a task (deterministic participants?): planning from it is optimistic"
        )
    return PilotPlan(plan=plan, warnings=warnings, pilot_mdd=pilot_mdd)
