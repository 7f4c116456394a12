"""JSON Schema for a tool's parameters, generated from its signature and docstring."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, get_type_hints

from pydantic import TypeAdapter

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_ARG_LINE = re.compile(r"^\s*(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")


class ToolDefinitionError(TypeError):
    """A function cannot become a tool (missing type hint, undocumented argument, …)."""


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into (summary, {arg name: description})."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    args: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    arg_indent: int | None = None
    for line in lines:
        header = _SECTION.match(line)
        if header:
            section, current, arg_indent = header.group(1), None, None
            continue
        if section is None:
            summary.append(line)
            continue
        if section not in ("Args", "Arguments", "Parameters") or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        match = _ARG_LINE.match(line)
        if match and (arg_indent is None or indent <= arg_indent):
            arg_indent = indent
            current = match.group(1).lstrip("*")
            args[current] = match.group(3).strip()
        elif current is not None:  # continuation line of the previous argument
            args[current] = f"{args[current]} {line.strip()}".strip()
    return " ".join(" ".join(summary).split()), args


def _strip_titles(node: Any) -> Any:
    """Pydantic adds a "title" to every node; models do not need it and it costs tokens."""
    if isinstance(node, dict):
        return {k: _strip_titles(v) for k, v in node.items() if k != "title" or not isinstance(v, str)}
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node


def parameters_schema(fn: Callable[..., Any], *, skip_first: bool) -> tuple[str, dict[str, Any]]:
    """Return (description, parameters schema) for ``fn``.

    ``skip_first`` drops the leading parameter (the database a Toolkit binds).
    Every remaining parameter needs a type hint and an ``Args:`` entry: an undocumented
    argument is a tool a model cannot use well, so it is refused at definition time.
    """
    name = fn.__name__
    description, arg_docs = parse_docstring(fn.__doc__)
    if not description:
        raise ToolDefinitionError(f"tool {name!r}: add a docstring whose first line says what the tool does")
    hints = get_type_hints(fn, include_extras=True)
    params = list(inspect.signature(fn).parameters.values())
    if skip_first:
        if not params:
            raise ToolDefinitionError(f"tool {name!r}: the first parameter must be the database (e.g. `db: MyDB`)")
        params = params[1:]
    properties: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise ToolDefinitionError(f"tool {name!r}: *args/**kwargs are not allowed; name every argument")
        if p.name not in hints:
            raise ToolDefinitionError(f"tool {name!r}: argument {p.name!r} needs a type hint")
        if p.name not in arg_docs:
            raise ToolDefinitionError(
                f"tool {name!r}: argument {p.name!r} is not described in the docstring's 'Args:' section"
            )
        schema = TypeAdapter(hints[p.name]).json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        schema = _strip_titles(schema)
        schema["description"] = arg_docs[p.name]
        if p.default is inspect.Parameter.empty:
            required.append(p.name)
        else:
            schema["default"] = p.default
        properties[p.name] = schema
    unknown_docs = set(arg_docs) - {p.name for p in params}
    if unknown_docs:
        raise ToolDefinitionError(f"tool {name!r}: docstring documents unknown arguments {sorted(unknown_docs)}")
    result: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if defs:
        result["$defs"] = _strip_titles(defs)
    return description, result
