"""What the store writes: one TrialRecord per finished trial, one InfraFailure per failed attempt."""

from __future__ import annotations

from pydantic import BaseModel, Field

from frontdesk.eval.checker import Verdict
from frontdesk.eval.orchestrator import ErrorClass, TerminationReason
from frontdesk.simulators.experience import Experience
from frontdesk.trajectory import Message, Usage

TrialKey = tuple[str, str, int]  # (task id, persona, trial index): a trial's identity in a run


class TrialAttempt(BaseModel):
    """What every attempt at a trial carries, scored or not."""

    task_id: str
    persona: str
    trial: int
    seed: int
    termination: TerminationReason
    error: str | None = None
    started_at: float
    duration_s: float
    agent_usage: Usage
    user_usage: Usage
    judge_usage: Usage = Field(default_factory=Usage)  # judged assertions: spend, not the agent's

    @property
    def key(self) -> TrialKey:
        return (self.task_id, self.persona, self.trial)

    @property
    def spend(self) -> Usage:
        return self.agent_usage + self.user_usage + self.judge_usage


class TrialRecord(TrialAttempt):
    """A finished trial: scored (reward 0 or 1) or excluded as the simulated customer's fault."""

    error_class: ErrorClass | None = None  # None: the conversation ended normally
    reward: float | None = None  # None when the trial is excluded (user error)
    verdict: Verdict | None = None
    tool_errors: int = 0
    messages: list[Message]
    # The customer's ratings after the conversation (frontdesk/simulators/experience.py): beside the
    # reward, never in it. None when ratings are off, the trial was excluded, or the rating failed.
    experience: Experience | None = None
    experience_error: str | None = None  # why a customer asked to rate gave no usable ratings


class InfraFailure(TrialAttempt):
    """An attempt lost to the provider, the clock or a dead worker. Not a result: the trial runs
    again on resume."""


TrialResult = TrialRecord | InfraFailure
