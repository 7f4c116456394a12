"""``--agent a2a:URL``: a remote agent under test, spoken to over the Agent2Agent protocol.

Each trial is one A2A context. The customer's words go to the agent as A2A messages; its reply
comes back as the agent's turn. For the trial, frontdesk opens an MCP endpoint (streamable HTTP
on loopback, a bearer token of its own; ``endpoints.py``) and hands it over in the first
message's metadata under :data:`MCP_METADATA_KEY`::

    {"frontdesk.mcp": {"url": "http://127.0.0.1:PORT/trials/ID/mcp", "transport": "streamable-http",
                       "headers": {"Authorization": "Bearer TOKEN"}}}

While the agent works on its turn, every tool call it makes there is returned to the
orchestrator as an ordinary tool call of this agent (``AssistantTurn.tool_calls``) and answered
with the result the orchestrator recorded: the trial's own environment runs it, with the same
validation, the same error results, the same ``--max-tool-errors`` count and the same transfer
ending as a local agent's call. The trajectory a remote agent leaves is shaped exactly like a
local one's, so the checker, the report and the HTML transcript need nothing of their own.

Whose fault a failure is (``--call-timeout`` bounds each wait for the agent's next step):

- the agent's (a scored ``agent_error``): an HTTP 4xx, a JSON-RPC error, a reply that is not a
  usable A2A message or task (failed, rejected, no text), no answer within the timeout;
- infra (:class:`InfraError`, retried by a resume): connection refused, 5xx, 429 or a dropped
  connection once ``--max-retries`` retries are spent. A turn is only retried while the agent has
  made no tool call in it: resending a message whose calls already changed the database would
  run them twice, so such a failure is infra at once.
"""

from __future__ import annotations

import asyncio
import collections
import importlib.util
import itertools
import random
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from frontdesk.agents.base import Agent, AgentContext
from frontdesk.errors import InfraError
from frontdesk.interop.endpoints import IDLE_S, Endpoint, TrialEndpoints, call_in_loop, trial_endpoints
from frontdesk.llm import ModelConfig
from frontdesk.llm.output import exception_chain
from frontdesk.tools import ToolCall, ToolErrorKind, ToolResult
from frontdesk.trajectory import AssistantTurn, Role, Trajectory

SCHEME = "a2a:"
MCP_METADATA_KEY = "frontdesk.mcp"
CONNECT_TIMEOUT_S = 10.0


class RemoteAgentError(Exception):
    """The remote agent failed its turn: an agent error, scored."""


def agent_url(spec: str) -> str:
    """The agent's base URL in ``a2a:http://host:port[/path]``; ValueError saying what is wrong."""
    url = spec.removeprefix(SCHEME).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{spec!r} must look like a2a:http://HOST:PORT (the agent's base URL, where its agent card is)"
        )
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ValueError(f"{spec!r}: the port is not a number") from None
    return url.rstrip("/")


# --- one HTTP client and one A2A client per agent URL, per event loop ---


@dataclass
class _Runtime:
    loop: asyncio.AbstractEventLoop
    http: Any  # httpx.AsyncClient
    clients: dict[str, Any] = field(default_factory=dict)  # agent URL -> a2a Client
    users: int = 0
    closing: asyncio.TimerHandle | None = None

    def acquire(self) -> None:
        self.users += 1
        if self.closing is not None:
            self.closing.cancel()
            self.closing = None

    def release(self) -> None:
        """One trial fewer; with none left for IDLE_S the connections close (the next trial of a run
        comes sooner and reuses them)."""
        self.users -= 1
        if self.users <= 0:
            call_in_loop(self.loop, self._close_later)

    def _close_later(self) -> None:
        if self.users <= 0 and self.closing is None and _runtimes.get(self.loop) is self:
            self.closing = self.loop.call_later(IDLE_S, self._close)

    def _close(self) -> None:
        if self.users <= 0 and _runtimes.get(self.loop) is self:
            _runtimes.pop(self.loop, None)
            self.loop.create_task(self.http.aclose())


_runtimes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Runtime] = weakref.WeakKeyDictionary()


def _runtime() -> _Runtime:
    import httpx

    loop = asyncio.get_running_loop()
    runtime = _runtimes.get(loop)
    if runtime is None or runtime.http.is_closed:
        # No read deadline here: how long an agent may think is --call-timeout, enforced per step.
        timeout = httpx.Timeout(connect=CONNECT_TIMEOUT_S, read=None, write=60.0, pool=None)
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=256)
        runtime = _runtimes[loop] = _Runtime(loop=loop, http=httpx.AsyncClient(timeout=timeout, limits=limits))
    return runtime


async def aclose() -> None:
    """Close this loop's A2A connections (they also close when the last A2A trial of the loop ends)."""
    runtime = _runtimes.pop(asyncio.get_running_loop(), None)
    if runtime is not None:
        await runtime.http.aclose()


async def _client(runtime: _Runtime, url: str) -> Any:
    client = runtime.clients.get(url)
    if client is None:
        from a2a.client import A2ACardResolver, ClientConfig, ClientFactory

        card = await A2ACardResolver(runtime.http, url).get_agent_card()
        client = ClientFactory(ClientConfig(streaming=False, httpx_client=runtime.http)).create(card)
        runtime.clients[url] = client
    return client


# --- whose fault a failed request is ---


def _failure(error: BaseException) -> tuple[str, str]:
    """("connect" | "transient" | "agent", what happened) for an exception from the A2A client.

    "connect": nothing reached the agent (safe to resend); "transient": it may have, and may
    succeed later (5xx, 429, a dropped connection); "agent": the agent's own failure.
    """
    import httpx

    for link in exception_chain(error):
        if isinstance(link, (httpx.ConnectError, httpx.ConnectTimeout)):
            return "connect", f"cannot connect ({type(link).__name__}: {link})"
        if isinstance(link, httpx.HTTPStatusError):
            status = link.response.status_code
            if status >= 500 or status == 429:
                return "transient", f"HTTP {status}"
            return "agent", f"the agent answered HTTP {status}"
        if isinstance(link, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.PoolTimeout)):
            return "transient", f"connection lost ({type(link).__name__}: {link})"
    return "agent", f"{type(error).__name__}: {error}"


def _text_of(parts: Any) -> str:
    return "\n".join(p.text for p in parts if p.HasField("text") and p.text)


_INTERRUPTED = {"TASK_STATE_INPUT_REQUIRED", "TASK_STATE_COMPLETED"}
_FAILED = {"TASK_STATE_FAILED", "TASK_STATE_REJECTED", "TASK_STATE_CANCELED", "TASK_STATE_AUTH_REQUIRED"}


# --- one trial's state: everything the background parts touch, and never the agent itself ---


class _Trial:
    """The A2A side of one trial. The agent owns it; nothing here refers back to the agent, so the
    agent is freed with its trial, and :meth:`close` (its finalizer) ends what is left."""

    def __init__(self, url: str, context: AgentContext, model: ModelConfig) -> None:
        self.url = url
        self.policy = context.policy
        self.tools = context.tools
        self.scored = False
        self.model = model
        self.context_id = uuid.uuid4().hex
        self.task_id: str | None = None  # an input-required task the next message continues
        self.events = _Inbox()
        self.pending: dict[str, asyncio.Future[ToolResult]] = {}
        self.turn: asyncio.Task[None] | None = None
        self.calls_this_turn = 0
        self.ids = itertools.count(1)
        self.endpoints: TrialEndpoints | None = None
        self.endpoint: Endpoint | None = None
        self.runtime: _Runtime | None = None
        self.introduced = False  # the endpoint went out with the first message
        self.closed = False

    # The ToolHost protocol: the trial's MCP endpoint calls these.
    def verdict(self, said: str) -> None:
        return None

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        call_id = f"a2a-{next(self.ids)}"
        if self.closed or self.turn is None or self.turn.done():
            return ToolResult(
                call_id=call_id,
                name=name,
                content="Error: no turn in progress: tools can be called only while answering a customer message",
                error=ToolErrorKind.RULE,
            )
        future: asyncio.Future[ToolResult] = asyncio.get_running_loop().create_future()
        self.pending[call_id] = future
        self.calls_this_turn += 1
        self.events.put(("call", ToolCall(id=call_id, name=name, arguments=arguments)))
        try:
            # The orchestrator answers as soon as it has run the call; no answer within the call
            # timeout means the trial ended on this call's turn (a transfer, --max-tool-errors).
            return await asyncio.wait_for(asyncio.shield(future), timeout=self.model.timeout_s)
        except TimeoutError:
            pass
        except asyncio.CancelledError:
            if not future.cancelled():  # this request itself was cancelled (its client went away)
                raise
        self.pending.pop(call_id, None)  # the trial is over (closed, or never came back for this call)
        return ToolResult(call_id=call_id, name=name, content="Error: the trial has ended", error=ToolErrorKind.RULE)

    async def open(self) -> None:
        self.runtime = _runtime()
        self.runtime.acquire()
        self.endpoints = trial_endpoints()
        self.endpoint = await self.endpoints.open(self)

    def start_turn(self, text: str) -> None:
        self.calls_this_turn = 0
        self.turn = asyncio.get_running_loop().create_task(self._send(text))

    async def _send(self, text: str) -> None:
        from a2a.types import Message, Part, Role, SendMessageRequest

        metadata = None
        if not self.introduced and self.endpoint is not None:
            self.introduced = True
            metadata = {
                MCP_METADATA_KEY: {
                    "url": self.endpoint.url,
                    "transport": "streamable-http",
                    "headers": self.endpoint.headers,
                }
            }
        message = Message(
            role=Role.ROLE_USER,
            parts=[Part(text=text)],
            message_id=uuid.uuid4().hex,
            context_id=self.context_id,
            task_id=self.task_id or None,
            metadata=metadata,
        )
        request = SendMessageRequest(message=message)
        attempts = self.model.max_retries + 1
        for attempt in range(attempts):
            try:
                client = await _client(self.runtime, self.url)
                reply = await self._reply(client, request)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                kind, what = _failure(e)
                last = attempt + 1 >= attempts
                if kind == "agent":
                    self.events.put(("error", RemoteAgentError(f"A2A agent at {self.url}: {what}")))
                    return
                if kind == "transient" and self.calls_this_turn:
                    self.events.put(
                        (
                            "error",
                            InfraError(
                                f"A2A agent at {self.url}: {what} after {self.calls_this_turn} tool call(s) in "
                                "this turn; not resent, since its calls already ran"
                            ),
                        )
                    )
                    return
                if last:
                    self.events.put(("error", InfraError(f"A2A agent at {self.url}: {what} ({attempts} attempt(s))")))
                    return
                self.runtime.clients.pop(self.url, None)  # the card is read again: the agent may have restarted
                wait = self.model.retry_wait_s * 2**attempt
                await asyncio.sleep(random.uniform(wait / 2, wait))
                continue
            self.events.put(("reply", reply))
            return

    async def _reply(self, client: Any, request: Any) -> str:
        """Send one message and read the agent's answer: a Message, or a Task that stopped for input."""
        from a2a.types import GetTaskRequest

        last = None
        async for response in client.send_message(request):
            last = response
        if last is None:
            raise RemoteAgentError("the agent sent no reply")
        if last.HasField("message"):
            text = _text_of(last.message.parts)
            if not text:
                raise RemoteAgentError("the agent's reply message has no text part")
            return text
        if not last.HasField("task"):
            raise RemoteAgentError("the agent's reply is neither a message nor a task")
        task = last.task
        wait = 0.05
        while True:
            state = _state_name(task.status.state)
            if state in _FAILED:
                said = _text_of(task.status.message.parts) if task.status.HasField("message") else ""
                raise RemoteAgentError(f"the agent's task ended {state.removeprefix('TASK_STATE_').lower()}: {said}")
            if state in _INTERRUPTED:
                break
            await asyncio.sleep(wait)  # still working (the agent did not block): ask again
            wait = min(wait * 2, 1.0)
            task = await client.get_task(GetTaskRequest(id=task.id))
        self.task_id = task.id if state == "TASK_STATE_INPUT_REQUIRED" else None
        text = _text_of(task.status.message.parts) if task.status.HasField("message") else ""
        if not text:
            text = "\n".join(t for a in task.artifacts if (t := _text_of(a.parts)))
        if not text:
            raise RemoteAgentError("the agent's task has no text in its status message or artifacts")
        return text

    def deliver(self, trajectory: Trajectory) -> None:
        """Answer the pending calls with the results the orchestrator recorded for them."""
        for message in reversed(trajectory):
            if message.role is not Role.TOOL:
                break
            result = message.tool_result
            future = self.pending.pop(result.call_id, None) if result is not None else None
            if future is not None and not future.done():
                future.set_result(result)
        for call_id, future in list(self.pending.items()):  # not run (cannot happen while the trial goes on)
            if not future.done():
                future.set_result(
                    ToolResult(
                        call_id=call_id, name="", content="Error: this call was not run", error=ToolErrorKind.RULE
                    )
                )
        self.pending.clear()

    def close(self) -> None:
        """End whatever the trial left running: its turn, its waiting calls, its endpoint."""
        if self.closed:
            return
        self.closed = True
        for future in self.pending.values():
            future.cancel()
        self.pending.clear()
        if self.turn is not None and not self.turn.done():
            self.turn.cancel()
        if self.endpoints is not None and self.endpoint is not None:
            self.endpoints.close(self.endpoint)
        if self.runtime is not None:
            self.runtime.release()


class _Inbox:
    """What the agent did next, in order: a tool call, its reply, or its failure."""

    def __init__(self) -> None:
        self._items: collections.deque[tuple[str, Any]] = collections.deque()
        self._ready = asyncio.Event()

    def put(self, item: tuple[str, Any]) -> None:
        self._items.append(item)
        self._ready.set()

    async def get(self, timeout: float) -> tuple[str, Any]:
        async with asyncio.timeout(timeout):
            while not self._items:
                self._ready.clear()
                await self._ready.wait()
        return self._items.popleft()

    def take_call(self) -> ToolCall | None:
        """The next item if it is a call already made, else None."""
        if self._items and self._items[0][0] == "call":
            return self._items.popleft()[1]
        return None


def _state_name(state: Any) -> str:
    from a2a.types import TaskState

    return TaskState.Name(state)


class A2AAgent(Agent):
    """A remote agent behind an A2A server; see the module docstring."""

    def __init__(self, model: ModelConfig | None, context: AgentContext) -> None:
        if model is None:
            raise ValueError("an A2A agent is named by its URL: --agent a2a:http://HOST:PORT")
        if importlib.util.find_spec("a2a") is None:
            raise ValueError("talking to an A2A agent needs the A2A SDK: pip install 'frontdesk[a2a]'")
        self.url = agent_url(model.model)
        self.timeout_s = model.timeout_s
        self._trial = _Trial(self.url, context, model)
        weakref.finalize(self, self._trial.close)

    async def aclose(self) -> None:
        """End the trial's remote side now: its turn, its waiting calls, its MCP endpoint."""
        self._trial.close()

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        trial = self._trial
        if trial.endpoint is None:
            await trial.open()
        if trial.pending:
            trial.deliver(trajectory)
        else:
            trial.start_turn(_customer_words(trajectory))
        try:
            kind, value = await trial.events.get(self.timeout_s)
        except asyncio.CancelledError:  # the trial's wall clock ran out while the agent worked
            trial.close()
            raise
        except TimeoutError:
            trial.close()
            raise RemoteAgentError(
                f"the A2A agent at {self.url} did not answer or call a tool within {self.timeout_s:g} s (--call-timeout)"
            ) from None
        if kind == "error":
            trial.close()
            raise value
        if kind == "reply":
            return AssistantTurn(text=value)
        calls = [value]
        while (nxt := trial.events.take_call()) is not None:  # calls made together make one turn
            calls.append(nxt)
        return AssistantTurn(tool_calls=calls)


def _customer_words(trajectory: Trajectory) -> str:
    """What the customer said since the agent last spoke."""
    words: list[str] = []
    for message in reversed(trajectory):
        if message.role is Role.AGENT:
            break
        if message.role is Role.USER and message.content:
            words.append(message.content)
    return "\n".join(reversed(words)) or "(the customer said nothing)"
