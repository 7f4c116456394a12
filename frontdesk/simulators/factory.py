"""Build the user simulator a configuration names: ``scripted/user`` or any litellm model."""

from __future__ import annotations

from functools import partial

from frontdesk.llm.participants import ParticipantRegistry
from frontdesk.simulators.base import UserContext, UserSimulator
from frontdesk.simulators.llm_user import LLMUser, Strategy
from frontdesk.simulators.scripted_user import ScriptedUser

USERS: ParticipantRegistry[UserContext, UserSimulator] = ParticipantRegistry(
    "user",
    scripted={"scripted/user": ScriptedUser},
    strategies={s.value: partial(LLMUser, strategy=s) for s in Strategy},
)

check_user_spec = USERS.check
build_user = USERS.build
