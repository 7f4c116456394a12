"""Tool-call arguments from hostile model output: limits are enforced before anything recurses,
and every violation comes back to the agent as an ordinary error tool result."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from pydantic import BaseModel

from frontdesk.envs import ActionPattern, Environment, get_domain
from frontdesk.eval import TerminationReason, build_goal, check
from frontdesk.eval.checker import matches
from frontdesk.simulators import UserContext
from frontdesk.simulators.scripted_user import ScriptedUser, requested_device_action
from frontdesk.tools import (
    MAX_ARGUMENT_BYTES,
    MAX_ARGUMENT_DEPTH,
    ArgumentError,
    ToolCall,
    ToolErrorKind,
    Toolkit,
    arguments_text,
    parse_arguments,
    parse_leading_object,
    tool,
)
from frontdesk.trajectory import Message, Role, to_chat_messages
from frontdesk.transcript import render_transcript

DEEP = 100_000


def deep_string(levels: int = DEEP) -> str:
    return '{"note": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


def deep_dict(levels: int = DEEP) -> dict[str, Any]:
    """Built level by level: no recursion needed to make it, so it can slip in as a ready dict."""
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"note": value}
    return value


@tool(kind="read")
def echo(db: Any, note: Any) -> str:
    """Say the note back.

    Args:
        note: Anything.
    """
    return "heard"


@pytest.fixture
def toolkit() -> Toolkit:
    return Toolkit([echo], db={})


def run(toolkit: Toolkit, arguments: str | dict[str, Any]):
    return toolkit.call(ToolCall(id="c1", name="echo", arguments=arguments))


# --- the parser --------------------------------------------------------------------------------


def test_a_json_object_a_blank_string_and_a_ready_dict_parse() -> None:
    assert parse_arguments('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    assert parse_arguments("  ") == {}
    ready = {"a": 1}
    assert parse_arguments(ready) is ready  # checked, not copied


@pytest.mark.parametrize(("raw", "reason"), [("[1]", "not_an_object"), ('{"a": ', "malformed"), ("7", "not_an_object")])
def test_what_is_not_an_object_says_why(raw: str, reason: str) -> None:
    with pytest.raises(ArgumentError) as e:
        parse_arguments(raw)
    assert e.value.reason == reason


def test_the_depth_limit_is_exact_for_strings_and_dicts() -> None:
    assert parse_arguments(deep_string(MAX_ARGUMENT_DEPTH))
    assert parse_arguments(deep_dict(MAX_ARGUMENT_DEPTH))
    for too_deep in (deep_string(MAX_ARGUMENT_DEPTH + 1), deep_dict(MAX_ARGUMENT_DEPTH + 1)):
        with pytest.raises(ArgumentError, match=f"nesting limit of {MAX_ARGUMENT_DEPTH} levels") as e:
            parse_arguments(too_deep)
        assert e.value.reason == "limit"


def test_brackets_inside_strings_are_text_not_nesting() -> None:
    text = "[{" * 1000 + '\\"'  # an escaped quote must not end the string early
    assert parse_arguments(json.dumps({"note": text})) == {"note": text}


def test_a_cycle_and_a_shared_sub_list_stop_at_a_limit_instead_of_running_forever() -> None:
    cycle: dict[str, Any] = {}
    cycle["self"] = cycle
    with pytest.raises(ArgumentError, match="nesting limit"):
        parse_arguments(cycle)
    shared: list[Any] = ["x"]
    for _ in range(60):  # 61 levels, but 2**60 paths through them: bounded by the size limit
        shared = [shared, shared]
    with pytest.raises(ArgumentError, match=f"size limit of {MAX_ARGUMENT_BYTES:,} bytes"):
        parse_arguments({"note": shared})


def test_a_leading_object_is_read_and_what_follows_ignored() -> None:
    assert parse_leading_object('{"apn": "internet"} and then restart') == {"apn": "internet"}
    with pytest.raises(ArgumentError, match="nesting limit"):
        parse_leading_object(deep_string())


# --- hostile arguments through the toolkit: ordinary error results --------------------------------


def test_arguments_nested_100000_deep_as_a_string_are_an_error_result(toolkit: Toolkit) -> None:
    result = run(toolkit, deep_string())
    assert result.error is ToolErrorKind.ARGUMENT_LIMIT and not result.ok
    assert result.content.startswith("Error: arguments for 'echo' ")
    assert f"nesting limit of {MAX_ARGUMENT_DEPTH} levels" in result.content


def test_arguments_nested_100000_deep_as_a_ready_dict_are_an_error_result(toolkit: Toolkit) -> None:
    result = run(toolkit, deep_dict())
    assert result.error is ToolErrorKind.ARGUMENT_LIMIT
    assert f"nesting limit of {MAX_ARGUMENT_DEPTH} levels" in result.content


def test_over_size_arguments_are_an_error_result(toolkit: Toolkit) -> None:
    result = run(toolkit, json.dumps({"note": "x" * MAX_ARGUMENT_BYTES}))
    assert result.error is ToolErrorKind.ARGUMENT_LIMIT
    assert f"size limit of {MAX_ARGUMENT_BYTES:,} bytes" in result.content
    # Fewer characters than the limit, more bytes: the limit is on bytes.
    wide = json.dumps({"note": "é" * (MAX_ARGUMENT_BYTES // 2 + 1)}, ensure_ascii=False)
    assert len(wide) < MAX_ARGUMENT_BYTES
    assert "bytes long, over the size limit" in run(toolkit, wide).content
    assert run(toolkit, {"note": "x" * MAX_ARGUMENT_BYTES}).error is ToolErrorKind.ARGUMENT_LIMIT


def test_an_integer_python_will_not_read_is_an_error_result(toolkit: Toolkit) -> None:
    result = run(toolkit, '{"note": ' + "9" * 10_000 + "}")  # json.loads raises a plain ValueError
    assert result.error is ToolErrorKind.ARGUMENT_LIMIT
    assert "digits" in result.content


def test_a_lone_surrogate_is_bad_json_not_a_crash_later(toolkit: Toolkit) -> None:
    result = run(toolkit, '{"note": "\\ud800"}')  # valid JSON syntax, but not text anyone can write out
    assert result.error is ToolErrorKind.BAD_JSON
    assert "surrogate" in result.content


def test_the_agent_can_correct_a_refused_call(toolkit: Toolkit) -> None:
    assert run(toolkit, deep_string()).error is ToolErrorKind.ARGUMENT_LIMIT
    assert run(toolkit, '{"note": "short"}').content == "heard"


class Tree(BaseModel):
    children: list[Tree] = []


@tool(kind="read")
def plant(db: Any, tree: Tree) -> str:
    """Plant a tree.

    Args:
        tree: The tree.
    """
    return "planted"


def tree_of(bottom: dict[str, Any], levels: int) -> dict[str, Any]:
    for _ in range(levels):
        bottom = {"children": [bottom]}
    return {"tree": bottom}


def test_schema_validation_of_a_recursive_type_at_the_depth_limit_does_not_overflow() -> None:
    # Each tree level is an object and a list: 30 wraps put the bottom list at depth 63 of 64.
    kit = Toolkit([plant], db={})
    good, bad = tree_of({"children": []}, 30), tree_of({"children": [1]}, 30)  # 1 is no tree
    assert kit.call(ToolCall(id="1", name="plant", arguments=good)).ok
    result = kit.call(ToolCall(id="2", name="plant", arguments=bad))  # the validator walks to the bottom
    assert result.error is ToolErrorKind.INVALID_ARGUMENTS and "must be of type object" in result.content
    too_deep = kit.call(ToolCall(id="3", name="plant", arguments=tree_of({"children": []}, 31)))
    assert too_deep.error is ToolErrorKind.ARGUMENT_LIMIT


# --- nothing downstream walks a deep structure --------------------------------------------------


def test_a_deep_ready_dict_is_shown_stored_and_pickled_as_a_note() -> None:
    call = ToolCall(id="c1", name="echo", arguments=deep_dict())
    note = json.loads(call.arguments_text())
    assert "nesting limit" in note["arguments_not_shown"]
    assert "nesting limit" in arguments_text(call.arguments, pretty=True)
    stored = ToolCall.model_validate_json(call.model_dump_json())
    assert isinstance(stored.arguments, str) and "nesting limit" in stored.arguments
    assert "nesting limit" in pickle.loads(pickle.dumps(call)).arguments
    assert isinstance(call.arguments, dict)  # the call itself is left as it was made
    trajectory = [Message(role=Role.AGENT, tool_calls=[call])]
    assert (
        "nesting limit"
        in to_chat_messages("system", trajectory, Role.AGENT)[1]["tool_calls"][0]["function"]["arguments"]
    )
    assert "AGENT TOOL CALL echo(" in render_transcript(trajectory)


def test_an_ordinary_dict_is_stored_and_shown_as_before() -> None:
    call = ToolCall(id="c1", name="echo", arguments={"b": 1, "a": "é"})
    assert call.arguments_text() == '{"a": "\\u00e9", "b": 1}'
    assert ToolCall.model_validate_json(call.model_dump_json()).arguments == {"b": 1, "a": "é"}
    assert arguments_text('{"a":1}', pretty=True) == '{\n  "a": 1\n}'
    assert arguments_text('{"a":1', pretty=True) == '{"a":1'  # malformed: shown as sent


def test_the_checker_treats_hostile_arguments_as_matching_nothing() -> None:
    mock = get_domain("mock")
    task = mock.task("refuse-cancel-shipped").model_copy(
        update={"forbidden_actions": [ActionPattern(name="cancel_order", arguments={"order_id": "#O5007"})]}
    )
    env = Environment(mock, task)
    trajectory = [Message(role=Role.USER, content="hi")]
    for i, arguments in enumerate([deep_string(), deep_dict()]):
        call = ToolCall(id=f"c{i}", name="cancel_order", arguments=arguments)
        trajectory.append(Message(role=Role.AGENT, tool_calls=[call]))
        trajectory.append(Message(role=Role.TOOL, tool_result=env.execute(call), requestor="agent"))
        assert trajectory[-1].tool_result.error is ToolErrorKind.ARGUMENT_LIMIT
    trajectory.append(Message(role=Role.AGENT, content="Done."))
    verdict = check(env, task, trajectory, TerminationReason.USER_STOP, build_goal(mock, task))
    assert verdict.component("forbidden_actions").passed  # a refused, unreadable call matches no pattern
    pattern = task.forbidden_actions[0]
    assert not matches(pattern, "cancel_order", "agent", None)


async def test_the_scripted_customer_ignores_hostile_inline_arguments() -> None:
    assert requested_device_action("please run set_apn " + deep_string(), ["set_apn"]).arguments == {}
    assert requested_device_action('set_apn {"apn": "internet"}', ["set_apn"]).arguments == {"apn": "internet"}
    mock = get_domain("mock")
    context = UserContext(scenario=mock.task("product-price").user_scenario, tools=[{"function": {"name": "set_apn"}}])
    turn = await ScriptedUser(context).respond(
        [Message(role=Role.USER, content="hi"), Message(role=Role.AGENT, content="Try set_apn " + deep_string())]
    )
    assert [c.name for c in turn.tool_calls] == ["set_apn"] and turn.tool_calls[0].arguments == {}
