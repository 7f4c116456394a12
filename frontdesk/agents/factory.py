"""Build the agent a configuration names: a ``scripted/…`` participant or any litellm model."""

from __future__ import annotations

from typing import Callable

from frontdesk.agents.base import Agent, AgentContext
from frontdesk.agents.scripted import NullAgent, OracleAgent
from frontdesk.agents.tool_calling import ToolCallingAgent
from frontdesk.errors import ConfigError
from frontdesk.llm import SCRIPTED_PREFIX, ModelConfig

SCRIPTED_AGENTS: dict[str, Callable[[AgentContext], Agent]] = {
    "scripted/oracle": OracleAgent,
    "scripted/null": NullAgent,
}

# Strategies for LLM agents. Each takes the model configuration and what the agent may see.
AGENT_STRATEGIES: dict[str, Callable[[ModelConfig, AgentContext], Agent]] = {
    "tool-calling": ToolCallingAgent,
}


def check_agent_spec(model: str, strategy: str) -> None:
    if model.startswith(SCRIPTED_PREFIX):
        if model not in SCRIPTED_AGENTS:
            raise ConfigError(f"unknown scripted agent {model!r}; built-in agents: {', '.join(SCRIPTED_AGENTS)}")
        return
    if strategy not in AGENT_STRATEGIES:
        raise ConfigError(f"unknown agent strategy {strategy!r}; choose one of: {', '.join(AGENT_STRATEGIES)}")


def build_agent(model: ModelConfig, strategy: str, context: AgentContext) -> Agent:
    check_agent_spec(model.model, strategy)
    if model.model.startswith(SCRIPTED_PREFIX):
        return SCRIPTED_AGENTS[model.model](context)
    context.task = None  # an LLM agent never sees the task
    return AGENT_STRATEGIES[strategy](model, context)
