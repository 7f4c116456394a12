"""Agents under test: the tool-calling LLM agent and the offline scripted agents."""

from frontdesk.agents.base import DEFAULT_GREETING, Agent, AgentContext
from frontdesk.agents.factory import AGENTS, build_agent, check_agent_spec
from frontdesk.agents.scripted import NullAgent, OracleAgent, is_affirmative
from frontdesk.agents.tool_calling import ToolCallingAgent, to_openai_messages

__all__ = [
    "AGENTS",
    "DEFAULT_GREETING",
    "Agent",
    "AgentContext",
    "NullAgent",
    "OracleAgent",
    "ToolCallingAgent",
    "build_agent",
    "check_agent_spec",
    "is_affirmative",
    "to_openai_messages",
]
