"""Judged assertions: a configured judge model scores them; its reasoning is kept; its failure is infra."""

from __future__ import annotations

import pytest
from conftest import COMPLETION_TOKENS, PROMPT_TOKENS, Repeat, Say, server_error
from test_cli import assert_one_line_error, frontdesk

from frontdesk.envs import get_domain
from frontdesk.errors import ConfigError
from frontdesk.eval import InfraFailure, RunConfig, TerminationReason, TrialRecord, build_goal, execute_trial
from frontdesk.eval.judge import JudgeError, check_judge, parse_verdict
from frontdesk.eval.metrics import trial_table

ASSERTIONS = ["The agent states the price of the yoga mat.", "The agent does not promise a discount."]


@pytest.fixture(scope="module")
def mock():
    return get_domain("mock")


@pytest.fixture
def task(mock):
    return mock.task("product-price").model_copy(update={"judged_assertions": ASSERTIONS})


async def trial(mock, task, judge: str | None = "replay/judge"):
    config = RunConfig(domain="mock", judge=judge, max_retries=0)  # scripted/oracle + scripted/user
    return await execute_trial(mock, task, 0, config, build_goal(mock, task))


async def test_judge_scores_every_assertion_and_its_reasoning_is_kept(replay, mock, task) -> None:
    replay.script("judge", [Say("The agent says it costs $41.00.\nVERDICT: PASS"), Say("No discount.\nVERDICT: PASS")])
    record = await trial(mock, task)
    assert isinstance(record, TrialRecord) and record.reward == 1.0
    judged = record.verdict.component("judged_assertions")
    assert judged.passed and judged.gating
    assert judged.detail["judge"] == "replay/judge"
    assert [(r["assertion"], r["passed"]) for r in judged.detail["results"]] == [(a, True) for a in ASSERTIONS]
    assert judged.detail["results"][0]["reasoning"].startswith("The agent says it costs $41.00.")
    # one call per assertion, each shown the assertion and the whole conversation
    requests = replay.requests_for("judge")
    assert len(requests) == 2
    assert ASSERTIONS[1] in requests[1].messages[0]["content"]
    transcript = requests[0].messages[1]["content"]
    assert "CUSTOMER:" in transcript and "AGENT TOOL CALL get_product_details" in transcript and "41" in transcript
    # the judge's tokens are counted on their own line, not charged to the agent
    row = trial_table([record], run="r", domain="mock", tasks={task.id: task}).iloc[0]
    assert row["judge_calls"] == 2 and row["judge_tokens"] == 2 * (PROMPT_TOKENS + COMPLETION_TOKENS)
    assert row["agent_calls"] == 0
    assert record.judge_usage.calls == 2 and record.agent_usage.calls == 0  # counted for the budget, apart


async def test_judge_spend_counts_toward_the_budget(replay, mock, task, tmp_path) -> None:
    from frontdesk.eval.runner import RunPlan
    from frontdesk.eval.store import RunStore

    replay.script("judge", [Say("VERDICT: PASS"), Say("VERDICT: PASS")])
    record = await trial(mock, task)
    plan = RunPlan(RunConfig(domain="mock"), mock, [task], {}, RunStore(tmp_path), [], already_done=0)
    tmp_path.mkdir(exist_ok=True)
    plan.record(record)
    # replay/judge has no registered price: its two calls are reported as unpriced, never as free
    assert record.judge_usage.calls == 2 and record.judge_usage.cost_usd is None
    assert plan.unpriced_calls == 2 and plan.spent_usd == 0.0


async def test_one_false_assertion_fails_the_trial(replay, mock, task) -> None:
    replay.script("judge", [Say("VERDICT: PASS"), Say("It offers 10% off.\nVERDICT: FAIL")])
    record = await trial(mock, task)
    assert record.reward == 0.0
    assert record.verdict.failed == ["judged_assertions"]
    assert [r["passed"] for r in record.verdict.component("judged_assertions").detail["results"]] == [True, False]


@pytest.mark.parametrize(
    "reply", [Repeat(server_error()), Say("I think the agent did fine.")], ids=["provider-error", "no-verdict-line"]
)
async def test_a_judge_failure_is_an_infra_error_not_a_pass(replay, mock, task, reply) -> None:
    replay.script("judge", [reply])
    result = await trial(mock, task)
    assert isinstance(result, InfraFailure)
    assert result.termination is TerminationReason.INFRA_ERROR
    assert result.error.startswith("judge: ")


async def test_a_task_with_judged_assertions_needs_a_judge(mock, task) -> None:
    with pytest.raises(ConfigError, match=r"'product-price' has judged_assertions.*--judge MODEL"):
        await trial(mock, task, judge=None)
    with pytest.raises(ConfigError, match="--judge MODEL"):
        check_judge(None, [mock.task("read-order-status"), task])
    check_judge(None, mock.tasks)  # no task asks for a judge: nothing to configure


def test_verdict_line_parsing() -> None:
    assert parse_verdict("reasoning…\nverdict: pass")
    assert not parse_verdict("VERDICT: PASS was tempting, but no.\nVERDICT: FAIL")  # the last one counts
    with pytest.raises(JudgeError):
        parse_verdict("PASS")


def test_run_command_checks_the_judge_model_before_writing(tmp_path) -> None:
    folder = tmp_path / "run"
    args = ["run", "--domain", "mock", "--task", "product-price", "--judge", " openai/gpt-4o", "--out", str(folder)]
    assert_one_line_error(frontdesk(*args), "' openai/gpt-4o'", "surrounding spaces")
    assert not folder.exists()
    with pytest.raises(ConfigError, match="nosuchprovider/x"):
        check_judge("nosuchprovider/x", [])
