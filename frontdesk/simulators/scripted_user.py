"""``scripted/user``: a deterministic customer for offline runs.

It opens with the scenario's reason for contacting, answers questions from its known facts, says
it does not know its unknown facts, confirms proposals unless they mention something it will not
accept, and stops when the agent has nothing more to ask.
"""

from __future__ import annotations

from frontdesk.simulators.base import UserContext, UserSimulator
from frontdesk.trajectory import Role, Trajectory, UserSignal, UserTurn

CONFIRMATION_CUES = ("confirm", "proceed", "shall i", "should i", "go ahead", "(yes/no)", "do you want me to")
CLOSING_CUES = ("anything else",)
MAX_UNANSWERED = 2  # questions in a row it cannot answer before it gives up and ends the chat


def fact_aliases(key: str) -> list[str]:
    spaced = key.replace("_", " ").strip().lower()
    return sorted({spaced, key.lower()})


class ScriptedUser(UserSimulator):
    def __init__(self, context: UserContext) -> None:
        self.context = context
        self.unanswered = 0

    async def respond(self, trajectory: Trajectory) -> UserTurn:
        scenario = self.context.scenario
        if not any(m.role is Role.USER for m in trajectory):
            return UserTurn(text=scenario.reason_for_contact)
        said = next((m.content for m in reversed(trajectory) if m.role is Role.AGENT and m.content), "")
        text = said.lower()
        parts: list[str] = []
        for key, value in scenario.known_facts.items():
            if any(alias in text for alias in fact_aliases(key)):
                parts.append(f"My {key.replace('_', ' ')} is {value}.")
        for unknown in scenario.unknown_facts:
            if unknown.lower() in text:
                parts.append(f"I don't know my {unknown}.")
        if any(cue in text for cue in CONFIRMATION_CUES):
            refused = [w for w in scenario.will_not_accept if w.lower() in text]
            parts.insert(0, "No, I don't want that." if refused else "Yes, please go ahead.")
        if parts:
            self.unanswered = 0
            return UserTurn(text=" ".join(parts))
        if "?" in text and not any(cue in text for cue in CLOSING_CUES) and self.unanswered < MAX_UNANSWERED:
            self.unanswered += 1
            return UserTurn(text="I'm not sure, I don't have that information.")
        return UserTurn(text="No, that's all. Thank you!", signal=UserSignal.STOP)
