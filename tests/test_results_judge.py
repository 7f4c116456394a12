"""Judged assertions: a configured judge model scores them; its reasoning is kept; a provider failure is
infra, a reply in the wrong format (after re-asks) is a judge_error that fails the assertion."""

from __future__ import annotations

import pytest
from conftest import COMPLETION_TOKENS, PROMPT_TOKENS, Repeat, Say, server_error
from test_cli import assert_one_line_error, frontdesk

from frontdesk.envs import get_domain
from frontdesk.errors import ConfigError
from frontdesk.eval import InfraFailure, RunConfig, TerminationReason, TrialRecord, build_goal, execute_trial
from frontdesk.eval.judge import FORMAT_REMINDER, JudgeError, check_judge, parse_verdict
from frontdesk.eval.metrics import component_failures, trial_table

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


async def test_a_judge_provider_failure_is_an_infra_error_and_its_spend_is_kept(replay, mock, task) -> None:
    replay.script("judge", [Say("VERDICT: PASS"), Repeat(server_error())])  # the second assertion's call fails
    result = await trial(mock, task)
    assert isinstance(result, InfraFailure)
    assert result.termination is TerminationReason.INFRA_ERROR
    assert result.error.startswith("judge: ") and "InternalServerError" in result.error
    assert result.judge_usage.calls == 1  # the first assertion's call was paid for, failure or not


async def test_a_reply_without_a_verdict_line_is_re_asked_with_a_format_reminder(replay, mock, task) -> None:
    replay.script(
        "judge",
        [Say("I think the agent did fine."), Say("Price stated.\nVERDICT: PASS"), Say("No discount.\nVERDICT: PASS")],
    )
    record = await trial(mock, task)
    assert isinstance(record, TrialRecord) and record.reward == 1.0
    first = record.verdict.component("judged_assertions").detail["results"][0]
    assert first["passed"] and first["attempts"] == 2
    assert record.verdict.component("judge_error").passed
    reask = replay.requests_for("judge")[1].messages
    assert reask[-2] == {"role": "assistant", "content": "I think the agent did fine."}
    assert reask[-1]["role"] == "user" and reask[-1]["content"] == FORMAT_REMINDER
    assert record.judge_usage.calls == 3  # every attempt counted


async def test_a_judge_that_never_answers_in_the_format_is_a_judge_error_not_infra(replay, mock, task) -> None:
    # At temperature 0 a rerun would get the same replies: as infra the trial would stay pending forever.
    replay.script("judge", [Say("VERDICT: PASS"), Repeat(Say("I think the agent did fine."))])
    record = await trial(mock, task)
    assert isinstance(record, TrialRecord) and record.error_class is None
    assert record.reward == 0.0
    assert record.verdict.failed == ["judged_assertions", "judge_error"]
    second = record.verdict.component("judged_assertions").detail["results"][1]
    assert second["passed"] is False and second["attempts"] == 3 and "no 'VERDICT: PASS'" in second["judge_error"]
    error = record.verdict.component("judge_error")
    assert error.gating and [e["assertion"] for e in error.detail["errors"]] == [ASSERTIONS[1]]
    assert len(replay.requests_for("judge")) == 1 + 3
    assert record.judge_usage.calls == 4 and record.judge_usage.prompt_tokens == 4 * PROMPT_TOKENS
    # counted and shown where components are listed: the trial table and the failure breakdown
    table = trial_table([record], run="r", domain="mock", tasks={task.id: task})
    assert table.iloc[0]["check_judge_error"] == False  # noqa: E712 (a numpy bool)
    failures = component_failures(table).set_index("component")
    assert failures.loc["judge_error", "failed"] == 1 and failures.loc["judge_error", "gating"]


async def test_an_unusable_judge_response_is_a_judge_error_not_a_crash(replay, mock, task) -> None:
    from frontdesk.llm.output import MAX_RESPONSE_BYTES

    huge = Say("x" * (MAX_RESPONSE_BYTES + 1))  # a ModelOutputError from the model layer
    replay.script("judge", [huge, huge, huge, Say("VERDICT: PASS")])
    record = await trial(mock, task)
    assert isinstance(record, TrialRecord) and record.reward == 0.0
    [error] = record.verdict.component("judge_error").detail["errors"]
    assert error["assertion"] == ASSERTIONS[0] and "unusable response" in error["error"]
    assert record.judge_usage.calls == 4


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
