"""Errors of the model layer. Provider trouble is never the agent's fault."""

from __future__ import annotations

from frontdesk.errors import FrontdeskError


class InfraError(FrontdeskError):
    """The provider failed after retries (rate limit, 5xx, timeout, connection, auth, budget).

    The trial is not scored; a later resume retries it.
    """
