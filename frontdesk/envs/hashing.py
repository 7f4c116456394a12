"""Canonical state hashing: two databases that mean the same thing hash the same."""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal
from typing import Any

from pydantic import BaseModel


def canonical(value: Any) -> Any:
    """Normalise ``value`` to plain JSON data: sorted keys, 25.0 -> 25, floats rounded to 9 decimals."""
    if isinstance(value, BaseModel):
        return canonical(value.model_dump(mode="json"))
    if isinstance(value, dict):
        # dict.items, not value.items: reading a copy-on-write table for hashing must not copy it.
        return {str(k): canonical(v) for k, v in sorted(dict.items(value), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (float, Decimal)):
        x = float(value)
        if not math.isfinite(x):
            return str(x)
        if x.is_integer():
            return int(x)
        # Nine decimal places absorb binary noise such as 0.1 + 0.2 without touching real digits.
        x = round(x, 9)
        return int(x) if x.is_integer() else x
    if isinstance(value, int):
        return value
    raise TypeError(f"cannot hash a value of type {type(value).__name__}: {value!r}")


def canonical_json(value: Any) -> str:
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def state_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON form of ``value`` (a pydantic DB or plain data)."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
