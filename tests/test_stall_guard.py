"""The stall guard: a customer that cannot finish ends the trial as its own failure, or — when it is
only saying goodbye and nothing is asked of it — as a normal ending. Never as the agent's max_turns."""

from __future__ import annotations

import pytest
from conftest import Repeat, Say
from test_orchestrator import ScriptAgent, ScriptUser, call, env, say, user

from frontdesk.eval import Limits, RunConfig, TerminationReason, load_run, run, run_trial
from frontdesk.simulators.guards import asks_customer, is_closing, near_identical, stalled
from frontdesk.trajectory import AssistantTurn, Message, Role

DONE = "No, thank you. I'm done now."  # what a 1.5B customer repeated five times without ###STOP###


@pytest.mark.parametrize(
    "text, closing",
    [
        (DONE, True),
        ("No, that's all. Thank you!", True),
        ("Great, thank you so much for your help!", True),
        ("Thanks! That's all I needed. Have a nice day.", True),
        ("No.", True),
        ("Yes.", False),
        ("ok", False),  # an acknowledgement, not a goodbye
        ("Thanks, but what about my refund?", False),
        ("No thanks, cancel it instead", False),
        ("Thank you. My email is ana.silva@example.com", False),
        ("Thanks, order #O5001 too please", False),
    ],
)
def test_closing_only_messages(text, closing):
    assert is_closing(text) is closing


@pytest.mark.parametrize(
    "text, asks",
    [
        ("All done. Is there anything else I can help you with?", False),
        ("I have nothing more I can do for you today. Is there anything else?", False),
        ("Your order is cancelled.", False),
        ("Shall I cancel it? (yes/no)", True),
        ("Please provide the email on your account.", True),
        ("Please toggle airplane mode and tell me what the screen shows.", True),
        ("Which order do you mean?", True),
    ],
)
def test_whether_the_agent_waits_on_the_customer(text, asks):
    assert asks_customer(text) is asks


def test_near_identical_ignores_case_punctuation_and_small_edits():
    assert near_identical(DONE, "no thank you!! i'm done now")
    assert near_identical("I want to cancel my order #O5000.", "I want to cancel the order #O5000!")
    assert not near_identical("Yes, cancel #O5000.", "Yes, cancel #O5001 and #O5002 too.")


def conversation(*turns: tuple[str, str]) -> list[Message]:
    roles = {"agent": Role.AGENT, "user": Role.USER}
    return [Message(role=roles[who], content=text) for who, text in turns]


def test_one_goodbye_is_not_yet_a_stop():
    assert (
        stalled(
            conversation(("agent", "Hi!"), ("user", "Cancel #O5000"), ("agent", "Done. Anything else?"), ("user", DONE))
        )
        is None
    )


def test_two_goodbyes_while_the_agent_still_asks_do_not_end_the_conversation():
    trajectory = conversation(
        ("agent", "Hi!"),
        ("user", DONE),
        ("agent", "Before you go: shall I cancel order #O5000? (yes/no)"),
        ("user", DONE),
    )
    assert stalled(trajectory) is None  # the agent is owed an answer; one more repeat decides


# --- through the orchestrator -------------------------------------------------------------------


async def test_goodbyes_without_the_stop_token_end_as_user_stop_after_the_agents_work():
    agent = ScriptAgent(
        [
            AssistantTurn(
                tool_calls=[call("cancel_order", {"order_id": "#O5000", "reason": "no longer needed"}, "c1")]
            ),
            say("Order #O5000 is cancelled. Is there anything else I can help you with?"),
            say("I have nothing more I can do for you today. Is there anything else?"),
        ]
    )
    customer = ScriptUser([user("Please cancel #O5000."), user(DONE)])  # then DONE forever, never the token
    e = env()
    out = await run_trial(e, agent, customer, Limits())
    assert out.termination is TerminationReason.USER_STOP and out.error is None
    assert [m.content for m in out.trajectory if m.role is Role.USER] == ["Please cancel #O5000.", DONE, DONE]
    assert out.trajectory[-1].ended_by.startswith("stall guard: the customer said only goodbye 2 times")
    assert e.db.orders["#O5000"].status == "cancelled"


async def test_a_customer_repeating_itself_while_the_agent_waits_is_a_user_error():
    agent = ScriptAgent(
        [
            say("Sure. What is the email on your account?"),
            say("I need the email address to find your account. Could you share it?"),
            say("Without your email I cannot look the order up. What is it?"),
        ]
    )
    customer = ScriptUser([user("I want to cancel my order #O5000.")])  # the same line, whatever is asked
    out = await run_trial(env(), agent, customer, Limits())
    assert out.termination is TerminationReason.USER_ERROR
    assert "stalled: the customer sent the same message 3 times without answering the agent" in out.error


async def test_a_customer_insisting_after_the_agent_has_nothing_left_ends_and_is_scored():
    # The null agent's floor must stay a scored failure, not turn into an excluded user error.
    agent = ScriptAgent([say("I'm sorry, I can't help with that. Is there anything else I can help you with?")])
    customer = ScriptUser(
        [user("Please cancel order #O5000."), user("Why not? It is still pending."), user("Can you just try?")]
    )
    out = await run_trial(env(), agent, customer, Limits())
    assert out.termination is TerminationReason.USER_STOP
    assert out.trajectory[-1].ended_by.startswith("stall guard: the agent gave the same closing reply 3 times")


async def test_yes_to_one_confirmation_after_another_is_progress_not_a_stall():
    questions = [say(f"Shall I cancel order #O500{i}? (yes/no)") for i in range(4)]
    agent = ScriptAgent([*questions, say("Done. Anything else?")])
    customer = ScriptUser(
        [user("Cancel my orders."), *[user("Yes, please go ahead.")] * 4, user("No thanks. Bye!"), user("Bye!")]
    )
    out = await run_trial(env(), agent, customer, Limits())
    assert out.termination is TerminationReason.USER_STOP
    assert [m.content for m in out.trajectory if m.role is Role.USER][1:5] == ["Yes, please go ahead."] * 4


async def test_when_both_sides_loop_the_guard_does_not_guess_and_max_turns_decides():
    agent = ScriptAgent([say("What is the email on your account?")])
    customer = ScriptUser([user("My email is ana.silva@example.com.")])
    out = await run_trial(env(), agent, customer, Limits(max_turns=12))
    assert out.termination is TerminationReason.MAX_TURNS


# --- the real run's case, end to end: scripted/oracle made every write ------------------------


def test_oracle_with_a_customer_that_never_says_the_token_passes(replay, tmp_path):
    replay.script(
        "user", [Say("I'd like to cancel my order #O5000, please."), Say("Yes, please go ahead."), Repeat(Say(DONE))]
    )
    config = RunConfig(
        domain="mock", agent="scripted/oracle", user="replay/user", task_ids=["cancel-pending-order"], max_retries=0
    )
    run(config, tmp_path / "run")
    [record] = load_run(tmp_path / "run").records
    assert record.termination is TerminationReason.USER_STOP and record.error_class is None
    assert record.reward == 1.0, record.verdict.failed
    said = [m.content for m in record.messages if m.role is Role.USER]
    assert said[-2:] == [DONE, DONE] and len(said) <= 6  # ended at the second goodbye, not at max_turns
