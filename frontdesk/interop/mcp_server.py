"""An environment's agent tools over MCP: the schemas, validation and error messages of a local run.

One :func:`build_server` serves every MCP use in frontdesk. What a request reaches is a
:class:`ToolHost`, chosen per request by ``host_for``:

- ``frontdesk serve-mcp`` gives each MCP session its own :class:`EnvironmentHost` (a fresh
  environment of one domain and task), so two sessions never see each other's writes;
- a trial of a remote (A2A) agent gets a host that hands each call to the trial's orchestrator
  (``frontdesk/interop/endpoints.py``, ``a2a_agent.py``).

Tools are listed exactly as the tool-calling agent gets them (name, description, the parameters
schema as ``inputSchema``); the SDK does not validate arguments, the domain's Toolkit does, so a
bad call fails with the same message as in a local trial and comes back as an MCP tool error
(``isError``). The policy is a prompt (``policy``) and a resource (``frontdesk://policy``); where
the host has a task, ``frontdesk://verdict`` scores the session so far.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import mcp.types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.auth.provider import AccessToken
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, INVALID_REQUEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.routing import Route

from frontdesk.envs import Domain, Environment, Task, UserScenario, get_domain
from frontdesk.errors import ConfigError
from frontdesk.eval.checker import Goal, build_goal, check
from frontdesk.eval.orchestrator import TerminationReason
from frontdesk.tools import ToolCall, ToolResult
from frontdesk.trajectory import Message, Role, Trajectory

POLICY_PROMPT = "policy"
POLICY_URI = "frontdesk://policy"
VERDICT_URI = "frontdesk://verdict"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ToolHost(Protocol):
    """Where one MCP session's requests go: an environment's tools and policy."""

    policy: str
    tools: list[dict[str, Any]]  # OpenAI function schemas, as the tool-calling agent gets them
    scored: bool  # has a task, so :meth:`verdict` answers

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolResult: ...

    def verdict(self, said: str) -> dict[str, Any] | None:
        """The verdict of the session so far (``said``: what the agent told the customer); None
        unless ``scored``."""
        ...


HostFor = Callable[[ServerRequestContext[Any, Any]], ToolHost]


def mcp_tool(schema: dict[str, Any]) -> types.Tool:
    function = schema["function"]
    return types.Tool(name=function["name"], description=function["description"], input_schema=function["parameters"])


def tool_result(result: ToolResult) -> types.CallToolResult:
    """A frontdesk result as MCP sends it: the same text; a failed call is a tool error."""
    return types.CallToolResult(content=[types.TextContent(type="text", text=result.content)], is_error=not result.ok)


def build_server(name: str, host_for: HostFor, version: str = "") -> Server[Any]:
    """An MCP server whose every request is answered by the :class:`ToolHost` ``host_for`` picks."""

    async def list_tools(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[mcp_tool(s) for s in host_for(ctx).tools])

    async def call_tool(ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams) -> Any:
        result = await host_for(ctx).call(params.name, dict(params.arguments or {}))
        return tool_result(result)

    async def list_prompts(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListPromptsResult:
        host_for(ctx)
        prompt = types.Prompt(name=POLICY_PROMPT, description="The policy the agent must follow: its system prompt.")
        return types.ListPromptsResult(prompts=[prompt])

    async def get_prompt(ctx: ServerRequestContext[Any, Any], params: types.GetPromptRequestParams) -> Any:
        host = host_for(ctx)
        if params.name != POLICY_PROMPT:
            raise MCPError(INVALID_PARAMS, f"unknown prompt {params.name!r}; this server has: {POLICY_PROMPT}")
        message = types.PromptMessage(role="user", content=types.TextContent(type="text", text=host.policy))
        return types.GetPromptResult(description="The policy the agent must follow.", messages=[message])

    async def list_resources(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListResourcesResult:
        host = host_for(ctx)
        resources = [types.Resource(name="policy", uri=POLICY_URI, mime_type="text/markdown")]
        if host.scored:
            resources.append(
                types.Resource(
                    name="verdict",
                    uri=VERDICT_URI,
                    mime_type="application/json",
                    description="The verdict of this session so far (add ?said=TEXT: what the agent told the customer).",
                )
            )
        return types.ListResourcesResult(resources=resources)

    async def list_templates(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListResourceTemplatesResult:
        host = host_for(ctx)
        templates = []
        if host.scored:
            templates.append(
                types.ResourceTemplate(
                    name="verdict", uri_template=VERDICT_URI + "{?said}", mime_type="application/json"
                )
            )
        return types.ListResourceTemplatesResult(resource_templates=templates)

    async def read_resource(ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams) -> Any:
        host = host_for(ctx)
        uri = str(params.uri)
        parts = urlsplit(uri)
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        if base == POLICY_URI:
            text, mime = host.policy, "text/markdown"
        elif base == VERDICT_URI and (verdict := host.verdict(_said(parts.query))) is not None:
            text, mime = json.dumps(verdict, ensure_ascii=False), "application/json"
        else:
            raise MCPError(INVALID_PARAMS, f"unknown resource {uri!r}")
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)])

    return Server(
        name,
        version=version,
        instructions="Customer-service tools of a frontdesk environment. The policy is the prompt "
        f"{POLICY_PROMPT!r} and the resource {POLICY_URI}.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )


def _said(query: str) -> str:
    return " ".join(parse_qs(query).get("said", []))


class EnvironmentHost:
    """One fresh environment of a domain (and task): tool calls run on it and are recorded, so the
    checker can score the session the way it scores a trial."""

    def __init__(self, domain: Domain, task: Task | None = None, goal: Goal | None = None) -> None:
        self.domain = domain
        self.task = task
        self.goal = goal
        self.env = Environment(domain, task or _seed_task())
        self.policy = domain.policy
        self.tools = self.env.agent_tools.schemas()
        self.scored = task is not None and goal is not None
        self.trajectory: Trajectory = []
        self._ids = itertools.count(1)

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        call = ToolCall(id=f"mcp-{next(self._ids)}", name=name, arguments=arguments)
        self.trajectory.append(Message(role=Role.AGENT, tool_calls=[call]))
        result = self.env.execute(call)
        self.trajectory.append(Message(role=Role.TOOL, tool_result=result, requestor="agent"))
        return result

    def verdict(self, said: str) -> dict[str, Any] | None:
        if self.task is None or self.goal is None:
            return None
        trajectory = [*self.trajectory, *([Message(role=Role.AGENT, content=said)] if said else [])]
        transferred = any(
            m.tool_result is not None and m.tool_result.ok and m.tool_result.name == self.domain.transfer_tool
            for m in trajectory
        )
        ending = TerminationReason.TRANSFER if transferred else TerminationReason.USER_STOP
        verdict = check(self.env, self.task, trajectory, ending, self.goal)
        return {"task_id": self.task.id, **verdict.model_dump(mode="json")}


def _seed_task() -> Task:
    """No task chosen: the seed database as it ships, with nothing to score."""
    return Task(id="seed", user_scenario=UserScenario(reason_for_contact="(no task: the seed database)"))


class SessionHosts:
    """A fresh :class:`EnvironmentHost` per MCP session.

    Over HTTP a session is what the SDK's session manager says it is: the ``Mcp-Session-Id`` it
    issued at the handshake (and checks on every request before this runs). A host unused for
    ``idle_s`` goes, as the manager drops such sessions. Over stdio the one connection is the session.
    """

    def __init__(self, make: Callable[[], ToolHost], single: bool = False, idle_s: float = 1800.0) -> None:
        self._make = make
        self._single = make() if single else None
        self._hosts: OrderedDict[str, tuple[ToolHost, float]] = OrderedDict()
        self._idle_s = idle_s

    def __call__(self, ctx: ServerRequestContext[Any, Any]) -> ToolHost:
        if self._single is not None:
            return self._single
        session = ctx.request.headers.get("mcp-session-id") if ctx.request is not None else None
        if not session:
            raise MCPError(
                INVALID_REQUEST,
                f"this server keeps one environment per MCP session, and protocol {ctx.protocol_version} "
                "has none over HTTP: connect with the initialize handshake (mcp.ClientSession.initialize(), "
                "or mcp.Client(..., mode='legacy'))",
            )
        now = time.monotonic()
        while self._hosts and next(iter(self._hosts.values()))[1] < now - self._idle_s:
            self._hosts.popitem(last=False)
        host = self._hosts.pop(session, (None, 0.0))[0] or self._make()
        self._hosts[session] = (host, now)
        return host


class StaticToken:
    """A token verifier for one shared bearer token (``serve-mcp --token``)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def verify_token(self, token: str) -> AccessToken | None:
        if hmac.compare_digest(token.encode(), self._token.encode()):
            return AccessToken(token=token, client_id="frontdesk", scopes=[])
        return None


def security_for(host: str) -> TransportSecuritySettings | None:
    """DNS-rebinding protection when bound to loopback (as the SDK's own app does), none otherwise."""
    if host not in LOOPBACK:
        return None
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )


def session_manager(
    server: Server[Any], security: TransportSecuritySettings | None, session_idle_timeout: float | None = 1800
) -> StreamableHTTPSessionManager:
    """The SDK's streamable HTTP sessions, answering in JSON (the least CPU per call)."""
    return StreamableHTTPSessionManager(
        app=server,
        json_response=True,
        security_settings=security,
        session_idle_timeout=session_idle_timeout,
        max_sessions=None,
    )


def http_app(
    manager: StreamableHTTPSessionManager, path: str, *, verifier: Any = None, lifespan: bool = True
) -> Starlette:
    """Streamable HTTP at ``path``, with the SDK's bearer auth when ``verifier`` is given.

    POST and DELETE only: these servers send nothing unasked, so a client's standalone GET
    stream gets the 405 the protocol provides for that, and no connection stays open between
    calls. With ``lifespan`` the session manager runs in the app's lifespan; otherwise the caller
    runs ``manager.run()``.
    """
    endpoint: Any = StreamableHTTPASGIApp(manager)
    middleware = []
    if verifier is not None:
        endpoint = RequireAuthMiddleware(endpoint, [])
        middleware = [Middleware(AuthenticationMiddleware, backend=BearerAuthBackend(verifier))]
    return Starlette(
        routes=[Route(path, endpoint=endpoint, methods=["POST", "DELETE"])],
        middleware=middleware,
        lifespan=(lambda app: manager.run()) if lifespan else None,
    )


def environment_hosts(domain_name: str, task_id: str | None, single: bool = False) -> SessionHosts:
    """Sessions of one domain (and task): ConfigError for an unknown domain or task, or a broken task."""
    domain = get_domain(domain_name)
    task = domain.task(task_id) if task_id else None
    goal = build_goal(domain, task) if task else None
    return SessionHosts(lambda: EnvironmentHost(domain, task, goal), single=single)


def serve_mcp(
    domain: str,
    task_id: str | None = None,
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    announce: Callable[[str], None] = lambda line: None,
) -> None:
    """Serve one domain's agent tools over MCP until interrupted (``frontdesk serve-mcp``).

    ``stdio`` serves one session on standard input/output (nothing else may be written to
    stdout); ``http`` serves streamable HTTP at ``http://HOST:PORT/mcp``, every session with its own
    environment. Bound to loopback unless ``host`` says otherwise, and then only with ``token``.
    """
    if transport not in ("stdio", "http"):
        raise ConfigError(f"--transport must be 'stdio' or 'http', not {transport!r}")
    if transport == "http" and host not in LOOPBACK and not token:
        raise ConfigError(
            f"--host {host} serves the tools beyond this machine: pass --token SECRET so clients must "
            "send 'Authorization: Bearer SECRET'"
        )
    hosts = environment_hosts(domain, task_id, single=transport == "stdio")
    from importlib.metadata import version

    server = build_server(f"frontdesk-{domain}", hosts, version=version("frontdesk"))
    what = f"domain {domain!r}" + (f", task {task_id!r}" if task_id else " (seed database, no task)")
    if transport == "stdio":
        from mcp.server.stdio import stdio_server

        async def run_stdio() -> None:
            async with stdio_server() as (read, write):
                await server.run(read, write, server.create_initialization_options())

        announce(f"Serving the agent tools of {what} over MCP on stdio.")
        asyncio.run(run_stdio())
        return
    import uvicorn

    manager = session_manager(server, security_for(host))
    app = http_app(manager, "/mcp", verifier=StaticToken(token) if token else None)
    shown = f"[{host}]" if ":" in host else host
    announce(
        f"Serving the agent tools of {what} over MCP at http://{shown}:{port}/mcp"
        + (" (bearer token required)" if token else "")
        + "; Ctrl-C stops."
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
