"""A reference remote agent: an A2A server that runs a litellm model on the MCP tools it is handed.

    python -m examples.a2a_agent.server --model openai/gpt-4o-mini --port 9000
    frontdesk run --domain mock --agent a2a:http://127.0.0.1:9000 --user openai/gpt-4o-mini

frontdesk opens one A2A context per trial; its first message carries, in metadata under
``frontdesk.mcp``, the URL and headers of an MCP endpoint bound to that trial's environment. This
agent keeps one MCP session and one chat history per context: it reads the policy (the MCP prompt
``policy``) and the tools once, then answers every customer message with tool calls and a reply.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import OrderedDict
from typing import Any

import uvicorn
from a2a.helpers import new_text_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore
from a2a.types import AgentCapabilities, AgentCard, AgentInterface, AgentSkill
from google.protobuf import json_format
from starlette.applications import Starlette

MCP_KEY = "frontdesk.mcp"  # where frontdesk puts the trial's MCP endpoint in the first message's metadata
MAX_STEPS = 12  # model calls per customer message
MAX_CONVERSATIONS = 1024  # contexts kept; the oldest one's MCP session is closed


class McpTools:
    """An MCP session to a trial's endpoint, owned by one task so it outlives any one A2A request."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url, self.headers = url, headers
        self.session: Any = None
        self._ready, self._done = asyncio.Event(), asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> McpTools:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait({self._task, asyncio.create_task(self._ready.wait())}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            self._task.result()  # raises why the session did not open
        return self

    async def _run(self) -> None:
        import httpx2
        from mcp import ClientSession
        from mcp.client.streamable_http import streamable_http_client

        async with (
            httpx2.AsyncClient(headers=self.headers, timeout=httpx2.Timeout(30, read=300)) as http,
            streamable_http_client(self.url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            self.session = session
            self._ready.set()
            await self._done.wait()

    async def call(self, name: str, arguments: dict[str, Any]) -> str:
        result = await self.session.call_tool(name, arguments)
        return "\n".join(getattr(block, "text", "") for block in result.content)

    async def close(self) -> None:
        self._done.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


async def open_tools(context: RequestContext) -> McpTools:
    """The MCP endpoint frontdesk handed over in this context's first message."""
    metadata = json_format.MessageToDict(context.message.metadata) if context.message else {}
    endpoint = metadata.get(MCP_KEY)
    if not endpoint:
        raise ValueError(f"the first message of a context must carry metadata {MCP_KEY!r}")
    return await McpTools(endpoint["url"], endpoint.get("headers", {})).start()


class Conversations(AgentExecutor):
    """One conversation per A2A context; ``start`` opens it from the first message, ``turn`` answers."""

    delay_s = 0.0  # thinking time before each reply (tests and benchmarks slow an agent down with it)

    def __init__(self) -> None:
        self.open: OrderedDict[str, Any] = OrderedDict()

    async def start(self, context: RequestContext) -> Any:
        raise NotImplementedError

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        conversation = self.open.get(context.context_id)
        if conversation is None:
            conversation = self.open[context.context_id] = await self.start(context)
            while len(self.open) > MAX_CONVERSATIONS:
                await self.open.popitem(last=False)[1].tools.close()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        try:
            reply = await conversation.turn(context.get_user_input())
        except Exception as e:  # e.g. the trial ended while a tool call was out: say so, do not crash
            self.open.pop(context.context_id, None)
            await conversation.tools.close()
            reply = f"Sorry, something went wrong on my side ({type(e).__name__})."
        await event_queue.enqueue_event(new_text_message(reply, context_id=context.context_id))

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        conversation = self.open.pop(context.context_id, None)
        if conversation is not None:
            await conversation.tools.close()


class ModelConversation:
    """A litellm model with the trial's tools: tool calls until it has something to say."""

    def __init__(self, model: str, tools: McpTools, policy: str, schemas: list[dict[str, Any]]) -> None:
        self.model, self.tools, self.schemas = model, tools, schemas
        self.messages: list[dict[str, Any]] = [{"role": "system", "content": policy}]

    async def turn(self, text: str) -> str:
        import litellm

        self.messages.append({"role": "user", "content": text})
        for _ in range(MAX_STEPS):
            response = await litellm.acompletion(
                model=self.model, messages=self.messages, tools=self.schemas, temperature=0
            )
            message = response.choices[0].message
            calls = message.tool_calls or []
            self.messages.append(
                {
                    "role": "assistant",
                    "content": message.content,
                    **({"tool_calls": [c.model_dump() for c in calls]} if calls else {}),
                }
            )
            if not calls:
                return message.content or "(no reply)"
            for call in calls:
                try:
                    arguments = json.loads(call.function.arguments or "{}")
                except json.JSONDecodeError:
                    arguments = {"unreadable_arguments": call.function.arguments}
                result = await self.tools.call(call.function.name, arguments)
                self.messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        return "I'm sorry, I could not finish that. Is there anything else I can help you with?"


class ModelAgent(Conversations):
    def __init__(self, model: str) -> None:
        super().__init__()
        self.model = model

    async def start(self, context: RequestContext) -> ModelConversation:
        tools = await open_tools(context)
        policy = (await tools.session.get_prompt("policy")).messages[0].content.text
        listed = (await tools.session.list_tools()).tools
        schemas = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
            }
            for t in listed
        ]
        return ModelConversation(self.model, tools, policy, schemas)


def build_app(executor: AgentExecutor, name: str, url: str) -> Starlette:
    """The A2A JSON-RPC app (agent card at /.well-known/agent-card.json) around ``executor``."""
    card = AgentCard(
        name=name,
        description="A customer-service agent that works through the MCP tools it is handed.",
        version="1.0.0",
        supported_interfaces=[AgentInterface(url=url, protocol_binding="JSONRPC", protocol_version="1.0")],
        capabilities=AgentCapabilities(streaming=False),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="support", name="customer support", description="Helps customers.", tags=["support"])],
    )
    handler = DefaultRequestHandler(agent_executor=executor, task_store=InMemoryTaskStore(), agent_card=card)
    return Starlette(routes=[*create_agent_card_routes(card), *create_jsonrpc_routes(handler, "/")])


def serve(executor: AgentExecutor, name: str, host: str, port: int) -> None:
    """Serve on HOST:PORT (0: any free port); prints ``listening on URL`` once it accepts requests."""
    import socket

    sock = socket.create_server((host, port))
    url = f"http://{host}:{sock.getsockname()[1]}"
    app = build_app(executor, name, url)
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=2)
    print(f"listening on {url}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="any litellm model string, e.g. openai/gpt-4o-mini")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    serve(ModelAgent(args.model), f"litellm {args.model}", args.host, args.port)


if __name__ == "__main__":
    main()
