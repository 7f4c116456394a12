"""The one door to language models: a thin wrapper over ``litellm.acompletion``.

litellm is imported lazily (it takes seconds and, without LITELLM_LOCAL_MODEL_COST_MAP, reaches for
the network at import time), so commands that never call a model stay fast and offline.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from frontdesk.errors import ConfigError, CredentialError, InfraError
from frontdesk.llm import ledger, openai_http
from frontdesk.llm.cache import ResponseCache, cache_key
from frontdesk.llm.credentials import credential_error, credential_problem, litellm_provider, with_url_credentials
from frontdesk.llm.limits import ProviderLimiter, limiter_for, retry_after_seconds
from frontdesk.llm.output import (
    MAX_RESPONSE_BYTES,
    ModelOutputError,
    exception_chain,
    too_large,
    unreadable_response,
)
from frontdesk.llm.prices import price_openai_call
from frontdesk.llm.transport import TransportChoice, is_openai_model, resolve_transport
from frontdesk.redact import refresh_environment, register_secrets_in, scrub
from frontdesk.tools import ToolCall
from frontdesk.trajectory import Usage, valid_text

SCRIPTED_PREFIX = "scripted/"

# Exception class names (litellm.exceptions) worth retrying: the same request may succeed later.
_TRANSIENT = {
    "RateLimitError",
    "APIConnectionError",
    "Timeout",
    "InternalServerError",
    "ServiceUnavailableError",
    "BadGatewayError",
}


def import_litellm() -> Any:
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


class ModelConfig(BaseModel):
    """One model as configured: anything litellm accepts, with sampling and extra parameters."""

    model: str
    temperature: float | None = 0.0
    params: dict[str, Any] = Field(default_factory=dict)  # passed through to litellm (api_base, max_tokens…)
    max_retries: int = 4
    retry_wait_s: float = 1.0  # base of the exponential backoff with jitter
    # Every call has a deadline (litellm's own default is 6,000 s): a hung provider costs one
    # timeout and a retry, never a stuck run.
    timeout_s: float = 120.0
    max_in_flight: int | None = None  # calls to this model's provider at once, across the run
    requests_per_minute: float | None = None  # to this model's provider, across the run
    cache_dir: str | None = None  # replay identical requests of the same trial from disk
    # How requests travel: litellm (any provider), openai-http (OpenAI-compatible endpoints only, a
    # fraction of the CPU per call; see frontdesk/llm/openai_http.py) or auto, which picks per model
    # by the rule in frontdesk/llm/transport.py.
    transport: TransportChoice = "auto"


class Completion(BaseModel):
    text: str | None
    tool_calls: list[ToolCall]
    usage: Usage
    finish_reason: str | None = None


def is_transient(error: BaseException) -> bool:
    """Worth retrying: a rate limit, a timeout, a dropped connection or any 5xx from the provider.

    Never a credential problem or a response that arrived but cannot be used, whatever class
    litellm gives them (it reports both as an InternalServerError at times).
    """
    if isinstance(error, (ModelOutputError, CredentialError)):
        return False
    if isinstance(error, openai_http.ProviderError):
        return error.transient and credential_problem(error) is None
    if credential_problem(error) is not None or unreadable_response(error):
        return False
    if any(cls.__name__ in _TRANSIENT for cls in type(error).__mro__):
        return True
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and (status >= 500 or status in (408, 429))


def check_model_string(model: str, transport: str = "auto", params: dict[str, Any] | None = None) -> None:
    """Raise ConfigError unless litellm can tell which provider serves ``model`` and ``transport``
    (auto: resolved with ``params``, as calls resolve it) can reach it."""
    if not model or model != model.strip():
        raise ConfigError(f"model string {model!r} is empty or has surrounding spaces")
    if transport == "auto":
        transport = resolve_transport(transport, model, params or {})
    if is_openai_model(model):
        return  # litellm's openai provider, known from its cost map: no need to import it to know
    if transport == "openai-http" and "/" not in model:
        return  # a name sent as is, for the OpenAI-compatible server at api_base to know
    litellm = import_litellm()
    try:
        provider = litellm.get_llm_provider(model=model)[1]
    except Exception as e:
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(
            f"unknown model string {model!r}: litellm cannot tell its provider ({_said(first_line[:160])}). "
            "Use 'provider/model' such as 'openai/gpt-4o-mini', or a built-in participant such as "
            "'scripted/oracle'"
        ) from None
    if transport == "openai-http" and provider != "openai":
        raise ConfigError(
            f"--transport openai-http speaks only the OpenAI chat-completions protocol, and {model!r} is "
            f"served by {provider!r}: use --transport litellm, or 'openai/<name>' with --llm-param "
            "api_base=URL for an OpenAI-compatible server"
        )


# Sent as the key to a self-hosted OpenAI-compatible server when none is configured: the OpenAI SDK
# under litellm refuses to send a request without one, and such servers (llama.cpp, vLLM, Ollama
# without --api-key) accept any.
SELF_HOSTED_PLACEHOLDER_KEY = "no-key-self-hosted"


def with_self_hosted_key(kwargs: dict[str, Any]) -> dict[str, Any]:
    """For litellm: a placeholder key for an OpenAI-compatible server at a self-hosted ``api_base``
    when no key is set anywhere (parameters or ``OPENAI_API_KEY``).

    Without one the OpenAI SDK refuses to send (a CredentialError), though the server needs no key.
    OpenAI's own endpoint keeps needing a real key, so a missing one is still reported at once.
    """
    if kwargs.get("api_key") or os.environ.get("OPENAI_API_KEY"):
        return kwargs
    base = (
        kwargs.get("api_base")
        or kwargs.get("base_url")
        or os.environ.get("OPENAI_API_BASE")
        or os.environ.get("OPENAI_BASE_URL")
    )
    if not isinstance(base, str) or not base or "api.openai.com" in base:
        return kwargs
    if litellm_provider(str(kwargs.get("model", ""))) != "openai":
        return kwargs
    return {**kwargs, "api_key": SELF_HOSTED_PLACEHOLDER_KEY}


def missing_provider_keys(model: str, params: dict[str, Any]) -> list[str]:
    """Environment variables litellm expects for ``model`` that are not set (empty if unsure).

    Some providers work without them (a local server, a cloud profile), so callers warn, not fail.
    """
    if any(k in params for k in ("api_key", "api_base", "base_url")):
        return []
    if is_openai_model(model):  # what litellm would answer, without importing it
        configured = (
            os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_API_BASE") or os.environ.get("OPENAI_BASE_URL")
        )
        return [] if configured else ["OPENAI_API_KEY"]
    try:
        report = import_litellm().validate_environment(model=model)
    except Exception:
        return []
    return list(report.get("missing_keys") or [])


def _text(value: Any, what: str) -> str:
    """A string field of the response as valid Unicode; anything else makes the response unusable."""
    if not isinstance(value, str):
        raise TypeError(f"{what} is {type(value).__name__}, not text")
    return valid_text(value)


def _arguments_text(arguments: Any) -> str:
    """Tool arguments as the raw text the model sent; some servers send an object, re-encoded here."""
    if isinstance(arguments, str):
        return valid_text(arguments)
    if arguments is None:
        return ""
    return valid_text(json.dumps(arguments, ensure_ascii=False))


def _checked(completion: Completion) -> Completion:
    """Refuse a completion larger than a model response may be (for litellm, which read the body itself)."""
    size = len(completion.text or "") + sum(len(c.arguments_text()) + len(c.name) for c in completion.tool_calls)
    if size > MAX_RESPONSE_BYTES:
        error = too_large(size, "characters")
        error.usage = completion.usage
        raise error
    return completion


def _from_litellm(litellm: Any, response: Any) -> Completion:
    u = getattr(response, "usage", None)
    try:
        usage = Usage(
            calls=1,
            prompt_tokens=int(getattr(u, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(u, "completion_tokens", 0) or 0),
            cost_usd=_litellm_cost(litellm, response),
        )
    except (TypeError, ValueError):
        usage = Usage(calls=1, cost_usd=None)
    if not getattr(response, "choices", None):
        raise ModelOutputError("the response has no choices", usage)
    try:
        choice = response.choices[0]
        message = choice.message
        content = message.content
        if content is not None and not isinstance(content, str):
            raise TypeError(f"message content is {type(content).__name__}, not text")
        completion = Completion(
            text=valid_text(content) if content else None,
            tool_calls=[
                ToolCall(
                    id=_text(tc.id or f"call_{i}", "a tool call's id"),
                    name=_text(tc.function.name or "", "a tool call's name"),
                    arguments=_arguments_text(tc.function.arguments),
                )
                for i, tc in enumerate(getattr(message, "tool_calls", None) or [])
            ],
            usage=usage,
            finish_reason=getattr(choice, "finish_reason", None),
        )
    except (AttributeError, TypeError, ValueError) as e:
        raise ModelOutputError(f"the response is not a chat completion ({e})", usage) from None
    return _checked(completion)


def _litellm_cost(litellm: Any, response: Any) -> float | None:
    hidden = getattr(response, "_hidden_params", None) or {}
    try:
        # litellm has already priced the response; pricing it again costs ~1.5 ms of CPU per call.
        raw = (
            hidden["response_cost"]
            if "response_cost" in hidden
            else litellm.completion_cost(completion_response=response)
        )
        return None if raw is None else float(raw)
    except Exception:
        return None  # price unknown for this model: recorded as unknown, never as zero


def _from_openai_json(model: str, body: dict[str, Any]) -> Completion:
    """Read an OpenAI chat-completions response body; anything that is not one is the model's answer,
    unusable (ModelOutputError), not the provider failing."""
    raw_usage = body.get("usage")
    try:
        usage_data = raw_usage if isinstance(raw_usage, dict) else {}
        prompt, completion = int(usage_data.get("prompt_tokens") or 0), int(usage_data.get("completion_tokens") or 0)
        usage = Usage(
            calls=1,
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=price_openai_call(openai_http.wire_model(model), usage_data),
        )
    except (TypeError, ValueError):
        usage = None  # unreadable: the call's cost is unknown
    choices = body.get("choices")
    if not choices or not isinstance(choices, list):
        raise ModelOutputError("the response has no choices", usage)
    try:
        if usage is None:
            raise ValueError(f"its usage is not token counts: {str(raw_usage)[:80]}")
        message = choices[0].get("message") or {}
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            raise TypeError(f"message content is {type(content).__name__}, not text")
        calls = []
        for i, tc in enumerate(message.get("tool_calls") or []):
            function = tc.get("function") or {}
            calls.append(
                ToolCall(
                    id=_text(tc.get("id") or f"call_{i}", "a tool call's id"),
                    name=_text(function.get("name") or "", "a tool call's name"),
                    arguments=_arguments_text(function.get("arguments")),
                )
            )
        finish_reason = choices[0].get("finish_reason")
        result = Completion(
            text=valid_text(content) if content else None,
            tool_calls=calls,
            usage=usage,
            finish_reason=finish_reason if isinstance(finish_reason, str) else None,
        )
    except (AttributeError, TypeError, ValueError) as e:
        raise ModelOutputError(f"the response is not a chat completion ({e})", usage) from None
    return result


async def aclose() -> None:
    """Release this event loop's connections (the openai-http transport's session); call before the loop ends."""
    await openai_http.aclose()


async def complete(
    config: ModelConfig,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    seed: int | None = None,
) -> Completion:
    """One chat completion, retried on transient provider failures.

    Raises, with scrubbed text (no secret this process knows appears in any message):

    - :class:`ModelOutputError` for a response that arrived but cannot be used (too large, nested
      too deep, not JSON, no choices, not a chat completion; see :mod:`frontdesk.llm.output`):
      the answering participant's fault, never retried;
    - :class:`frontdesk.errors.CredentialError` when credentials are missing or refused: never
      retried, one line naming the provider and the variable to set;
    - :class:`InfraError` for everything else (after retries when transient).

    Every HTTP request is counted: the completion's ``usage.attempts`` (first try and retries), and
    the ``usage`` of each error above (``attempts`` of a call that failed, ``calls`` 0 unless a
    response arrived). Each call's usage, finished or abandoned, also goes to the open
    :func:`frontdesk.llm.ledger.spending` scopes.

    Tool-call arguments are passed on exactly as the model produced them (as text, lone surrogates
    replaced), valid JSON or not: a malformed call is the agent's mistake and the toolkit answers
    it with an error result. Credentials in ``api_base`` are handled as :mod:`frontdesk.llm.credentials`
    describes. With the openai-http transport, call :func:`aclose` before the event loop ends
    (the runner does) so the loop's connection pool is closed cleanly.
    """
    sent = _Sent()
    try:
        completion = await _complete(config, messages, tools, seed, sent)
    except ModelOutputError as e:
        e.usage = e.usage.model_copy(update={"attempts": sent.attempts})
        ledger.record(e.usage)
        raise
    except BaseException as e:  # failed, or cancelled by the trial's clock: the requests went out all the same
        spent = Usage(attempts=sent.attempts)
        if isinstance(e, Exception):
            e.usage = spent  # type: ignore[attr-defined]  # read by the orchestrator and the judge
        ledger.record(spent)
        raise
    ledger.record(completion.usage)
    return completion


class _Sent:
    """HTTP requests sent for one call so far."""

    __slots__ = ("attempts",)

    def __init__(self) -> None:
        self.attempts = 0


async def _complete(
    config: ModelConfig,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    seed: int | None,
    sent: _Sent,
) -> Completion:
    transport = resolve_transport(config.transport, config.model, config.params)
    # Only the litellm transport imports litellm: seconds of start-up the openai-http path never pays.
    litellm = import_litellm() if transport == "litellm" else None
    register_secrets_in(config.params)  # so that scrub() removes them from whatever text carries them
    kwargs: dict[str, Any] = {
        "model": config.model,
        "messages": openai_http.wire_messages(messages),  # content "" (never null) next to tool calls
        "timeout": config.timeout_s,
        "drop_params": True,  # a provider without `seed` support should not fail the call
        **config.params,
        # Retries happen here, once, with backoff that honours Retry-After, and each one is counted:
        # never inside litellm or the provider SDK as well (the OpenAI SDK retries twice by default),
        # which would multiply attempts and hide them. After the params, so none can turn them back on.
        "num_retries": 0,
        "max_retries": 0,
    }
    if config.temperature is not None:
        kwargs["temperature"] = config.temperature
    if seed is not None:
        kwargs["seed"] = seed
    if tools:
        kwargs["tools"] = tools
        # Sent explicitly: llama-cpp-python's server (and others) silently ignore tools without it,
        # so the agent could never call one. A tool_choice given in the params wins.
        kwargs.setdefault("tool_choice", "auto")
    else:
        # Never without tools: OpenAI refuses the request ("only allowed when tools are specified"),
        # and a run-wide --llm-param tool_choice=… must not break the customer's or judge's calls.
        for key in openai_http.TOOL_ONLY_PARAMS:
            kwargs.pop(key, None)
    cache = ResponseCache(Path(config.cache_dir)) if config.cache_dir else None
    key = cache_key(kwargs) if cache else ""  # before credentials move out of the URL: one key for both transports
    if cache and (hit := cache.get(key)) is not None:
        completion = Completion.model_validate(hit)
        usage = completion.usage.model_copy(update={"calls": 0, "attempts": 0, "cached_calls": 1, "cost_usd": 0.0})
        return completion.model_copy(update={"usage": usage})
    if transport == "litellm":
        kwargs = with_url_credentials(kwargs)  # openai-http applies the same rules in endpoint()
        kwargs = with_self_hosted_key(kwargs)
    try:
        completion = await _send_with_retries(config, kwargs, transport, litellm, sent)
    except ModelOutputError as e:
        raise ModelOutputError(_said(f"{config.model}: {e}"), e.usage) from None
    except Exception as e:
        refresh_environment()  # a key set since the secrets were first read must not leak either
        problem = credential_problem(e)
        if problem is not None:
            raise credential_error(config.model, config.params, problem, _provider_words(e)) from None
        if unreadable_response(e):
            raise ModelOutputError(
                _said(f"{config.model}: the response cannot be read as a chat completion ({_decoding_failure(e)})")
            ) from None
        what = f"after {sent.attempts} attempts" if is_transient(e) else "not retried"
        raise InfraError(_said(f"{config.model}: {type(e).__name__}: {str(e).strip()[:300]} ({what})")) from None
    if cache:
        cache.put(key, completion.model_dump(mode="json"))
    return completion.model_copy(update={"usage": completion.usage.model_copy(update={"attempts": sent.attempts})})


async def _send_with_retries(
    config: ModelConfig, kwargs: dict[str, Any], transport: str, litellm: Any, sent: _Sent
) -> Completion:
    """Send until a completion arrives, the error is not transient, or ``max_retries`` retries are spent
    (then the last error is raised as it is).

    A plain loop rather than tenacity's: its per-call state is a web of reference cycles (~50 objects
    a call, freed only by the garbage collector), and with a thousand calls in flight the collector's
    pauses stalled every one of them for up to a second.
    """
    limiter = limiter_for(config.model, config.max_in_flight, config.requests_per_minute)
    while True:
        try:
            async with limiter.slot():
                sent.attempts += 1  # counted as it goes out, so a cancelled request is still counted
                if transport == "openai-http":
                    body = await openai_http.post_chat(kwargs, float(kwargs["timeout"]))
                    return _from_openai_json(config.model, body)
                return _from_litellm(litellm, await litellm.acompletion(**kwargs))
        except Exception as e:
            if sent.attempts > config.max_retries or not is_transient(e):
                raise
            pause = _retry_wait(e, sent.attempts, config.retry_wait_s, limiter)
        await asyncio.sleep(pause)  # outside the handler: the error is not kept alive while waiting


def _retry_wait(error: BaseException, failed_attempt: int, base_s: float, limiter: ProviderLimiter) -> float:
    """Exponential backoff with full jitter (up to 60x the base), or the provider's Retry-After if longer,
    which also holds every other call to that provider."""
    after = retry_after_seconds(error)
    if after is not None:
        limiter.pause(after)
    backoff = random.uniform(0, min(60 * base_s, base_s * 2 ** min(failed_attempt - 1, 32)))
    return max(backoff, after or 0.0)


def _said(text: str) -> str:
    """Error text as it may leave the LLM layer: valid Unicode, no known secret."""
    return scrub(valid_text(text))


# litellm's wrapping in front of a provider's words: "litellm.AuthenticationError: AuthenticationError: OpenAIException - "
_LITELLM_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)?(?:\w+Error:\s*)?(?:\w+Exception - )?")


def _provider_words(error: BaseException) -> str:
    """The first line of what the provider (or its SDK) said, without litellm's class-name prefixes."""
    text = str(error).strip() or type(error).__name__
    return _LITELLM_PREFIX.sub("", text.splitlines()[0]) or text.splitlines()[0]


def _decoding_failure(error: BaseException) -> str:
    """What failed when litellm read the response, e.g. "RecursionError: maximum recursion depth exceeded …"."""
    for link in reversed(exception_chain(error)):
        if isinstance(link, (RecursionError, ValueError)) and str(link).strip():
            return f"{type(link).__name__}: {str(link).strip().splitlines()[0][:200]}"
    return _provider_words(error)[:200]
