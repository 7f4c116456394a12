"""The conversation as data: messages, participants' turns, token usage and cost."""

from __future__ import annotations

import time
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field

from frontdesk.tools import ToolCall, ToolResult


class Usage(BaseModel):
    """Tokens and cost of model calls. ``cost_usd`` is None when the provider's price is unknown."""

    calls: int = 0
    cached_calls: int = 0  # answered from the response cache: no provider call, no spend
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0

    def __add__(self, other: Usage) -> Usage:
        cost = None if self.cost_usd is None or other.cost_usd is None else self.cost_usd + other.cost_usd
        return Usage(
            calls=self.calls + other.calls,
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


class Message(BaseModel):
    role: Role
    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_result: ToolResult | None = None
    requestor: Literal["agent", "user"] | None = None  # for tool messages: whose call this answers
    signal: UserSignal | None = None
    usage: Usage | None = None
    reasoning: str | None = None  # a simulated customer's private reasoning: stored, never shown to the agent
    guard_failures: list[str] = Field(default_factory=list)  # rejected drafts before this message
    timestamp: float = Field(default_factory=time.time)


class AssistantTurn(BaseModel):
    """What an agent returns: text for the customer and/or tool calls, run in order."""

    text: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)


class UserTurn(BaseModel):
    """What a user simulator returns: text, an ending signal, and/or device tool calls."""

    text: str | None = None
    signal: UserSignal | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    reasoning: str | None = None
    guard_failures: list[str] = Field(default_factory=list)


Trajectory = list[Message]


def agent_text(trajectory: Trajectory) -> str:
    """Everything the agent said to the customer, joined."""
    return "\n".join(m.content for m in trajectory if m.role is Role.AGENT and m.content)


def _assistant_entry(content: str | None, calls: list[ToolCall]) -> dict[str, Any]:
    entry: dict[str, Any] = {"role": "assistant", "content": content}
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
