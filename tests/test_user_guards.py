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
    [
        "How can I help you today?",
        "Is there anything else I can help you with?",
        "Thank you for contacting us!",
        # what a 1.5B customer wrote in a real run, which the first patterns let through
        "What can I help you with?",
        "Hi! I'm here to help.",
        "I'm sorry, but I can't assist with that.",
        "Hello! What can I do for you today?",
    ],
)
def test_customer_speaking_as_the_agent_is_caught(text):
    assert guard(text) == "role_flip"


@pytest.mark.parametrize(
    "text",
    ["Can you help me cancel it? Sorry, I'm new to this.", "I'm sorry, I can't remember my zip code.", "Thanks!"],
)
def test_customers_asking_for_help_or_apologising_are_not_role_flips(text):
    assert guard(text) is None


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
    [draft] = turn.rejected_drafts
    assert draft.text == "How can I help you today?" and draft.reason == turn.guard_failures[0]
    assert turn.usage.calls == 2
    retry_messages = replay.requests_for("user")[1].messages
    # What was wrong goes into the one system prompt: strict chat templates refuse a later system message.
    assert [m["role"] for m in retry_messages].count("system") == 1 and retry_messages[0]["role"] == "system"
    note = retry_messages[0]["content"]
    assert "# Your last draft was rejected" in note and '"How can I help you today?"' in note and "role_flip" in note
    assert retry_messages[1:] == replay.requests_for("user")[0].messages[1:]  # the conversation itself is unchanged


def test_each_regeneration_samples_hotter_with_another_seed(replay):
    # At temperature 0 with one seed, a regeneration returns the same draft: the retries must differ.
    replay.script("user", [Say("My email is bob@example.com")] * 2 + [Say("Yes, please cancel it.")])
    model = ModelConfig(model="replay/user", max_retries=0, temperature=0.0)
    turn = asyncio.run(LLMUser(model, UserContext(scenario=SCENARIO, seed=40)).respond(OPENED))
    assert turn.text == "Yes, please cancel it." and len(turn.rejected_drafts) == 2
    params = [r.optional_params for r in replay.requests_for("user")]
    assert [p["temperature"] for p in params] == [0.0, 0.4, 0.8]
    assert [p["seed"] for p in params] == [40, 41, 42]


def test_rejected_drafts_are_recorded_on_the_message_of_the_trial(replay, tmp_path):
    replay.script(
        "user", [Say("Thank you for contacting us!"), Say("What is the price of the yoga mat?"), Say("###STOP###")]
    )
    replay.script("agent", [Say("The yoga mat costs $41.00. Anything else?")])
    config = RunConfig(
        domain="mock",
        agent="replay/agent",
        user="replay/user",
        ratings=False,
        task_ids=["product-price"],
        max_retries=0,
    )
    run(config, tmp_path / "run")
    [record] = load_run(tmp_path / "run").records
    first = next(m for m in record.messages if m.role is Role.USER)
    assert [(d.text, d.reason.split(":")[0]) for d in first.rejected_drafts] == [
        ("Thank you for contacting us!", "role_flip")
    ]
    assert first.guard_failures == [first.rejected_drafts[0].reason]
    stored = json.loads((tmp_path / "run" / "trials.jsonl").read_text())
    drafts = next(m for m in stored["messages"] if m["role"] == "user")["rejected_drafts"]
    assert [d["text"] for d in drafts] == ["Thank you for contacting us!"]


def test_a_turn_that_keeps_failing_is_a_user_error(replay):
    replay.script("user", [Say("My email is bob@example.com")] * 3)
    with pytest.raises(UserSimulatorError, match="failed the turn guards 3 times: invented_facts"):
        asyncio.run(user().respond(OPENED))


def test_a_trial_whose_customer_keeps_failing_ends_as_user_error_and_is_excluded(replay, tmp_path):
    replay.script("user", [Say("Thank you for contacting us!")] * 3)
    config = RunConfig(
        domain="mock", agent="scripted/oracle", user="replay/user", task_ids=["product-price"], max_retries=0,
        ratings=False,
    )  # fmt: skip
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
        ratings=False,
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


def test_verify_strategy_shows_the_checker_the_scenario_as_data_not_the_customers_prompt(replay):
    replay.script("user", [Say("Yes, please cancel it."), Say("PASS")])
    turn = asyncio.run(user("verify").respond(OPENED))
    assert turn.text == "Yes, please cancel it." and turn.guard_failures == []
    [checker] = replay.requests_for("user")[1].messages
    prompt = checker["content"]
    assert "Reason for contacting: You want to cancel order #O5000." in prompt
    assert "order id: #O5000" in prompt and "Patience:" in prompt  # the scenario and the persona, as data
    # never the customer's own guidelines or signal tokens: a small checker answered "###STOP###" to them
    assert "###" not in prompt and "You are playing a customer" not in prompt
    assert "When your request is fully handled" not in prompt


@pytest.mark.parametrize("bad", ["###STOP###", "Yes, please cancel it.", "PASS\nThe draft is fine."])
def test_a_verifier_reply_out_of_format_is_re_asked_once_and_never_counted_as_fail(replay, bad):
    replay.script("user", [Say("Yes, please cancel it."), Say(bad), Say("PASS")])
    turn = asyncio.run(user("verify").respond(OPENED))
    assert turn.text == "Yes, please cancel it." and turn.guard_failures == [] and turn.usage.calls == 3
    reask = replay.requests_for("user")[2].messages
    assert reask[1] == {"role": "assistant", "content": bad} and "exactly one line" in reask[2]["content"]
    # still out of format after the re-ask: the checker failed, not the draft, which passed every guard
    replay.script("user", [Say("Yes, please cancel it."), Say(bad), Say(bad)])
    turn = asyncio.run(user("verify").respond(OPENED))
    assert turn.text == "Yes, please cancel it." and turn.guard_failures == [] and turn.usage.calls == 3


def test_the_first_turn_is_framed_so_the_customer_opens_with_its_reason(replay):
    from frontdesk.simulators.llm_user import PROMPT_VERSION

    replay.script("user", [Say("Hi, I want to cancel order #O5000."), Say("Yes, please.")])
    asyncio.run(user().respond(OPENED[:1]))
    asyncio.run(user().respond(OPENED))
    first, later = (r.messages for r in replay.requests_for("user"))
    assert 'The agent greeted you: "Hi! How can I help you today?"' in first[0]["content"]
    assert "say in your own words why you are contacting" in first[0]["content"]
    assert [m["role"] for m in first] == ["system", "user"]  # one system prompt, then the greeting
    assert "The agent greeted you" not in later[0]["content"]
    assert PROMPT_VERSION == "4"


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
