"""Reading numbers out of free text, shared by the checker and the simulator's turn guards."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# A sign may stand before or after the currency symbol ("-$5", "$-5"); "2-3" is two numbers, not 2 and -3.
_AMOUNT = r"([-+]?)\$?\s?([-+]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
_NUMBER = re.compile(r"(?<![\w.])" + _AMOUNT + r"(?![\d])")
_ONLY_NUMBER = re.compile(r"\s*" + _AMOUNT + r"\s*(?:usd|dollars?)?\s*", re.IGNORECASE)


def _to_decimal(match: re.Match[str]) -> Decimal | None:
    sign = "-" if "-" in (match.group(1) + match.group(2)) else ""
    try:
        return Decimal(sign + match.group(3).replace(",", "") + (match.group(4) or "")).normalize()
    except InvalidOperation:
        return None


def numbers_in(text: str) -> set[Decimal]:
    """Every number written in ``text``: "$1,234.50" and "1234.5" both give Decimal("1234.5")."""
    return {v for v in map(_to_decimal, _NUMBER.finditer(text)) if v is not None}


def numbers_at(text: str) -> list[tuple[Decimal, int, int]]:
    """Every number written in ``text`` with where it stands (start, end), for reading the words around it."""
    out = []
    for m in _NUMBER.finditer(text):
        value = _to_decimal(m)
        if value is not None:
            out.append((value, m.start(), m.end()))
    return out


def as_number(text: str) -> Decimal | None:
    """The number ``text`` denotes, when it is nothing but a (money) amount; else None."""
    m = _ONLY_NUMBER.fullmatch(text)
    return _to_decimal(m) if m else None
