"""Prices from the cost map litellm ships, read as data: pricing an openai-http call never imports litellm.

Importing litellm costs seconds of start-up; the openai-http transport needs only its price table.
The table is litellm's own file (the one ``LITELLM_LOCAL_MODEL_COST_MAP=True`` makes litellm use),
so both transports price a call from the same numbers, the same way: prompt tokens at the input
price, the cached part of them at the cache-read price, completion tokens at the output price.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any

COST_MAP_FILE = "model_prices_and_context_window_backup.json"


@functools.cache
def cost_map() -> dict[str, Any]:
    spec = importlib.util.find_spec("litellm")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        return {}
    try:
        return json.loads((Path(next(iter(spec.submodule_search_locations))) / COST_MAP_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def price_openai_call(model: str, usage: dict[str, Any]) -> float | None:
    """USD for one call of an OpenAI-protocol ``model`` (``gpt-4o-mini`` or ``openai/gpt-4o-mini``);
    None, never zero, when the model's price is not known."""
    name = model.split("/", 1)[1] if model.startswith("openai/") else model
    entry = cost_map().get(name) or cost_map().get(f"openai/{name}")
    if not isinstance(entry, dict):
        return None
    try:
        input_cost = float(entry["input_cost_per_token"])
        output_cost = float(entry["output_cost_per_token"])
        prompt = int(usage.get("prompt_tokens") or 0)
        completion = int(usage.get("completion_tokens") or 0)
        details = usage.get("prompt_tokens_details") or {}
        cached = min(prompt, int(details.get("cached_tokens") or 0)) if isinstance(details, dict) else 0
        cache_cost = float(entry.get("cache_read_input_token_cost", input_cost))
    except (KeyError, TypeError, ValueError):
        return None
    return (prompt - cached) * input_cost + cached * cache_cost + completion * output_cost
