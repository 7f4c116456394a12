"""Offline agents: ``scripted/oracle`` replays the gold actions; ``scripted/null`` only talks."""

from __future__ import annotations

import json

from frontdesk.agents.base import Agent, AgentContext
from frontdesk.envs import render_output
from frontdesk.tools import ToolCall, ToolKind
from frontdesk.trajectory import AssistantTurn, Role, Trajectory

AFFIRMATIVE = ("yes", "yeah", "yep", "sure", "go ahead", "confirm", "please do", "correct", "ok")


def is_affirmative(text: str | None) -> bool:
    t = (text or "").strip().lower()
    return any(t.startswith(word) for word in AFFIRMATIVE)


class OracleAgent(Agent):
    """Follows the task's gold actions the way the policy asks: confirm each write, then do it.

    A task the oracle cannot pass with the scripted user is a broken task.
    """

    def __init__(self, context: AgentContext) -> None:
        if context.task is None:
            raise ValueError("the oracle agent needs the task")
        self.context = context
        self.actions = list(context.task.gold_actions)
        self.next_index = 0
        self.awaiting_confirmation = False
        self.closed = False

    def _outputs(self) -> str:
        outputs = self.context.task.required_outputs if self.context.task else []
        return f" Here is what you asked about: {'; '.join(map(render_output, outputs))}." if outputs else ""

    def _closing(self) -> str:
        wrote = any(self.context.tool_kinds.get(a.name) is ToolKind.WRITE for a in self.actions)
        return f"{'All done.' if wrote else 'I have looked into it.'}{self._outputs()} Is there anything else I can help you with?"

    def _call(self, index: int) -> ToolCall:
        action = self.actions[index]
        return ToolCall(id=f"oracle-{index}", name=action.name, arguments=dict(action.arguments))

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        last = trajectory[-1] if trajectory else None
        if self.awaiting_confirmation and last is not None and last.role is Role.USER:
            self.awaiting_confirmation = False
            index = self.next_index
            self.next_index += 1
            if is_affirmative(last.content):
                return AssistantTurn(tool_calls=[self._call(index)])
            # The customer declined: respect it (the task's gold and scenario then disagree).
        while self.next_index < len(self.actions):
            action = self.actions[self.next_index]
            if action.requestor == "user":
                self.next_index += 1
                args = json.dumps(action.arguments) if action.arguments else "no arguments"
                return AssistantTurn(text=f"Could you please do this on your side: {action.name} ({args})?")
            kind = self.context.tool_kinds.get(action.name)
            if kind is ToolKind.WRITE:
                self.awaiting_confirmation = True
                args = ", ".join(f"{k} {json.dumps(v)}" for k, v in action.arguments.items())
                return AssistantTurn(
                    text=f"I'm about to run {action.name} with {args or 'no arguments'}. "
                    "Do you confirm I should proceed? (yes/no)"
                )
            index = self.next_index
            self.next_index += 1
            if action.name == self.context.transfer_tool:
                # Tell the customer (and say what they must hear) before handing over: the transfer ends the chat.
                text = f"I'm transferring you to a human agent who can help with this.{self._outputs()}"
                return AssistantTurn(text=text, tool_calls=[self._call(index)])
            return AssistantTurn(tool_calls=[self._call(index)])
        if not self.closed:
            self.closed = True
            return AssistantTurn(text=self._closing())
        # A customer who pushes back hears the same answer again, not a new one.
        return AssistantTurn(text=f"I understand, but I have nothing more I can do.{self._outputs()} Anything else?")


class NullAgent(Agent):
    """Talks politely and never calls a tool: a floor every real agent must beat."""

    def __init__(self, context: AgentContext) -> None:
        self.context = context

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        return AssistantTurn(text="I'm sorry, I can't help with that. Is there anything else I can help you with?")


class LearnerAgent(Agent):
    """``scripted/learner``: a test instrument for sequential runs, an agent that learns by memory.

    It handles a kind of request (the task's first tag) well only once a note says how: it searches
    its memory first; with a note it serves the customer as the oracle does, without one it fails
    the customer and writes the note for next time. So with the memory tools its success rises
    along a queue as kinds repeat, and without them it stays at zero: what a learning curve and the
    memory gain must show.
    """

    def __init__(self, context: AgentContext) -> None:
        if context.task is None:
            raise ValueError("the learner agent needs the task")
        self.oracle = OracleAgent(context)
        self.kind = context.task.tags[0] if context.task.tags else context.task.id
        self.step = "search" if "note_search" in context.tool_kinds else "fumble"

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        if self.step == "search":
            self.step = "read"
            return AssistantTurn(
                tool_calls=[ToolCall(id="learner-search", name="note_search", arguments={"query": self.kind})]
            )
        if self.step == "read":
            result = trajectory[-1].tool_result
            found = result.content if result is not None and result.ok else ""
            self.step = "serve" if json.dumps(self.kind) in found else "write"
        if self.step == "serve":
            return await self.oracle.respond(trajectory)
        if self.step == "write":
            self.step = "fumble"
            steps = ", ".join(a.name for a in self.oracle.actions) or "answer from the policy"
            note = {"title": self.kind, "text": f"For {self.kind} requests: {steps}."}
            return AssistantTurn(tool_calls=[ToolCall(id="learner-write", name="note_write", arguments=note)])
        return AssistantTurn(text="I'm sorry, I don't know how to help with that yet. Anything else?")
