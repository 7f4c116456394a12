"""How it felt to be served: the customer's ratings after the conversation.

After a trial the simulated customer, still in persona and seeing only what it saw during the
conversation, fills a short questionnaire: 1–7 on six dimensions, each with a one-line reason.
The ratings are stored on the trial (``experience``) and reported beside pass^k, never in it.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# The dimensions of large human preference studies of assistants, customer-service shaped.
DIMENSIONS = {
    "helpfulness": "Did the agent get you what you came for, or clearly explain why not?",
    "communication": "Was it clear, easy to follow, and the right length?",
    "adaptiveness": "Did it adjust to you: your pace, your words, what you already said?",
    "personality": "Was it pleasant to deal with: warm, respectful, not robotic?",
    "trust_safety": "Did you trust it: honest, careful with your account, no pressure or made-up facts?",
    "overall": "All things considered, how satisfied are you?",
}
SATISFIED = 5  # an overall rating of 5–7 is satisfied; 1–3 unhappy; 4 neither

Score = Annotated[int, Field(ge=1, le=7)]


class Rating(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: Score
    reason: str = Field(default="", max_length=500, description="One line: why this score.")


class Experience(BaseModel):
    """One customer's ratings of one conversation."""

    model_config = ConfigDict(extra="forbid")

    helpfulness: Rating
    communication: Rating
    adaptiveness: Rating
    personality: Rating
    trust_safety: Rating
    overall: Rating
    rater: str = Field(description="Who rated: 'scripted/user' or the customer's model.")

    def scores(self) -> dict[str, int]:
        return {name: getattr(self, name).score for name in DIMENSIONS}

    @property
    def satisfied(self) -> bool:
        return self.overall.score >= SATISFIED

    @property
    def unhappy(self) -> bool:
        return self.overall.score < SATISFIED - 1


QUESTIONNAIRE = (
    "The conversation is over. Still as the customer, and thinking only of what you saw and were told, "
    "rate the support agent from 1 (very poor) to 7 (excellent) on each question, with one short reason "
    "in your own words:\n"
    + "\n".join(f"- {name}: {question}" for name, question in DIMENSIONS.items())
    + "\n\nReply with only a JSON object, no other text, of the form "
    + json.dumps({name: {"score": 4, "reason": "..."} for name in ("helpfulness", "overall")})
    + " with all six keys: "
    + ", ".join(DIMENSIONS)
    + "."
)
REMINDER = (
    "That was not a JSON object with the six keys. Reply with only the JSON object: "
    + ", ".join(DIMENSIONS)
    + ', each {"score": 1-7, "reason": "one line"}.'
)

_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_experience(text: str | None, rater: str) -> Experience | None:
    """The ratings in a model's reply (a JSON object, possibly fenced or with words around it), or None."""
    found = _OBJECT.search(text or "")
    if found is None:
        return None
    try:
        data: Any = json.loads(found.group(0))
        if not isinstance(data, dict):
            return None
        data = {k: ({"score": v} if isinstance(v, int) else v) for k, v in data.items() if k in DIMENSIONS}
        return Experience.model_validate({**data, "rater": rater})
    except (json.JSONDecodeError, ValidationError, RecursionError):
        return None


def scripted_experience(reward: float | None, agent_turns: int, rater: str = "scripted/user") -> Experience:
    """The offline customer's ratings: deterministic from the outcome and the conversation's length, so
    offline runs and tests exercise the whole path. A success is rated high, a failure low; a long
    conversation costs a point of communication and adaptiveness (a customer tires)."""
    base = 6 if reward == 1.0 else 2
    long_penalty = 1 if agent_turns > 8 else 0
    why = "the agent sorted it out" if reward == 1.0 else "my request was not handled"
    scores = {
        "helpfulness": base,
        "communication": max(1, base - long_penalty),
        "adaptiveness": max(1, base - long_penalty),
        "personality": base,
        "trust_safety": base,
        "overall": max(1, base - long_penalty),
    }
    tired = f"; it took {agent_turns} replies" if long_penalty else ""
    return Experience(
        **{name: Rating(score=score, reason=why + tired) for name, score in scores.items()},
        rater=rater,
    )
