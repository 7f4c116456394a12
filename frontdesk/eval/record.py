"""What the store writes: one TrialRecord per finished trial, one InfraFailure per failed attempt."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from frontdesk.eval.checker import Verdict
from frontdesk.eval.orchestrator import ErrorClass, TerminationReason
from frontdesk.simulators.experience import Experience
from frontdesk.tools import Memory, Note
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


class QueueSlot(BaseModel):
    """Where a trial of a sequential run sat in its queue, and the state it started from."""

    position: int  # 0-based: how many customers the agent served before this one
    start: Literal["queue", "fresh"] = Field(
        description="queue: the database as the earlier conversations left it; fresh: the task's own initial "
        "state, because its gold actions could not run on the queue's (say why in `note`)."
    )
    initial_state: dict[str, Any] | None = None  # the patch on the seed this trial started from: replays use it
    # The memory notes the agent could read when this conversation began (None: memory off): with
    # initial_state, what makes the trial replayable alone (regrade, verify), memory results included.
    memory: list[Note] | None = None
    note: str | None = None


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
    queue: QueueSlot | None = None  # set in sequential runs only


class Leak(BaseModel):
    """An identifier of an earlier customer in what the agent told a later one."""

    identifier: str
    kind: str  # email, phone, address, order id, reservation id, user id, name
    position: int  # where it was said
    task_id: str
    from_position: int  # whose it is
    from_task: str


class QueueRecord(BaseModel):
    """One finished queue (a line of ``queues.jsonl``): written before its trials reach
    ``trials.jsonl``, so it is the queue's commit record — a queue without one runs again from its
    start, and trials a kill kept out of ``trials.jsonl`` are copied from it on resume."""

    persona: str
    order: int  # the trial index every customer of this queue carries
    task_ids: list[str]  # in the order served
    records: list[TrialRecord]
    memory: Memory | None = None  # the frontdesk memory tools' notes at the end (None: memory off)
    agent_memory: Any = None  # what a plug-in agent that serves the whole queue says it remembers
    leaks: list[Leak] = Field(default_factory=list)
    started_at: float
    duration_s: float

    @property
    def key(self) -> tuple[str, int]:
        return (self.persona, self.order)


class InfraFailure(TrialAttempt):
    """An attempt lost to the provider, the clock or a dead worker. Not a result: the trial runs
    again on resume."""


TrialResult = TrialRecord | InfraFailure
