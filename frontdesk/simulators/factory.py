"""Build the user simulator a configuration names: ``scripted/user`` or any litellm model."""

from __future__ import annotations

from frontdesk.llm.participants import ParticipantRegistry
from frontdesk.simulators.base import UserContext, UserSimulator
from frontdesk.simulators.llm_user import LLMUser
from frontdesk.simulators.scripted_user import ScriptedUser

USERS: ParticipantRegistry[UserContext, UserSimulator] = ParticipantRegistry(
    "user",
    scripted={"scripted/user": ScriptedUser},
    strategies={
        "plain": LLMUser,
        "think": lambda model, context: LLMUser(model, context, strategy="think"),
        "verify": lambda model, context: LLMUser(model, context, strategy="verify"),
    },
)

check_user_spec = USERS.check
build_user = USERS.build
