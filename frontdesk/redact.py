"""Secrets never reach manifests, logs, caches or reports: redact them by key name."""

from __future__ import annotations

import re
from typing import Any

# Whole-name matches ("api_key", "x-api-key", "aws_secret_access_key", "Authorization"), so that
# sampling parameters such as "max_tokens" are kept: they change results and belong in the hash.
_SECRET_KEY = re.compile(
    r"(^|[_-])(api[_-]?key|key|key[_-]id|token|secret|password|passwd|authorization|credentials?)$", re.IGNORECASE
)
REDACTED = "***"


def redact(value: Any) -> Any:
    """Replace the values of secret-looking keys, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_KEY.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value
