"""Statistics checked against hand-computed values: pass^k/pass@k rows and their CIs, flips, the
per-trial table and its breakdowns, cost and latency percentiles, and ``frontdesk.load_run``."""

from __future__ import annotations

import os
import subprocess
import sys
from math import comb

import pandas as pd
import pytest

from frontdesk.envs import Task, UserScenario
from frontdesk.eval import ErrorClass, TerminationReason, TrialRecord
from frontdesk.eval.checker import Component, Verdict
from frontdesk.eval.metrics import (
    TrialOutcomeRow,
    breakdown,
    component_failures,
    per_cell,
    summarize,
    tally_cells,
    trial_table,
    usage_stats,
)
from frontdesk.eval.stats import bootstrap_ci, flip_rate, pass_k_rows
from frontdesk.trajectory import Usage

# --- pass^k / pass@k rows -------------------------------------------------------------------------


def test_pass_k_rows_hand_computed() -> None:
    rows = pass_k_rows([(4, 2), (3, 3), (1, 0)], max_k=4)
    assert [r.tasks for r in rows] == [3, 2, 2, 1]  # a cell counts for k only with >= k scored trials
    assert rows[0].pass_hat_k == pytest.approx((2 / 4 + 1 + 0) / 3)
    assert rows[0].pass_at_k == pytest.approx(0.5)
    assert rows[1].pass_hat_k == pytest.approx((1 / 6 + 1) / 2)  # C(2,2)/C(4,2) and 1
    assert rows[1].pass_at_k == pytest.approx((5 / 6 + 1) / 2)  # 1 - C(2,2)/C(4,2) and 1
    assert rows[2].pass_hat_k == pytest.approx(0.5)  # C(2,3) = 0 and 1
    assert rows[2].pass_at_k == pytest.approx(1.0)
    assert rows[3].pass_hat_k == 0.0 and rows[3].pass_at_k == 1.0
    assert rows[3].pass_hat_k_ci is None and rows[3].pass_at_k_ci is None  # one task: no interval


def test_bootstrap_ci_hand_computed() -> None:
    assert bootstrap_ci([0.5] * 5) == (0.5, 0.5)  # no spread, no interval width
    assert bootstrap_ci([0.0, 1.0]) == (0.0, 1.0)  # a quarter of resamples are all-0, a quarter all-1
    # Resampled mean of ten values with one 1 is Binomial(10, 0.1)/10: P(0) = 0.35 > 2.5%, and
    # P(<= 0.2) = 0.930 < 97.5% < P(<= 0.3) = 0.987, so the interval is 0.0–0.3.
    assert bootstrap_ci([0.0] * 9 + [1.0]) == pytest.approx((0.0, 0.3))
    assert bootstrap_ci([1.0]) is None and bootstrap_ci([]) is None


def test_summary_has_pass_at_k_intervals_and_flip_rate() -> None:
    def row(task: str, trial: int, reward: float) -> TrialOutcomeRow:
        return TrialOutcomeRow(task_id=task, trial=trial, reward=reward, error_class=None, termination="user_stop")

    rows = [row("A", 0, 1), row("A", 1, 0), row("A", 2, 1), row("B", 0, 1), row("B", 1, 1), row("B", 2, 1),
            row("C", 0, 0), row("D", 0, 0), row("D", 1, 0)]  # fmt: skip
    s = summarize(rows, list("ABCD"), trials_per_task=3)
    # A both passed and failed; B and D did not; C has one scored trial, so it cannot flip.
    assert s.flipped_tasks == 1 and s.flip_rate == pytest.approx(1 / 3)
    k1 = s.rows[0]
    assert k1.pass_at_k == pytest.approx((2 / 3 + 1 + 0 + 0) / 4)
    lo, hi = k1.pass_at_k_ci
    assert lo <= k1.pass_at_k <= hi
    assert s.rows[2].pass_at_k == pytest.approx((1 + 1) / 2)  # A and B have 3 scored trials
    assert s() is s  # `view.summary()` and `view.summary` are one object


# --- the per-trial table ---------------------------------------------------------------------------

TASKS = {
    "A": Task(id="A", tags=["x", "y"], user_scenario=UserScenario(reason_for_contact="a"),
              gold_actions=[{"name": "f"}, {"name": "g"}]),
    "B": Task(id="B", tags=["y"], user_scenario=UserScenario(reason_for_contact="b"), gold_actions=[{"name": "f"}]),
    "C": Task(id="C", user_scenario=UserScenario(reason_for_contact="c")),
}  # fmt: skip


def record(
    task: str,
    trial: int,
    failed: tuple[str, ...] = (),
    persona: str = "regular",
    user_error: bool = False,
    duration: float = 1.0,
    cost: float | None = 0.01,
    termination: TerminationReason = TerminationReason.USER_STOP,
) -> TrialRecord:
    verdict = None
    if not user_error:
        verdict = Verdict.of(
            [
                Component(name="db_state", passed="db_state" not in failed),
                Component(name="required_outputs", passed="required_outputs" not in failed),
                Component(name="no_collateral_damage", passed="collateral" not in failed, gating=False),
            ]
        )
    return TrialRecord(
        task_id=task,
        persona=persona,
        trial=trial,
        seed=trial,
        termination=TerminationReason.USER_ERROR if user_error else termination,
        error_class=ErrorClass.USER if user_error else ErrorClass.AGENT if termination.value == "max_turns" else None,
        reward=None if verdict is None else verdict.reward,
        verdict=verdict,
        agent_usage=Usage(calls=2, prompt_tokens=100, completion_tokens=10, cost_usd=cost),
        user_usage=Usage(calls=1, prompt_tokens=50, completion_tokens=5, cost_usd=0.0),
        started_at=1000.0 + trial,
        duration_s=duration,
        messages=[],
    )


RECORDS = [
    record("A", 0), record("A", 1, failed=("db_state", "collateral")), record("A", 2),
    record("B", 0, failed=("required_outputs",)), record("B", 1, failed=("db_state", "required_outputs")),
    record("B", 2, user_error=True),
    record("C", 0, termination=TerminationReason.MAX_TURNS, failed=("required_outputs",), cost=None),
]  # fmt: skip


@pytest.fixture
def trials() -> pd.DataFrame:
    return trial_table(RECORDS, run="r", domain="mock", tasks=TASKS)


def test_trial_table_has_one_row_per_trial_with_task_facts(trials) -> None:
    assert len(trials) == 7
    a0 = trials[(trials.task_id == "A") & (trials.trial == 0)].iloc[0]
    assert a0["tags"] == ["x", "y"] and a0["gold_actions"] == 2 and a0["passed"]
    assert a0["tokens"] == 165 and a0["cost_usd"] == pytest.approx(0.01)
    a1 = trials[(trials.task_id == "A") & (trials.trial == 1)].iloc[0]
    assert a1["failed_components"] == ["db_state"]  # gating failures only
    assert not a1["check_db_state"] and not a1["info_no_collateral_damage"]
    b2 = trials[(trials.task_id == "B") & (trials.trial == 2)].iloc[0]
    assert not b2["scored"] and pd.isna(b2["passed"]) and b2["error_class"] == "user"
    assert pd.isna(trials[trials.task_id == "C"].iloc[0]["cost_usd"])  # unknown price is not $0


def test_empty_table_keeps_its_columns() -> None:
    empty = trial_table([], run="r", domain="mock", tasks={})
    assert len(empty) == 0 and {"task_id", "passed", "cost_usd", "duration_s"} <= set(empty.columns)


def test_per_cell_counts_and_flip_rate(trials) -> None:
    cells = per_cell(trials).set_index("task_id")
    assert cells.loc["A", ["trials", "scored", "successes", "user_excluded"]].tolist() == [3, 3, 2, 0]
    assert cells.loc["B", ["trials", "scored", "successes", "user_excluded"]].tolist() == [3, 2, 0, 1]
    assert cells.loc["A", "flipped"] and not cells.loc["B", "flipped"] and not cells.loc["C", "flipped"]
    # A flipped, B did not; C has a single scored trial
    assert flip_rate(zip(cells["scored"], cells["successes"], strict=True)) == pytest.approx(1 / 2)


def test_the_table_and_the_summary_count_cells_the_same_way(trials) -> None:
    from frontdesk.eval.report import _summarize

    manifest = {"task_ids": ["A", "B", "C"], "config": {"trials": 3}}
    summary = _summarize(manifest, RECORDS, [], [RECORDS[0].persona])
    cells = per_cell(trials).set_index("task_id")
    for t in summary.per_task:
        assert [t.valid, t.successes, t.user_excluded, t.flipped] == cells.loc[
            t.task_id, ["scored", "successes", "user_excluded", "flipped"]
        ].tolist()
    assert summary.flip_rate == flip_rate(zip(cells["scored"], cells["successes"], strict=True))


def test_tally_cells_keeps_the_grid_and_ignores_rows_outside_it() -> None:
    rows = [
        TrialOutcomeRow(task_id="A", trial=0, reward=1.0, error_class=None, termination="user_stop"),
        TrialOutcomeRow(task_id="A", trial=1, reward=None, error_class=ErrorClass.USER, termination="user_error"),
        TrialOutcomeRow(task_id="Z", trial=0, reward=0.0, error_class=None, termination="user_stop"),
    ]
    persona = rows[0].persona
    grid = tally_cells(rows, [("B", persona), ("A", persona)])
    assert list(grid) == [("B", persona), ("A", persona)]  # the grid's order, empty cells kept, Z ignored
    assert (grid[("A", persona)].valid, grid[("A", persona)].successes, grid[("A", persona)].user_excluded) == (1, 1, 1)
    assert list(tally_cells(rows)) == [("A", persona), ("Z", persona)]  # no grid: every row's cell


def test_breakdown_by_tag_explodes_and_gives_pass_hat_k(trials) -> None:
    by_tag = breakdown(trials, "tags").set_index("tags")
    assert list(by_tag.index) == ["(none)", "x", "y"]
    assert by_tag.loc["x", ["trials", "scored", "successes", "cells"]].tolist() == [3, 3, 2, 1]
    assert by_tag.loc["y", ["trials", "scored", "successes", "user_excluded", "cells"]].tolist() == [6, 5, 2, 1, 2]
    assert by_tag.loc["y", "success_rate"] == pytest.approx(2 / 5)
    # y holds A (2 of 3) and B (0 of 2): pass^2 = mean(C(2,2)/C(3,2), 0) = 1/6; pass^3 only A: C(2,3) = 0
    assert by_tag.loc["y", "pass^1"] == pytest.approx((2 / 3 + 0) / 2)
    assert by_tag.loc["y", "pass^2"] == pytest.approx((1 / comb(3, 2) + 0) / 2)
    assert by_tag.loc["y", "pass^3"] == pytest.approx(0.0)
    assert by_tag.loc["(none)", "pass^1"] == pytest.approx(0.0)


def test_breakdown_by_trial_level_columns_has_counts_only(trials) -> None:
    by_end = breakdown(trials, "termination").set_index("termination")
    assert by_end["trials"].to_dict() == {"max_turns": 1, "user_error": 1, "user_stop": 5}
    assert "pass^1" not in by_end.columns  # a termination reason is not a property of a task
    by_class = breakdown(trials, "error_class").set_index("error_class")
    assert by_class["trials"].to_dict() == {"(none)": 5, "agent": 1, "user": 1}
    by_gold = breakdown(trials, "gold_actions").set_index("gold_actions")
    assert by_gold["cells"].to_dict() == {0: 1, 1: 1, 2: 1}


def test_component_failures(trials) -> None:
    c = component_failures(trials).set_index("component")
    # 6 scored trials, 4 failed: A1 (db_state), B0 (outputs), B1 (db_state + outputs), C0 (outputs)
    assert c.loc["required_outputs", ["checked", "failed", "sole_cause"]].tolist() == [6, 3, 2]
    assert c.loc["db_state", ["checked", "failed", "sole_cause"]].tolist() == [6, 2, 1]
    assert c.loc["db_state", "share_of_failed_trials"] == pytest.approx(2 / 4)
    assert c.loc["no_collateral_damage", "failed"] == 1 and not c.loc["no_collateral_damage", "gating"]


def test_usage_stats_mean_p50_p95_total() -> None:
    records = [
        record("A", i, duration=d, cost=c) for i, (d, c) in enumerate([(1, 0.01), (2, 0.02), (3, None), (4, 0.03)])
    ]
    stats = usage_stats(trial_table(records, run="r", domain="mock", tasks=TASKS)).set_index("metric")
    latency = stats.loc["duration_s"]
    assert latency[["trials", "mean", "p50", "p95", "total"]].tolist() == pytest.approx([4, 2.5, 2.5, 3.85, 10])
    cost = stats.loc["cost_usd"]  # the trial with an unknown price is counted apart, not as $0
    assert cost["trials"] == 3 and cost["unknown"] == 1
    assert cost["total"] == pytest.approx(0.06) and cost["p50"] == pytest.approx(0.02)
    assert stats.loc["tokens", "total"] == 4 * 165


# --- frontdesk.load_run ----------------------------------------------------------------------------


def test_top_level_load_run_is_lazy_and_reads_a_run(tmp_path) -> None:
    from frontdesk.eval import RunConfig, run

    run(RunConfig(domain="mock", task_ids=["product-price", "read-order-status"], trials=2), tmp_path / "run")
    code = (
        "import sys, frontdesk\n"
        "assert 'pandas' not in sys.modules and 'frontdesk.eval' not in sys.modules, 'import frontdesk is heavy'\n"
        f"view = frontdesk.load_run({str(tmp_path / 'run')!r})\n"
        "print(len(view.trials), view.summary().rows[1].pass_hat_k, view.summary.trials_valid)\n"
    )
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["4", "1.0", "4"]
