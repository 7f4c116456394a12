"""`frontdesk compare RUN_A RUN_B`: paired by task, a paired bootstrap, refusals that say why."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from test_cli import assert_one_line_error, frontdesk

from frontdesk.errors import RunFolderError
from frontdesk.eval import RunConfig, RunView, run
from frontdesk.eval.compare import compare_runs
from frontdesk.eval.metrics import RunSummary, TaskTally

SIMULATOR = {
    "model": "scripted/user",
    "strategy": "plain",
    "temperature": 0.0,
    "prompt_version": 1,
    "personas": ["regular"],
}


def view(name: str, cells: dict[str, tuple[int, int]], **manifest) -> RunView:
    """A run in memory: {task: (successes, scored trials)}."""
    tallies = [TaskTally(task_id=t, valid=n, successes=c) for t, (c, n) in cells.items()]
    summary = RunSummary(tasks=len(cells), trials_expected=0, trials_valid=0, trials_user_excluded=0,
                         trials_pending=0, infra_failures=0, average_reward=None, rows=[], per_task=tallies)  # fmt: skip
    base = {"config": {"domain": "mock", "judge": None}, "task_ids": list(cells), "simulator": SIMULATOR,
            "domain_fingerprint": "f"}  # fmt: skip
    return RunView(Path(name), {**base, **manifest}, [], [], summary)


TASKS = [f"t{i}" for i in range(10)]


def test_identical_runs_are_not_distinguishable() -> None:
    a = view("a", {t: (i % 4, 3) for i, t in enumerate(TASKS)})
    c = compare_runs(a, view("b", {t: (i % 4, 3) for i, t in enumerate(TASKS)}))
    assert [r.k for r in c.rows] == [1, 2, 3]
    for row in c.rows:
        assert row.difference == 0.0 and row.ci == (0.0, 0.0)
        assert row.distinguishable is False
        assert row.verdict == "difference is not distinguishable from noise at 95%"
    assert c.changed == [] and c.cells == 10


def test_zero_versus_all_is_distinguishable() -> None:
    c = compare_runs(view("a", {t: (0, 3) for t in TASKS}), view("b", {t: (3, 3) for t in TASKS}))
    for row in c.rows:
        assert row.pass_hat_k_a == 0.0 and row.pass_hat_k_b == 1.0
        assert row.difference == 1.0 and row.ci == (1.0, 1.0)
        assert row.distinguishable and row.verdict == "difference is distinguishable from noise at 95%"
    assert len(c.changed) == 10 and all(t.delta == 1.0 for t in c.changed)


def test_one_task_changing_among_many_is_noise_and_is_listed() -> None:
    a = view("a", {t: (3, 3) for t in TASKS})
    b = view("b", {**{t: (3, 3) for t in TASKS}, "t4": (1, 3)})
    c = compare_runs(a, b)
    k1 = c.rows[0]
    assert k1.difference == pytest.approx(-(2 / 3) / 10)
    assert k1.ci[0] < 0 and k1.ci[1] == 0.0 and not k1.distinguishable  # 0 inside the interval
    [changed] = c.changed
    assert (changed.task_id, changed.a, changed.b) == ("t4", (3, 3), (1, 3))


def test_pairs_by_task_and_uses_the_smaller_trial_count() -> None:
    # B ran 5 trials, A 3: pass^k up to 3, each computed from its own run's n.
    c = compare_runs(view("a", {"t0": (3, 3), "t1": (0, 3)}), view("b", {"t0": (4, 5), "t1": (5, 5)}))
    assert [r.k for r in c.rows] == [1, 2, 3]
    assert c.rows[1].pass_hat_k_b == pytest.approx((6 / 10 + 1) / 2)  # C(4,2)/C(5,2) and 1


def test_a_single_task_cannot_tell() -> None:
    c = compare_runs(view("a", {"t0": (0, 2)}), view("b", {"t0": (2, 2)}))
    assert c.rows[0].ci is None and c.rows[0].distinguishable is None
    assert "cannot tell" in c.rows[0].verdict


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"task_ids": TASKS[:9]}, "the task sets differ (only in A: t9; only in B: none)"),
        ({"simulator": {**SIMULATOR, "temperature": 0.7}}, "the simulated customer differs (temperature: 0.0 -> 0.7)"),
        ({"domain_fingerprint": "g"}, "the domain's tasks, data or policy changed"),
        ({"config": {"domain": "mock", "judge": "openai/gpt-4o"}}, "the judge differs (None vs openai/gpt-4o)"),
    ],
    ids=["tasks", "simulator", "domain", "judge"],
)
def test_refuses_runs_that_do_not_measure_the_same_thing(change, reason) -> None:
    a = view("a", {t: (1, 1) for t in TASKS})
    b = view("b", {t: (1, 1) for t in TASKS}, **change)
    if "task_ids" in change:
        a = view("a", {t: (1, 1) for t in TASKS}, task_ids=TASKS)
    with pytest.raises(RunFolderError, match="--force") as refused:
        compare_runs(a, b)
    assert reason in str(refused.value)
    forced = compare_runs(a, b, force=True)
    assert forced.overridden and reason in forced.overridden[0]


def test_refusal_names_each_sides_own_tasks_and_counts_the_rest() -> None:
    a = view("a", {t: (1, 1) for t in [*TASKS[:2], *(f"a{i}" for i in range(8))]})
    b = view("b", {t: (1, 1) for t in [*TASKS[:2], "b0"]})
    with pytest.raises(RunFolderError) as refused:
        compare_runs(a, b)
    assert "(only in A: a0, a1, a2, a3, a4 and 3 more; only in B: b0)" in str(refused.value)


# --- the command, on real runs ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("compare")
    tasks = ["product-price", "cancel-pending-order", "update-email", "read-order-total", "refuse-cancel-shipped"]
    folders = {}
    # "null": only talks, except on the refusal, which it handles as the oracle does
    mixed = "py:scripted_mixes:refuses_well"
    for name, agent in [("oracle", "scripted/oracle"), ("oracle2", "scripted/oracle"), ("null", mixed)]:
        folders[name] = root / name
        run(RunConfig(domain="mock", agent=agent, task_ids=tasks, trials=2), folders[name])
    return folders


def test_compare_command_oracle_against_null(runs) -> None:
    result = frontdesk("compare", str(runs["oracle"]), str(runs["null"]))
    assert result.returncode == 0, result.stderr
    assert "5 tasks scored in both runs" in result.stdout
    # null passes only the refusal: 4 of 5 tasks drop from 1 to 0
    assert "pass^1: B − A = -0.800: difference is distinguishable from noise at 95%." in result.stdout
    assert "product-price (regular): 2/2 -> 0/2  worse in B" in result.stdout
    # the paired interval of a drop reads as an interval, not as "-1.000–-0.400"
    k1 = next(line for line in result.stdout.splitlines() if line.startswith("│ 1 "))
    assert re.search(r"│ \[-\d\.\d{3}, -\d\.\d{3}\] │", k1), k1
    assert "–" not in result.stdout
    assert "refuse-cancel-shipped" not in result.stdout
    same = frontdesk("compare", str(runs["oracle"]), str(runs["oracle2"]), "--json")
    assert same.returncode == 0, same.stderr
    data = json.loads(same.stdout)
    assert [r["distinguishable"] for r in data["rows"]] == [False, False]
    assert data["rows"][0]["verdict"] == "difference is not distinguishable from noise at 95%"
    assert data["changed"] == []


def test_compare_command_refuses_with_one_line_and_force_overrides(runs, tmp_path) -> None:
    other = tmp_path / "other"
    shutil.copytree(runs["null"], other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["simulator"]["model"] = "openai/gpt-4o-mini"
    (other / "manifest.json").write_text(json.dumps(manifest))
    assert_one_line_error(
        frontdesk("compare", str(runs["oracle"]), str(other)), "simulated customer differs", "--force"
    )
    forced = frontdesk("compare", str(runs["oracle"]), str(other), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "compared anyway (--force)" in forced.stderr and "distinguishable" in forced.stdout


def test_compare_command_splits_the_task_ids_each_run_has_alone(tmp_path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    run(RunConfig(domain="mock", task_ids=["product-price", "update-email"], trials=1), a)
    run(RunConfig(domain="mock", task_ids=["product-price", "read-order-total"], trials=1), b)
    assert_one_line_error(
        frontdesk("compare", str(a), str(b)),
        "the task sets differ (only in A: update-email; only in B: read-order-total)",
        "--force",
    )
