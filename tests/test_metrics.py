"""pass^k, pass@k and the run summary built from trial outcomes."""

from __future__ import annotations

from math import comb

import pytest

from frontdesk.eval.metrics import TrialOutcomeRow, summarize
from frontdesk.eval.orchestrator import ErrorClass
from frontdesk.eval.stats import pass_at_k, pass_hat_k

# --- pass^k / pass@k --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (4, 2, 2, 1 / 6),  # C(2,2)/C(4,2)
        (5, 3, 2, 0.3),  # C(3,2)/C(5,2) = 3/10
        (4, 3, 1, 0.75),  # k=1 is the plain success rate
        (5, 4, 3, 0.4),  # C(4,3)/C(5,3) = 4/10
        (4, 3, 4, 0.0),  # fewer successes than k
    ],
)
def test_pass_hat_k_hand_computed(n: int, c: int, k: int, expected: float) -> None:
    assert pass_hat_k(n, c, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (4, 1, 2, 0.5),  # 1 - C(3,2)/C(4,2) = 1 - 3/6
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (4, 3, 1, 0.75),
        (4, 2, 3, 1.0),  # any 3 of 4 include a success
    ],
)
def test_pass_at_k_hand_computed(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_all_successes_give_one(k: int) -> None:
    assert pass_hat_k(4, 4, k) == 1.0
    assert pass_at_k(4, 4, k) == 1.0


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_no_successes_give_zero(k: int) -> None:
    assert pass_hat_k(4, 0, k) == 0.0
    assert pass_at_k(4, 0, k) == 0.0


def test_k_one_pass_hat_equals_pass_at() -> None:
    for c in range(6):
        assert pass_hat_k(5, c, 1) == pytest.approx(pass_at_k(5, c, 1)) == pytest.approx(c / 5)


def test_pass_hat_k_is_non_increasing_in_k() -> None:
    values = [pass_hat_k(8, 6, k) for k in range(1, 9)]
    assert values == sorted(values, reverse=True)
    assert values[0] == pytest.approx(6 / 8)
    assert values[1] == pytest.approx(comb(6, 2) / comb(8, 2))


@pytest.mark.parametrize("fn", [pass_hat_k, pass_at_k])
@pytest.mark.parametrize(
    ("n", "c", "k"),
    [
        (4, 5, 2),  # more successes than trials
        (4, -1, 2),  # negative successes
        (4, 2, 0),  # k must be at least 1
        (4, 2, 5),  # k larger than n
        (0, 0, 1),  # no trials at all
    ],
)
def test_invalid_inputs_raise(fn, n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError, match=f"n={n}, c={c}, k={k}"):
        fn(n, c, k)


# --- summarize -------------------------------------------------------------------------------------


def row(task: str, trial: int, reward: float | None, error: ErrorClass | None = None, term: str = "user_stop"):
    return TrialOutcomeRow(task_id=task, trial=trial, reward=reward, error_class=error, termination=term)


def test_summary_k1_is_mean_over_tasks_not_over_trials() -> None:
    # A: 3/3 successes; B: 0/1 valid (the other two pending). Mean over tasks = (1 + 0) / 2.
    rows = [row("A", 0, 1.0), row("A", 1, 1.0), row("A", 2, 1.0), row("B", 0, 0.0)]
    s = summarize(rows, ["A", "B"], trials_per_task=3)
    assert s.rows[0].k == 1
    assert s.rows[0].pass_hat_k == pytest.approx(0.5)
    assert s.average_reward == pytest.approx(3 / 4)  # average reward is over trials


def test_summary_per_k_values_and_task_denominator() -> None:
    rows = [
        row("A", 0, 1.0), row("A", 1, 1.0), row("A", 2, 0.0),  # 3 valid, 2 successes
        row("B", 0, 1.0), row("B", 1, 0.0, ErrorClass.USER, "user_error"),  # 1 valid; 1 excluded; 1 pending
    ]  # fmt: skip
    s = summarize(rows, ["A", "B"], trials_per_task=3)
    by_k = {r.k: r for r in s.rows}
    assert sorted(by_k) == [1, 2, 3]

    assert by_k[1].tasks == 2
    assert by_k[1].pass_hat_k == pytest.approx((2 / 3 + 1.0) / 2)
    assert by_k[1].pass_at_k == pytest.approx((2 / 3 + 1.0) / 2)

    # Only A has at least 2 valid trials.
    assert by_k[2].tasks == 1
    assert by_k[2].pass_hat_k == pytest.approx(1 / 3)  # C(2,2)/C(3,2)
    assert by_k[2].pass_at_k == pytest.approx(1.0)  # 1 - C(1,2)/C(3,2)

    assert by_k[3].tasks == 1
    assert by_k[3].pass_hat_k == pytest.approx(0.0)
    assert by_k[3].pass_at_k == pytest.approx(1.0)


def test_summary_row_without_any_eligible_task_is_empty() -> None:
    s = summarize([row("A", 0, 1.0)], ["A"], trials_per_task=2)
    k2 = s.rows[1]
    assert k2.tasks == 0
    assert k2.pass_hat_k is None and k2.pass_at_k is None and k2.pass_hat_k_ci is None


def test_user_error_trials_are_excluded_from_pass_hat_k_but_counted() -> None:
    rows = [row("A", 0, 1.0), row("A", 1, 0.0, ErrorClass.USER, "user_error")]
    s = summarize(rows, ["A"], trials_per_task=2)
    assert s.rows[0].pass_hat_k == pytest.approx(1.0)  # the user-error 0.0 does not count against A
    assert s.rows[0].tasks == 1
    assert s.rows[1].tasks == 0  # only one valid trial, so no pass^2
    assert s.trials_valid == 1
    assert s.trials_user_excluded == 1
    assert s.trials_pending == 0
    assert s.average_reward == pytest.approx(1.0)
    assert s.terminations == {"user_error": 1, "user_stop": 1}
    assert s.per_task[0].user_excluded == 1


def test_agent_error_trials_count_against_the_agent() -> None:
    rows = [row("A", 0, 1.0), row("A", 1, 0.0, ErrorClass.AGENT, "max_turns")]
    s = summarize(rows, ["A"], trials_per_task=2)
    assert s.trials_valid == 2
    assert s.rows[0].pass_hat_k == pytest.approx(0.5)
    assert s.rows[1].pass_hat_k == pytest.approx(0.0)


def test_pending_trials_are_counted() -> None:
    s = summarize([row("A", 0, 1.0)], ["A", "B"], trials_per_task=3, infra_failures=2)
    assert s.tasks == 2
    assert s.trials_expected == 6
    assert s.trials_pending == 5
    assert s.infra_failures == 2
    assert s.trials_valid == 1


def test_nothing_run_yet() -> None:
    s = summarize([], ["A", "B"], trials_per_task=2)
    assert s.trials_pending == 4
    assert s.average_reward is None
    assert all(r.pass_hat_k is None and r.tasks == 0 for r in s.rows)


def test_rows_for_unknown_tasks_are_ignored() -> None:
    s = summarize([row("A", 0, 1.0), row("ZZZ", 0, 0.0)], ["A"], trials_per_task=1)
    assert s.trials_valid == 1
    assert s.trials_pending == 0
    assert s.average_reward == pytest.approx(1.0)
    assert "ZZZ" not in {t.task_id for t in s.per_task}


def test_partial_reward_is_not_a_success() -> None:
    s = summarize([row("A", 0, 0.5)], ["A"], trials_per_task=1)
    assert s.per_task[0].successes == 0
    assert s.rows[0].pass_hat_k == 0.0
    assert s.average_reward == pytest.approx(0.5)


def test_ci_absent_with_one_task() -> None:
    rows = [row("A", 0, 1.0), row("A", 1, 0.0)]
    s = summarize(rows, ["A"], trials_per_task=2)
    assert s.rows[0].pass_hat_k_ci is None


def test_ci_present_with_two_tasks_and_brackets_the_mean() -> None:
    rows = [row("A", 0, 1.0), row("A", 1, 0.0), row("B", 0, 1.0), row("B", 1, 1.0)]
    s = summarize(rows, ["A", "B"], trials_per_task=2)
    k1 = s.rows[0]
    assert k1.pass_hat_k == pytest.approx(0.75)
    assert k1.pass_hat_k_ci is not None
    lo, hi = k1.pass_hat_k_ci
    assert 0.5 <= lo <= k1.pass_hat_k <= hi <= 1.0
    # k=2: A has pass^2 = 0, B has 1; still two tasks so a CI exists.
    assert s.rows[1].pass_hat_k_ci is not None


def test_ci_is_reproducible() -> None:
    rows = [row(t, i, float((i + j) % 2)) for j, t in enumerate("ABCD") for i in range(3)]
    a = summarize(rows, list("ABCD"), trials_per_task=3)
    b = summarize(rows, list("ABCD"), trials_per_task=3)
    assert [r.pass_hat_k_ci for r in a.rows] == [r.pass_hat_k_ci for r in b.rows]
