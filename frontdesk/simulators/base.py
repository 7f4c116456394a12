"""The user-simulator contract: play the customer, seeing only the scenario and the agent's words."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from frontdesk.envs import UserScenario
from frontdesk.errors import FrontdeskError
from frontdesk.simulators.experience import Experience
from frontdesk.simulators.persona import DEFAULT_PERSONA_NAME, Persona, get_persona
from frontdesk.trajectory import Trajectory, Usage, UserTurn


class UserSimulatorError(FrontdeskError):
    """The simulator produced an unusable turn (empty, off-script…): a *user* error, not the agent's."""

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage  # what the failed attempts cost: spend is recorded even when a turn is lost


@dataclass
class UserContext:
    """What a simulated customer may see: never the agent's tools, policy or the gold actions."""

    scenario: UserScenario
    persona: Persona = field(default_factory=lambda: get_persona(DEFAULT_PERSONA_NAME))
    seed: int = 0
    tools: list[dict[str, Any]] = field(default_factory=list)  # device tools in dual-control domains


class RatingError(FrontdeskError):
    """The customer gave no usable ratings (after a re-ask): recorded on the trial, which stands."""


class UserSimulator(ABC):
    """One instance per trial; it may keep state between turns."""

    @abstractmethod
    async def respond(self, trajectory: Trajectory) -> UserTurn:
        """Return the customer's next message, an ending signal, and/or device tool calls."""

    async def rate(self, trajectory: Trajectory, reward: float | None) -> Experience | None:
        """The customer's ratings of the conversation that just ended; None if this customer does not rate.

        ``reward`` is there for offline stand-ins only: a customer that rates as a person would
        must judge from what it saw, never from the verdict."""
        return None
