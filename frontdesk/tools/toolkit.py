"""A Toolkit: tools bound to one database. ``call`` turns any ToolCall into a ToolResult."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from typing import Any

from jsonschema.exceptions import ValidationError
from pydantic import BaseModel

from frontdesk.tools.arguments import ArgumentError, parse_arguments
from frontdesk.tools.tool import Tool, ToolCall, ToolError, ToolErrorKind, ToolKind, ToolResult

_ARGUMENT_ERRORS = {
    "malformed": ToolErrorKind.BAD_JSON,
    "not_an_object": ToolErrorKind.INVALID_ARGUMENTS,
    "limit": ToolErrorKind.ARGUMENT_LIMIT,
}


def _describe(error: ValidationError, tool_name: str, schema: dict[str, Any]) -> str:
    """One sentence a model can act on, naming the argument and what was expected."""
    where = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required argument '{missing}'"
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(schema.get("properties", {}))) or "none"
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        return f"unexpected argument(s) {', '.join(map(repr, extra))}; allowed arguments: {allowed}"
    if error.validator == "enum":
        allowed = ", ".join(json.dumps(v) for v in error.validator_value)
        return f"argument '{where}' is {json.dumps(error.instance)}, which is not one of: {allowed}"
    if error.validator == "type":
        return (
            f"argument '{where}' must be of type {error.validator_value}, "
            f"got {type(error.instance).__name__} {json.dumps(error.instance, default=str)}"
        )
    return f"argument '{where or tool_name}': {error.message}"


def to_content(value: Any) -> str:
    """Serialise a tool's return value for the model: JSON for data, text as is."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    return json.dumps(value, ensure_ascii=False, default=str)


class Toolkit:
    """Tools bound to one database. Nothing a caller sends can raise out of :meth:`call`."""

    def __init__(
        self,
        tools: Iterable[Tool],
        db: Any,
        snapshot: Callable[[Any], Any] | None = None,
        restore: Callable[[Any, Any], None] | None = None,
    ) -> None:
        """``snapshot``/``restore`` make a failed write leave no trace; by default a deep copy."""
        self.tools: dict[str, Tool] = {}
        for t in tools:
            if t.name in self.tools:
                raise ValueError(f"two tools are named {t.name!r}")
            self.tools[t.name] = t
        self.db = db
        self._snapshot = snapshot or _snapshot
        self._restore = restore or _restore

    def schemas(self) -> list[dict[str, Any]]:
        return [t.openai_schema() for t in self.tools.values()]

    def kind(self, name: str) -> ToolKind | None:
        t = self.tools.get(name)
        return t.kind if t else None

    def call(self, call: ToolCall) -> ToolResult:
        def fail(kind: ToolErrorKind, message: str) -> ToolResult:
            return ToolResult(call_id=call.id, name=call.name, content=f"Error: {message}", error=kind)

        t = self.tools.get(call.name)
        if t is None:
            known = ", ".join(sorted(self.tools)) or "none"
            return fail(ToolErrorKind.UNKNOWN_TOOL, f"unknown tool {call.name!r}. Available tools: {known}")
        try:
            args = parse_arguments(call.arguments)
        except ArgumentError as e:
            return fail(_ARGUMENT_ERRORS[e.reason], f"arguments for {call.name!r} {e.problem}")
        errors = sorted(t.validator.iter_errors(args), key=lambda e: (list(e.absolute_path), e.message))
        if errors:
            detail = "; ".join(_describe(e, t.name, t.parameters) for e in errors)
            return fail(ToolErrorKind.INVALID_ARGUMENTS, f"invalid arguments for {call.name!r}: {detail}")
        # A write that fails half-way must leave nothing behind: snapshot, restore on error.
        snapshot = self._snapshot(self.db) if t.kind is ToolKind.WRITE else None
        try:
            content = to_content(t.fn(self.db, **args))
        except ToolError as e:
            self._rollback(snapshot)
            return fail(ToolErrorKind.RULE, str(e))
        except Exception as e:  # a bug in the domain's tool (or its result), not the caller's fault
            self._rollback(snapshot)
            return fail(ToolErrorKind.CRASH, f"tool {call.name!r} failed internally ({type(e).__name__}: {e})")
        return ToolResult(call_id=call.id, name=call.name, content=content)

    def _rollback(self, snapshot: Any) -> None:
        if snapshot is not None:
            self._restore(self.db, snapshot)


def _snapshot(db: Any) -> Any:
    if isinstance(db, BaseModel):
        return db.model_copy(deep=True)
    return copy.deepcopy(db)


def _restore(db: Any, snapshot: Any) -> None:
    if isinstance(db, BaseModel):
        for name in type(db).model_fields:
            setattr(db, name, getattr(snapshot, name))
    elif isinstance(db, dict):
        db.clear()
        db.update(snapshot)
    else:
        db.__dict__.update(snapshot.__dict__)
