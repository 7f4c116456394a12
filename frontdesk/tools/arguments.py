"""Tool-call arguments: the one place they turn from what the model sent into a dict.

A model's arguments are hostile input. ``json.loads`` recurses once per nesting level, so a string
of 100,000 brackets raises RecursionError, and a parsed structure that deep breaks every later
walk (schema validation, hashing, serialising, the report). So limits are checked *before*
anything recursive sees the arguments: a string's size and nesting are measured without
recursion, a dict's with an explicit stack, and a violation is an :class:`ArgumentError` whose
message the agent reads, like any other mistake in a call.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from itertools import accumulate
from typing import Any, Literal

MAX_ARGUMENT_DEPTH = 64  # nesting levels; real tools need a handful
MAX_ARGUMENT_BYTES = 1_000_000  # UTF-8 bytes of the arguments as JSON text

Reason = Literal["malformed", "not_an_object", "limit"]

# A JSON string literal, unterminated ones too (its brackets are text, not nesting).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class ArgumentError(ValueError):
    """Why arguments cannot become a dict. ``problem`` completes "arguments …" for the model."""

    def __init__(self, reason: Reason, problem: str) -> None:
        super().__init__(f"arguments {problem}")
        self.reason = reason
        self.problem = problem


def _too_deep() -> ArgumentError:
    return ArgumentError(
        "limit",
        f"are nested deeper than the nesting limit of {MAX_ARGUMENT_DEPTH} levels; send a flatter JSON object",
    )


def _too_large(size: str) -> ArgumentError:
    return ArgumentError(
        "limit",
        f"are {size}, over the size limit of {MAX_ARGUMENT_BYTES:,} bytes; send only what the tool needs",
    )


def _text_depth(text: str) -> int:
    """How deeply ``text`` nests JSON arrays and objects, brackets inside strings not counted.

    Regexes and ``accumulate`` run in C, so a megabyte costs milliseconds and no recursion.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _check_text(text: str) -> None:
    if len(text) > MAX_ARGUMENT_BYTES:  # every character is at least one byte: no need to encode
        raise _too_large(f"{len(text):,} characters long")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_ARGUMENT_BYTES:
        raise _too_large(f"{size:,} bytes long")
    if _text_depth(text) > MAX_ARGUMENT_DEPTH:
        raise _too_deep()


def _check_value(value: Any) -> None:
    """Depth, size and text of already-parsed data, walked with a stack, never by recursion.

    Size is a lower bound of the JSON text (each node counts at least its own characters), so
    the walk stops after about MAX_ARGUMENT_BYTES steps, even on a cycle or shared sub-lists.
    """
    size = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list, tuple)):
            if depth > MAX_ARGUMENT_DEPTH:
                raise _too_deep()
            size += 2
            children = item.items() if isinstance(item, dict) else ((None, v) for v in item)
            for key, child in children:
                if key is not None:
                    size += _text_size(key) + 1
                stack.append((child, depth + 1))
        else:
            size += _text_size(item) if isinstance(item, str) else 1
        if size > MAX_ARGUMENT_BYTES:
            raise _too_large(f"more than {MAX_ARGUMENT_BYTES:,} bytes as JSON")


def _text_size(text: Any) -> int:
    if not isinstance(text, str):
        return 1
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # "\ud800" is valid JSON but no text: it would fail later, when a record or hash is written.
        raise ArgumentError("malformed", "contain a lone surrogate (an unpaired \\uD800–\\uDFFF escape)") from None
    return len(text) + 2


def _decode(text: str, prefix: bool) -> Any:
    _check_text(text)
    try:
        return json.JSONDecoder().raw_decode(text)[0] if prefix else json.loads(text)
    except json.JSONDecodeError as e:
        raise ArgumentError(
            "malformed",
            f'are not valid JSON ({e.msg} at position {e.pos}); send a JSON object such as {{"name": "value"}}',
        ) from None
    except ValueError:  # Python refuses to read an integer longer than this many digits
        digits = sys.get_int_max_str_digits()
        raise ArgumentError(
            "limit", f"contain a number of more than {digits:,} digits, over the limit of {digits:,} digits"
        ) from None


def _as_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ArgumentError("not_an_object", f"must be a JSON object, got {type(value).__name__}")
    _check_value(value)
    return value


def parse_arguments(raw: str | Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of a tool call as a dict, or an :class:`ArgumentError` saying what is wrong.

    A string is JSON as the model sent it (blank means no arguments); a mapping was built by code
    and is checked against the same limits. Either way the result is at most
    MAX_ARGUMENT_DEPTH deep and MAX_ARGUMENT_BYTES large, so recursive code may walk it.
    """
    if isinstance(raw, str):
        return _as_object(_decode(raw, prefix=False) if raw.strip() else {})
    return _as_object(dict(raw) if not isinstance(raw, dict) else raw)


def parse_leading_object(text: str) -> dict[str, Any]:
    """The JSON object ``text`` starts with (text after it is ignored), under the same limits.

    For arguments written inline in a message, e.g. ``set_apn {"apn": "internet"} please``.
    """
    return _as_object(_decode(text, prefix=True))


def arguments_text(raw: str | Mapping[str, Any], *, pretty: bool = False) -> str:
    """The arguments as text for a model or a person.

    A string stays as sent (``pretty`` re-indents it when it is a valid object); a dict becomes
    JSON, sorted and ASCII unless ``pretty``. Arguments that break a limit are never serialised:
    a string is kept as sent, a dict is replaced by a JSON note saying which limit it breaks.
    """
    if isinstance(raw, str) and not pretty:
        return raw
    try:
        parsed = parse_arguments(raw)
    except ArgumentError as e:
        return raw if isinstance(raw, str) else json.dumps({"arguments_not_shown": str(e)})
    if pretty:
        return json.dumps(parsed, indent=2, ensure_ascii=False, default=str)
    return json.dumps(parsed, sort_keys=True)
