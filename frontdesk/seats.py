"""Trials with a seat filled from outside the harness: a Gymnasium policy (``frontdesk.gym``) or a
person at a terminal (``frontdesk play``).

Nothing here runs a conversation or scores one. :func:`execute_seated_trial` calls
:func:`frontdesk.eval.trial.execute_trial` — the function every executor runs — with the outside
seat named as a participant plug-in (``py:frontdesk.seats:seated_agent`` / ``…:seated_user``, see
:mod:`frontdesk.llm.participants`) whose factory returns the participant the caller built for this
trial (a context variable carries it to the factory, so concurrent trials never mix seats). The
orchestrator, the limits, the checker and the judge are therefore those of ``frontdesk run``.

:class:`TrialFolder` writes such trials into a run folder with the manifest ``frontdesk run`` would
write for the same configuration, so ``report``, ``compare`` and ``export`` read it.

No gymnasium here: ``frontdesk play`` works without the ``gym`` extra.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from frontdesk.agents import Agent, AgentContext
from frontdesk.envs import Domain, Task
from frontdesk.eval.checker import Goal
from frontdesk.eval.config import RunConfig
from frontdesk.eval.record import TrialKey, TrialRecord, TrialResult
from frontdesk.eval.runner import build_manifest
from frontdesk.eval.store import RunStore
from frontdesk.eval.trial import execute_trial
from frontdesk.simulators import Persona, UserContext, UserSimulator

AgentFactory = Callable[[AgentContext], Agent]
UserFactory = Callable[[UserContext], UserSimulator]

AGENT_SEAT = "py:frontdesk.seats:seated_agent"
USER_SEAT = "py:frontdesk.seats:seated_user"

_SEATS: ContextVar[dict[str, Any]] = ContextVar("frontdesk_seats")


def _factory(seat: str) -> Callable[[Any], Any]:
    factory = _SEATS.get({}).get(seat)
    if factory is None:
        raise RuntimeError(
            f"{AGENT_SEAT if seat == 'agent' else USER_SEAT} is filled by frontdesk.gym or `frontdesk play`; "
            "`frontdesk run` cannot play it"
        )
    return factory


def seated_agent(model: Any, context: AgentContext) -> Agent:
    """The participant plug-in of an outside agent seat: the caller's agent for this trial."""
    return _factory("agent")(context)


def seated_user(model: Any, context: UserContext) -> UserSimulator:
    """The participant plug-in of an outside customer seat: the caller's customer for this trial."""
    return _factory("user")(context)


async def execute_seated_trial(
    domain: Domain,
    task: Task,
    trial: int,
    config: RunConfig,
    goal: Goal,
    persona: Persona | None = None,
    *,
    agent: AgentFactory | None = None,
    user: UserFactory | None = None,
) -> TrialResult:
    """:func:`~frontdesk.eval.trial.execute_trial`, with the agent and/or the customer built by
    ``agent(context)`` / ``user(context)`` (an outside agent, like any non-scripted one, never sees
    the task). The other seat is built from ``config`` as in a run."""
    update: dict[str, Any] = {}
    if agent is not None:
        update["agent"] = AGENT_SEAT
    if user is not None:
        update["user"] = USER_SEAT
    token = _SEATS.set({"agent": agent, "user": user})
    try:
        return await execute_trial(domain, task, trial, config.model_copy(update=update), goal, persona)
    finally:
        _SEATS.reset(token)


def agent_context(domain: Domain, task: Task, seed: int) -> AgentContext:
    """What execute_trial hands a scripted agent: the policy, its tools and the task."""
    return AgentContext(
        policy=domain.policy,
        tools=[t.openai_schema() for t in domain.agent_tools],  # as the trial's Toolkit lists them
        tool_kinds={t.name: t.kind for t in domain.agent_tools},
        seed=seed,
        transfer_tool=domain.transfer_tool,
        task=task,
    )


class TrialFolder:
    """A run folder that trials run outside the runner are written into.

    It holds the manifest ``frontdesk run`` writes for ``config`` (same hash, same refusal of a
    folder holding another configuration, same writer lock) and appends results as the runner's
    plan does: records to ``trials.jsonl``, infra failures to ``infra_errors.jsonl``. Opening an
    existing folder of the same configuration resumes it: :attr:`existing` holds its trials.
    """

    def __init__(self, folder: Path | str, config: RunConfig, domain: Domain, tasks: list[Task]) -> None:
        self.folder = Path(folder)
        self.store = RunStore(self.folder)
        manifest = build_manifest(config, domain, tasks)
        self.store.open(manifest)
        self.store.lock()
        try:
            self.store.grow(manifest)  # more trials of the same configuration grow the run, as --trials does
            self.store.prepare_append()
            self.existing: dict[TrialKey, TrialRecord] = {r.key: r for r in self.store.records()}
        except BaseException:
            self.store.unlock()
            raise

    def append(self, result: TrialResult) -> None:
        if isinstance(result, TrialRecord):
            self.store.append(result)
            self.existing[result.key] = result
        else:
            self.store.append_infra(result)

    def close(self) -> None:
        self.store.unlock()

    def __enter__(self) -> TrialFolder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
