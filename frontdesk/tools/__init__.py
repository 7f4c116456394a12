"""Tool API: ``@tool`` functions, their schemas and validation, and Toolkits bound to a DB."""

from frontdesk.tools.arguments import (
    MAX_ARGUMENT_BYTES,
    MAX_ARGUMENT_DEPTH,
    ArgumentError,
    arguments_text,
    parse_arguments,
    parse_leading_object,
)
from frontdesk.tools.generic import AGENT_GENERIC_TOOLS, evaluate_arithmetic
from frontdesk.tools.memory import MEMORY_TOOLS, Memory, Note, memory_tools
from frontdesk.tools.schema import ToolDefinitionError, parse_docstring
from frontdesk.tools.tool import Tool, ToolCall, ToolError, ToolErrorKind, ToolKind, ToolResult, tool, write_tool_names
from frontdesk.tools.toolkit import Toolkit

__all__ = [
    "AGENT_GENERIC_TOOLS",
    "MAX_ARGUMENT_BYTES",
    "MAX_ARGUMENT_DEPTH",
    "MEMORY_TOOLS",
    "Memory",
    "Note",
    "ArgumentError",
    "Tool",
    "ToolCall",
    "ToolDefinitionError",
    "ToolError",
    "ToolErrorKind",
    "ToolKind",
    "ToolResult",
    "Toolkit",
    "arguments_text",
    "evaluate_arithmetic",
    "memory_tools",
    "parse_arguments",
    "parse_docstring",
    "parse_leading_object",
    "tool",
    "write_tool_names",
]
