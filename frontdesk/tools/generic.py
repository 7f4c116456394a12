"""Tools every domain can offer its agent: arithmetic, a scratchpad, and the hand-over to a human.

They touch no record, so one implementation serves all domains: `AGENT_GENERIC_TOOLS` goes at the
end of a domain's tool list. The transfer tool's name is the Domain's default `transfer_tool`.
"""

from __future__ import annotations

import ast
import operator
from decimal import ROUND_HALF_UP, Decimal, DecimalException, DivisionByZero, DivisionUndefined
from typing import Any

from frontdesk.tools.tool import ToolError, tool

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
CENT = Decimal("0.01")
MAX_EXPRESSION_LENGTH = 1000  # characters: a receipt's sum, not a program
# Results are money: a quadrillion is beyond any order, and keeps rounding to cents exact
# (Decimal's 28 digits of precision hold 15 + 2).
MAX_RESULT = Decimal(10) ** 15
_ALLOWED = "use numbers, + - * / and parentheses"


def evaluate_arithmetic(expression: str) -> Decimal:
    """Numbers, + - * / and parentheses only; Decimal, so 0.1 + 0.2 is exactly 0.3, as on a receipt.

    Every failure is a ToolError saying what was wrong and what is allowed: an expression longer
    than MAX_EXPRESSION_LENGTH or nested too deeply, a number that overflows to infinity (``1e309``),
    division by zero, or a result that is not finite or exceeds MAX_RESULT in absolute value.
    """
    text = expression.strip()
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ToolError(
            f"the expression is {len(text):,} characters long; at most {MAX_EXPRESSION_LENGTH:,} are allowed"
        )
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # MemoryError and RecursionError: the parser's own limits on nesting, hit by e.g. "------…1".
        raise ToolError(f"cannot parse {expression!r} as arithmetic; {_ALLOWED}") from None

    def value(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            literal = ast.get_source_segment(text, node) or str(node.value)
            try:
                # The digits as written: a float would drop cents of 17-digit amounts and read 1e309 as infinity.
                number = Decimal(literal)
            except DecimalException:  # 0x10 and other literals Decimal does not read
                number = Decimal(str(node.value))
            if not number.is_finite():
                raise ToolError(f"the number {literal} is too large; {_too_large_hint()}")
            return number
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](value(node.operand))
        raise ToolError("only numbers, + - * / and parentheses are allowed")

    try:
        result = value(tree.body)
    except (ZeroDivisionError, DivisionByZero):
        raise ToolError("division by zero") from None
    except RecursionError:
        raise ToolError(f"the expression is nested too deeply; {_ALLOWED}, with fewer levels") from None
    except DecimalException as e:  # 0/0 (C decimal raises it as InvalidOperation), or an overflow
        signals = e.args[0] if e.args and isinstance(e.args[0], list) else []
        if DivisionUndefined in signals:
            raise ToolError("division by zero") from None
        raise ToolError(f"the result is not a finite number; {_too_large_hint()}") from None
    try:
        too_large = not result.is_finite() or abs(result) > MAX_RESULT
        shown = f"{result.normalize():E}" if too_large else ""
    except DecimalException:  # even abs() overflows past Decimal's exponent range
        raise ToolError(f"the result is not a finite number; {_too_large_hint()}") from None
    if too_large:
        raise ToolError(f"the result {shown} is too large; {_too_large_hint()}")
    return result


def _too_large_hint() -> str:
    return f"numbers and results must be finite and at most {MAX_RESULT:,.0f} in absolute value"


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
