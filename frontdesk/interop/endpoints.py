"""Per-trial MCP endpoints: one loopback HTTP server per event loop, one endpoint per trial on it.

A trial of a remote agent opens an endpoint for its :class:`~frontdesk.interop.mcp_server.ToolHost`
and gets ``http://127.0.0.1:PORT/trials/<id>/mcp`` and a bearer token of its own; a request
needs both (the token names the trial, and must name the one in the path). Sharing one server
keeps a trial's cost to a dictionary entry: no port, process or thread per trial.

The server starts with the first open endpoint of its loop and stops once none has been open
for :data:`IDLE_S` (trials come and go; the next one reuses it): it stops listening, lets the
requests in flight finish, then ends the MCP sessions. :func:`aclose` does the same at once.
"""

from __future__ import annotations

import asyncio
import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp.server import ServerRequestContext
from mcp.server.auth.provider import AccessToken
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_REQUEST

from frontdesk.interop.mcp_server import ToolHost, build_server, http_app, security_for, session_manager

HOST = "127.0.0.1"
PATH = "/trials/{trial}/mcp"
# A remote agent that does not close its MCP session leaves it to this timeout; its endpoint is
# gone with the trial anyway (requests get 401), so this only bounds memory.
SESSION_IDLE_TIMEOUT_S = 300.0
IDLE_S = 0.5  # no endpoint open this long: the server stops
DRAIN_S = 2.0  # at most this long for requests in flight when it stops


@dataclass(frozen=True)
class Endpoint:
    trial: str
    url: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def call_in_loop(loop: asyncio.AbstractEventLoop, fn: Callable[[], Any]) -> None:
    """Run ``fn`` on ``loop``: now if this is its thread, soon if it runs elsewhere; not at all if it
    is closed (a finalizer may run after its loop ended: there is nothing left to tidy then)."""
    if loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        fn()
    elif loop.is_running():
        loop.call_soon_threadsafe(fn)


@dataclass
class _Running:
    server: Any  # uvicorn.Server, started without serve(): serve() would take over SIGINT/SIGTERM
    port: int
    stop: asyncio.Event
    sessions: asyncio.Task[None]  # holds the SDK session manager's run() open


class TrialEndpoints:
    """The endpoints of one event loop's trials."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._hosts: dict[str, ToolHost] = {}
        self._trial_of_token: dict[str, str] = {}
        self._running: _Running | None = None
        self._stopping: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._mcp = build_server("frontdesk-trial", self._host_for)

    # --- the token verifier the SDK's bearer middleware asks ---
    async def verify_token(self, token: str) -> AccessToken | None:
        trial = self._trial_of_token.get(token)
        return None if trial is None else AccessToken(token=token, client_id=trial, scopes=[])

    def _host_for(self, ctx: ServerRequestContext[Any, Any]) -> ToolHost:
        request = ctx.request
        trial = request.path_params.get("trial") if request is not None else None
        user = request.scope.get("user") if request is not None else None
        token = getattr(user, "access_token", None)
        host = self._hosts.get(trial or "")
        if host is None or token is None or token.client_id != trial:
            raise MCPError(INVALID_REQUEST, "this token does not open this trial's endpoint")
        return host

    async def open(self, host: ToolHost) -> Endpoint:
        trial, token = secrets.token_hex(8), secrets.token_urlsafe(32)
        async with self._lock:
            if self._running is None:
                self._running = await self._start()
            self._hosts[trial] = host
            self._trial_of_token[token] = trial
            port = self._running.port
        return Endpoint(trial=trial, url=f"http://{HOST}:{port}/trials/{trial}/mcp", token=token)

    def close(self, endpoint: Endpoint) -> None:
        """Forget a trial's endpoint (its token stops working at once); when none is left for
        IDLE_S, the server stops."""
        self._hosts.pop(endpoint.trial, None)
        self._trial_of_token.pop(endpoint.token, None)
        if not self._hosts:
            call_in_loop(self._loop, self._schedule_stop)

    def _schedule_stop(self) -> None:
        if self._stopping is None and self._running is not None:
            self._stopping = self._loop.create_task(self._stop_when_idle())

    async def _stop_when_idle(self) -> None:
        try:
            await asyncio.sleep(IDLE_S)
            async with self._lock:
                if not self._hosts:
                    await self._stop()
        finally:
            self._stopping = None

    @property
    def open_endpoints(self) -> int:
        return len(self._hosts)

    @property
    def serving(self) -> bool:
        return self._running is not None

    async def _start(self) -> _Running:
        import uvicorn

        manager = session_manager(self._mcp, security_for(HOST), session_idle_timeout=SESSION_IDLE_TIMEOUT_S)
        app = http_app(manager, PATH, verifier=self, lifespan=False)
        # log_config=None: uvicorn must not reconfigure this process's logging.
        config = uvicorn.Config(
            app, host=HOST, port=0, log_config=None, log_level="warning", access_log=False, lifespan="off"
        )
        config.load()
        server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)
        stop, entered = asyncio.Event(), asyncio.Event()

        async def hold_sessions() -> None:
            async with manager.run():
                entered.set()
                await stop.wait()

        sessions = self._loop.create_task(hold_sessions())
        await entered.wait()
        await server.startup()
        port = server.servers[0].sockets[0].getsockname()[1]
        return _Running(server=server, port=port, stop=stop, sessions=sessions)

    async def _stop(self) -> None:
        """Stop listening, let the requests in flight finish (DRAIN_S at most), end the sessions."""
        running, self._running = self._running, None
        if running is None:
            return
        for listener in running.server.servers:
            listener.close()
        state = running.server.server_state
        deadline = self._loop.time() + DRAIN_S
        while state.tasks and self._loop.time() < deadline:
            await asyncio.sleep(0.01)
        for connection in list(state.connections):
            connection.shutdown()
        running.stop.set()
        await running.sessions

    async def aclose(self) -> None:
        async with self._lock:
            await self._stop()


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TrialEndpoints] = weakref.WeakKeyDictionary()


def trial_endpoints() -> TrialEndpoints:
    """This event loop's endpoints."""
    loop = asyncio.get_running_loop()
    endpoints = _by_loop.get(loop)
    if endpoints is None:
        endpoints = _by_loop[loop] = TrialEndpoints(loop)
    return endpoints


async def aclose() -> None:
    """Stop this loop's endpoint server now (it also stops by itself when its last trial ends)."""
    endpoints = _by_loop.pop(asyncio.get_running_loop(), None)
    if endpoints is not None:
        await endpoints.aclose()
