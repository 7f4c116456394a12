"""What a task says the agent must (or must not) tell the customer, and how to find it in what was said.

A plain string is found as written: case- and whitespace-insensitive, a number by value. A typed
output says what kind of value it is, so it is found by meaning rather than spelling: an
``amount`` with its direction ("$35.46 back", "a refund of 35.46" and "-$35.46" are one refund;
"$35.46 more" is a charge), a ``duration`` in any unit ("6 hours" is 360 minutes), and ``phrases``
in any accepted wording (a status, a policy reason).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from frontdesk.text import as_number, numbers_at, numbers_in

Phrase = Annotated[str, Field(min_length=1, pattern=r"\S")]


class Amount(BaseModel):
    """A sum of money, found by value; with a direction, said as that direction (or with no direction at all)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["amount"]
    value: float = Field(
        ge=0, allow_inf_nan=False, description="The magnitude, e.g. 35.46; the direction says which way it goes."
    )
    direction: Literal["refund", "charge"] | None = Field(
        default=None,
        description="refund: money back to the customer; charge: the customer pays. "
        "Said the other way round ('$35.46 more' for a refund) it is not found.",
    )


class Duration(BaseModel):
    """A length of time, found in any unit: 360 minutes is "6 hours", "six hours" or "5 hours 60 minutes"."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["duration"]
    minutes: int = Field(gt=0)


class Phrases(BaseModel):
    """Words that carry a meaning: every group must be said, in any one of its accepted wordings."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["phrases"]
    what: str = Field(default="", description="For people: what this is, e.g. 'order status', 'policy reason'.")
    all_of: list[Annotated[list[Phrase], Field(min_length=1)]] = Field(
        min_length=1,
        description='Groups of alternatives, e.g. [["being packed", "processed"]] or '
        '[["only pending orders", "not pending"], ["cancel"]]; each group needs one of its wordings.',
    )


TypedOutput = Annotated[Amount | Duration | Phrases, Field(discriminator="kind")]
# A plain value the agent must say: a blank one is found in every reply, so it would check nothing.
PlainOutput = Annotated[str, Field(min_length=1, pattern=r"\S")]
Output = PlainOutput | TypedOutput


def _words(text: str) -> str:
    return " ".join(text.lower().split())


def _phrase_in(phrase: str, said: str) -> bool:
    """Whole words, case- and whitespace-insensitive: "pending" is not in "unpending"."""
    return re.search(rf"(?<!\w){re.escape(_words(phrase))}(?!\w)", said) is not None


# Words that say which way money goes, looked for near the amount (the nearest one decides).
_REFUND = re.compile(
    r"\b(refund\w*|back|credit\w*|reimburs\w*|return(ed)? to|receive|get|owe you|in your favou?r|cheaper|less|"
    r"lower|sav(e|es|ing|ings)|reduc\w*)\b"
)
_CHARGE = re.compile(
    r"\b(charg\w*|pay|paying|payment|more|additional|extra|owe|due|cost you|costs you|higher|collect\w*|top.?up)\b"
)
_CLAUSE_END = re.compile(r"[.!?;](?=\s|$)|\n")


def _direction_at(said: str, start: int, end: int, value: Decimal) -> str | None:
    """The direction the words around one amount give it: the nearest cue in its sentence wins."""
    if value < 0:
        return "refund"  # tools report a difference as new minus old: negative is money back
    left = max((m.end() for m in _CLAUSE_END.finditer(said, 0, start)), default=0)
    after = _CLAUSE_END.search(said, end)
    right = after.start() if after else len(said)
    best: tuple[int, str] | None = None
    for direction, cue in (("refund", _REFUND), ("charge", _CHARGE)):
        for m in cue.finditer(said, left, right):
            distance = start - m.end() if m.end() <= start else m.start() - end
            if best is None or distance < best[0]:
                best = (distance, direction)
    return best[1] if best else None


def _amount_in(amount: Amount, said: str) -> bool:
    wanted = Decimal(str(amount.value))
    for value, start, end in numbers_at(said):
        if abs(value) != wanted:
            continue
        if amount.direction is None:
            return True
        # An amount said without any direction word is not wrong; one said the other way round is.
        if _direction_at(said, start, end, value) in (amount.direction, None):
            return True
    return False


_COUNT = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
}  # fmt: skip
_UNIT_MINUTES = {"minute": 1, "min": 1, "h": 60, "hr": 60, "hour": 60, "day": 1440}
# A number in digits may touch its unit ("6h"); a number in words is a word of its own ("an hour", not "and").
_DURATION_PART = re.compile(
    r"(?<![\w.])(?:(?P<digits>\d+(?:\.\d+)?)[\s-]*|(?P<n>half an?|"
    + "|".join(sorted(_COUNT, key=len, reverse=True))
    + r")[\s-]+)(?P<unit>minutes?|mins?|hours?|hrs?|h|days?)(?![a-z])"
)
_JOINER = re.compile(r"\s*(,|and|&|\+)?\s*")


def durations_in(said: str) -> set[int]:
    """Every duration written in ``said``, in minutes: "1 hour and 30 minutes" gives 90 (and 60 and 30)."""
    found: set[int] = set()
    total, last_end = 0.0, None
    for m in _DURATION_PART.finditer(said):
        n = m.group("n")
        count = float(m.group("digits")) if n is None else 0.5 if n.startswith("half") else _COUNT[n]
        unit = m.group("unit").rstrip("s")
        minutes = count * _UNIT_MINUTES[unit]
        joined = last_end is not None and _JOINER.fullmatch(said, last_end, m.start()) is not None
        total = total + minutes if joined else minutes
        last_end = m.end()
        found |= {round(minutes), round(total)}
    return found


def output_present(output: Output, said: str) -> bool:
    """Whether ``said`` tells the customer ``output``, by the rules of its kind."""
    if isinstance(output, Amount):
        return _amount_in(output, said)
    if isinstance(output, Duration):
        return output.minutes in durations_in(said.lower())
    if isinstance(output, Phrases):
        words = _words(said)
        return all(any(_phrase_in(p, words) for p in group) for group in output.all_of)
    number = as_number(output)
    if number is not None:
        return number in numbers_in(said)
    return _words(output) in _words(said)


def _money(value: float) -> str:
    return f"${value:,.2f}"


def render_output(output: Output) -> str:
    """How the oracle says ``output``: in words the matcher must find (so validation exercises it)."""
    if isinstance(output, Amount):
        if output.direction == "refund":
            return f"a refund of {_money(output.value)} back to you"
        if output.direction == "charge":
            return f"an extra charge of {_money(output.value)}"
        return _money(output.value)
    if isinstance(output, Duration):
        hours, minutes = divmod(output.minutes, 60)
        parts = [f"{hours} hour{'s' * (hours != 1)}"] * bool(hours) + [f"{minutes} minutes"] * bool(minutes)
        return " and ".join(parts)
    if isinstance(output, Phrases):
        return ", ".join(group[0] for group in output.all_of)
    return output


def describe_output(output: Output) -> str:
    """One line for people (verdict details, reports): what must be said."""
    if isinstance(output, Phrases):
        wordings = " + ".join("/".join(group) for group in output.all_of)
        return f"{output.what or 'phrases'}: {wordings}"
    if isinstance(output, Amount) and output.direction:
        return f"{output.direction} of {_money(output.value)}"
    if isinstance(output, Duration):
        return f"duration: {output.minutes} minutes"
    return render_output(output)


_OUTPUT = TypeAdapter(Output)


def dump_output(output: Output) -> str | dict[str, Any]:
    """``output`` as JSON data, the form tasks files and verdict details hold."""
    return output if isinstance(output, str) else output.model_dump(mode="json")


def load_output(data: Any) -> Output:
    """An output back from its JSON form (verdict details, task files)."""
    return _OUTPUT.validate_python(data)
