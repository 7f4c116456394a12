"""A tool-calling LLM agent: the policy is the system prompt; tools are passed as functions."""

from __future__ import annotations

from typing import Any

from frontdesk.agents.base import Agent, AgentContext
from frontdesk.llm import ModelConfig, complete
from frontdesk.trajectory import AssistantTurn, Role, Trajectory, to_chat_messages

SYSTEM_TEMPLATE = """You are a customer service agent. Help the customer while following the policy below exactly.
Each turn, either reply to the customer or call tools, not both; you may call several tools in one turn.
Never make up information that the tools or the customer did not give you.

<policy>
{policy}
</policy>"""


def to_openai_messages(system: str, trajectory: Trajectory) -> list[dict[str, Any]]:
    """The agent's view: customer messages, its own messages and the results of its own tool calls."""
    return to_chat_messages(system, trajectory, Role.AGENT)


class ToolCallingAgent(Agent):
    def __init__(self, model: ModelConfig, context: AgentContext) -> None:
        self.model = model
        self.context = context
        self.system = SYSTEM_TEMPLATE.format(policy=context.policy)

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        completion = await complete(
            self.model, to_openai_messages(self.system, trajectory), tools=self.context.tools, seed=self.context.seed
        )
        return AssistantTurn(text=completion.text, tool_calls=completion.tool_calls, usage=completion.usage)
