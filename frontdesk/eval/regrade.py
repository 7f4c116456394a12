"""Re-score saved trajectories against the current tasks and checker, with no model calls.

Each trial's recorded tool calls (the agent's and the customer's device actions) are replayed, in
the order they ran, on a fresh ``Environment(domain, task)`` (a sequential trial: from the state and notes its queue
slot records). Every result must come out as it was
recorded: a difference means the domain's tools or data changed since the run, or the file was
edited, and is reported for that trial (its new verdict is then of a conversation that could not
happen any more). The verdict is recomputed with :func:`build_goal` / :func:`check`; judged
assertions are carried over as recorded unless a judge is given, which re-runs them.

:func:`replay_trial` is shared with ``frontdesk verify`` (:mod:`frontdesk.eval.bundle`).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from frontdesk.envs import Domain, Environment, Task, get_domain, state_hash
from frontdesk.errors import ConfigError, RunFolderError
from frontdesk.eval.checker import Component, Goal, Verdict, build_goal, check
from frontdesk.eval.config import RunConfig, domain_fingerprint
from frontdesk.eval.judge import judge_components
from frontdesk.eval.orchestrator import ErrorClass
from frontdesk.eval.privacy import COMPONENT as PRIVACY
from frontdesk.eval.record import QueueSlot, TrialKey, TrialRecord
from frontdesk.eval.store import RunStore
from frontdesk.tools import Memory, ToolCall
from frontdesk.trajectory import Message, Role, Usage, valid_text

REGRADE_LOG = "regrade.jsonl"  # in the new run folder: one line per trial, what changed and why
_SHOWN = 160  # characters of a tool result quoted in a mismatch


class Mismatch(BaseModel):
    """A recorded tool result the current domain does not reproduce."""

    message: int  # index of the tool message in the trajectory
    tool: str
    requestor: str
    recorded: str
    replayed: str

    def describe(self) -> str:
        return (
            f"message {self.message} ({self.requestor} {self.tool}): recorded {self.recorded!r}, "
            f"replayed {self.replayed!r}"
        )


def _around(text: str, start: int) -> str:
    """``_SHOWN`` characters of ``text`` from a little before ``start``, with … where it was cut."""
    begin = max(0, start - 40)
    end = begin + _SHOWN
    return ("…" if begin else "") + text[begin:end] + ("…" if end < len(text) else "")


def _excerpts(recorded: str, replayed: str) -> tuple[str, str]:
    """Both texts around where they first differ, so the difference is on screen."""
    start = next((i for i, (a, b) in enumerate(zip(recorded, replayed, strict=False)) if a != b), None)
    if start is None:
        start = min(len(recorded), len(replayed))
    return _around(recorded, start), _around(replayed, start)


def _result_text(error: Any, content: str) -> str:
    return f"[{error.value}] {content}" if error is not None else content


def replay_trial(
    domain: Domain, task: Task, messages: list[Message], slot: QueueSlot | None = None
) -> tuple[Environment, list[Mismatch]]:
    """Run the trajectory's tool calls again on a fresh environment; return it and every mismatch.

    Calls are matched to results by position, as the orchestrator ran them: each tool message
    answers the next call of the latest message that made calls (ids from models may repeat).
    Calls that never got a result (cut off by the tool-error limit) were not run, and are not here.
    A trial of a sequential queue (``slot``) starts where it started, with the notes it could read.
    """
    if slot is None:
        env = Environment(domain, task)
    else:
        memory = None if slot.memory is None else Memory(notes=list(slot.memory), position=slot.position)
        env = Environment(domain, task, slot.initial_state, memory)
    mismatches: list[Mismatch] = []
    queue: list[ToolCall] = []
    for index, m in enumerate(messages):
        if m.tool_calls:
            queue = list(m.tool_calls)
        if m.role is not Role.TOOL or m.tool_result is None:
            continue
        recorded = m.tool_result
        requestor = m.requestor or "agent"
        if not queue:
            mismatches.append(
                Mismatch(message=index, tool=recorded.name, requestor=requestor, recorded=_around(recorded.content, 0),
                         replayed="(no call made this result)")
            )  # fmt: skip
            continue
        call = queue.pop(0)
        result = env.execute(call)
        same = (
            result.call_id == recorded.call_id
            and result.name == recorded.name
            and result.error == recorded.error
            and valid_text(result.content) == recorded.content
        )
        if not same:
            was, now = _excerpts(
                _result_text(recorded.error, recorded.content), _result_text(result.error, valid_text(result.content))
            )
            mismatches.append(Mismatch(message=index, tool=call.name, requestor=requestor, recorded=was, replayed=now))
    return env, mismatches


def carried_judgement(record: TrialRecord, task: Task, produced: set[str]) -> list[Component] | None:
    """The recorded components the judge made (those the checker does not produce), if they judged
    exactly the task's current statements; None when they do not apply any more."""
    if record.verdict is None:
        return None
    judged = record.verdict.component("judged_assertions")
    if judged is None or not isinstance(judged.detail, dict):
        return None
    if [r.get("assertion") for r in judged.detail.get("results", [])] != list(task.judged_assertions):
        return None
    return [c for c in record.verdict.components if c.name not in produced]


def rederive_verdict(
    domain: Domain, task: Task, goal: Goal, record: TrialRecord, judged: Component | None = None
) -> tuple[Verdict | None, list[Mismatch]]:
    """The verdict the current checker gives the recorded trajectory (None for a user-error trial).

    ``judged`` is a fresh judged-assertions component; without one, a task with judged assertions
    gets the recorded judgement when it judged the task's current statements.
    """
    env, mismatches = replay_trial(domain, task, record.messages, record.queue)
    if record.error_class is ErrorClass.USER:
        return None, mismatches
    if record.queue is not None:
        goal = build_goal(domain, task, record.queue.initial_state)  # its gold, where the queue started it
    verdict = check(env, task, record.messages, record.termination, goal)
    leaked = record.verdict.component(PRIVACY) if record.verdict else None
    if leaked is not None:  # it weighs the other customers of the queue: carried as recorded
        verdict = verdict.with_component(leaked)
    if task.judged_assertions:
        added = judge_components(judged) if judged is not None else None
        if added is None:
            added = carried_judgement(record, task, {c.name for c in verdict.components})
        if added is None:
            raise ConfigError(
                f"trial {record.task_id} #{record.trial}: the task's judged assertions were not judged as they "
                "stand now; pass --judge MODEL to judge them"
            )
        verdict = Verdict.of([*verdict.components, *added])
    return verdict, mismatches


# --- a whole run ----------------------------------------------------------------------------------


class RegradedTrial(BaseModel):
    task_id: str
    persona: str
    trial: int
    old_reward: float | None
    new_reward: float | None
    failed: list[str] = []  # gating components failing in the new verdict
    verdict_changed: bool  # any component's pass/fail (or the reward) differs
    mismatches: list[Mismatch] = []

    @property
    def key(self) -> TrialKey:
        return (self.task_id, self.persona, self.trial)


@dataclass
class RegradeReport:
    source: Path
    folder: Path
    trials: list[RegradedTrial] = field(default_factory=list)
    dropped: list[tuple[TrialKey, str]] = field(default_factory=list)  # not regraded: why

    @property
    def changed(self) -> list[RegradedTrial]:
        return [t for t in self.trials if t.verdict_changed]

    @property
    def diverged(self) -> list[RegradedTrial]:
        return [t for t in self.trials if t.mismatches]


def _outcomes(verdict: Verdict | None) -> tuple[float | None, list[tuple[str, bool]]]:
    if verdict is None:
        return None, []
    return verdict.reward, [(c.name, c.passed) for c in verdict.components]


def default_output(source: Path, fingerprint: str) -> Path:
    return source.with_name(f"{source.name}-regraded-{fingerprint[:8]}")


def _new_manifest(
    manifest: dict[str, Any], source: Path, fingerprint: str, task_ids: list[str], judge: str | None
) -> dict[str, Any]:
    config = dict(manifest["config"])
    if judge is not None:
        config["judge"] = judge
    try:
        config_hash = RunConfig.model_validate(config).config_hash(fingerprint)
    except ValidationError:  # a manifest from another version: still a distinct, stable identity
        config_hash = state_hash({"regraded": manifest["config_hash"], "domain": fingerprint, "judge": judge})
    return {
        **manifest,
        "config": config,
        "config_hash": config_hash,
        "domain_fingerprint": fingerprint,
        "task_ids": task_ids,
        "created_at": time.time(),
        "regraded_from": {
            "folder": str(source),
            "config_hash": manifest["config_hash"],
            "domain_fingerprint": manifest.get("domain_fingerprint"),
            "created_at": manifest.get("created_at"),
            "judge": judge,
        },
    }


async def _judge_all(
    config: RunConfig, judge: str, jobs: list[tuple[TrialRecord, Task]]
) -> dict[TrialKey, tuple[Component, Usage]]:
    from frontdesk.eval.judge import judge_assertions
    from frontdesk.eval.trial import model_config
    from frontdesk.llm import aclose

    model = model_config(config, judge, 0.0)
    out = {}
    try:
        for record, task in jobs:
            component = await judge_assertions(model, task.judged_assertions, record.messages, record.seed)
            out[record.key] = (component, Usage.model_validate(component.detail["usage"]))
    finally:
        await aclose()
    return out


def regrade_run(source: Path | str, out: Path | str | None = None, judge: str | None = None) -> RegradeReport:
    """Re-score every trial of ``source`` against the installed domain into a new run folder.

    The new folder's manifest is the source's with the current domain fingerprint, its config hash
    and ``regraded_from`` naming the source; ``regrade.jsonl`` beside it says, per trial, the old
    and new reward and any tool result that did not replay. Everything is computed before anything
    is written: a judge failure leaves no half-written folder.
    """
    source = Path(source)
    store = RunStore(source)
    manifest = store.read_manifest()
    records = store.records()
    domain = get_domain(manifest["config"]["domain"])
    fingerprint = domain_fingerprint(domain)
    folder = Path(out) if out is not None else default_output(source, fingerprint)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise RunFolderError(f"{folder} already exists; choose a new folder with --out")
    tasks = {t.id: t for t in domain.tasks}
    report = RegradeReport(source=source, folder=folder)
    kept = []
    for r in records:
        if r.task_id in tasks:
            kept.append(r)
        else:
            report.dropped.append((r.key, f"task {r.task_id!r} is no longer in domain {domain.name!r}"))
    goals = {task_id: build_goal(domain, tasks[task_id]) for task_id in dict.fromkeys(r.task_id for r in kept)}

    judged: dict[TrialKey, tuple[Component, Usage]] = {}
    needs_judge = [(r, tasks[r.task_id]) for r in kept if tasks[r.task_id].judged_assertions and r.verdict]
    if judge is not None and needs_judge:
        config = RunConfig.model_validate({**manifest["config"], "judge": judge})
        judged = asyncio.run(_judge_all(config, judge, needs_judge))
    elif missing := sorted({r.task_id for r, t in needs_judge if carried_judgement(r, t, set()) is None}):
        raise ConfigError(
            f"task(s) {', '.join(missing)} have judged assertions that were not judged as they stand now; "
            "pass --judge MODEL to judge them (nothing was written)"
        )

    new_records = []
    for r in kept:
        task = tasks[r.task_id]
        component, usage = judged.get(r.key, (None, None))
        verdict, mismatches = rederive_verdict(domain, task, goals[r.task_id], r, component)
        update: dict[str, Any] = {"verdict": verdict, "reward": verdict.reward if verdict else None}
        if usage is not None:
            update["judge_usage"] = usage
        new_records.append(r.model_copy(update=update))
        report.trials.append(
            RegradedTrial(
                task_id=r.task_id,
                persona=r.persona,
                trial=r.trial,
                old_reward=r.reward,
                new_reward=verdict.reward if verdict else None,
                failed=verdict.failed if verdict else [],
                verdict_changed=_outcomes(verdict) != _outcomes(r.verdict),
                mismatches=mismatches,
            )
        )

    task_ids = [t for t in manifest["task_ids"] if t in tasks]
    new_store = RunStore(folder)
    new_store.open(_new_manifest(manifest, source, fingerprint, task_ids, judge))
    new_store.lock()
    try:
        for record in new_records:
            new_store.append(record)
    finally:
        new_store.unlock()
    lines = [t.model_dump_json() for t in report.trials]
    lines += [
        json.dumps({"task_id": k[0], "persona": k[1], "trial": k[2], "dropped": why}) for k, why in report.dropped
    ]
    (folder / REGRADE_LOG).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return report
