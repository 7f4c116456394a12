"""What the model layer spent inside a scope: every call's usage, attempts included, as it happened.

A participant reports the usage of the calls behind the turn it returns. When the turn fails
instead (a provider that stays down, a reply it cannot use, the trial's clock), the calls it made
before failing, and the requests of the call that failed, are known only here: :func:`complete`
records every call into the innermost open scope (a context variable, so concurrent trials never
mix), and the orchestrator charges a failed turn with what its scope saw.

    with spending() as spent:
        await participant.respond(trajectory)
    spent.usage  # calls, attempts, tokens and cost of every model call made in the block
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from frontdesk.trajectory import Usage


class Spend:
    """The running total of one scope."""

    __slots__ = ("usage", "parent")

    def __init__(self, parent: Spend | None) -> None:
        self.usage = Usage()
        self.parent = parent  # an enclosing scope sees what its inner scopes spent


_current: ContextVar[Spend | None] = ContextVar("frontdesk_spend", default=None)


@contextmanager
def spending() -> Iterator[Spend]:
    """Open a scope that totals every model call made inside it (and in tasks it starts)."""
    spend = Spend(_current.get())
    token = _current.set(spend)
    try:
        yield spend
    finally:
        _current.reset(token)


def record(usage: Usage) -> None:
    """Add one finished (or abandoned) call's usage to every open scope; nothing without one."""
    spend = _current.get()
    while spend is not None:
        spend.usage = spend.usage + usage
        spend = spend.parent
