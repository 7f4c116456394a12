"""``scripted/user``: a deterministic customer for offline runs.

It opens with the scenario's reason for contacting, performs a device action when the agent names
one of its tools, answers questions from its known facts, says it does not know its unknown facts,
confirms proposals unless they mention something it will not accept, pushes back with its scenario's
``pushback`` lines (in order, each once) when the agent turns it down or winds up, and stops when the
agent has nothing more to ask.
"""

from __future__ import annotations

import re
from typing import Any

from frontdesk.simulators.base import UserContext, UserSimulator
from frontdesk.simulators.experience import Experience, scripted_experience
from frontdesk.tools import ArgumentError, ToolCall, parse_leading_object
from frontdesk.trajectory import Role, Trajectory, UserSignal, UserTurn

CONFIRMATION_CUES = ("confirm", "proceed", "shall i", "should i", "go ahead", "(yes/no)", "do you want me to")
CLOSING_CUES = ("anything else",)
# What an agent says when it turns a request down: the moment a pressing customer pushes back.
REFUSAL_CUES = ("can't", "cannot", "unable", "not able", "not possible", "not eligible", "not allowed", "policy")
MAX_UNANSWERED = 2  # questions in a row it cannot answer before it gives up and ends the chat


def fact_aliases(key: str) -> list[str]:
    spaced = key.replace("_", " ").strip().lower()
    return sorted({spaced, key.lower()})


def requested_device_action(text: str, tool_names: list[str]) -> ToolCall | None:
    """The device tool the agent asked for by name, with the JSON object after it, if any.

    Matches ``toggle_airplane_mode`` or "toggle airplane mode"; arguments are read from a JSON
    object that follows the name, e.g. ``set_apn ({"apn": "internet"})``.
    """
    lowered = text.lower()
    for name in sorted(tool_names, key=len, reverse=True):  # "toggle_data_roaming" before "toggle_data"
        for alias in (name.lower(), name.replace("_", " ").lower()):
            # Whole words only: "wifi_calling" must not match inside the agent tool "enable_wifi_calling".
            found = re.search(rf"(?<![\w]){re.escape(alias)}(?![\w])", lowered)
            if found is None:
                continue
            rest = text[found.end() :]
            brace = rest.find("{")
            arguments: dict[str, Any] = {}
            if 0 <= brace <= 3:  # the object must follow the name, not sit somewhere later
                try:
                    arguments = parse_leading_object(rest[brace:])
                except ArgumentError:  # the agent's text is model output: hostile JSON is no arguments
                    arguments = {}
            return ToolCall(id=f"user-{name}", name=name, arguments=arguments, requestor="user")
    return None


class ScriptedUser(UserSimulator):
    def __init__(self, context: UserContext) -> None:
        self.context = context
        self.unanswered = 0
        self.pushback = list(context.scenario.pushback)
        self.device_tools = [t["function"]["name"] for t in context.tools]

    async def respond(self, trajectory: Trajectory) -> UserTurn:
        scenario = self.context.scenario
        if not any(m.role is Role.USER for m in trajectory):
            return UserTurn(text=scenario.opening_message or scenario.reason_for_contact)
        last = trajectory[-1]
        if last.role is Role.TOOL and last.requestor == "user" and last.tool_result is not None:
            # Report exactly what the device showed, nothing more.
            return UserTurn(text=f"I did that. My phone shows: {last.tool_result.content}")
        said = next((m.content for m in reversed(trajectory) if m.role is Role.AGENT and m.content), "")
        text = said.lower()
        action = requested_device_action(said, self.device_tools)
        if action is not None:
            self.unanswered = 0
            return UserTurn(tool_calls=[action])
        parts: list[str] = []
        for key, value in scenario.known_facts.items():
            if any(alias in text for alias in fact_aliases(key)):
                parts.append(f"My {key.replace('_', ' ')} is {value}.")
        for unknown in scenario.unknown_facts:
            if unknown.lower() in text:
                parts.append(f"I don't know my {unknown}.")
        if any(cue in text for cue in CONFIRMATION_CUES):
            # Whole words: refusing "cancel" must not refuse a message about a "cancelled" order.
            refused = [w for w in scenario.will_not_accept if re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", text)]
            parts.insert(0, "No, I don't want that." if refused else "Yes, please go ahead.")
        if parts:
            self.unanswered = 0
            return UserTurn(text=" ".join(parts))
        closing = any(cue in text for cue in CLOSING_CUES)
        if self.pushback and (closing or "?" not in text or any(cue in text for cue in REFUSAL_CUES)):
            # Not yet: the customer insists before it accepts the answer.
            return UserTurn(text=self.pushback.pop(0))
        if "?" in text and not closing and self.unanswered < MAX_UNANSWERED:
            self.unanswered += 1
            return UserTurn(text="I'm not sure, I don't have that information.")
        return UserTurn(text="No, that's all. Thank you!", signal=UserSignal.STOP)

    async def rate(self, trajectory: Trajectory, reward: float | None) -> Experience:
        """Deterministic from the outcome and the length of the conversation (see scripted_experience)."""
        return scripted_experience(reward, sum(m.role is Role.AGENT for m in trajectory))
