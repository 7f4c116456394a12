"""Build the agent a configuration names: a ``scripted/…`` participant or any litellm model."""

from __future__ import annotations

import dataclasses

from frontdesk.agents.base import Agent, AgentContext
from frontdesk.agents.scripted import NullAgent, OracleAgent
from frontdesk.agents.tool_calling import ToolCallingAgent
from frontdesk.llm import SCRIPTED_PREFIX, ModelConfig
from frontdesk.llm.participants import ParticipantRegistry

AGENTS: ParticipantRegistry[AgentContext, Agent] = ParticipantRegistry(
    "agent",
    scripted={"scripted/oracle": OracleAgent, "scripted/null": NullAgent},
    strategies={"tool-calling": ToolCallingAgent},
)


check_agent_spec = AGENTS.check


def build_agent(model: ModelConfig, strategy: str, context: AgentContext) -> Agent:
    if not model.model.startswith(SCRIPTED_PREFIX):
        context = dataclasses.replace(context, task=None)  # an LLM agent never sees the task
    return AGENTS.build(model, strategy, context)
