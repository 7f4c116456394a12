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
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0

    def __add__(self, other: Usage) -> Usage:
        cost = None if self.cost_usd is None or other.cost_usd is None else self.cost_usd + other.cost_usd
        return Usage(
            calls=self.calls + other.calls,
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


Trajectory = list[Message]


def agent_text(trajectory: Trajectory) -> str:
    """Everything the agent said to the customer, joined."""
    return "\n".join(m.content for m in trajectory if m.role is Role.AGENT and m.content)


def openai_assistant_message(content: str | None, calls: list[ToolCall]) -> dict[str, Any]:
    """A message in OpenAI chat format spoken by the model being prompted (agent or simulated user)."""
    entry: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        entry["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_text()}}
            for c in calls
        ]
    return entry


def openai_tool_message(result: ToolResult) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": result.call_id, "name": result.name, "content": result.content}
