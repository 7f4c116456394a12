"""``--agent-strategy react``: one JSON action per reply, read strictly then leniently; what cannot be
read goes back to the model as an error and counts as a failed tool call."""

from __future__ import annotations

import json

import pytest
from conftest import Say

from frontdesk.agents import parse_action
from frontdesk.agents.react import INVALID_ACTION, ActionProblem
from frontdesk.eval import RunConfig, TerminationReason, load_run, run
from frontdesk.tools import ToolErrorKind
from frontdesk.trajectory import Role

KNOWN = {"find_customer_by_email", "get_order_details", "cancel_order", "respond"}
EMAIL = "ana.silva@example.com"


def act(name: str, **arguments) -> str:
    return json.dumps({"name": name, "arguments": arguments})


# --- reading one reply ---


def test_the_strict_format_is_read():
    action = parse_action(
        f"Thought: I need the customer first.\nAction: {act('find_customer_by_email', email=EMAIL)}", KNOWN
    )
    assert (action.name, action.arguments) == ("find_customer_by_email", {"email": EMAIL})


def test_fenced_json_is_read_leniently():
    text = f"Let me look that up.\n```json\n{act('get_order_details', order_id='#O5000')}\n```\n"
    action = parse_action(text, KNOWN)
    assert (action.name, action.arguments) == ("get_order_details", {"order_id": "#O5000"})


def test_bare_json_in_prose_is_read_leniently():
    action = parse_action(f"Sure! {act('respond', content='What is your email?')} Thanks.", KNOWN)
    assert (action.name, action.arguments) == ("respond", {"content": "What is your email?"})


def test_prose_without_an_action_is_an_error_naming_the_format():
    with pytest.raises(ActionProblem, match="holds no action") as problem:
        parse_action("Sure, I can help you with that. What is your email?", KNOWN)
    assert 'Action: {"name"' in str(problem.value)


def test_json_naming_an_unknown_tool_goes_to_the_toolkit_as_written():
    action = parse_action(f"Thought: refund it.\nAction: {act('refund_order', order_id='#O5000')}", KNOWN)
    assert action.name == "refund_order"  # the toolkit answers: unknown tool, available tools …


def test_two_actions_in_one_reply_are_an_error():
    text = f"{act('find_customer_by_email', email=EMAIL)}\n{act('get_order_details', order_id='#O5000')}"
    with pytest.raises(ActionProblem, match="2 actions .*find_customer_by_email, get_order_details.*exactly one"):
        parse_action(text, KNOWN)
    with pytest.raises(ActionProblem, match="2 actions"):
        parse_action(
            f"Thought: both\nAction: {act('cancel_order', order_id='#O1')}\nAction: {act('respond', content='x')}",
            KNOWN,
        )


def test_malformed_json_after_action_is_an_error_and_hostile_nesting_is_refused_without_recursion():
    with pytest.raises(ActionProblem, match="not one valid JSON object"):
        parse_action('Thought: x\nAction: {"name": "cancel_order", "arguments": {"order_id": "#O1"}', KNOWN)
    with pytest.raises(ActionProblem):
        parse_action("Action: " + "[" * 100_000, KNOWN)


def test_arguments_that_are_not_an_object_are_left_to_the_toolkit():
    action = parse_action('Action: {"name": "cancel_order", "arguments": [1, 2]}', KNOWN)
    assert action.arguments == "[1, 2]"  # the toolkit says: arguments must be a JSON object


# --- a whole trial ---

TASK = "cancel-pending-order"
USER_SCRIPT = [
    Say("I'd like to cancel my order #O5000, please."),
    Say(f"It's {EMAIL}."),
    Say("Yes, please go ahead."),
    Say("No, that's all, thanks! ###STOP###"),
]


def config(**kw) -> RunConfig:
    base = dict(
        domain="mock",
        agent="replay/agent",
        user="replay/user",
        agent_strategy="react",
        task_ids=[TASK],
        max_retries=0,
        concurrency=1,
        ratings=False,  # the scripts hold every customer call
    )
    return RunConfig(**{**base, **kw})


def test_a_react_agent_passes_a_task_and_a_parse_failure_is_a_tool_error_it_corrects(replay, tmp_path):
    replay.script(
        "agent",
        [
            Say(
                f"Thought: ask for the email.\nAction: {act('respond', content='Sure. What is the email on your account?')}"
            ),
            Say(f"```json\n{act('find_customer_by_email', email=EMAIL)}\n```"),  # lenient: fenced
            Say("I will now look up the order."),  # prose: an error the model reads and corrects
            Say(f"Thought: now the order.\nAction: {act('get_order_details', order_id='#O5000')}"),
            Say(
                "Thought: confirm first.\nAction: "
                + act(
                    "respond",
                    content="Order #O5000 is pending. Shall I cancel it with reason 'no longer needed'? (yes/no)",
                )
            ),
            Say(f"Action: {act('cancel_order', order_id='#O5000', reason='no longer needed')}"),
            Say(f"Action: {act('respond', content='Order #O5000 is cancelled. Anything else?')}"),
        ],
    )
    replay.script("user", USER_SCRIPT)
    folder = tmp_path / "run"
    run(config(), folder)
    record = load_run(folder).records[0]
    assert record.termination is TerminationReason.USER_STOP, record.error
    assert record.reward == 1.0, record.verdict
    assert record.tool_errors == 1  # the prose reply

    failed = [m.tool_result for m in record.messages if m.role is Role.TOOL and not m.tool_result.ok]
    assert [(r.name, r.error) for r in failed] == [(INVALID_ACTION, ToolErrorKind.UNKNOWN_TOOL)]
    # the model was told exactly what was wrong, and its own words came back to it as written
    after = replay.requests_for("agent")[3].messages
    assert after[-2] == {"role": "assistant", "content": "I will now look up the order."}
    assert after[-1]["role"] == "user" and after[-1]["content"].startswith(
        "Observation: Error: your reply holds no action"
    )
    # the customer saw only what `respond` said, never a thought or an action
    said = [m.content for m in record.messages if m.role is Role.AGENT and m.content]
    assert all("Thought" not in s and "Action" not in s for s in said)
    # the tools were described to the model as text, none passed natively
    first = replay.requests_for("agent")[0]
    assert "find_customer_by_email" in first.messages[0]["content"]
    assert "tools" not in first.optional_params


def test_unknown_tools_and_unreadable_replies_count_toward_max_tool_errors(replay, tmp_path):
    unknown = Say(f"Action: {act('refund_order', order_id='#O5000')}")
    replay.script("agent", [unknown, Say("no action here"), unknown])
    replay.script("user", USER_SCRIPT[:1])
    folder = tmp_path / "run"
    run(config(limits={"max_tool_errors": 3}), folder)
    record = load_run(folder).records[0]
    assert record.termination is TerminationReason.MAX_TOOL_ERRORS
    results = [m.tool_result for m in record.messages if m.role is Role.TOOL]
    assert [r.error for r in results] == [ToolErrorKind.UNKNOWN_TOOL] * 3
    assert results[0].content.startswith("Error: unknown tool 'refund_order'. Available tools:")
