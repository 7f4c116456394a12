"""Scripted remote agents for offline tests and benchmarks: frontdesk's oracle, from outside.

    python -m examples.a2a_agent.replay --domain mock --port 9001          # replays the gold actions
    python -m examples.a2a_agent.replay --domain mock --null --port 9002   # only talks

``replay`` is an external agent that knows the domain's tasks, as a test double may: it
recognises the task from the customer's first message and then acts like ``scripted/oracle``
(confirm each write, then do it), calling every tool through the trial's MCP endpoint. ``--null``
answers every message with an apology and calls nothing, like ``scripted/null``; ``--burst N``
(benchmarks) makes N lookups per turn.
"""

from __future__ import annotations

import argparse
from typing import Any

from a2a.server.agent_execution import RequestContext

from examples.a2a_agent.server import Conversations, McpTools, open_tools, serve
from frontdesk.agents import AgentContext, OracleAgent
from frontdesk.envs import Domain, get_domain
from frontdesk.tools import ToolErrorKind, ToolResult
from frontdesk.trajectory import Message, Role


class OracleConversation:
    """frontdesk's oracle on one side of an A2A context, its tool calls sent over MCP."""

    def __init__(self, oracle: OracleAgent, tools: McpTools) -> None:
        self.oracle, self.tools = oracle, tools
        self.trajectory: list[Message] = [Message(role=Role.AGENT, content=oracle.greeting)]

    async def turn(self, text: str) -> str:
        self.trajectory.append(Message(role=Role.USER, content=text))
        while True:
            turn = await self.oracle.respond(self.trajectory)
            self.trajectory.append(Message(role=Role.AGENT, content=turn.text, tool_calls=turn.tool_calls))
            if not turn.tool_calls:
                return turn.text or ""
            for call in turn.tool_calls:
                result = await self.tools.session.call_tool(call.name, dict(call.arguments))
                content = "\n".join(getattr(block, "text", "") for block in result.content)
                error = ToolErrorKind.RULE if result.is_error else None
                self.trajectory.append(
                    Message(
                        role=Role.TOOL,
                        tool_result=ToolResult(call_id=call.id, name=call.name, content=content, error=error),
                    )
                )


class ReplayAgent(Conversations):
    def __init__(self, domain: Domain) -> None:
        super().__init__()
        self.domain = domain
        self.by_opening = {
            t.user_scenario.opening_message or t.user_scenario.reason_for_contact: t for t in domain.tasks
        }

    async def start(self, context: RequestContext) -> OracleConversation:
        task = self.by_opening.get(context.get_user_input())
        if task is None:
            raise ValueError("no task of this domain opens with this message")
        tools = await open_tools(context)
        oracle = OracleAgent(
            AgentContext(
                policy=self.domain.policy,
                tools=[t.openai_schema() for t in self.domain.agent_tools],
                tool_kinds={t.name: t.kind for t in self.domain.agent_tools},
                seed=0,
                transfer_tool=self.domain.transfer_tool,
                task=task,
            )
        )
        return OracleConversation(oracle, tools)


class NullConversation:
    def __init__(self, tools: McpTools) -> None:
        self.tools = tools

    async def turn(self, text: str) -> str:
        return "I'm sorry, I can't help with that. Is there anything else I can help you with?"


class NullAgent(Conversations):
    async def start(self, context: RequestContext) -> Any:
        return NullConversation(await open_tools(context))


class BurstConversation:
    """For benchmarks: ``calls`` lookups through MCP, then a reply that invites a goodbye."""

    def __init__(self, tools: McpTools, calls: int) -> None:
        self.tools, self.calls = tools, calls

    async def turn(self, text: str) -> str:
        for _ in range(self.calls):
            result = await self.tools.session.call_tool("get_order_details", {"order_id": "#O5000"})
            assert not result.is_error, result
        return "I have looked at your order. Is there anything else I can help you with?"


class BurstAgent(Conversations):
    def __init__(self, calls: int) -> None:
        super().__init__()
        self.calls = calls

    async def start(self, context: RequestContext) -> Any:
        return BurstConversation(await open_tools(context), self.calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domain", default="mock")
    parser.add_argument("--null", action="store_true", help="only talk, never call a tool")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to think before each reply")
    parser.add_argument("--burst", type=int, default=None, help="benchmarks: make N tool calls per turn")
    args = parser.parse_args()
    if args.burst is not None:
        executor: Conversations = BurstAgent(args.burst)
    else:
        executor = NullAgent() if args.null else ReplayAgent(get_domain(args.domain))
    executor.delay_s = args.delay
    serve(executor, f"frontdesk {type(executor).__name__}", args.host, args.port)


if __name__ == "__main__":
    main()
