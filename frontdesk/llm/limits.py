"""Per-provider call limits: calls in flight, requests per minute, and Retry-After pauses.

Limits are per provider (the part of the model string before '/'), shared by every trial of a
run, because that is where rate limits live: the agent and the simulated customer may share one.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


def provider_of(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else "openai"


@dataclass
class ProviderLimiter:
    max_in_flight: int | None = None
    requests_per_minute: float | None = None
    _semaphore: asyncio.Semaphore | None = field(default=None, init=False)
    _next_slot: float = field(default=0.0, init=False)  # monotonic time the next request may start
    _paused_until: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        if self.max_in_flight:
            self._semaphore = asyncio.Semaphore(self.max_in_flight)

    def pause(self, seconds: float) -> None:
        """The provider said Retry-After: hold every new request to it until then."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def _wait_turn(self) -> None:
        now = time.monotonic()
        start = max(now, self._paused_until)
        if self.requests_per_minute:
            start = max(start, self._next_slot)
            self._next_slot = start + 60.0 / self.requests_per_minute
        if start > now:
            await asyncio.sleep(start - now)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._semaphore is None:
            await self._wait_turn()
            yield
            return
        async with self._semaphore:
            await self._wait_turn()
            yield


# Per event loop (asyncio primitives belong to one loop); an entry goes when its loop does. Keyed
# by the loop itself, not id(loop): a new loop can reuse a finished one's id.
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, ProviderLimiter]] = (
    weakref.WeakKeyDictionary()
)


def limiter_for(model: str, max_in_flight: int | None, requests_per_minute: float | None) -> ProviderLimiter:
    """The limiter shared by all calls to ``model``'s provider within the running event loop."""
    per_loop = _limiters.setdefault(asyncio.get_running_loop(), {})
    key = (provider_of(model), max_in_flight, requests_per_minute)
    limiter = per_loop.get(key)
    if limiter is None:
        limiter = per_loop[key] = ProviderLimiter(max_in_flight, requests_per_minute)
    return limiter


def retry_after_seconds(error: BaseException) -> float | None:
    """The Retry-After a provider sent with an error, in seconds (capped at 5 minutes)."""
    # litellm keeps the provider's headers in `litellm_response_headers`; its `response` may be a stub.
    candidates = (
        getattr(error, "litellm_response_headers", None),
        getattr(getattr(error, "response", None), "headers", None),
        getattr(error, "headers", None),
    )
    headers = next((h for h in candidates if h), None)
    if not headers:
        return None
    try:
        value = headers.get("retry-after") or headers.get("Retry-After")
    except AttributeError:
        return None
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        from email.utils import parsedate_to_datetime

        try:
            seconds = parsedate_to_datetime(str(value)).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), 300.0)
