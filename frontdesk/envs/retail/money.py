"""Money: dollars with two decimals, rounded half up the way a till does, never binary noise."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(amount: float | Decimal) -> float:
    """``amount`` rounded to the cent (half up), as a float for JSON."""
    return float(Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP))


def money_sum(amounts: Iterable[float]) -> float:
    """The exact sum of amounts already in cents: 0.1 + 0.2 is 0.3, not 0.30000000000000004."""
    return money(sum((Decimal(str(a)) for a in amounts), Decimal(0)))


def dollars(amount: float) -> str:
    """How an amount is written for a customer: "$1,234.50", "-$3.20"."""
    value = money(amount)
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"
