"""An optional on-disk response cache, for exact replays of a finished run.

The key covers the whole request (model, messages, tools, sampling parameters, extra parameters
with secrets redacted) *and* the trial's seed. Every (task, persona, trial) has its own seed, so two
trials of the same task never share responses: repeated trials stay independent samples.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from frontdesk.redact import redact


def cache_key(request: dict[str, Any]) -> str:
    material = {k: v for k, v in request.items() if k not in {"timeout", "drop_params", "num_retries", "max_retries"}}
    blob = json.dumps(redact(material), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None  # missing or torn: treat as a miss and call the provider

    def put(self, key: str, value: dict[str, Any]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value), encoding="utf-8")
        os.replace(tmp, path)  # whole or absent, even with many writers
