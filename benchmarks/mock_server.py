"""An OpenAI-compatible mock model server on 127.0.0.1, for benchmarks and fault tests.

It plays both sides of a conversation from a fixed script (no model): requests whose model name
contains "user", or whose system prompt is frontdesk's simulated-customer prompt, get the
customer's lines; any other request gets the agent's. The script depends
only on how many assistant messages the request already holds, so the server is stateless and
any number of conversations can run against it at once. Each conversation takes 7 calls:

    customer opens · agent calls `think` · agent asks · customer answers ·
    agent calls `think` · agent wraps up · customer stops

Faults are injected per request with a seeded RNG: ``rate_limit`` (429 with Retry-After),
``server_error`` (500), ``unavailable`` (503), ``hang`` (never answers), ``truncated`` (a body cut
short), ``bad_tool_json`` (the agent's tool call carries malformed JSON — an *agent* fault), and
``empty`` (no content, no tool call).

Hostile answers, all *agent* faults (served to agent requests only; HTTP 200 every time):
``deep_tool_args`` (the tool call's arguments nest 100,000 levels deep), ``surrogate_content`` (a
lone surrogate, JSON-escaped as ``\\ud800``, in the reply's text), ``surrogate_tool_args`` (one in
the tool call's arguments), ``oversize`` (a 5 MiB reply), ``not_json`` (a body that is not JSON) and
``no_choices`` (a completion with an empty ``choices`` list). The surrogate faults keep the script,
so the conversation still ends normally.

``strict=True`` makes it as fussy as the stricter real servers (llama.cpp's and
llama-cpp-python's, LM Studio, chat templates that check roles), so a request they would refuse
is refused here too: a message whose ``content`` is null or missing gets a 500 with llama.cpp's
"Expected 'content' to be a string or an array"; ``tools`` sent without ``tool_choice`` are
ignored, as llama-cpp-python's server does (the agent then never calls a tool); ``tool_choice``
without ``tools`` is a 400, as OpenAI answers; a role other than system/user/assistant/tool, a
system message after the first, or a tool result that is not a string answering an earlier tool
call is refused (400, or 500 where a chat template raises). Each refusal is counted in
``stats.rejected`` by kind; ``stats.tools_ignored`` counts requests whose tools were dropped.

``GET /stats`` reports what the server saw (requests, faults, most in flight, when the first request
arrived); ``POST /stats/reset`` starts counting afresh, so one server can serve several measured runs.

``authorization="..."`` makes the server demand that exact Authorization header: any other gets
a 401 that echoes what was sent, as OpenAI's "Incorrect API key provided" does (for secret tests).

litellm talks to it as ``openai/mock-agent`` / ``openai/mock-user`` with
``api_base=http://127.0.0.1:PORT/v1``. Run standalone: ``python benchmarks/mock_server.py --port 8011``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TRANSIENT_FAULTS = ("rate_limit", "server_error", "unavailable", "truncated")
HOSTILE_FAULTS = ("deep_tool_args", "surrogate_content", "surrogate_tool_args", "oversize", "not_json", "no_choices")
ALL_FAULTS = (*TRANSIENT_FAULTS, "hang", "bad_tool_json", "empty", *HOSTILE_FAULTS)
DEEP_LEVELS = 100_000
OVERSIZE_BYTES = 5 * 1024 * 1024
LONE_SURROGATE = "\ud800"


@dataclass
class FaultPlan:
    rate: float = 0.0  # probability that a request gets a fault
    kinds: tuple[str, ...] = TRANSIENT_FAULTS
    seed: int = 0
    retry_after_s: float = 0.05


@dataclass
class Stats:
    requests: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    unauthorized: int = 0  # requests refused for a wrong or missing Authorization header
    rejected: dict[str, int] = field(default_factory=dict)  # strict mode: requests refused, by kind
    tools_ignored: int = 0  # strict mode: requests whose tools were dropped for want of tool_choice
    first_request_at: float | None = None  # wall-clock time (time.time()) the first request arrived


ROLES = ("system", "user", "assistant", "tool")


def strict_problem(body: dict[str, Any]) -> tuple[str, int, str] | None:
    """What a strict server refuses in this request: (kind, HTTP status, message), or None."""
    messages = body.get("messages") or []
    if body.get("tool_choice") is not None and not body.get("tools"):
        return "tool_choice_without_tools", 400, "'tool_choice' is only allowed when 'tools' are specified"
    call_ids: set[str] = set()
    for i, m in enumerate(messages):
        role = m.get("role")
        if role not in ROLES:
            return "unknown_role", 400, f"Invalid role {role!r} in messages[{i}]; expected one of {', '.join(ROLES)}"
        if role == "system" and i > 0:
            # What chat templates raise (raise_exception) for a system message mid-conversation.
            return "late_system", 500, "System message must be at the beginning."
        if role == "tool":
            if not isinstance(m.get("content"), str):
                return "tool_content", 400, f"messages[{i}]: a tool result's content must be a string"
            if m.get("tool_call_id") not in call_ids:
                call_id = m.get("tool_call_id")
                return "tool_call_id", 400, f"messages[{i}]: tool_call_id {call_id!r} answers no tool call"
        if not isinstance(m.get("content"), (str, list)):
            # llama.cpp's own words (ggml-org/llama.cpp#13471); a 500, though retrying cannot help.
            return "null_content", 500, "Expected 'content' to be a string or an array"
        for call in m.get("tool_calls") or []:
            call_ids.add(str(call.get("id")))
    return None


def _assistant_count(messages: list[dict[str, Any]]) -> int:
    """In a customer request the customer's own earlier messages are the 'assistant' ones."""
    return sum(1 for m in messages if m.get("role") == "assistant")


def agent_reply(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
    """Think after each customer message (when a `think` tool exists), then ask, then wrap up."""
    has_think = any(t.get("function", {}).get("name") == "think" for t in tools or [])
    last_role = messages[-1].get("role") if messages else "user"
    customer_turns = sum(1 for m in messages if m.get("role") == "user")
    if last_role == "user" and has_think:
        return {"tool_calls": [{"name": "think", "arguments": json.dumps({"thought": f"turn {customer_turns}"})}]}
    if customer_turns <= 1:
        return {"content": "I can help with that. Could you tell me your order id?"}
    return {"content": "Thanks, that is all sorted. Is there anything else I can help you with?"}


# The customer's post-conversation questionnaire (frontdesk/simulators/experience.py) is answered
# with ratings, so a run against this server exercises the rating request like any other.
RATINGS = json.dumps(
    {
        name: {"score": 5, "reason": "fine"}
        for name in ("helpfulness", "communication", "adaptiveness", "personality", "trust_safety", "overall")
    }
)


def user_reply(messages: list[dict[str, Any]]) -> dict[str, Any]:
    last = messages[-1].get("content") if messages else None
    if isinstance(last, str) and "rate the support agent" in last:
        return {"content": RATINGS}
    n = _assistant_count(messages)
    if n == 0:
        return {"content": "Hello, I need help with my order."}
    if n == 1:
        return {"content": "It is the order I placed last week."}
    return {"content": "No, that's all. Thank you! ###STOP###"}


def completion_body(model: str, reply: dict[str, Any], counter: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.get("content")}
    finish = "stop"
    if reply.get("tool_calls"):
        message["tool_calls"] = [
            {"id": f"call_{counter}_{i}", "type": "function", "function": tc}
            for i, tc in enumerate(reply["tool_calls"])
        ]
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-{counter}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
    }


def hostile_reply(fault: str, reply: dict[str, Any]) -> dict[str, Any]:
    """The agent's scripted ``reply`` made hostile (the body-level faults are served in ``_handle``)."""
    if fault == "deep_tool_args":
        nested = "[" * DEEP_LEVELS + "]" * DEEP_LEVELS
        return {"tool_calls": [{"name": "think", "arguments": '{"thought": ' + nested + "}"}]}
    if fault == "surrogate_content" and reply.get("content"):
        return {**reply, "content": f"{reply['content']} {LONE_SURROGATE}"}
    if fault == "surrogate_tool_args" and reply.get("tool_calls"):
        # The character itself in the arguments text: the body carries it JSON-escaped, as \ud800.
        calls = [{**tc, "arguments": '{"thought": "odd ' + LONE_SURROGATE + ' text"}'} for tc in reply["tool_calls"]]
        return {**reply, "tool_calls": calls}
    if fault == "oversize":
        return {"content": "x" * OVERSIZE_BYTES}
    return reply


class MockModelServer:
    def __init__(
        self,
        latency_s: float = 0.0,
        faults: FaultPlan | None = None,
        port: int = 0,
        authorization: str | None = None,
        strict: bool = False,
    ) -> None:
        self.latency_s = latency_s
        self.strict = strict  # refuse what the stricter real servers refuse (see the module docstring)
        self.faults = faults or FaultPlan()
        self.port = port
        self.authorization = authorization  # the Authorization header every request must carry, if set
        self.stats = Stats()
        self._runner: web.AppRunner | None = None

    @property
    def faults(self) -> FaultPlan:
        return self._faults

    @faults.setter
    def faults(self, plan: FaultPlan) -> None:
        self._faults = plan
        self._rng = random.Random(plan.seed)  # a new plan replays the same faults for the same seed

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _pick_fault(self) -> str | None:
        if self.faults.rate and self._rng.random() < self.faults.rate:
            return self._rng.choice(self.faults.kinds)
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        if self.stats.first_request_at is None:
            self.stats.first_request_at = time.time()  # before reading the body: when the client reached us
        body = await request.json()
        self.stats.requests += 1
        counter = self.stats.requests
        self.stats.in_flight += 1
        self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        try:
            if self.latency_s:
                # The latency runs from the request's arrival: reading it is part of the provider's time.
                await asyncio.sleep(max(0.0, self.latency_s - (time.monotonic() - arrived)))
            sent = request.headers.get("Authorization")
            if self.authorization is not None and sent != self.authorization:
                self.stats.unauthorized += 1
                return web.json_response(
                    {"error": {"message": f"Incorrect API key provided: {sent}", "type": "invalid_request_error"}},
                    status=401,
                )
            model = str(body.get("model", ""))
            messages = body.get("messages") or []
            tools = body.get("tools") or []
            if self.strict:
                problem = strict_problem(body)
                if problem is not None:
                    kind, status, message = problem
                    self.stats.rejected[kind] = self.stats.rejected.get(kind, 0) + 1
                    error_type = "server_error" if status >= 500 else "invalid_request_error"
                    return web.json_response(
                        {"error": {"code": status, "message": message, "type": error_type}}, status=status
                    )
                if tools and body.get("tool_choice") is None:
                    self.stats.tools_ignored += 1
                    tools = []  # as llama-cpp-python's server does: no tool_choice, no tools
            fault = self._pick_fault()
            if fault:
                self.stats.faults[fault] = self.stats.faults.get(fault, 0) + 1
            if fault == "rate_limit":
                return web.json_response(
                    {"error": {"message": "rate limited (mock)", "type": "rate_limit_error"}},
                    status=429,
                    headers={"Retry-After": str(self.faults.retry_after_s)},
                )
            if fault in ("server_error", "unavailable"):
                status = 500 if fault == "server_error" else 503
                return web.json_response(
                    {"error": {"message": f"{fault} (mock)", "type": "server_error"}}, status=status
                )
            if fault == "hang":  # never answer, until the server stops
                await self._stopping.wait()
                raise web.HTTPServiceUnavailable()
            system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
            # The customer side: a model named "...user..." or frontdesk's simulated-customer prompt,
            # so benchmarks can use real model names (priced, known to litellm) for both sides.
            is_user = "user" in model or "playing a customer" in str(system)
            reply = user_reply(messages) if is_user else agent_reply(messages, tools)
            if fault == "empty":
                reply = {"content": ""}
            if fault == "bad_tool_json" and not is_user:
                reply = {"tool_calls": [{"name": "think", "arguments": '{"thought": "unterminated'}]}
            if fault in HOSTILE_FAULTS and not is_user:
                if fault == "not_json":
                    return web.Response(body=b"<html><body>I am not JSON</body></html>", content_type="text/html")
                if fault == "no_choices":
                    return web.json_response({**completion_body(model, reply, counter), "choices": []})
                reply = hostile_reply(fault, reply)
            payload = json.dumps(completion_body(model, reply, counter)).encode()
            if fault == "truncated":
                response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
                response.content_length = len(payload)
                await response.prepare(request)
                await response.write(payload[: len(payload) // 2])
                request.transport.close()  # cut the body short, as a dropped connection would
                return response
            return web.Response(body=payload, content_type="application/json")
        finally:
            self.stats.in_flight -= 1

    async def _stats(self, request: web.Request) -> web.Response:
        """Requests served, faults injected and the most requests ever in flight at once."""
        return web.json_response(self.stats.__dict__)

    async def _reset(self, request: web.Request) -> web.Response:
        """Start counting afresh (requests in flight stay counted as in flight); the fault plan restarts too."""
        in_flight = self.stats.in_flight
        self.stats = Stats(in_flight=in_flight)
        self.faults = self.faults
        return web.json_response(self.stats.__dict__)

    async def start(self) -> str:
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_post("/chat/completions", self._handle)
        app.router.add_get("/stats", self._stats)
        app.router.add_post("/stats/reset", self._reset)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, backlog=4096)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.api_base

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--faults", default=",".join(TRANSIENT_FAULTS), help=f"any of {','.join(ALL_FAULTS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--authorization", default=None, help="demand this exact Authorization header")
    parser.add_argument("--strict", action="store_true", help="refuse what the stricter real servers refuse")
    args = parser.parse_args()
    kinds = tuple(k for k in args.faults.split(",") if k)
    unknown = set(kinds) - set(ALL_FAULTS)
    if unknown:
        parser.error(f"unknown fault kind(s): {', '.join(sorted(unknown))}")
    server = MockModelServer(
        args.latency, FaultPlan(args.fault_rate, kinds, args.seed), args.port, args.authorization, args.strict
    )

    async def serve() -> None:
        print(f"mock model server at {await server.start()}", flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
