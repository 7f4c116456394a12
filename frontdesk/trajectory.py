"""The conversation as data: messages, participants' turns, token usage and cost.

Every text these models hold is valid Unicode: a lone surrogate ("\\ud800", which JSON allows and
UTF-8 cannot encode) is replaced by U+FFFD when a message or turn is built, whoever wrote the text
(a model, a plug-in agent, a scripted customer), so a trajectory can always be written to disk.
"""

from __future__ import annotations

import time
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from frontdesk.tools import ToolCall, ToolResult

# Tool arguments given as a dict are cleaned to this depth; anything deeper breaks the argument
# limits anyway and is stored as a note, never as the structure itself.
_CLEAN_DEPTH = 64


def valid_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (surrogate pairs become the character they encode)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        # Through UTF-16, pairs join into their character and each lone half decodes as U+FFFD.
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def valid_value(value: Any, depth: int = 0) -> Any:
    """JSON-like data with every string (keys too) made :func:`valid_text`; unchanged data is returned as is."""
    if isinstance(value, str):
        return valid_text(value)
    if depth >= _CLEAN_DEPTH:
        return value
    if isinstance(value, dict):
        cleaned, changed = {}, False
        for k, v in value.items():
            key, item = valid_value(k, depth + 1), valid_value(v, depth + 1)
            changed = changed or key is not k or item is not v
            cleaned[key] = item
        return cleaned if changed else value
    if isinstance(value, list):
        items = [valid_value(v, depth + 1) for v in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


def _valid_call(call: ToolCall) -> ToolCall:
    update = {
        k: v
        for k, v in (
            ("id", valid_text(call.id)),
            ("name", valid_text(call.name)),
            ("arguments", valid_value(call.arguments)),
            ("requestor", valid_text(call.requestor)),
        )
        if v is not getattr(call, k)
    }
    return call.model_copy(update=update) if update else call


def _valid_calls(calls: list[ToolCall]) -> list[ToolCall]:
    return [_valid_call(c) for c in calls]


def _valid_result(result: ToolResult | None) -> ToolResult | None:
    if result is None:
        return None
    update = {
        k: v
        for k, v in (
            ("call_id", valid_text(result.call_id)),
            ("name", valid_text(result.name)),
            ("content", valid_text(result.content)),
        )
        if v is not getattr(result, k)
    }
    return result.model_copy(update=update) if update else result


Text = Annotated[str, AfterValidator(valid_text)]
ToolCalls = Annotated[list[ToolCall], AfterValidator(_valid_calls)]


class Usage(BaseModel):
    """Tokens and cost of model calls. ``cost_usd`` is None when the provider's price is unknown.

    ``calls`` are model calls that got a response; ``attempts`` are the HTTP requests sent for them,
    first tries and retries, including those of calls that failed in the end. Usage written before
    attempts were counted reads back with one attempt per call (all that is known of it).
    """

    calls: int = 0
    attempts: int = 0
    cached_calls: int = 0  # answered from the response cache: no provider call, no spend
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0

    @model_validator(mode="before")
    @classmethod
    def _one_attempt_per_call_unless_told(cls, data: Any) -> Any:
        if isinstance(data, dict) and "attempts" not in data and data.get("calls"):
            return {**data, "attempts": data["calls"]}
        return data

    def __add__(self, other: Usage) -> Usage:
        cost = None if self.cost_usd is None or other.cost_usd is None else self.cost_usd + other.cost_usd
        return Usage(
            calls=self.calls + other.calls,
            attempts=self.attempts + other.attempts,
            cached_calls=self.cached_calls + other.cached_calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=cost,
        )


class Role(str, Enum):
    AGENT = "agent"
    USER = "user"
    TOOL = "tool"


class UserSignal(str, Enum):
    """How a simulated customer ends the conversation."""

    STOP = "stop"
    TRANSFER = "transfer"
    OUT_OF_SCOPE = "out_of_scope"


class RejectedDraft(BaseModel):
    """A simulated customer's draft that a turn guard (or the verifier) rejected; the agent never saw it."""

    text: Text | None = None
    reason: Text


class Message(BaseModel):
    role: Role
    content: Text | None = None
    tool_calls: ToolCalls = Field(default_factory=list)
    tool_result: Annotated[ToolResult | None, AfterValidator(_valid_result)] = None
    requestor: Literal["agent", "user"] | None = None  # for tool messages: whose call this answers
    signal: UserSignal | None = None
    usage: Usage | None = None
    reasoning: Text | None = None  # a simulated customer's private reasoning: stored, never shown to the agent
    guard_failures: list[Text] = Field(default_factory=list)  # why each draft before this message was rejected
    rejected_drafts: list[RejectedDraft] = Field(default_factory=list)  # those drafts, text and reason
    # Set when the harness, not the customer's signal, ended the conversation at this message (the stall guard).
    ended_by: Text | None = None
    timestamp: float = Field(default_factory=time.time)


class AssistantTurn(BaseModel):
    """What an agent returns: text for the customer and/or tool calls, run in order."""

    text: Text | None = None
    tool_calls: ToolCalls = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)


class UserTurn(BaseModel):
    """What a user simulator returns: text, an ending signal, and/or device tool calls."""

    text: Text | None = None
    signal: UserSignal | None = None
    tool_calls: ToolCalls = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    reasoning: Text | None = None
    guard_failures: list[Text] = Field(default_factory=list)
    rejected_drafts: list[RejectedDraft] = Field(default_factory=list)


Trajectory = list[Message]


def agent_text(trajectory: Trajectory) -> str:
    """Everything the agent said to the customer, joined."""
    return "\n".join(m.content for m in trajectory if m.role is Role.AGENT and m.content)


def _assistant_entry(content: str | None, calls: list[ToolCall]) -> dict[str, Any]:
    # Never null: llama.cpp, LM Studio and mlx servers answer 500 to `"content": null` next to tool
    # calls, and litellm drops a null key, which llama-cpp-python rejects too. "" is accepted everywhere.
    entry: dict[str, Any] = {"role": "assistant", "content": content or ""}
    if calls:
        entry["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_text()}}
            for c in calls
        ]
    return entry


def to_chat_messages(system: str, trajectory: Trajectory, speaker: Role) -> list[dict[str, Any]]:
    """The conversation in OpenAI chat format, seen from ``speaker``'s side (AGENT or USER).

    The speaker's own messages are 'assistant', the other party's words are 'user', and only the
    results of the speaker's own tool calls are shown: neither side sees the other's tools.
    """
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for m in trajectory:
        if m.role is speaker:
            messages.append(_assistant_entry(m.content, m.tool_calls))
        elif m.role is Role.TOOL:
            if m.requestor == speaker.value and m.tool_result is not None:
                r = m.tool_result
                messages.append({"role": "tool", "tool_call_id": r.call_id, "name": r.name, "content": r.content})
        elif m.content:
            messages.append({"role": "user", "content": m.content})
    return messages
