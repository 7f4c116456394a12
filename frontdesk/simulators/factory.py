"""Build the user simulator a configuration names: ``scripted/user``, a plug-in, or any litellm model.

Customer plug-ins: ``--user py:my_pkg.module:factory`` or a name registered in the
``frontdesk.users`` entry-point group (``factory(None, UserContext) -> UserSimulator``), or
``--user-strategy py:…`` to drive a model (``factory(ModelConfig, UserContext)``); see
:mod:`frontdesk.llm.participants`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from frontdesk.envs import UserScenario
from frontdesk.llm.participants import ParticipantRegistry
from frontdesk.simulators.base import UserContext, UserSimulator, UserSimulatorError
from frontdesk.simulators.llm_user import LLMUser, Strategy
from frontdesk.simulators.scripted_user import ScriptedUser
from frontdesk.trajectory import Trajectory, UserTurn

GROUP = "frontdesk.users"


class BrokenUser(UserSimulator):
    """Stands in for a plug-in customer that could not be built for a trial: its first turn fails,
    so the trial ends as a user error (excluded from the agent's score), with the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def respond(self, trajectory: Trajectory) -> UserTurn:
        raise UserSimulatorError(self.reason)


def _probe() -> UserContext:
    return UserContext(scenario=UserScenario(reason_for_contact="(probe: checking that the plug-in can be built)"))


USERS: ParticipantRegistry[UserContext, UserSimulator] = ParticipantRegistry(
    "user",
    scripted={"scripted/user": ScriptedUser},
    strategies={s.value: partial(LLMUser, strategy=s) for s in Strategy},
    kind=UserSimulator,
    group=GROUP,
    probe=_probe,
    broken=BrokenUser,
)

check_user_spec = USERS.check
is_user_model = USERS.is_model
build_user = USERS.build


def user_provenance(user: str, strategy: str) -> dict[str, Any]:
    """The customer plug-ins a configuration uses, for the manifest and the config hash."""
    return USERS.provenance(user, strategy)
