"""Agents under test: the tool-calling and ReAct LLM agents, the offline scripted agents, plug-ins."""

from frontdesk.agents.base import DEFAULT_GREETING, Agent, AgentContext
from frontdesk.agents.factory import AGENTS, agent_provenance, build_agent, check_agent_spec, is_agent_model
from frontdesk.agents.react import ReactAgent, parse_action
from frontdesk.agents.scripted import NullAgent, OracleAgent, is_affirmative
from frontdesk.agents.tool_calling import ToolCallingAgent, to_openai_messages

__all__ = [
    "AGENTS",
    "DEFAULT_GREETING",
    "Agent",
    "AgentContext",
    "NullAgent",
    "OracleAgent",
    "ReactAgent",
    "ToolCallingAgent",
    "agent_provenance",
    "build_agent",
    "check_agent_spec",
    "is_agent_model",
    "is_affirmative",
    "parse_action",
    "to_openai_messages",
]
