"""Deterministic ids: the n-th reservation or certificate always gets the same id."""

from __future__ import annotations

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, no look-alikes (I/1, O/0)
_SPACE = 32**6
# An odd multiplier is a bijection modulo a power of two: distinct numbers, distinct codes,
# and consecutive bookings do not get consecutive-looking codes.
_MULTIPLIER = 0x2F5A3B7
_OFFSET = 0x1C4E9D3


def reservation_code(number: int) -> str:
    """The six-letter booking code of the ``number``-th reservation ever made."""
    value = (number * _MULTIPLIER + _OFFSET) % _SPACE
    symbols = []
    for _ in range(6):
        value, digit = divmod(value, 32)
        symbols.append(_ALPHABET[digit])
    return "".join(reversed(symbols))


def certificate_id(number: int) -> str:
    return f"certificate_{number}"
