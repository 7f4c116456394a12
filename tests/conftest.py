"""Shared fixtures: an offline litellm provider that replays canned model replies.

``replay`` registers a litellm custom provider named ``replay`` for one test. Model strings
``replay/<name>`` (``replay/agent``, ``replay/user`` …) each pop steps from their own script:

    replay.script("agent", [Say("hi"), Call("find_customer_by_email", '{"email": "a@b.c"}'), rate_limit()])

A step is a text reply (:class:`Say`), one or more tool calls (:class:`Call` or a list of them),
an exception to raise, or :class:`Repeat` (a step served forever). Every request is recorded
(model, messages, optional params…) so tests can check what each participant was shown.

No network is ever touched: litellm only dispatches to the handler in this file.

``ServerThread`` serves a loopback HTTP server (the mock model server, a test app) from a thread.
"""

from __future__ import annotations

import asyncio
import copy
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

PROVIDER = "replay"
PROMPT_TOKENS = 11
COMPLETION_TOKENS = 7
INPUT_COST = 1e-6  # USD per token, registered for replay/* models so cost is known and nonzero
OUTPUT_COST = 2e-6
COST_PER_CALL = PROMPT_TOKENS * INPUT_COST + COMPLETION_TOKENS * OUTPUT_COST


@dataclass
class Say:
    """A plain text reply."""

    text: str


@dataclass
class Call:
    """A tool call; ``arguments`` is the raw string the model 'produced' (may be malformed JSON)."""

    name: str
    arguments: str
    id: str | None = None


@dataclass
class Repeat:
    """Serve ``step`` on every remaining request (e.g. a provider that keeps failing)."""

    step: Any


class ScriptExhausted(AssertionError):
    pass


def litellm_module() -> Any:
    from frontdesk.llm import import_litellm

    return import_litellm()


def rate_limit(message: str = "slow down") -> Exception:
    litellm = litellm_module()
    return litellm.RateLimitError(message, llm_provider=PROVIDER, model="replay")


def server_error(message: str = "upstream exploded") -> Exception:
    litellm = litellm_module()
    return litellm.InternalServerError(message, llm_provider=PROVIDER, model="replay")


def auth_error(message: str = "invalid api key") -> Exception:
    litellm = litellm_module()
    return litellm.AuthenticationError(message, llm_provider=PROVIDER, model="replay")


@dataclass
class Request:
    """What the provider received for one completion request."""

    model: str  # without the "replay/" prefix
    messages: list[dict[str, Any]]
    optional_params: dict[str, Any]
    api_key: Any
    api_base: Any
    timeout: Any


@dataclass
class ReplayProvider:
    scripts: dict[str, list[Any]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    exhausted: list[str] = field(default_factory=list)
    counter: int = 0

    def script(self, model: str, steps: list[Any]) -> None:
        """Set (replace) the steps served to ``replay/<model>``."""
        self.scripts[model.removeprefix(f"{PROVIDER}/")] = list(steps)

    def remaining(self, model: str) -> list[Any]:
        return [s for s in self.scripts.get(model, []) if not isinstance(s, Repeat)]

    def requests_for(self, model: str) -> list[Request]:
        return [r for r in self.requests if r.model == model]

    def _next(self, model: str) -> Any:
        steps = self.scripts.get(model)
        if not steps:
            self.exhausted.append(model)
            raise ScriptExhausted(f"replay/{model}: no scripted step left for request #{len(self.requests)}")
        step = steps[0]
        if isinstance(step, Repeat):
            return step.step
        return steps.pop(0)

    def _response(self, model: str, step: Any) -> Any:
        litellm = litellm_module()
        calls = step if isinstance(step, list) else [step] if isinstance(step, Call) else []
        if calls:
            tool_calls = []
            for c in calls:
                self.counter += 1
                tool_calls.append(
                    {
                        "id": c.id or f"call_{self.counter}",
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.arguments},
                    }
                )
            message = {"role": "assistant", "content": None, "tool_calls": tool_calls}
            finish = "tool_calls"
        elif isinstance(step, Say):
            message = {"role": "assistant", "content": step.text}
            finish = "stop"
        else:
            raise TypeError(f"not a replay step: {step!r}")
        return litellm.ModelResponse(
            model=f"{PROVIDER}/{model}",
            choices=[{"index": 0, "message": message, "finish_reason": finish}],
            usage={
                "prompt_tokens": PROMPT_TOKENS,
                "completion_tokens": COMPLETION_TOKENS,
                "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
            },
        )

    def handle(self, kwargs: dict[str, Any]) -> Any:
        model = str(kwargs.get("model", "")).removeprefix(f"{PROVIDER}/")
        self.requests.append(
            Request(
                model=model,
                messages=copy.deepcopy(kwargs.get("messages") or []),
                optional_params=copy.deepcopy(dict(kwargs.get("optional_params") or {})),
                api_key=kwargs.get("api_key"),
                api_base=kwargs.get("api_base"),
                timeout=kwargs.get("timeout"),
            )
        )
        step = self._next(model)
        if isinstance(step, BaseException):
            raise step
        return self._response(model, step)


def _make_handler(provider: ReplayProvider) -> Any:
    litellm = litellm_module()

    class ReplayLLM(litellm.CustomLLM):
        def completion(self, *args: Any, **kwargs: Any) -> Any:
            return provider.handle(kwargs)

        async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
            return provider.handle(kwargs)

    return ReplayLLM()


@pytest.fixture
def replay() -> Any:
    """A fresh ``replay`` provider registered with litellm for this test only."""
    litellm = litellm_module()
    provider = ReplayProvider()
    saved_map = list(litellm.custom_provider_map)
    litellm.custom_provider_map = [
        *[p for p in saved_map if p.get("provider") != PROVIDER],
        {"provider": PROVIDER, "custom_handler": _make_handler(provider)},
    ]
    litellm.utils.custom_llm_setup()
    priced = {
        f"{PROVIDER}/{name}": {
            "input_cost_per_token": INPUT_COST,
            "output_cost_per_token": OUTPUT_COST,
            "cache_creation_input_token_cost": 0.0,
            "cache_read_input_token_cost": 0.0,
            "litellm_provider": PROVIDER,
            "mode": "chat",
        }
        for name in ("agent", "user")
    }
    saved_costs = {name: litellm.model_cost.get(name) for name in priced}
    litellm.register_model(priced)
    try:
        yield provider
    finally:
        litellm.custom_provider_map = saved_map
        for registry in (litellm.provider_list, litellm._custom_providers):
            while PROVIDER in registry:
                registry.remove(PROVIDER)
        for name, old in saved_costs.items():
            if old is None:
                litellm.model_cost.pop(name, None)
            else:
                litellm.model_cost[name] = old
    assert not provider.exhausted, f"a replay script ran out of steps: {provider.exhausted}"


class ServerThread:
    """Serve something with async ``start()``/``stop()`` (the mock model server, a test app) from a
    thread with its own event loop, so synchronous tests can call it over loopback HTTP."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Any:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(timeout=10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
