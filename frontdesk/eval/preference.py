"""The preference judge of ``frontdesk arena --prefer judge``: which of two agents served the customer better.

Asked only when two agents' paired trials have the same reward (the verdict decides the rest). The
judge model reads the domain's policy and both transcripts (:func:`frontdesk.transcript.render_transcript`)
and answers exactly ``A``, ``B`` or ``TIE``.

- Position balance: which agent is shown as conversation A is a coin flipped with the trial's seed
  (:func:`shown_swapped`), so over many trials each agent is first half the time and a judge that
  favours the first (or second) position favours no agent; the answer is mapped back.
- A reply that is not exactly one of the three (or a response that cannot be used) is re-asked
  once with a reminder; still unusable, the pairing is a tie and is counted as unusable.
- A provider failure after retries stops the arena (:class:`PreferenceInfraError`): the arena
  writes nothing, so running it again retries.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass
from typing import Literal

from frontdesk.errors import CredentialError
from frontdesk.llm import InfraError, ModelConfig, ModelOutputError, check_model_string, complete, missing_provider_keys
from frontdesk.trajectory import Message, Usage
from frontdesk.transcript import render_transcript

Choice = Literal["a", "b", "tie"]

PREFERENCE_PROMPT = """You compare two customer-service conversations. In both, a support AGENT serves the same
CUSTOMER with the same request; tool calls the agent made are shown with their results. The agent
must follow this policy:

POLICY
{policy}

Which agent served the customer better: followed the policy, did what the customer was entitled to
(and refused what they were not), was honest, clear and efficient? Judge only from the transcripts.

Answer with exactly one word and nothing else: A (the agent of conversation A served the customer
better), B (the agent of conversation B did), or TIE (neither did better)."""

REMINDER = "Answer with exactly one word and nothing else: A, B or TIE."

MAX_REASKS = 1  # after the first reply: one more chance, then a tie
CONCURRENCY = 8  # judge calls in flight at once

_ANSWER = re.compile(r"^\W*(A|B|TIE)\W*$", re.IGNORECASE)


class PreferenceInfraError(InfraError):
    """The preference judge's provider failed after retries."""


@dataclass
class Preference:
    choice: Choice  # in the caller's terms: "a" is the first record passed in
    swapped: bool  # the first record was shown as conversation B
    attempts: int
    usage: Usage
    error: str | None = None  # why there was no usable answer (then ``choice`` is "tie")


def shown_swapped(seed: int) -> bool:
    """Whether the first agent's conversation is shown second: a fair coin seeded by the trial's seed."""
    return random.Random(seed).random() < 0.5


def parse_answer(text: str | None) -> Literal["A", "B", "TIE"] | None:
    """``A``, ``B`` or ``TIE`` when that is the whole reply (give or take quotes, stars and a full stop)."""
    found = _ANSWER.match((text or "").strip())
    return found.group(1).upper() if found else None  # type: ignore[return-value]


def check_judge_model(model: str, transport: str = "auto") -> None:
    """Before any call: the judge's model string is usable and its provider's key is set."""
    check_model_string(model, transport)
    missing = missing_provider_keys(model, {})
    if missing:
        raise CredentialError(f"the preference judge {model} needs {', '.join(missing)}, which is not set")


async def prefer(model: ModelConfig, policy: str, first: list[Message], second: list[Message], seed: int) -> Preference:
    """Which of two conversations' agents served the customer better (``first`` is "a")."""
    swap = shown_swapped(seed)
    shown_a, shown_b = (second, first) if swap else (first, second)
    messages = [
        {"role": "system", "content": PREFERENCE_PROMPT.format(policy=policy.strip())},
        {
            "role": "user",
            "content": f"CONVERSATION A\n{render_transcript(shown_a)}\n\nCONVERSATION B\n{render_transcript(shown_b)}",
        },
    ]
    usage = Usage()
    problems: list[str] = []
    for attempt in range(1, MAX_REASKS + 2):
        try:
            reply = await complete(model, messages, seed=seed)
        except ModelOutputError as e:
            usage += e.usage
            problems.append(f"unusable response: {e}"[:300])
            # Asked again as it was: a reminder after the user turn would be two user turns in a row,
            # which strict chat templates refuse.
            continue
        except InfraError as e:
            raise PreferenceInfraError(f"preference judge {model.model}: {e}") from None
        usage += reply.usage
        answer = parse_answer(reply.text)
        if answer is None:
            problems.append(f"not A, B or TIE: {(reply.text or '')[:100]!r}")
            messages = [
                *messages,
                {"role": "assistant", "content": reply.text or ""},
                {"role": "user", "content": REMINDER},
            ]
            continue
        shown: Choice = "tie" if answer == "TIE" else "a" if answer == "A" else "b"
        choice: Choice = shown if shown == "tie" or not swap else ("b" if shown == "a" else "a")
        return Preference(choice, swap, attempt, usage)
    return Preference("tie", swap, MAX_REASKS + 1, usage, error="; ".join(problems))


async def prefer_many(
    model: ModelConfig, policy: str, pairs: list[tuple[list[Message], list[Message], int]]
) -> list[Preference]:
    """:func:`prefer` for each ``(first, second, seed)``, a few calls at once, in the order given."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(first: list[Message], second: list[Message], seed: int) -> Preference:
        async with gate:
            return await prefer(model, policy, first, second, seed)

    return list(await asyncio.gather(*(one(*p) for p in pairs)))
