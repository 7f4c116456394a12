"""Errors a person sees. Each carries one line saying what went wrong and how to fix it."""

from __future__ import annotations


class FrontdeskError(Exception):
    """Base for every error that reaches the CLI as a one-line message, never a traceback."""


class ConfigError(FrontdeskError):
    """A bad option, model string, domain name, task id, persona or output folder."""


class TaskFileError(FrontdeskError):
    """A task file that is not valid JSON or does not match the task schema."""


class BrokenTaskError(FrontdeskError):
    """A task whose gold actions cannot be executed: the task, not the agent, is wrong."""


class RunFolderError(FrontdeskError):
    """The output folder holds a different run, or files that cannot be read."""


class InfraError(FrontdeskError):
    """The provider failed after retries (rate limit, 5xx, timeout, connection, budget).

    Never the agent's fault: the trial is not scored and a later resume retries it. Only errors a
    rerun can fix belong here; a missing key or a rejected credential is a ``ConfigError``.
    """


class CredentialError(ConfigError):
    """A provider refused the credentials (401/403) or none were set: no rerun fixes it, so it is
    never retried and it stops the run at once, naming the variable to set."""
