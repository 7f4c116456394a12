"""The ``@tool`` decorator and the data that crosses the tool boundary."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field, field_serializer

from frontdesk.tools.arguments import ArgumentError, arguments_text, parse_arguments
from frontdesk.tools.schema import ToolDefinitionError, parameters_schema


class ToolKind(str, Enum):
    """What a tool does to the world. Only ``WRITE`` tools may change state."""

    READ = "read"
    WRITE = "write"
    THINK = "think"
    GENERIC = "generic"
    MEMORY = "memory"  # notes kept across the customers of a sequential queue; never the domain's state


class ToolError(Exception):
    """Raised by a tool when a domain rule forbids the call.

    The message goes back to the model verbatim, so say what was wrong and what is allowed.
    """


class ToolCall(BaseModel):
    """A request to run a tool. ``arguments`` is kept exactly as the model sent it."""

    id: str
    name: str
    arguments: str | dict[str, Any] = Field(default_factory=dict)
    requestor: str = "agent"  # "agent" or "user": who asked for it (dual-control domains)

    def arguments_text(self) -> str:
        return arguments_text(self.arguments)

    def _storable_arguments(self) -> str | dict[str, Any]:
        """A dict past the argument limits is stored as its note: writing it would recurse."""
        if isinstance(self.arguments, dict):
            try:
                parse_arguments(self.arguments)
            except ArgumentError:
                return arguments_text(self.arguments)
        return self.arguments

    @field_serializer("arguments")
    def _serialise_arguments(self, _: Any) -> str | dict[str, Any]:
        return self._storable_arguments()

    def __getstate__(self) -> dict[Any, Any]:
        # Results cross processes pickled, and pickle recurses too.
        state = super().__getstate__()
        state["__dict__"] = {**state["__dict__"], "arguments": self._storable_arguments()}
        return state


class ToolErrorKind(str, Enum):
    UNKNOWN_TOOL = "unknown_tool"
    BAD_JSON = "bad_json"
    INVALID_ARGUMENTS = "invalid_arguments"
    ARGUMENT_LIMIT = "argument_limit"  # nested too deep or too large: refused before anything walks them
    RULE = "rule"  # the tool raised ToolError: a domain rule refused the call
    CRASH = "crash"  # the tool itself raised something unexpected: a bug in the domain


class ToolResult(BaseModel):
    """What a tool call produced. A ToolCall always yields one; it never raises."""

    call_id: str
    name: str
    content: str
    error: ToolErrorKind | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Tool:
    """A typed function with an OpenAI function schema and a kind."""

    name: str
    description: str
    kind: ToolKind
    parameters: dict[str, Any]
    fn: Callable[..., Any] = field(repr=False)
    validator: Draft202012Validator = field(repr=False, compare=False)

    def openai_schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Calling the tool directly runs the plain function; handy in domain tests.
        return self.fn(*args, **kwargs)


def write_tool_names(tools: Iterable[Tool]) -> set[str]:
    """The names of the tools that may change state."""
    return {t.name for t in tools if t.kind is ToolKind.WRITE}


def tool(fn: Callable[..., Any] | None = None, *, kind: ToolKind | str, name: str | None = None) -> Any:
    """Turn ``def f(db, arg: T, ...) -> result`` with a Google-style docstring into a :class:`Tool`.

    The first parameter receives the database the Toolkit is bound to; every other parameter
    becomes a JSON Schema property described by the docstring's ``Args:`` entry.
    """

    def wrap(f: Callable[..., Any]) -> Tool:
        try:
            tool_kind = ToolKind(kind)
        except ValueError:
            allowed = ", ".join(k.value for k in ToolKind)
            raise ToolDefinitionError(f"tool {f.__name__!r}: kind {kind!r} is not one of {allowed}") from None
        description, parameters = parameters_schema(f, skip_first=True)
        Draft202012Validator.check_schema(parameters)
        return Tool(
            name=name or f.__name__,
            description=description,
            kind=tool_kind,
            parameters=parameters,
            fn=f,
            validator=Draft202012Validator(parameters),
        )

    return wrap(fn) if fn is not None else wrap
