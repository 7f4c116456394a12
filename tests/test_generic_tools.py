"""calculate: every failure, including overflow and infinity, is a ToolError the agent can act on."""

from __future__ import annotations

import pytest

from frontdesk.tools import ToolCall, ToolErrorKind, Toolkit
from frontdesk.tools.generic import AGENT_GENERIC_TOOLS, MAX_EXPRESSION_LENGTH

LIMIT = "numbers and results must be finite and at most 1,000,000,000,000,000 in absolute value"


def calculate(expression: str):
    kit = Toolkit(AGENT_GENERIC_TOOLS, db={})
    return kit.call(ToolCall(id="c", name="calculate", arguments={"expression": expression}))


@pytest.mark.parametrize(
    ("expression", "what"),
    [
        ("1e309", "the result 1E+309 is too large"),  # as a float, infinity
        ("-1e309 + 5", "the result -1E+309 is too large"),
        ("1e999999999", "the result is not a finite number"),  # past Decimal's own exponent range
        ("1e308 * 10", "the result 1E+309 is too large"),
        ("1e300 * 1e300", "the result 1E+600 is too large"),
        ("999999999999999 + 2", "the result 1.000000000000001E+15 is too large"),
        ("-1e16", "the result -1E+16 is too large"),
    ],
)
def test_overflowing_results_are_a_rule_error_saying_what_is_allowed(expression, what):
    result = calculate(expression)
    assert result.error is ToolErrorKind.RULE, result.content
    assert what in result.content and LIMIT in result.content


@pytest.mark.parametrize("expression", ["0/0", "0.0 / 0", "5 / (2 - 2)"])
def test_undefined_division_is_division_by_zero(expression):
    result = calculate(expression)
    assert result.error is ToolErrorKind.RULE and "division by zero" in result.content


def test_numbers_are_read_as_written_not_as_floats():
    assert calculate("0.1 + 0.2").content == "0.30"
    assert calculate("99999999999999.99 + 0.01").content == "100000000000000.00"


def test_results_at_the_limit_are_fine():
    assert calculate("1e15").content == "1000000000000000.00"
    assert calculate("-999999999999999.99 + 0").content == "-999999999999999.99"
    assert calculate("1e-400").content == "0.00"


@pytest.mark.parametrize(
    ("expression", "what"),
    [
        ("1+" * (MAX_EXPRESSION_LENGTH // 2) + "1", "at most 1,000 are allowed"),
        ("9" * 5000, "at most 1,000 are allowed"),
        ("(" * 300 + "1" + ")" * 300, "cannot parse"),  # the parser's own nesting limit
        ("-" * 999 + "1", "nested too deeply"),
    ],
)
def test_huge_or_deeply_nested_expressions_are_refused_not_crashed_on(expression, what):
    result = calculate(expression)
    assert result.error is ToolErrorKind.RULE, result.content
    assert what in result.content
