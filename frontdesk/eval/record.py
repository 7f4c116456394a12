"""What the store writes: one TrialRecord per finished trial, one InfraFailure per failed attempt."""

from __future__ import annotations

from pydantic import BaseModel, Field

from frontdesk.eval.checker import Verdict
from frontdesk.eval.orchestrator import ErrorClass, TerminationReason
from frontdesk.trajectory import Message, Usage


class TrialRecord(BaseModel):
    task_id: str
    persona: str
    trial: int
    seed: int
    termination: TerminationReason
    error_class: ErrorClass | None = None  # None: the conversation ended normally
    error: str | None = None
    reward: float | None = None  # None when the trial is excluded (user error)
    verdict: Verdict | None = None
    agent_usage: Usage
    user_usage: Usage
    judge_usage: Usage = Field(default_factory=Usage)  # judged assertions: spend, not the agent's
    tool_errors: int = 0
    started_at: float
    duration_s: float
    messages: list[Message]

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.task_id, self.persona, self.trial)


class InfraFailure(BaseModel):
    """An attempt lost to the provider or the clock. Not a result: the trial runs again on resume."""

    task_id: str
    persona: str
    trial: int
    seed: int
    termination: TerminationReason
    error: str | None
    started_at: float
    duration_s: float
    agent_usage: Usage
    user_usage: Usage

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.task_id, self.persona, self.trial)
