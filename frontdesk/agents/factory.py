"""Build the agent a configuration names: a ``scripted/…`` participant, a plug-in, a remote agent, or any litellm model.

See :mod:`frontdesk.llm.participants` for how a spec is read. Agent plug-ins: ``--agent
py:my_pkg.module:factory`` or a name registered in the ``frontdesk.agents`` entry-point group
(``factory(None, AgentContext) -> Agent``), or ``--agent-strategy py:…`` to drive a model
(``factory(ModelConfig, AgentContext) -> Agent``). ``--agent a2a:URL`` is a remote agent over A2A
(:mod:`frontdesk.interop.a2a_agent`, found by import path like any plug-in).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from frontdesk.agents.base import Agent, AgentContext
from frontdesk.agents.react import ReactAgent
from frontdesk.agents.scripted import LearnerAgent, NullAgent, OracleAgent
from frontdesk.agents.tool_calling import ToolCallingAgent
from frontdesk.llm import SCRIPTED_PREFIX, ModelConfig
from frontdesk.llm.participants import ParticipantRegistry
from frontdesk.trajectory import AssistantTurn, Trajectory

GROUP = "frontdesk.agents"


class BrokenAgent(Agent):
    """Stands in for a plug-in agent that could not be built for a trial: its first turn fails, so
    the trial ends as the agent's error with the reason, like any failure of the agent itself."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        raise RuntimeError(self.reason)


def _probe() -> AgentContext:
    return AgentContext(policy="(probe: checking that the plug-in can be built)", tools=[], tool_kinds={}, seed=0)


AGENTS: ParticipantRegistry[AgentContext, Agent] = ParticipantRegistry(
    "agent",
    scripted={"scripted/oracle": OracleAgent, "scripted/null": NullAgent, "scripted/learner": LearnerAgent},
    strategies={"tool-calling": ToolCallingAgent, "react": ReactAgent},
    kind=Agent,
    group=GROUP,
    schemes={"a2a": "frontdesk.interop.a2a_agent:A2AAgent"},
    probe=_probe,
    broken=BrokenAgent,
)


check_agent_spec = AGENTS.check
is_agent_model = AGENTS.is_model


def agent_provenance(agent: str, strategy: str) -> dict[str, Any]:
    """The agent plug-ins a configuration uses (spec, import path, package and version), for the
    manifest and the config hash; empty for built-ins and model strings."""
    return AGENTS.provenance(agent, strategy)


def visible_context(model: str, context: AgentContext) -> AgentContext:
    """What the agent ``model`` may see of ``context``: only the built-in scripted agents see the task."""
    return context if model.startswith(SCRIPTED_PREFIX) else dataclasses.replace(context, task=None)


def build_agent(model: ModelConfig, strategy: str, context: AgentContext) -> Agent:
    return AGENTS.build(model, strategy, visible_context(model.model, context))
