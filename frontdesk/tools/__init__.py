"""Tool API: ``@tool`` functions, their schemas and validation, and Toolkits bound to a DB."""

from frontdesk.tools.generic import AGENT_GENERIC_TOOLS, evaluate_arithmetic
from frontdesk.tools.schema import ToolDefinitionError, parse_docstring
from frontdesk.tools.tool import Tool, ToolCall, ToolError, ToolErrorKind, ToolKind, ToolResult, tool, write_tool_names
from frontdesk.tools.toolkit import Toolkit

__all__ = [
    "AGENT_GENERIC_TOOLS",
    "Tool",
    "ToolCall",
    "ToolDefinitionError",
    "ToolError",
    "ToolErrorKind",
    "ToolKind",
    "ToolResult",
    "Toolkit",
    "evaluate_arithmetic",
    "parse_docstring",
    "tool",
    "write_tool_names",
]
