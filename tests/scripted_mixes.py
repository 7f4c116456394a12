"""A test agent for runs that must pass some tasks and fail others (``--agent
py:scripted_mixes:refuses_well``; the tests folder is on the import path under pytest and in
``test_cli.ENV``). Plug-ins never see the task, so it works from the conversation like any agent."""

from __future__ import annotations

import json
import re

from frontdesk.agents import Agent, AgentContext
from frontdesk.tools import ToolCall
from frontdesk.trajectory import AssistantTurn, Role, Trajectory

CLOSING = "Is there anything else I can help you with?"


class RefusesWell(Agent):
    """A careful agent that never changes anything: it asks for the email, looks the customer and the
    order up, and refuses to touch an order that is no longer pending, saying why. On the mock shop it
    passes exactly the refusals of that kind and fails every task that needs a write or an answer."""

    def __init__(self, model: object, context: AgentContext) -> None:
        self.done: list[str] = []

    def _call(self, name: str, **arguments: str) -> AssistantTurn:
        self.done.append(name)
        return AssistantTurn(tool_calls=[ToolCall(id=f"r{len(self.done)}", name=name, arguments=arguments)])

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        said = " ".join(m.content or "" for m in trajectory if m.role is Role.USER)
        email = re.search(r"[\w.+-]+@[\w-]+\.\w+", said)
        order = re.search(r"#O\d+", said)
        if email is None:
            return AssistantTurn(text="Could you tell me the email on your account?")
        if "find_customer_by_email" not in self.done:
            return self._call("find_customer_by_email", email=email.group(0))
        if order is not None and "get_order_details" not in self.done:
            return self._call("get_order_details", order_id=order.group(0))
        last = trajectory[-1]
        if last.role is Role.TOOL and last.tool_result is not None and last.tool_result.name == "get_order_details":
            status = json.loads(last.tool_result.content).get("status") if last.tool_result.ok else None
            if status not in (None, "pending"):
                return AssistantTurn(text=f"Order {order.group(0)} has {status}, so it cannot be cancelled. {CLOSING}")
        return AssistantTurn(text=f"I'm sorry, I can't help with that. {CLOSING}")


def refuses_well(model: object, context: AgentContext) -> Agent:
    return RefusesWell(model, context)
