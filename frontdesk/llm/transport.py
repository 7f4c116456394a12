"""Which transport a model's calls travel by: the one rule, decided without importing litellm.

``auto`` (the default) picks, for each model:

- ``openai-http`` for every model litellm routes to its ``openai`` provider: ``openai/<name>``
  (litellm's way of naming any OpenAI-compatible server, with ``api_base``) and the bare OpenAI
  names litellm knows (``gpt-4o``, ``gpt-4.1-mini``, ``ft:gpt-4o-mini:…``), read from its cost map;
  except OpenAI's reasoning models (``o3-mini``, ``gpt-5``…, marked in that map): they refuse
  ``temperature`` 0 and ``max_tokens``, which litellm drops or renames for them and openai-http
  sends as given;
- ``openai-http`` for a bare name litellm does not know when an ``api_base`` is given: only an
  OpenAI-compatible server can be meant (litellm itself refuses such a name);
- ``litellm`` for everything else: it speaks every provider's own protocol, including a provider
  reached at a base URL of its own (a proxy in front of Anthropic, Ollama's native API).

``litellm`` or ``openai-http`` given explicitly is used as given (``check_model_string`` refuses
openai-http for a model another provider serves). Why openai-http is preferred where it can go:
a tenth of litellm's CPU per call and no litellm import before the first request
(:mod:`frontdesk.llm.openai_http`).
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from frontdesk.llm.credentials import BASE_PARAMS
from frontdesk.llm.prices import cost_map

Transport = Literal["litellm", "openai-http"]
TransportChoice = Literal["auto", "litellm", "openai-http"]


@functools.lru_cache(maxsize=256)
def is_openai_model(model: str) -> bool:
    """Whether litellm routes ``model`` to its ``openai`` provider (as ``get_llm_provider`` decides)."""
    if model.startswith("openai/"):
        return len(model) > len("openai/")
    if "/" in model:
        return False  # another provider's prefix, or a name litellm cannot route
    if "ft:gpt-3.5-turbo" in model or "ft:gpt-4" in model:
        return True  # litellm's own rule for OpenAI fine-tunes
    entry = cost_map().get(model)
    if not isinstance(entry, dict) or entry.get("litellm_provider") != "openai":
        return False
    # litellm leaves the cost map's fine-tune templates ("ft:o4-mini-…") out of OpenAI's chat models.
    return not (model.startswith("ft:") and model.count(":") <= 1)


def _is_reasoning_model(model: str) -> bool:
    entry = cost_map().get(model.removeprefix("openai/"))
    return isinstance(entry, dict) and bool(entry.get("supports_reasoning"))


def _known_to_litellm(model: str) -> bool:
    return "/" in model or model in cost_map()


def has_api_base(params: dict[str, Any]) -> bool:
    return any(isinstance(params.get(k), str) and params[k].strip() for k in BASE_PARAMS)


def resolve_transport(choice: str, model: str, params: dict[str, Any]) -> Transport:
    """The transport ``model``'s calls take under ``choice`` (auto, litellm or openai-http)."""
    if choice in ("litellm", "openai-http"):
        return choice  # type: ignore[return-value]
    if is_openai_model(model):
        return "litellm" if _is_reasoning_model(model) else "openai-http"
    if has_api_base(params) and not _known_to_litellm(model):
        return "openai-http"
    return "litellm"
