"""``--agent-strategy react``: an agent for models without native tool calling.

The model is shown the tools as text and answers with one action in its reply::

    Thought: the customer wants order #W1 cancelled; I need the order first.
    Action: {"name": "get_order_details", "arguments": {"order_id": "#W1"}}

``{"name": "respond", "arguments": {"content": "…"}}`` answers the customer. A reply is read
strictly first (a ``Thought:``, then ``Action:`` and one JSON object ending the reply), then
leniently: a single bare or fenced JSON object naming a known tool (or ``respond``) is accepted.
What cannot be read goes back to the model as an error it may correct, and counts as a failed
tool call of the agent (``--max-tool-errors``), like a malformed native tool call:

- no action, two actions, a ``respond`` without text: a call to :data:`INVALID_ACTION` carrying the
  problem, which the toolkit refuses (no such tool); the model reads the problem itself;
- an action naming an unknown tool, or arguments that are not a JSON object: the call goes to the
  toolkit as written, which answers with its usual error (unknown tool, bad JSON, invalid arguments).

Arguments pass through :func:`frontdesk.tools.parse_arguments` (in the toolkit) like every call's.
The thoughts stay with the agent; the customer sees only what ``respond`` says.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from frontdesk.agents.base import Agent, AgentContext
from frontdesk.llm import ModelConfig, complete
from frontdesk.tools import ArgumentError, ToolCall, parse_arguments, parse_leading_object
from frontdesk.trajectory import AssistantTurn, Role, Trajectory

RESPOND = "respond"
INVALID_ACTION = "invalid_action"  # no tool has this name: a call to it is a failed call, by design
MAX_REPLY_KEPT = 2000  # characters of an unreadable reply kept in the trajectory

SYSTEM_TEMPLATE = """You are a customer service agent. Help the customer while following the policy below exactly.
Never make up information that the tools or the customer did not give you.

<policy>
{policy}
</policy>

Every reply of yours is exactly one action. Write your reasoning after "Thought:" (the customer never
sees it), then the action as one JSON object after "Action:", and nothing after it:

Thought: <your reasoning>
Action: {{"name": "<a tool name, or respond>", "arguments": {{<the tool's arguments>}}}}

To answer the customer, use {{"name": "respond", "arguments": {{"content": "<your message to the customer>"}}}}.
After a tool call you get its result as "Observation: ..."; then act again. One action per reply.

The tools, one JSON object per line (name, what it does, JSON Schema of its arguments):
{tools}"""

_STRICT = re.compile(r"\A\s*(?:Thought:(?P<thought>.*?))?\s*Action:\s*(?P<action>\{.*\})\s*\Z", re.DOTALL)
_FENCE = re.compile(r"```[A-Za-z]*[ \t]*\n(.*?)```", re.DOTALL)


@dataclass
class Action:
    """One action read from a reply: a tool (or ``respond``) and its arguments as the model wrote them."""

    name: str
    arguments: Any = field(default_factory=dict)


class ActionProblem(ValueError):
    """Why a reply is not one readable action; the message is for the model."""


def _action_like(value: Any, known: set[str]) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and (value["name"] in known or "arguments" in value)
    )


def _as_action(value: dict[str, Any]) -> Action:
    arguments = value.get("arguments", {})
    if not isinstance(arguments, (dict, str)):  # the toolkit says what is wrong with it, as for any call
        arguments = json.dumps(arguments)
    return Action(name=value["name"], arguments=arguments)


def _objects(text: str) -> list[Any]:
    """Every JSON object in ``text`` (fenced blocks first), under the argument limits; nested ones
    count as part of the object holding them."""
    found: list[Any] = []
    fenced = _FENCE.findall(text)
    pieces = fenced or [text]
    decoder = json.JSONDecoder()
    for piece in pieces:
        index = piece.find("{")
        while index != -1:
            try:
                value = parse_leading_object(piece[index:])  # limits first: hostile text never recurses
                end = decoder.raw_decode(piece, index)[1]
            except (ArgumentError, ValueError):
                index = piece.find("{", index + 1)
                continue
            found.append(value)
            index = piece.find("{", end)
    return found


def parse_action(text: str, known: set[str]) -> Action:
    """The one action in a reply: strictly (``Thought: … Action: {json}``), then leniently (one
    bare or fenced JSON object naming a known tool); :class:`ActionProblem` otherwise. ``known``:
    the tool names, ``respond`` included."""
    strict = _STRICT.match(text)
    if strict:
        try:
            value = parse_arguments(strict.group("action"))
        except ArgumentError:
            value = None
        if value is not None and isinstance(value.get("name"), str) and set(value) <= {"name", "arguments"}:
            return _as_action(value)
    actions = [v for v in _objects(text) if _action_like(v, known)]
    if len(actions) > 1:
        names = ", ".join(a["name"] for a in actions)
        raise ActionProblem(f"your reply holds {len(actions)} actions ({names}); send exactly one action per reply")
    if actions:
        return _as_action(actions[0])
    if "Action:" in text:
        raise ActionProblem(
            'your Action is not one valid JSON object; write it as Action: {"name": "...", "arguments": {...}}'
        )
    raise ActionProblem(
        'your reply holds no action; end every reply with Action: {"name": ..., "arguments": {...}} '
        f'(to talk to the customer: Action: {{"name": "{RESPOND}", "arguments": {{"content": "..."}}}})'
    )


@dataclass
class _Reply:
    text: str  # what the model wrote, shown back to it as its own message
    problem: str | None = None  # why it could not be read, shown instead of the toolkit's refusal


class ReactAgent(Agent):
    def __init__(self, model: ModelConfig, context: AgentContext) -> None:
        self.model = model
        self.context = context
        tools = "\n".join(
            json.dumps(
                {"name": f["name"], "description": f["description"], "parameters": f["parameters"]},
                ensure_ascii=False,
            )
            for f in (t["function"] for t in context.tools)
        )
        self.system = SYSTEM_TEMPLATE.format(policy=context.policy, tools=tools or "(none)")
        self.known = {t["function"]["name"] for t in context.tools} | {RESPOND}
        self.replies: list[_Reply] = []
        self.problems: dict[str, str] = {}  # call id -> why the reply behind it could not be read
        self._ids = itertools.count(1)

    def messages(self, trajectory: Trajectory) -> list[dict[str, Any]]:
        """The model's view: the customer's words, its own replies as it wrote them, observations."""
        messages: list[dict[str, Any]] = [{"role": "system", "content": self.system}]
        own = iter(self.replies)
        greeted = False
        for m in trajectory:
            if m.role is Role.AGENT:
                if not greeted and not m.tool_calls and m.content == self.greeting:
                    greeted = True
                    messages.append({"role": "assistant", "content": m.content})
                    continue
                reply = next(own, None)
                messages.append({"role": "assistant", "content": reply.text if reply else (m.content or "")})
            elif m.role is Role.TOOL:
                if m.requestor == "agent" and m.tool_result is not None:
                    problem = self.problems.get(m.tool_result.call_id)
                    shown = f"Error: {problem}" if problem else m.tool_result.content
                    messages.append({"role": "user", "content": f"Observation: {shown}"})
            elif m.content:
                messages.append({"role": "user", "content": f"Customer: {m.content}"})
        return messages

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        completion = await complete(self.model, self.messages(trajectory), seed=self.context.seed)
        text = completion.text or ""
        call_id = f"react-{next(self._ids)}"
        try:
            action = parse_action(text, self.known)
            if action.name == RESPOND:
                content = action.arguments.get("content") if isinstance(action.arguments, dict) else None
                if not isinstance(content, str) or not content.strip():
                    raise ActionProblem(f'"{RESPOND}" needs arguments {{"content": "<your message to the customer>"}}')
                self.replies.append(_Reply(text))
                return AssistantTurn(text=content, usage=completion.usage)
        except ActionProblem as problem:
            self.replies.append(_Reply(text, str(problem)))
            self.problems[call_id] = str(problem)
            call = ToolCall(
                id=call_id, name=INVALID_ACTION, arguments={"problem": str(problem), "reply": text[:MAX_REPLY_KEPT]}
            )
            return AssistantTurn(tool_calls=[call], usage=completion.usage)
        self.replies.append(_Reply(text))
        return AssistantTurn(
            tool_calls=[ToolCall(id=call_id, name=action.name, arguments=action.arguments)], usage=completion.usage
        )
