"""The noise floor: vectorised bootstrap intervals, the MDD (checked against simulation), trial planning,
and the lines `report` and `compare` print."""

from __future__ import annotations

import random
from math import comb

import numpy as np
import pytest
from test_cli import frontdesk

from frontdesk.errors import ConfigError
from frontdesk.eval import RunConfig, run
from frontdesk.eval.noise import cell_variance, noise_floor, paired_mdd, pilot_plan, plan_trials, z_sum
from frontdesk.eval.stats import bootstrap_ci, bootstrap_means, pass_hat_k


def python_percentile_ci(values: list[float], seed: int, resamples: int) -> tuple[float, float]:
    """The textbook percentile bootstrap, one resample at a time (what stats.py did before)."""
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


@pytest.mark.parametrize(
    "values",
    [
        [float(i % 3 == 0) for i in range(40)],  # pass/fail cells: the multinomial path
        [pass_hat_k(4, c, 2) for c in (0, 1, 2, 3, 4, 4, 2, 1) * 6],  # pass^2 of 4-trial cells
        [((i * 7919) % 1000) / 1000 for i in range(300)],  # many distinct values: the index path
    ],
    ids=["binary", "pass^2", "continuous"],
)
def test_vectorised_bootstrap_matches_the_one_by_one_bootstrap(values: list[float]) -> None:
    lo, hi = bootstrap_ci(values, seed=3)
    ref_lo, ref_hi = python_percentile_ci(values, seed=3, resamples=10_000)
    # Two Monte Carlo estimates of the same quantiles: the same to within their sampling error.
    width = ref_hi - ref_lo
    assert abs(lo - ref_lo) < 0.05 * width and abs(hi - ref_hi) < 0.05 * width
    assert bootstrap_ci(values, seed=3) == (lo, hi)  # seeded: a report is reproducible


def test_both_resampling_paths_draw_the_same_distribution() -> None:
    values = [float(i % 4 == 0) for i in range(64)]  # 2 distinct values: grouped; index path via many distinct
    grouped = bootstrap_means(values, seed=1, resamples=20_000)
    jitter = np.asarray(values) + np.arange(64) * 1e-9  # 64 distinct values, same distribution to 1e-7
    indexed = bootstrap_means(list(jitter), seed=1, resamples=20_000)
    assert np.std(grouped) == pytest.approx(np.std(indexed), rel=0.03)
    assert np.mean(grouped) == pytest.approx(np.mean(indexed), abs=0.003)
    # and that spread is the bootstrap's: sd of a mean of 64 draws from Bernoulli(1/4)
    assert np.std(grouped) == pytest.approx((0.25 * 0.75 / 64) ** 0.5, rel=0.03)


def test_cell_variance_is_unbiased_for_every_k() -> None:
    # Exact expectation over c ~ Binomial(n, p): the estimator must equal Var(C(c,k)/C(n,k)).
    for n, k, p in [(2, 1, 0.3), (4, 2, 0.7), (6, 3, 0.5), (5, 1, 0.9)]:
        pmf = [comb(n, c) * p**c * (1 - p) ** (n - c) for c in range(n + 1)]
        u = [pass_hat_k(n, c, k) for c in range(n + 1)]
        true_var = (
            sum(w * x * x for w, x in zip(pmf, u, strict=True)) - sum(w * x for w, x in zip(pmf, u, strict=True)) ** 2
        )
        expected = sum(w * cell_variance(n, c, k) for c, w in enumerate(pmf))
        assert expected == pytest.approx(true_var, abs=1e-12)
    assert cell_variance(3, 1, 2) is None  # 3 < 2k: no unbiased estimate, and none is made up


def simulate_cells(p: np.ndarray, trials: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    return [(trials, int(c)) for c in rng.binomial(trials, p)]


def test_mdd_matches_simulation_within_ten_percent() -> None:
    rng = np.random.default_rng(7)
    tasks, trials = 300, 4
    p = rng.uniform(0.2, 0.8, size=tasks)  # the agent's true per-task success rates
    pilot = simulate_cells(p, trials, rng)
    predicted = noise_floor(pilot, max_k=2).rows[0].mdd  # from one run, as `report` computes it

    # The truth: two runs of the same agent differ by noise alone; its SD sets the MDD.
    null = [np.mean(rng.binomial(trials, p) - rng.binomial(trials, p)) / trials for _ in range(2000)]
    simulated = z_sum() * float(np.std(null))
    assert predicted == pytest.approx(simulated, rel=0.10)

    # What it promises: a true difference of that size is found by `compare`'s own test 80% of the time.
    found = 0
    replications = 300
    for _ in range(replications):
        a = rng.binomial(trials, p) / trials
        b = rng.binomial(trials, p + predicted) / trials
        lo, hi = bootstrap_ci(list(b - a), seed=0, resamples=2000)
        found += lo > 0 or hi < 0
    assert found / replications == pytest.approx(0.80, abs=0.08)


def test_noise_floor_rows_and_paired_mdd() -> None:
    cells = [(3, 0), (3, 1), (3, 2), (3, 3)] * 5
    floor = noise_floor(cells, max_k=3)
    assert [r.k for r in floor.rows] == [1, 2, 3]
    assert floor.rows[0].mdd is not None and floor.rows[1].mdd is None  # 3 trials: pass^2 needs 4
    mean_var = sum(c * (3 - c) / (9 * 2) for _, c in cells) / len(cells)
    assert floor.rows[0].mdd == pytest.approx(z_sum() * (2 * mean_var / 20) ** 0.5)
    assert floor.flip_rate == pytest.approx(0.5)
    assert paired_mdd([0.1, -0.1, 0.3, -0.3]) == pytest.approx(z_sum() * np.std([0.1, -0.1, 0.3, -0.3], ddof=1) / 2)
    assert paired_mdd([0.5]) is None
    deterministic = noise_floor([(4, 4), (4, 0)] * 3, max_k=1)
    assert deterministic.rows[0].mdd == 0.0  # no cell ever flipped: no trial noise to speak of


def test_plan_gives_the_fewest_trials_that_reach_the_target() -> None:
    cells = [(4, c) for c in (1, 2, 3, 2, 1, 3, 0, 4)] * 10
    plan = plan_trials(0.05, cells=80, pilot=cells)
    assert plan.mdd_at_plan <= 0.05 and plan.trials_per_task > 1
    # one trial fewer would not reach it: MDD(n) = z·√(2σ²/(n·cells))
    assert z_sum() * (2 * plan.variance_per_trial / ((plan.trials_per_task - 1) * 80)) ** 0.5 > 0.05
    assert plan.total_trials_per_run == plan.trials_per_task * 80
    worst = plan_trials(0.05, cells=80)
    assert worst.variance_per_trial == 0.25 and worst.trials_per_task >= plan.trials_per_task
    single = plan_trials(0.05, cells=80, pilot=[(1, 1), (1, 0), (1, 1), (1, 1)])
    assert single.variance_per_trial == pytest.approx(0.75 * 0.25)  # p̄(1 − p̄): an upper bound
    with pytest.raises(ValueError):
        plan_trials(0.0, cells=10)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("noise")
    oracle, null = root / "oracle", root / "null"
    run(RunConfig(domain="mock", trials=2), oracle)
    run(RunConfig(domain="mock", agent="scripted/null", trials=2), null)
    return oracle, null


def test_pilot_plan_reads_a_run_and_refuses_another_domain(runs) -> None:
    oracle, null = runs
    result = pilot_plan("mock", 0.1, pilot=null, agent="openai/gpt-4o-mini")
    assert result.plan.cells == 15 and "openai/gpt-4o-mini" in result.warnings[0]
    assert "never varied within a task" in result.warnings[1]  # scripted participants are deterministic
    with pytest.raises(ConfigError, match="ran on domain 'mock', not 'retail'"):
        pilot_plan("retail", 0.1, pilot=oracle)


def test_report_and_compare_print_the_noise_floor(runs) -> None:
    oracle, null = runs
    report = frontdesk("report", str(null))
    assert report.returncode == 0, report.stderr
    assert "noise floor between two runs of this size: pass^1" in report.stdout
    assert "needs ≥ 4 trials per task" in report.stdout  # pass^2 with 2 trials
    assert "95% percentile bootstrap over tasks (10,000 resamples" in report.stdout
    compared = frontdesk("compare", str(null), str(oracle))
    assert compared.returncode == 0, compared.stderr
    assert "pass^1: |B − A| = " in compared.stdout and "above the noise floor" in compared.stdout
    same = frontdesk("compare", str(oracle), str(oracle))
    assert "pass^1: no difference" in same.stdout
    planned = frontdesk("plan", "--domain", "mock", "--mdd", "0.05", "--pilot", str(null), "--agent", "scripted/null")
    assert planned.returncode == 0, planned.stderr
    assert (
        "trial(s) per task" in planned.stdout and "frontdesk run --domain mock --agent scripted/null" in planned.stdout
    )
