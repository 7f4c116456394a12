"""Tools that touch no record: arithmetic, a scratchpad, and the hand-over to a human."""

from __future__ import annotations

import ast
import operator
from decimal import Decimal, DivisionByZero, InvalidOperation

from frontdesk.envs.retail.db import RetailDB
from frontdesk.envs.retail.money import money
from frontdesk.tools import ToolError, tool

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def _evaluate(node: ast.AST) -> Decimal:
    # Decimal arithmetic: 0.1 + 0.2 is exactly 0.3, as it is on a receipt.
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Decimal(str(node.value))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    raise ToolError("only numbers, + - * / and parentheses are allowed")


@tool(kind="generic")
def calculate(db: RetailDB, expression: str) -> str:
    """Evaluate an arithmetic expression and round the result to cents, e.g. "49.99 + 12.5 - 3".

    Args:
        expression: Numbers with + - * / and parentheses.
    """
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ToolError(f"cannot parse {expression!r} as arithmetic; use numbers, + - * / and parentheses") from None
    try:
        value = _evaluate(tree.body)
    except (ZeroDivisionError, DivisionByZero, InvalidOperation):
        raise ToolError("division by zero") from None
    return f"{money(value):.2f}"


@tool(kind="think")
def think(db: RetailDB, thought: str) -> str:
    """Write down a thought to reason about the next step. Changes nothing.

    Args:
        thought: The reasoning to record.
    """
    return "Noted."


@tool(kind="generic")
def transfer_to_human_agents(db: RetailDB, summary: str) -> str:
    """Hand the customer over to a human agent; this ends the conversation. Use only when the policy says so.

    Args:
        summary: A short summary of the customer's issue and what was already done, for the human agent.
    """
    return "Transfer successful. A human agent will continue this conversation."


GENERIC_TOOLS = [calculate, think, transfer_to_human_agents]
