"""Turn guards: checks every simulated customer turn must pass before the agent sees it.

Simulated customers are the noisiest part of a benchmark like this: they go silent, slip into the
agent's role, leak their instructions or reasoning, stop before anything was tried, and invent ids
or amounts. Each guard catches one of those. A failing turn is regenerated (bounded); a turn that
keeps failing ends the trial as a *user* error, which is excluded from the agent's score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from frontdesk.envs import UserScenario
from frontdesk.simulators.signals import SIGNAL_TOKENS
from frontdesk.text import numbers_in
from frontdesk.trajectory import Role, Trajectory, UserSignal, UserTurn


@dataclass(frozen=True)
class GuardFailure:
    guard: str
    reason: str

    def __str__(self) -> str:
        return f"{self.guard}: {self.reason}"


_ROLE_FLIP = re.compile(
    r"how (can|may) i (help|assist) you|is there anything else i can (help|do|assist)|"
    r"thank you for contacting|thanks for contacting|as (an|your) (support )?(agent|assistant|representative)|"
    r"i('| a)m an ai\b|i have (cancell?ed|updated|processed|refunded) your|let me (look up|pull up) your (order|account)",
    re.IGNORECASE,
)
_LEAK = re.compile(
    r"<\s*/?\s*(thinking|scratchpad)|\bscratchpad\b|\bmy instructions\b|\bmy persona\b|\bthe scenario\b|"
    r"\b(known|unknown) facts\b|\bsimulated (customer|user)\b|\bi am (a |an )?simulat|"
    r"#\s*what you (know|do not know)|#\s*your instructions|\breason for contact(ing)?\b",
    re.IGNORECASE,
)
_SIGNAL_LIKE = re.compile(r"###[A-Z\- ]*###")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# An id: a token mixing letters and digits (C1000, #O5000, W-2231) or a run of 5+ digits (zips, numbers).
_ID = re.compile(r"#?\b(?=[A-Za-z\-]*\d)(?=\d*[A-Za-z])[A-Za-z0-9][A-Za-z0-9\-]{2,}\b|\b\d{5,}\b")
_NOT_AN_ID = re.compile(r"^\d+(st|nd|rd|th|am|pm|h|hrs?|min|mins|s|x|gb|mb|kb|kg|lbs?|g|mbps)$", re.IGNORECASE)
_NAME = re.compile(r"\b([A-Z][a-z]+)\s+([A-Z][a-z]+)\b")
_COMMON_CAPITALISED = {
    "i",
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank",
    "yes",
    "no",
    "please",
    "sure",
    "okay",
    "ok",
    "the",
    "my",
    "and",
    "but",
    "so",
    "could",
    "can",
    "would",
    "will",
    "actually",
    "great",
    "well",
    "oh",
    "sorry",
    "also",
    "that",
    "this",
    "it",
    "is",
    "what",
    "when",
    "where",
    "why",
    "how",
    "do",
    "does",
    "did",
    "just",
    "then",
    "perfect",
    "good",
    "fine",
    "alright",
    "right",
    "wait",
    "hmm",
    "um",
    "let",
    "you",
    "your",
    "we",
    "our",
}


def scenario_text(scenario: UserScenario) -> str:
    parts = [
        scenario.reason_for_contact,
        scenario.opening_message or "",
        *scenario.known_facts.keys(),
        *scenario.known_facts.values(),
        *scenario.unknown_facts,
        *scenario.instructions,
        *scenario.will_not_accept,
    ]
    return "\n".join(parts)


def _allowed_text(scenario: UserScenario, trajectory: Trajectory) -> str:
    """What the customer may mention: its scenario, anything the agent said, what its device showed."""
    said = [m.content or "" for m in trajectory if m.role is Role.AGENT]
    shown = [
        m.tool_result.content for m in trajectory if m.role is Role.TOOL and m.requestor == "user" and m.tool_result
    ]
    return "\n".join([scenario_text(scenario), *said, *shown])


def invented_facts(text: str, scenario: UserScenario, trajectory: Trajectory) -> list[str]:
    """Ids, emails, amounts and full names in ``text`` that nothing the customer knows contains."""
    allowed = _allowed_text(scenario, trajectory)
    lowered = allowed.lower()
    allowed_numbers = numbers_in(allowed)
    found: list[str] = []
    ids = [m.group(0) for m in _ID.finditer(text) if not _NOT_AN_ID.match(m.group(0))]
    for token in [*_EMAIL.findall(text), *ids]:
        if token.lower().lstrip("#") not in lowered:
            found.append(token)
    text_without_ids = _ID.sub(" ", _EMAIL.sub(" ", text))
    for number in numbers_in(text_without_ids):
        # Small whole numbers ("2 items", "option 1") are talk, not facts.
        if number not in allowed_numbers and (number != number.to_integral_value() or abs(number) >= 100):
            found.append(str(number))
    for first, last in _NAME.findall(text):
        if first.lower() in _COMMON_CAPITALISED or last.lower() in _COMMON_CAPITALISED:
            continue
        if first.lower() not in lowered and last.lower() not in lowered:
            found.append(f"{first} {last}")
    return found


def check_turn(turn: UserTurn, scenario: UserScenario, trajectory: Trajectory) -> GuardFailure | None:
    """The first guard ``turn`` fails, or None. ``trajectory`` is the conversation before the turn."""
    text = (turn.text or "").strip()
    if not text and turn.signal is None and not turn.tool_calls:
        return GuardFailure("empty", "the turn has no message, no signal and no device action")
    if text and _ROLE_FLIP.search(text):
        return GuardFailure("role_flip", f"the customer speaks as the agent: {_ROLE_FLIP.search(text).group(0)!r}")
    leak = _LEAK.search(text) or next((m for m in _SIGNAL_LIKE.finditer(text) if m.group(0) not in SIGNAL_TOKENS), None)
    if leak:
        return GuardFailure("leak", f"instructions or reasoning leaked into the message: {leak.group(0)!r}")
    if turn.signal is UserSignal.STOP:
        opened = next((i for i, m in enumerate(trajectory) if m.role is Role.USER), None)
        agent_replied = opened is not None and any(m.role is Role.AGENT for m in trajectory[opened + 1 :])
        if not agent_replied:
            return GuardFailure("premature_stop", "the customer stopped before the agent attempted the request")
    invented = invented_facts(text, scenario, trajectory) if text else []
    if invented:
        return GuardFailure("invented_facts", f"mentions facts the customer was never given: {', '.join(invented)}")
    return None
