"""Build the user simulator a configuration names: ``scripted/user`` or any litellm model."""

from __future__ import annotations

from typing import Callable

from frontdesk.errors import ConfigError
from frontdesk.llm import SCRIPTED_PREFIX, ModelConfig
from frontdesk.simulators.base import UserContext, UserSimulator
from frontdesk.simulators.llm_user import LLMUser
from frontdesk.simulators.scripted_user import ScriptedUser

SCRIPTED_USERS: dict[str, Callable[[UserContext], UserSimulator]] = {"scripted/user": ScriptedUser}

USER_STRATEGIES: dict[str, Callable[[ModelConfig, UserContext], UserSimulator]] = {"plain": LLMUser}


def check_user_spec(model: str, strategy: str) -> None:
    if model.startswith(SCRIPTED_PREFIX):
        if model not in SCRIPTED_USERS:
            raise ConfigError(f"unknown scripted user {model!r}; built-in users: {', '.join(SCRIPTED_USERS)}")
        return
    if strategy not in USER_STRATEGIES:
        raise ConfigError(f"unknown user strategy {strategy!r}; choose one of: {', '.join(USER_STRATEGIES)}")


def build_user(model: ModelConfig, strategy: str, context: UserContext) -> UserSimulator:
    check_user_spec(model.model, strategy)
    if model.model.startswith(SCRIPTED_PREFIX):
        return SCRIPTED_USERS[model.model](context)
    return USER_STRATEGIES[strategy](model, context)
