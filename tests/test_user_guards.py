"""Turn guards and LLM-customer strategies, with canned model replies (the replay provider)."""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import Say

from frontdesk.envs import UserScenario
from frontdesk.eval import RunConfig, TerminationReason, load_run, run
from frontdesk.llm import ModelConfig
from frontdesk.simulators import LLMUser, UserContext, UserSimulatorError
from frontdesk.simulators.guards import check_turn, invented_facts
from frontdesk.trajectory import Message, Role, UserSignal, UserTurn

SCENARIO = UserScenario(
    reason_for_contact="You want to cancel order #O5000.",
    known_facts={"email": "ana.silva@example.com", "order id": "#O5000"},
    instructions=["Cancel order #O5000 because you no longer need it."],
)
OPENED = [
    Message(role=Role.AGENT, content="Hi! How can I help you today?"),
    Message(role=Role.USER, content="I want to cancel order #O5000."),
    Message(role=Role.AGENT, content="Sure. The order total is $82.00. Shall I cancel it?"),
]


def guard(text=None, signal=None, trajectory=OPENED):
    failure = check_turn(UserTurn(text=text, signal=signal), SCENARIO, trajectory)
    return failure.guard if failure else None


def test_a_normal_reply_passes_every_guard():
    assert guard("Yes please, my email is ana.silva@example.com. It was $82.00, right?") is None


def test_empty_turn_is_caught():
    assert guard("   ") == "empty"
    assert guard(None) == "empty"
    assert guard(None, signal=UserSignal.STOP) is None  # a bare stop signal is a valid turn


@pytest.mark.parametrize(
    "text",
    ["How can I help you today?", "Is there anything else I can help you with?", "Thank you for contacting us!"],
)
def test_customer_speaking_as_the_agent_is_caught(text):
    assert guard(text) == "role_flip"


@pytest.mark.parametrize(
    "text",
    [
        "<thinking>the agent wants my email</thinking> yes",
        "According to my instructions I should cancel it.",
        "My known facts say the order is #O5000.",
        "###CONFIRM### yes",
    ],
)
def test_instruction_or_reasoning_leak_is_caught(text):
    assert guard(text) == "leak"


def test_stop_before_the_agent_attempted_anything_is_caught():
    greeting_only = [Message(role=Role.AGENT, content="Hi!"), Message(role=Role.USER, content="Cancel #O5000")]
    assert guard("Never mind. ###STOP###", signal=UserSignal.STOP, trajectory=greeting_only) == "premature_stop"
    assert guard("Thanks, bye.", signal=UserSignal.STOP) is None  # the agent has replied: stopping is fine


@pytest.mark.parametrize(
    "text, invented",
    [
        ("My email is bob@example.com", ["bob@example.com"]),
        ("It's order #O9999, not the other one", ["#O9999"]),
        ("I paid $123.45 for it", ["123.45"]),
        ("My name is John Carter", ["John Carter"]),
    ],
)
def test_facts_the_customer_was_never_given_are_caught(text, invented):
    assert guard(text) == "invented_facts"
    assert invented_facts(text, SCENARIO, OPENED) == invented


def test_facts_from_the_scenario_or_the_agent_are_allowed():
    assert invented_facts("Order #O5000 for $82, and ana.silva@example.com is me", SCENARIO, OPENED) == []
    assert invented_facts("I waited 3 days; it is my 2nd time asking", SCENARIO, OPENED) == []


# --- regeneration and user errors, through the LLM customer -----------------------------------


def user(strategy="plain", scenario=SCENARIO) -> LLMUser:
    model = ModelConfig(model="replay/user", max_retries=0)
    return LLMUser(model, UserContext(scenario=scenario), strategy=strategy)


def test_a_failing_turn_is_regenerated_and_the_rejection_recorded(replay):
    replay.script("user", [Say("How can I help you today?"), Say("Yes, please cancel it.")])
    turn = asyncio.run(user().respond(OPENED))
    assert turn.text == "Yes, please cancel it."
    assert len(turn.guard_failures) == 1 and turn.guard_failures[0].startswith("role_flip")
    assert turn.usage.calls == 2
    retry_messages = replay.requests_for("user")[1].messages
    assert retry_messages[-1]["role"] == "system" and "rejected (role_flip" in retry_messages[-1]["content"]


def test_a_turn_that_keeps_failing_is_a_user_error(replay):
    replay.script("user", [Say("My email is bob@example.com")] * 3)
    with pytest.raises(UserSimulatorError, match="failed the turn guards 3 times: invented_facts"):
        asyncio.run(user().respond(OPENED))


def test_a_trial_whose_customer_keeps_failing_ends_as_user_error_and_is_excluded(replay, tmp_path):
    replay.script("user", [Say("Thank you for contacting us!")] * 3)
    config = RunConfig(
        domain="mock", agent="scripted/oracle", user="replay/user", task_ids=["product-price"], max_retries=0
    )
    run(config, tmp_path / "run")
    view = load_run(tmp_path / "run")
    [record] = view.records
    assert record.termination is TerminationReason.USER_ERROR and record.reward is None
    assert view.summary.trials_user_excluded == 1 and view.summary.rows[0].tasks == 0


def test_think_strategy_keeps_reasoning_away_from_the_agent(replay, tmp_path):
    replay.script(
        "user",
        [
            Say("<thinking>SECRET-PLAN: ask about price only</thinking>How much is the yoga mat, product P104?"),
            Say("<thinking>SECRET-DONE: got the price</thinking>Great, thanks! ###STOP###"),
        ],
    )
    replay.script(
        "agent",
        [Say("The yoga mat (P104) costs $41.00. Anything else I can help with?")],
    )
    config = RunConfig(
        domain="mock",
        agent="replay/agent",
        user="replay/user",
        user_strategy="think",
        task_ids=["product-price"],
        max_retries=0,
    )
    run(config, tmp_path / "run")
    [record] = load_run(tmp_path / "run").records
    first_user = next(m for m in record.messages if m.role is Role.USER)
    assert first_user.content == "How much is the yoga mat, product P104?"
    assert "SECRET-PLAN" in first_user.reasoning  # kept for people reading the transcript
    agent_saw = json.dumps([r.messages for r in replay.requests_for("agent")])
    assert "SECRET" not in agent_saw and "thinking" not in agent_saw
    assert "<thinking>" in replay.requests_for("user")[0].messages[0]["content"]  # the strategy asked for it


def test_verify_strategy_regenerates_a_draft_the_verifier_fails(replay):
    replay.script(
        "user",
        [
            Say("Please cancel it, and also refund my other order."),  # draft
            Say("FAIL: asks for something not in the brief"),  # verifier
            Say("Yes, please cancel it."),  # regenerated draft
            Say("PASS"),  # verifier
        ],
    )
    turn = asyncio.run(user("verify").respond(OPENED))
    assert turn.text == "Yes, please cancel it."
    assert turn.guard_failures == ["verify: asks for something not in the brief"]
    assert turn.usage.calls == 4
    verifier_prompt = replay.requests_for("user")[1].messages[0]["content"]
    assert "Please cancel it, and also refund my other order." in verifier_prompt


def test_authored_opening_message_is_delivered_verbatim_without_a_model_call(replay):
    scenario = SCENARIO.model_copy(update={"opening_message": "hi. order #O5000 — cancel pls"})
    turn = asyncio.run(user(scenario=scenario).respond(OPENED[:1]))
    assert turn.text == "hi. order #O5000 — cancel pls"
    assert replay.requests_for("user") == []


def test_persona_shapes_the_prompt_but_demographics_never_reach_it():
    from frontdesk.simulators import get_persona
    from frontdesk.simulators.llm_user import build_system_prompt

    persona = get_persona("elderly-unsure-with-tech")
    prompt = build_system_prompt(UserContext(scenario=SCENARIO, persona=persona))
    assert persona.style in prompt and "technology: novice" in prompt
    assert "75+" not in prompt and "age_band" not in prompt and "age band" not in prompt.lower()
