"""The ``openai-http`` transport: chat completions sent straight to an OpenAI-compatible endpoint.

Why it exists: through ``litellm.acompletion`` a model call costs the harness about 6 ms of CPU
(litellm's logging and costing plus the OpenAI SDK's request transform; 8 ms on a 16 KB retail
request); sent as JSON over a shared aiohttp session the same call costs about 0.6 ms, harness
included (`python benchmarks/bench_scale.py`). With hundreds of calls in flight that difference
decides whether the provider or the harness sets the pace. This transport speaks only the OpenAI
chat-completions protocol (OpenAI itself, vLLM, SGLang, llama.cpp, LM Studio, a mock server), so
it is the default only where that protocol is meant (:mod:`frontdesk.llm.transport`); litellm stays
the transport of every other provider. Prices still come from litellm's cost map, so both
transports record the same cost for the same usage.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import urllib.parse
import urllib.request
import weakref
from typing import Any

from frontdesk.llm.credentials import URL_CREDENTIALS_KEY, strip_url_credentials
from frontdesk.llm.output import MAX_RESPONSE_BYTES, ModelOutputError, decode_body, too_large
from frontdesk.trajectory import valid_text

DEFAULT_API_BASE = "https://api.openai.com/v1"

# Parameters that configure the client rather than the request body (litellm's names).
CLIENT_PARAMS = frozenset(
    {
        "api_key",
        "api_base",
        "base_url",
        "extra_headers",
        "extra_body",
        "timeout",
        "drop_params",
        "num_retries",
        "max_retries",
        "organization",
        "custom_llm_provider",
    }
)

# Request fields that only mean something next to `tools`.
TOOL_ONLY_PARAMS = ("tool_choice", "parallel_tool_calls")

MAX_ERROR_BYTES = 64 * 1024  # of an error response's body: only its message is kept
MAX_ERROR_TEXT = 300  # characters of that message

# One aiohttp session (and connection pool) per event loop; an entry goes when its loop does.
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()


class ProviderError(Exception):
    """The endpoint answered with an error status, an unreadable body, or not at all."""

    def __init__(self, message: str, *, transient: bool, status_code: int | None = None, headers: Any = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status_code = status_code
        self.headers = headers  # where frontdesk.llm.limits looks for Retry-After


def wire_model(model: str) -> str:
    """The model name the endpoint expects: ``openai/llama-3-8b`` is sent as ``llama-3-8b``."""
    return model.split("/", 1)[1] if model.startswith("openai/") else model


def endpoint(params: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The chat-completions URL and request headers, from the call's params or litellm's variables.

    Credentials in the URL are taken out of it and sent as described in
    :mod:`frontdesk.llm.credentials`: an ``api_key`` parameter wins (Bearer), then the URL's
    user and password (Basic), then ``OPENAI_API_KEY`` (Bearer); ``extra_headers`` override all.
    """
    base = (
        params.get("api_base")
        or params.get("base_url")
        or os.environ.get("OPENAI_API_BASE")
        or os.environ.get("OPENAI_BASE_URL")
        or DEFAULT_API_BASE
    )
    base, basic = strip_url_credentials(str(base))
    headers = {"Content-Type": "application/json"}
    explicit = params.get("api_key")
    if explicit and explicit != URL_CREDENTIALS_KEY:
        headers["Authorization"] = f"Bearer {explicit}"
    elif basic is not None:
        headers["Authorization"] = basic
    elif key := os.environ.get("OPENAI_API_KEY"):
        headers["Authorization"] = f"Bearer {key}"
    if params.get("organization"):
        headers["OpenAI-Organization"] = str(params["organization"])
    headers.update({str(k): str(v) for k, v in (params.get("extra_headers") or {}).items()})
    return base.rstrip("/") + "/chat/completions", headers


def wire_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``messages`` in the form strict servers' chat templates accept, whoever built them.

    An assistant message's content is never null or missing: "" instead (llama.cpp answers 500 with
    "Expected 'content' to be a string or an array" to null, and litellm drops a null key, which
    llama-cpp-python rejects). A tool result's content is a string. The list itself is returned when
    nothing needs changing (the usual case), so the check costs one pass and no copy.
    """
    fixed: list[dict[str, Any]] | None = None
    for i, m in enumerate(messages):
        role, content = m.get("role"), m.get("content")
        if role == "assistant" and content is None:
            entry = {**m, "content": ""}
        elif role == "tool" and not isinstance(content, str):
            entry = {**m, "content": "" if content is None else json.dumps(content, ensure_ascii=False)}
        else:
            continue
        if fixed is None:
            fixed = list(messages)
        fixed[i] = entry
    return messages if fixed is None else fixed


def request_body(request: dict[str, Any]) -> dict[str, Any]:
    """The JSON body: every request field except the client's own settings, plus ``extra_body``.

    Messages go out as :func:`wire_messages` makes them, and tool-only fields (``tool_choice``…) only
    next to ``tools``: OpenAI refuses them alone.
    """
    body = {k: v for k, v in request.items() if k not in CLIENT_PARAMS}
    body["model"] = wire_model(str(request["model"]))
    if "messages" in body:
        body["messages"] = wire_messages(body["messages"])
    if not body.get("tools"):
        for key in TOOL_ONLY_PARAMS:
            body.pop(key, None)
    body.update(request.get("extra_body") or {})
    return body


@functools.lru_cache(maxsize=64)
def proxy_for(url: str) -> str | None:
    """The proxy that HTTP(S)_PROXY / NO_PROXY give for ``url`` (as litellm's httpx client uses)."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname is None or urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def _session() -> Any:
    import aiohttp

    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        # No per-host cap: how many calls are in flight is the runner's and the limiter's decision.
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
        # Not trust_env: that reads ~/.netrc in a thread on every request (5% of a run's CPU);
        # proxies from the environment are resolved once per URL instead (``proxy_for``).
        session = _sessions[loop] = aiohttp.ClientSession(connector=connector)
    return session


async def aclose() -> None:
    """Close this event loop's session; the runner calls it before its loop ends."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()


async def post_chat(request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """POST one chat-completions request; the decoded JSON response, a ProviderError (the endpoint
    failed) or a ModelOutputError (it answered with something that is not a usable completion)."""
    import aiohttp

    url, headers = endpoint(request)
    if url.startswith(DEFAULT_API_BASE) and not any(k.lower() == "authorization" for k in headers):
        # OpenAI itself answers 401 to a request without a key: say so without sending one.
        raise ProviderError(
            "Missing credentials: no api_key parameter and OPENAI_API_KEY is not set", transient=False, status_code=401
        )
    payload = json.dumps(request_body(request), ensure_ascii=False).encode("utf-8")
    try:
        async with _session().post(
            url, data=payload, headers=headers, proxy=proxy_for(url), timeout=aiohttp.ClientTimeout(total=timeout_s)
        ) as response:
            if response.status >= 400:
                status = response.status
                length = response.content_length
                # Only the message is kept: a huge error body is not read to its end.
                small = length is not None and length <= MAX_ERROR_BYTES
                raw = await (response.read() if small else response.content.read(MAX_ERROR_BYTES))
                raise ProviderError(
                    f"HTTP {status}: {_error_text(raw)}",
                    transient=status >= 500 or status in (408, 429),
                    status_code=status,
                    headers=response.headers,
                )
            raw = await _read_capped(response, MAX_RESPONSE_BYTES)
    except TimeoutError:
        raise ProviderError(f"no complete response within {timeout_s:g} s", transient=True) from None
    except aiohttp.ClientError as e:  # refused, reset, a body cut short: the same request may succeed
        raise ProviderError(f"connection failed: {type(e).__name__}: {e}", transient=True) from None
    body = decode_body(raw)
    if not isinstance(body, dict):
        raise ModelOutputError(f"the response is a JSON {type(body).__name__}, not a chat completion object")
    return body


async def _read_capped(response: Any, limit: int) -> bytes:
    """The whole body, or ModelOutputError as soon as it is known to exceed ``limit`` bytes.

    A declared length over the limit is refused before reading; a body without one is read in
    chunks and abandoned when it passes the limit (closing the connection, not draining it).
    """
    length = response.content_length
    if length is not None and length > limit:
        response.close()
        raise too_large(length)
    if length is not None:
        return await response.read()
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            response.close()
            raise too_large(size, "bytes or more")
        chunks.append(chunk)
    return b"".join(chunks)


def _error_text(raw: bytes) -> str:
    try:
        error = json.loads(raw).get("error")
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return valid_text(str(message))[:MAX_ERROR_TEXT]
    except (ValueError, AttributeError, RecursionError):
        pass
    return raw[:MAX_ERROR_TEXT].decode("utf-8", errors="replace") or "(empty body)"
