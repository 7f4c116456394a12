"""Actions as a policy sends them (a dict or its JSON text) turned into the turns the orchestrator takes.

An action is read the way a model's response is: a message that cannot be used at all (not JSON,
not an object, a tool call without a name, text that is not text, over the size a model response
may have) raises :class:`MalformedAction` inside the participant's turn, which the orchestrator
turns into ``agent_error`` (or ``user_error`` for the customer seat) exactly as it does for a
model's unusable response. Everything finer — an unknown tool, arguments that are not JSON or do
not fit the schema — travels on as sent, and the toolkit answers it with the error result a model
would get, after which the conversation goes on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from frontdesk.llm.output import MAX_RESPONSE_BYTES, MAX_RESPONSE_DEPTH, json_depth
from frontdesk.simulators.llm_user import split_reasoning
from frontdesk.simulators.signals import parse_user_text
from frontdesk.tools import ToolCall, arguments_text
from frontdesk.trajectory import AssistantTurn, Usage, UserSignal, UserTurn

EXAMPLE = '{"content": "text for the other side"} or {"tool_calls": [{"name": "tool", "arguments": {}}]}'


class MalformedAction(ValueError):
    """The action cannot be used as a message: the seat's own fault, as an unusable model response is."""

    usage = Usage()  # no model call was made: nothing to charge (the orchestrator reads this)


def _decode(text: str) -> Any:
    if len(text) > MAX_RESPONSE_BYTES:
        raise MalformedAction(f"the action is {len(text):,} characters long; at most {MAX_RESPONSE_BYTES:,}")
    # json.loads recurses once per level: refuse deep nesting before it does (counting is cheap).
    brackets = text.count("[") + text.count("{")
    if brackets > MAX_RESPONSE_DEPTH and json_depth(text.encode("utf-8", "surrogatepass")) > MAX_RESPONSE_DEPTH:
        raise MalformedAction(f"the action nests JSON deeper than {MAX_RESPONSE_DEPTH} levels")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedAction(f"the action is not JSON ({text[:80]!r}); send {EXAMPLE}") from None


def _message(action: Any) -> Mapping[str, Any]:
    """The message inside an action: the action itself, or the first choice of a chat completion."""
    if isinstance(action, (bytes, bytearray)):
        action = action.decode("utf-8", "replace")
    data = _decode(action) if isinstance(action, str) else action
    if isinstance(data, Mapping) and "choices" in data:  # a chat completion passed straight through
        choices = data["choices"]
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
            raise MalformedAction("the action is a chat completion without choices")
        data = choices[0].get("message")
    if not isinstance(data, Mapping):
        raise MalformedAction(f"the action is a {type(data).__name__}, not a message object; send {EXAMPLE}")
    return data


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise MalformedAction(f"{what} is {type(value).__name__}, not text")
    return value


def _calls(message: Mapping[str, Any], requestor: str, id_prefix: str) -> list[ToolCall]:
    raw = message.get("tool_calls") or []
    if not isinstance(raw, list):
        raise MalformedAction(f"'tool_calls' is {type(raw).__name__}, not a list")
    calls = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise MalformedAction(f"tool call {i} is {type(entry).__name__}, not an object")
        # OpenAI's shape ({"function": {"name", "arguments"}}) or the flat one ({"name", "arguments"}).
        function = entry.get("function", entry)
        if not isinstance(function, Mapping):
            raise MalformedAction(f"tool call {i}'s 'function' is {type(function).__name__}, not an object")
        name = _text(function.get("name"), f"tool call {i}'s name")
        arguments = function.get("arguments")
        if arguments is None:
            arguments = ""  # as a model's missing arguments: no arguments
        elif not isinstance(arguments, (str, Mapping)):
            arguments = json.dumps(arguments)  # a list or number: the toolkit says it is not an object
        call_id = entry.get("id") or f"{id_prefix}-{i}"
        calls.append(
            ToolCall(
                id=_text(call_id, f"tool call {i}'s id"),
                name=name,
                arguments=dict(arguments) if isinstance(arguments, Mapping) else arguments,
                requestor=requestor,
            )
        )
    return calls


def _content(message: Mapping[str, Any]) -> str | None:
    content = message.get("content")
    if content is None:
        return None
    if isinstance(content, list):  # OpenAI's content parts: the text ones, joined
        parts = [p.get("text") for p in content if isinstance(p, Mapping) and p.get("type") == "text"]
        return "".join(_text(p, "a content part's text") for p in parts)
    return _text(content, "the message content")


def _check_size(text: str | None, calls: list[ToolCall]) -> None:
    size = len(text or "") + sum(len(c.name) + len(arguments_text(c.arguments)) for c in calls)
    if size > MAX_RESPONSE_BYTES:
        raise MalformedAction(f"the action is {size:,} characters long; at most {MAX_RESPONSE_BYTES:,}")


def agent_turn(action: Any, id_prefix: str) -> AssistantTurn:
    """The agent's turn an action says: text for the customer and/or tool calls."""
    message = _message(action)
    if message.get("role", "assistant") != "assistant":
        raise MalformedAction(f"the agent's message has role {message.get('role')!r}; it speaks as 'assistant'")
    text = _content(message)
    calls = _calls(message, "agent", id_prefix)
    _check_size(text, calls)
    return AssistantTurn(text=text or None, tool_calls=calls)


def user_turn(action: Any, id_prefix: str) -> tuple[UserTurn, str | None]:
    """The customer's turn an action says, and its text as written (a rejected draft is quoted back),
    read as the LLM customer's reply is: ``<thinking>`` split off as reasoning, ``###STOP###``-style
    tokens as the ending signal (or ``"signal": "stop"``)."""
    message = _message(action)
    written = _content(message)
    raw, reasoning = split_reasoning(written)
    text, signal = parse_user_text(raw)
    if message.get("signal") is not None:
        try:
            signal = UserSignal(message["signal"])
        except ValueError:
            allowed = ", ".join(s.value for s in UserSignal)
            raise MalformedAction(f"'signal' is {message['signal']!r}; one of: {allowed}") from None
    calls = _calls(message, "user", id_prefix)
    _check_size(text, calls)
    return UserTurn(text=text, signal=signal, tool_calls=calls, reasoning=reasoning), written
