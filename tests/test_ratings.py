"""The customer's ratings after the conversation: asked in persona from what it saw, stored on the
trial, never in the reward, reported with intervals and the cases a pass rate hides."""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import Say

from frontdesk.envs import get_domain
from frontdesk.eval import RunConfig, load_run, run
from frontdesk.eval.experience import experience_summary
from frontdesk.eval.orchestrator import TerminationReason
from frontdesk.eval.record import TrialRecord
from frontdesk.llm import ModelConfig
from frontdesk.simulators import DIMENSIONS, LLMUser, RatingError, UserContext
from frontdesk.simulators.experience import parse_experience, scripted_experience
from frontdesk.tools import ToolCall, ToolResult
from frontdesk.trajectory import Message, Role, Usage

ANSWER = json.dumps({name: {"score": 6 if name != "communication" else 3, "reason": "ok"} for name in DIMENSIONS})
CONVERSATION = [
    Message(role=Role.AGENT, content="Hi! How can I help you today?"),
    Message(role=Role.USER, content="What does the yoga mat cost?"),
    Message(role=Role.AGENT, tool_calls=[ToolCall(id="c1", name="get_product_details", arguments={"sku": "P104"})]),
    Message(
        role=Role.TOOL, tool_result=ToolResult(call_id="c1", name="get_product_details", content="SECRET-TOOL-DATA")
    ),
    Message(role=Role.AGENT, content="It costs $41.00."),
]


def customer() -> LLMUser:
    scenario = get_domain("mock").task("product-price").user_scenario
    return LLMUser(ModelConfig(model="replay/user", max_retries=0), UserContext(scenario=scenario))


def test_the_customer_rates_from_what_it_saw_and_never_sees_the_verdict(replay):
    replay.script("user", [Say(f"Here you go:\n```json\n{ANSWER}\n```")])
    experience = asyncio.run(customer().rate(CONVERSATION, reward=0.0))
    assert experience.scores()["communication"] == 3 and experience.overall.score == 6
    assert experience.rater == "replay/user"
    [request] = replay.requests_for("user")
    assert [m["role"] for m in request.messages] == ["system", "user"]  # any chat template accepts this
    prompt = request.messages[1]["content"]
    assert "It costs $41.00." in prompt and "What does the yoga mat cost?" in prompt
    assert "SECRET-TOOL-DATA" not in prompt  # the agent's tools are not the customer's to see
    assert "reward" not in prompt.lower() and "passed" not in prompt.lower()


def test_a_reply_that_is_not_the_object_is_re_asked_once_then_a_rating_error(replay):
    replay.script("user", [Say("It was fine I guess."), Say(ANSWER)])
    assert asyncio.run(customer().rate(CONVERSATION, reward=1.0)).overall.score == 6
    assert "six keys" in replay.requests_for("user")[1].messages[-1]["content"]
    replay.script("user", [Say("fine"), Say('{"overall": 9}')])  # 9 is off the scale
    with pytest.raises(RatingError, match="not the JSON object"):
        asyncio.run(customer().rate(CONVERSATION, reward=1.0))


@pytest.mark.parametrize(
    "reply",
    ["", "[1, 2]", '{"overall": {"score": 0}}', '{"helpfulness": 5}', "{" * 5000 + "}" * 5000],
)
def test_unusable_ratings_are_none_not_a_crash(reply):
    assert parse_experience(reply, "m") is None


def test_the_scripted_customer_rates_by_outcome_and_tires_of_long_conversations():
    assert scripted_experience(1.0, 3).overall.score == 6 and scripted_experience(0.0, 3).overall.score == 2
    assert scripted_experience(1.0, 12).overall.score == 5  # a long conversation costs a point
    assert scripted_experience(1.0, 12).helpfulness.score == 6  # but not helpfulness
    assert scripted_experience(1.0, 3) == scripted_experience(1.0, 3)  # deterministic


def test_ratings_are_stored_on_the_trial_and_never_change_the_reward(tmp_path):
    on, off = tmp_path / "on", tmp_path / "off"
    tasks = ["product-price", "update-email"]
    run(RunConfig(domain="mock", agent="scripted/null", task_ids=tasks, trials=2), on)
    run(RunConfig(domain="mock", agent="scripted/null", task_ids=tasks, trials=2, ratings=False), off)
    rated, unrated = load_run(on).records, load_run(off).records
    assert all(r.experience is not None and r.experience.rater == "scripted/user" for r in rated)
    assert all(r.experience is None and r.experience_error is None for r in unrated)
    assert [(r.key, r.reward, r.verdict) for r in rated] == [(r.key, r.reward, r.verdict) for r in unrated]
    assert not any("rating" in c.name or "experience" in c.name for r in rated for c in r.verdict.components)


def test_a_rating_that_fails_loses_the_rating_not_the_trial(replay, tmp_path):
    replay.script("agent", [Say("The yoga mat costs $41.00. Anything else?")])
    replay.script("user", [Say("How much is the yoga mat?"), Say("No, thanks! ###STOP###"), Say("meh"), Say("meh")])
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", agent="replay/agent", user="replay/user", task_ids=["product-price"]), folder)
    [record] = load_run(folder).records
    assert record.reward == 1.0 and record.experience is None
    assert "not the JSON object" in record.experience_error
    assert record.user_usage.calls == 4  # two turns and the two rating attempts, all paid for


def _record(task: str, trial: int, reward: float, overall: int | None) -> TrialRecord:
    experience = None
    if overall is not None:
        experience = scripted_experience(reward, 2).model_copy(
            update={"overall": scripted_experience(reward, 2).overall.model_copy(update={"score": overall})}
        )
    return TrialRecord(
        task_id=task, persona="regular", trial=trial, seed=trial, termination=TerminationReason.USER_STOP,
        started_at=0.0, duration_s=0.0, agent_usage=Usage(), user_usage=Usage(), reward=reward, messages=[],
        experience=experience,
    )  # fmt: skip


def test_the_summary_counts_what_a_pass_rate_hides():
    records = [
        _record("a", 0, 1.0, 7),
        _record("a", 1, 1.0, 2),  # succeeded but unhappy
        _record("b", 0, 0.0, 6),  # satisfied but failed
        _record("b", 1, 0.0, 1),
        _record("c", 0, 0.0, None),  # not rated
    ]
    s = experience_summary(records)
    assert (s.rated, s.unrated, s.satisfied_but_failed, s.succeeded_but_unhappy) == (4, 1, 1, 1)
    # overall by task: a = 4.5, b = 3.5; the mean is over tasks
    assert s.overall.mean == pytest.approx(4.0)
    assert s.overall.ci is not None and s.overall.ci[0] <= 4.0 <= s.overall.ci[1]
    # Pearson r of (7, 2, 6, 1) with (1, 1, 0, 0): deviations (3, -2, 2, -3) and ±0.5 give 1 / sqrt(26)
    assert s.satisfaction_success_r == pytest.approx(26**-0.5)
    assert experience_summary([_record("c", 0, 0.0, None)]) is None


def test_the_report_shows_ratings_overall_and_per_persona(tmp_path):
    from rich.console import Console

    from frontdesk.eval.html_report import render_html
    from frontdesk.eval.terminal import run_summary
    from frontdesk.simulators import get_persona

    folder = tmp_path / "run"
    personas = [get_persona("regular"), get_persona("terse-expert")]
    run(
        RunConfig(domain="mock", agent="scripted/null", task_ids=["product-price"], trials=2, personas=personas), folder
    )
    view = load_run(folder)
    console = Console(width=160, record=True)
    console.print(run_summary(view))
    printed = console.export_text()
    assert "customer ratings: 4 trial(s) · satisfied but failed: 0 · succeeded but unhappy: 0" in printed
    assert "trust & safety" in printed and "rating" in printed
    html = render_html(view)
    assert 'id="ratings-dimensions"' in html and 'id="ratings-personas"' in html and "terse-expert" in html
