"""What a model response may be, and the error for one that cannot be used.

A model's response is hostile input. It may be megabytes long, nest JSON deeper than Python can
decode (``json.loads`` recurses once per level: 100,000 brackets raise RecursionError), or carry a
lone surrogate ("\\ud800" is valid JSON but no text: writing it as UTF-8 fails later, in the store).
So where responses are parsed, for both transports:

- the response may be at most :data:`MAX_RESPONSE_BYTES` (the openai-http body; for litellm, which
  reads the body itself, what the model wrote: its text, tool names and arguments);
- the openai-http body may nest at most :data:`MAX_RESPONSE_DEPTH` levels, checked before it is
  decoded (litellm decodes the body, and tool arguments, with Python's ``json``: what is nested
  past the recursion limit makes litellm reject the whole response);
- every text is made valid Unicode: lone surrogates become U+FFFD (:func:`frontdesk.trajectory.valid_text`).

Tool arguments are not parsed here: they travel as the raw string the model sent, and the
toolkit's argument parser answers bad ones with an error result the agent can act on.

A response that breaks a limit, is not JSON, has no choices or is not shaped like a chat
completion raises :class:`ModelOutputError`. It is the fault of the participant whose model
answered (the agent's turn ends the trial as ``agent_error``, a simulated customer's as
``user_error``) and is never retried or called infra: the endpoint did answer, and asking again
would give an answer of the same kind, so an infra error would leave the trial pending forever.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from frontdesk.trajectory import Usage

MAX_RESPONSE_BYTES = 4 * 1024 * 1024  # far above any real completion; room for 1 MB of tool arguments
MAX_RESPONSE_DEPTH = 256  # a chat completion nests about 6 levels; well below Python's recursion limit

# A JSON string literal, unterminated ones too: brackets inside strings are text, not nesting.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}

# How litellm says it could not read a response it did receive (its own wording).
_UNREADABLE_MARKERS = (
    "Invalid response object",  # its converter failed (e.g. RecursionError on deep arguments)
    "provider returned 'choices'",  # 'choices' missing or not a list
    "Empty or invalid response from LLM endpoint",  # a 200 body the SDK could not parse as a completion
)
# Errors raised while decoding a received body, as opposed to failing to receive one.
_DECODING_ERRORS = (RecursionError, json.JSONDecodeError, UnicodeDecodeError)
# Exceptions from these packages mean an HTTP status or a transport failure: the provider's side.
_TRANSPORT_PACKAGES = frozenset({"httpx", "httpcore", "aiohttp", "openai", "anyio", "ssl"})


class ModelOutputError(Exception):
    """The model's response cannot be used. The answering participant's fault; never retried.

    ``usage`` is what the call cost as far as it is known (``cost_usd`` None when the response
    could not be read): the orchestrator charges it to the participant.
    """

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage if usage is not None else Usage(calls=1, cost_usd=None)


def json_depth(raw: bytes) -> int:
    """How deeply ``raw`` nests JSON arrays and objects (brackets inside strings not counted), without recursion.

    The regular expressions and ``accumulate`` run in C: milliseconds for megabytes.
    """
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def too_large(size: int, unit: str = "bytes") -> ModelOutputError:
    return ModelOutputError(
        f"the response is {size:,} {unit} long; a model response may be at most {MAX_RESPONSE_BYTES:,}"
    )


def decode_body(raw: bytes) -> Any:
    """A chat-completions body as JSON data, within the limits, or :class:`ModelOutputError`."""
    if len(raw) > MAX_RESPONSE_BYTES:
        raise too_large(len(raw))
    # Counting brackets is one fast pass; the depth scan runs only if they could nest too deep.
    if raw.count(b"[") + raw.count(b"{") > MAX_RESPONSE_DEPTH and json_depth(raw) > MAX_RESPONSE_DEPTH:
        raise ModelOutputError(f"the response nests JSON deeper than the limit of {MAX_RESPONSE_DEPTH} levels")
    try:
        # Bytes that are not UTF-8 become U+FFFD rather than failing the whole response.
        return json.loads(raw.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        preview = raw[:120].decode("utf-8", "replace")
        raise ModelOutputError(f"the response body is not JSON: {preview!r}") from None


def exception_chain(error: BaseException) -> list[BaseException]:
    """``error`` and the exceptions it was raised from or while handling, outermost first."""
    links: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and len(links) < 16 and all(link is not seen for seen in links):
        links.append(link)
        link = link.__cause__ or link.__context__
    return links


def unreadable_response(error: BaseException) -> bool:
    """Whether ``error`` (from litellm) says a response arrived but could not be read as a completion.

    litellm reports its own decoding failures (a body that is not JSON, arguments nested past the
    recursion limit, 'choices' missing) as an InternalServerError, which looks transient. They are
    told apart by what the error was raised from: a decoding error with no HTTP or transport
    failure behind it. A real 5xx always carries the HTTP client's status error.
    """
    links = exception_chain(error)
    if any(type(link).__module__.split(".")[0] in _TRANSPORT_PACKAGES for link in links):
        return False
    return any(
        isinstance(link, _DECODING_ERRORS) or any(marker in str(link) for marker in _UNREADABLE_MARKERS)
        for link in links
    )
