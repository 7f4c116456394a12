"""A tool-calling LLM agent: the policy is the system prompt; tools are passed as functions."""

from __future__ import annotations

from typing import Any

from frontdesk.agents.base import Agent, AgentContext
from frontdesk.llm import ModelConfig, complete
from frontdesk.trajectory import openai_assistant_message, openai_tool_message, AssistantTurn, Role, Trajectory

SYSTEM_TEMPLATE = """You are a customer service agent. Help the customer while following the policy below exactly.
Each turn, either reply to the customer or call tools, not both; you may call several tools in one turn.
Never make up information that the tools or the customer did not give you.

<policy>
{policy}
</policy>"""


def to_openai_messages(system: str, trajectory: Trajectory) -> list[dict[str, Any]]:
    """The agent's view: customer messages, its own messages and the results of its own tool calls."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for m in trajectory:
        if m.role is Role.USER and m.content:
            messages.append({"role": "user", "content": m.content})
        elif m.role is Role.AGENT:
            messages.append(openai_assistant_message(m.content, m.tool_calls))
        elif m.role is Role.TOOL and m.requestor == "agent" and m.tool_result is not None:
            messages.append(openai_tool_message(m.tool_result))
    return messages


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

