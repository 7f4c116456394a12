"""The agent contract: given the conversation so far, answer the customer or call tools."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from frontdesk.envs import Task
from frontdesk.tools import ToolKind
from frontdesk.trajectory import AssistantTurn, Trajectory

DEFAULT_GREETING = "Hi! How can I help you today?"


@dataclass
class AgentContext:
    """What an agent may see: the policy and its tools. Only the oracle is also handed the task."""

    policy: str
    tools: list[dict[str, Any]]
    tool_kinds: dict[str, ToolKind]
    seed: int
    transfer_tool: str | None = None
    task: Task | None = field(default=None, repr=False)


class Agent(ABC):
    """The system under test. One instance per trial; it may keep state between turns.

    In a sequential run an agent that sets ``serves_queue`` is built once per queue and serves
    every customer in it: :meth:`next_customer` starts each conversation after the first, and
    :meth:`remember` is saved with the queue's record. Other agents are built afresh per customer
    and remember only through the memory tools frontdesk gives them.
    """

    greeting: str = DEFAULT_GREETING
    serves_queue: bool = False

    async def next_customer(self, context: AgentContext) -> None:  # noqa: B027 - only queue-serving agents
        """A new conversation with another customer begins (sequential runs, ``serves_queue`` only):
        the context holds this conversation's tools and seed. Forget the conversation, keep the lessons."""

    def remember(self) -> Any:
        """What the agent keeps across customers, as JSON data, for the queue's record (or None)."""
        return None

    @abstractmethod
    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        """Return text for the customer and/or tool calls, given every message so far."""

    async def aclose(self) -> None:  # noqa: B027 - optional: most agents hold nothing
        """Release what the agent holds (connections, a remote conversation); called once its trial
        has ended, however it ended. An agent must not be used after it."""
