"""Tools every domain can offer its agent: arithmetic, a scratchpad, and the hand-over to a human.

They touch no record, so one implementation serves all domains: `AGENT_GENERIC_TOOLS` goes at the
end of a domain's tool list. The transfer tool's name is the Domain's default `transfer_tool`.
"""

from __future__ import annotations

import ast
import operator
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from typing import Any

from frontdesk.tools.tool import ToolError, tool

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
CENT = Decimal("0.01")


def evaluate_arithmetic(expression: str) -> Decimal:
    """Numbers, + - * / and parentheses only; Decimal, so 0.1 + 0.2 is exactly 0.3, as on a receipt."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ToolError(f"cannot parse {expression!r} as arithmetic; use numbers, + - * / and parentheses") from None

    def value(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return Decimal(str(node.value))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](value(node.operand))
        raise ToolError("only numbers, + - * / and parentheses are allowed")

    try:
        return value(tree.body)
    except (ZeroDivisionError, DivisionByZero, InvalidOperation):
        raise ToolError("division by zero") from None


@tool(kind="generic")
def calculate(db: Any, expression: str) -> str:
    """Evaluate an arithmetic expression and round the result to cents, e.g. "49.99 + 12.5 - 3".

    Args:
        expression: Numbers with + - * / and parentheses.
    """
    return f"{evaluate_arithmetic(expression).quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


@tool(kind="think")
def think(db: Any, thought: str) -> str:
    """Write down a thought to reason about the next step. Changes nothing.

    Args:
        thought: The reasoning to record.
    """
    return "Noted."


@tool(kind="generic")
def transfer_to_human_agents(db: Any, summary: str) -> str:
    """Hand the customer over to a human agent; this ends the conversation. Use only when the policy says so.

    Args:
        summary: A short summary of the customer's issue and what was already done, for the human agent.
    """
    return "Transfer successful. A human agent will continue this conversation."


AGENT_GENERIC_TOOLS = [calculate, think, transfer_to_human_agents]
