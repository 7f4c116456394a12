"""The airline agent's tools: look-ups, writes, and the generic calculate / think / transfer."""

from __future__ import annotations

import ast
import operator

from frontdesk.envs.airline.db import AirlineDB
from frontdesk.envs.airline.read_tools import (
    get_flight_status,
    get_reservation_details,
    get_user_details,
    list_airports,
    search_direct_flights,
    search_onestop_flights,
)
from frontdesk.envs.airline.write_tools import (
    book_reservation,
    cancel_reservation,
    send_compensation_certificate,
    update_reservation_baggages,
    update_reservation_cabin,
    update_reservation_flights,
    update_reservation_passengers,
)
from frontdesk.tools import ToolError, tool

_ARITHMETIC = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def _value(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        return _ARITHMETIC[type(node.op)](_value(node.left), _value(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _ARITHMETIC:
        return _ARITHMETIC[type(node.op)](_value(node.operand))
    raise ToolError("only numbers, + - * / and parentheses are allowed")


@tool(kind="generic")
def calculate(db: AirlineDB, expression: str) -> str:
    """Evaluate an arithmetic expression and round it to cents, e.g. "2 * (187 + 204) + 30".

    Args:
        expression: Numbers with + - * / and parentheses.
    """
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ToolError(f"cannot parse {expression!r} as arithmetic") from None
    try:
        return f"{_value(tree.body):.2f}"
    except ZeroDivisionError:
        raise ToolError("division by zero") from None


@tool(kind="think")
def think(db: AirlineDB, thought: str) -> str:
    """Write down a thought to reason about the next step. Changes nothing.

    Args:
        thought: The reasoning to record.
    """
    return "Noted."


@tool(kind="generic")
def transfer_to_human_agents(db: AirlineDB, summary: str) -> str:
    """Hand the customer to a human agent. Only when the policy says so; it ends the conversation.

    Args:
        summary: A short summary of the customer's issue for the human agent.
    """
    return "Transfer successful. A human agent will continue this conversation."


AGENT_TOOLS = [
    get_user_details,
    get_reservation_details,
    list_airports,
    search_direct_flights,
    search_onestop_flights,
    get_flight_status,
    book_reservation,
    cancel_reservation,
    update_reservation_flights,
    update_reservation_cabin,
    update_reservation_passengers,
    update_reservation_baggages,
    send_compensation_certificate,
    calculate,
    think,
    transfer_to_human_agents,
]
