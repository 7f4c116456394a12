"""`frontdesk regrade`: saved trajectories re-scored against the current tasks, with no model calls."""

from __future__ import annotations

import json
from collections import OrderedDict

import pytest
from conftest import Say
from test_cli import frontdesk

from frontdesk.envs import get_domain
from frontdesk.errors import ConfigError, RunFolderError
from frontdesk.eval import RunConfig, load_run, run
from frontdesk.eval.config import domain_fingerprint
from frontdesk.eval.regrade import REGRADE_LOG, regrade_run
from frontdesk.eval.store import RunStore


@pytest.fixture
def mock():
    return get_domain("mock")


def patch_tasks(monkeypatch, domain, **changes) -> None:
    """Replace tasks of the installed domain for this test: {task id: {field: value}}."""
    tasks = [t.model_copy(update=changes[t.id]) if t.id in changes else t for t in domain.tasks]
    monkeypatch.setitem(domain.__dict__, "tasks", tasks)


def gold_with(task, index: int, **arguments):
    gold = list(task.gold_actions)
    gold[index] = gold[index].model_copy(update={"arguments": {**gold[index].arguments, **arguments}})
    return gold


@pytest.mark.parametrize("agent", ["scripted/oracle", "scripted/null"])
def test_regrade_of_an_unchanged_domain_reproduces_every_verdict(tmp_path, agent) -> None:
    source = tmp_path / "run"
    run(RunConfig(domain="mock", agent=agent, trials=2), source)
    report = regrade_run(source)
    assert report.folder == tmp_path / f"run-regraded-{domain_fingerprint(get_domain('mock'))[:8]}"
    assert len(report.trials) == 30 and report.changed == [] and report.diverged == [] and report.dropped == []
    old = {r.key: r for r in RunStore(source).records()}
    new = {r.key: r for r in RunStore(report.folder).records()}
    assert old.keys() == new.keys()
    for key, record in new.items():
        assert record.verdict == old[key].verdict and record.reward == old[key].reward
        assert record.messages == old[key].messages and record.seed == old[key].seed
    manifest = RunStore(report.folder).read_manifest()
    source_manifest = RunStore(source).read_manifest()
    assert manifest["regraded_from"]["folder"] == str(source)
    assert manifest["regraded_from"]["config_hash"] == source_manifest["config_hash"]
    assert manifest["config_hash"] == source_manifest["config_hash"]  # same config on the same domain
    assert load_run(report.folder).summary.rows == load_run(source).summary.rows
    log = [json.loads(line) for line in (report.folder / REGRADE_LOG).read_text().splitlines()]
    assert len(log) == 30 and not any(entry["verdict_changed"] for entry in log)


def test_a_task_fix_changes_exactly_the_affected_trials(tmp_path, monkeypatch, mock) -> None:
    source = tmp_path / "run"
    run(RunConfig(domain="mock", trials=2), source)  # the oracle passes every task
    before = domain_fingerprint(mock)
    cancel = mock.task("cancel-pending-order")
    patch_tasks(
        monkeypatch,
        mock,
        **{
            "product-price": {"required_outputs": ["42.00"]},
            "cancel-pending-order": {"gold_actions": gold_with(cancel, 2, reason="ordered by mistake")},
        },
    )
    report = regrade_run(source, tmp_path / "fixed")
    changed = {(t.task_id, t.trial): t for t in report.changed}
    assert set(changed) == {
        ("product-price", 0),
        ("product-price", 1),
        ("cancel-pending-order", 0),
        ("cancel-pending-order", 1),
    }
    assert all(t.old_reward == 1.0 and t.new_reward == 0.0 for t in changed.values())
    assert changed[("product-price", 0)].failed == ["required_outputs"]
    assert changed[("cancel-pending-order", 1)].failed == ["db_state"]
    assert report.diverged == []  # the tools still answer as recorded: only the verdicts moved
    manifest = RunStore(report.folder).read_manifest()
    assert manifest["domain_fingerprint"] == domain_fingerprint(mock) != before
    assert manifest["regraded_from"]["domain_fingerprint"] == before
    rows = load_run(report.folder).summary.rows
    assert rows[0].pass_hat_k == pytest.approx(13 / 15)


def test_a_changed_tool_result_is_reported_for_that_trial(tmp_path, monkeypatch, mock) -> None:
    source = tmp_path / "run"
    run(RunConfig(domain="mock"), source)
    seed = json.loads(json.dumps(mock.seed_data))
    seed["products"]["P104"]["price"] = 43.0
    monkeypatch.setitem(mock.__dict__, "seed_data", seed)
    monkeypatch.setattr(mock, "_pristine_cache", OrderedDict())  # built from the old seed data
    monkeypatch.delitem(mock.__dict__, "_seed", raising=False)  # so is the validated seed
    report = regrade_run(source, tmp_path / "new")
    [diverged] = report.diverged
    assert diverged.task_id == "product-price"  # the only trial that read the product table
    [mismatch] = diverged.mismatches
    assert mismatch.tool == "get_product_details" and '"price": 41.0' in mismatch.recorded
    assert '"price": 43.0' in mismatch.replayed


def test_an_edited_trial_file_is_reported_and_the_command_fails(tmp_path) -> None:
    source = tmp_path / "run"
    run(RunConfig(domain="mock", task_ids=["read-order-total", "update-email"]), source)
    trials = source / "trials.jsonl"
    trials.write_text(trials.read_text().replace('\\"total\\": 90.75', '\\"total\\": 99.75'))
    result = frontdesk("regrade", str(source), "--out", str(tmp_path / "new"))
    assert result.returncode == 1, result.stderr
    assert "1 replay(s) diverged" in result.stdout
    assert "diverged read-order-total (regular) #0: message" in result.stdout and "99.75" in result.stdout
    assert (tmp_path / "new" / "trials.jsonl").exists()  # written all the same, with the reason beside it


def test_regrade_refuses_a_used_output_folder(tmp_path) -> None:
    source = tmp_path / "run"
    run(RunConfig(domain="mock", task_ids=["update-email"]), source)
    regrade_run(source, tmp_path / "new")
    with pytest.raises(RunFolderError, match="already exists; choose a new folder with --out"):
        regrade_run(source, tmp_path / "new")


def test_judged_assertions_are_carried_over_or_rerun_with_a_judge(tmp_path, monkeypatch, mock, replay) -> None:
    patch_tasks(monkeypatch, mock, **{"product-price": {"judged_assertions": ["The agent states the price."]}})
    source = tmp_path / "run"
    replay.script("judge", [Say("VERDICT: PASS"), Say("VERDICT: PASS")])
    run(RunConfig(domain="mock", task_ids=["product-price"], trials=2, judge="replay/judge"), source)
    assert len(replay.requests_for("judge")) == 2

    carried = regrade_run(source, tmp_path / "carried")  # no judge: the recorded judgement stands
    assert carried.changed == [] and len(replay.requests_for("judge")) == 2

    patch_tasks(monkeypatch, mock, **{"product-price": {"judged_assertions": ["The agent offers a discount."]}})
    with pytest.raises(ConfigError, match="pass --judge MODEL"):
        regrade_run(source, tmp_path / "refused")
    assert not (tmp_path / "refused").exists()  # nothing written

    replay.script("judge", [Say("No discount.\nVERDICT: FAIL"), Say("VERDICT: FAIL")])
    judged = regrade_run(source, tmp_path / "judged", judge="replay/judge")
    assert [t.failed for t in judged.changed] == [["judged_assertions"], ["judged_assertions"]]
    record = RunStore(tmp_path / "judged").records()[0]
    assert record.judge_usage.calls == 1  # this regrade's judging, not the run's
    assert RunStore(tmp_path / "judged").read_manifest()["config"]["judge"] == "replay/judge"
