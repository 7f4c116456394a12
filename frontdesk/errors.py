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
