"""Resolve a participant from configuration: a ``scripted/…`` name or a litellm model + strategy.

Agents and user simulators are chosen the same way, so one registry type serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from frontdesk.errors import ConfigError
from frontdesk.llm.client import SCRIPTED_PREFIX, ModelConfig

Context = TypeVar("Context")
Participant = TypeVar("Participant")


class ParticipantRegistry(Generic[Context, Participant]):
    def __init__(
        self,
        role: str,
        scripted: dict[str, Callable[[Context], Participant]],
        strategies: dict[str, Callable[[ModelConfig, Context], Participant]],
    ) -> None:
        self.role = role
        self.scripted = scripted  # built-in offline participants, by full name
        self.strategies = strategies  # how an LLM participant is driven, by strategy name

    def check(self, model: str, strategy: str) -> None:
        """Raise ConfigError for an unknown scripted name or strategy (model strings are checked elsewhere)."""
        if model.startswith(SCRIPTED_PREFIX):
            if model not in self.scripted:
                raise ConfigError(
                    f"unknown scripted {self.role} {model!r}; built-in {self.role}s: {', '.join(self.scripted)}"
                )
        elif strategy not in self.strategies:
            raise ConfigError(f"unknown {self.role} strategy {strategy!r}; choose one of: {', '.join(self.strategies)}")

    def build(self, model: ModelConfig, strategy: str, context: Context) -> Participant:
        self.check(model.model, strategy)
        if model.model.startswith(SCRIPTED_PREFIX):
            return self.scripted[model.model](context)
        return self.strategies[strategy](model, context)
