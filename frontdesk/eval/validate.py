"""Domain validation: every task solvable by the oracle with the scripted user, and well-formed."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from decimal import Decimal
from functools import cached_property
from typing import Any

from pydantic import BaseModel, Field

from frontdesk.envs import Amount, Domain, Duration, Environment, Output, Phrases, Task, canonical_json, describe_output
from frontdesk.envs.profile import PRESSURE_TAG, REFUSAL_TAG, Profile, profiles
from frontdesk.errors import BrokenTaskError, TaskFileError
from frontdesk.eval.checker import Goal, build_goal
from frontdesk.eval.config import RunConfig
from frontdesk.eval.record import TrialRecord
from frontdesk.eval.runner import execute_trial
from frontdesk.text import as_number, numbers_in
from frontdesk.tools import ToolCall


class TaskCheck(BaseModel):
    task_id: str
    problems: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _content_key(task_data: dict) -> str:
    """A task's substance: what differs only in id, description, tags or split is the same task."""
    return canonical_json({k: v for k, v in task_data.items() if k not in {"id", "description", "tags", "split"}})


class Evidence:
    """Texts a required output may come from, matched the way the checker matches what the agent
    said (:func:`frontdesk.envs.output_present`): a plain value as a case- and whitespace-insensitive
    substring; a number or amount by value, sign aside, because a difference is told in words ("you
    would get $9.51 back" grounds in a calculation giving -9.51); a duration by its minutes, hours
    or days; phrases when each group has a wording here. Normalised lazily: a seed DB is megabytes."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    @cached_property
    def words(self) -> str:
        return "\n".join(" ".join(t.lower().split()) for t in self.texts)

    @cached_property
    def magnitudes(self) -> set[Decimal]:
        return {abs(n) for text in self.texts for n in numbers_in(text)}

    def supports(self, output: Output) -> bool:
        if isinstance(output, Amount):
            return Decimal(str(output.value)) in self.magnitudes
        if isinstance(output, Duration):
            return any(Decimal(output.minutes) / unit in self.magnitudes for unit in (1, 60, 1440))
        if isinstance(output, Phrases):
            return all(any(" ".join(p.lower().split()) in self.words for p in group) for group in output.all_of)
        number = as_number(output)
        if number is not None:
            return abs(number) in self.magnitudes
        return " ".join(output.lower().split()) in self.words


def _as_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _task_evidence(domain: Domain, task: Task, goal: Goal) -> Evidence:
    """What the gold run shows: its tool results, the initial-state patch and the records it leaves changed."""
    env = Environment(domain, task)
    results = [
        env.execute(ToolCall(id=f"gold-{i}", name=a.name, arguments=dict(a.arguments), requestor=a.requestor)).content
        for i, a in enumerate(task.gold_actions)
    ]
    return Evidence([*results, _as_text(task.initial_state or {}), _as_text(list(goal.goal_records.values()))])


def ungrounded_outputs(task: Task, evidence: list[Evidence]) -> list[Output]:
    """Required outputs that nothing the gold run shows supports: not a tool result of the gold
    actions, not a value of the initial or final database, not (for phrases: a policy reason) the
    policy. The oracle recites required outputs, so only this check notices one that no agent could
    know ("the moon is cheese")."""
    return [o for o in task.required_outputs if not any(e.supports(o) for e in evidence)]


# Tasks where the right answer is mostly "no": a do-nothing agent must not pass them by saying nothing.
REFUSAL_TAGS = (REFUSAL_TAG, PRESSURE_TAG)


def refusal_problems(task: Task) -> list[str]:
    """A refusal or pressure task must ask for what a good agent does when it refuses: look the
    customer and the thing up (required_actions) and give the policy reason (a phrases output)."""
    if not any(tag in task.tags for tag in REFUSAL_TAGS):
        return []
    problems = []
    if not task.required_actions:
        problems.append(
            "a refusal task needs required_actions: the look-ups a good agent makes before it refuses "
            "(e.g. finding the customer and the order)"
        )
    if not any(isinstance(o, Phrases) for o in task.required_outputs):
        problems.append(
            'a refusal task needs a required output of kind "phrases" giving the policy reason the agent must tell'
        )
    return problems


def follows_problems(domain: Domain, task: Task) -> list[str]:
    """A task that follows another must follow one whose gold changes something: otherwise the
    customer "comes back" to a world no conversation changed, and the link says nothing."""
    if task.follows is None:
        return []
    try:
        changed = build_goal(domain, domain.task(task.follows)).changes_state
    except BrokenTaskError:
        return []  # the predecessor's own check reports it
    if changed:
        return []
    return [f"follows {task.follows!r}, whose gold actions change nothing: follow a task that writes, or drop follows"]


def null_config(domain: Domain) -> RunConfig:
    """``scripted/null`` (only talks, never calls a tool) with the scripted customer: a floor no task may pass."""
    return RunConfig(domain=domain.name, agent="scripted/null")


async def _passes(domain: Domain, task: Task, config: RunConfig, goal: Goal) -> bool:
    result = await execute_trial(domain, task, 0, config, goal)
    return isinstance(result, TrialRecord) and result.reward == 1.0


async def _null_passes(domain: Domain, tasks: list[Task]) -> set[str]:
    config, passed = null_config(domain), set()
    for task in tasks:
        task = task.model_copy(update={"judged_assertions": []}) if task.judged_assertions else task
        try:
            goal = build_goal(domain, task)
        except BrokenTaskError:
            continue  # validate reports it; a broken task passes nothing
        if await _passes(domain, task, config, goal):
            passed.add(task.id)
    return passed


def null_passes(domain: Domain, tasks: list[Task] | None = None) -> set[str]:
    """Ids of the tasks a do-nothing agent passes: each one measures nothing (``tasks --stats`` counts them)."""
    return asyncio.run(_null_passes(domain, domain.tasks if tasks is None else tasks))


def profiles_with_floor(domain: Domain) -> list[Profile]:
    """The domain's difficulty profile per split, with how many tasks scripted/null passes in each
    (what ``tasks --stats`` prints and each domain's README holds)."""
    floor = null_passes(domain)
    rows = profiles(domain)
    for r in rows:
        r.null_passes = sum(t.id in floor for t in domain.tasks if r.split in ("all", t.split))
    return rows


async def validate_domain(domain: Domain) -> list[TaskCheck]:
    if not domain.tasks:
        raise TaskFileError(f"domain {domain.name!r} has 0 tasks: there is nothing to validate or run")
    config = RunConfig(domain=domain.name)  # scripted/oracle + scripted/user
    null = null_config(domain)
    seed = Evidence([_as_text(domain.seed_data), domain.policy])  # shared by every task, read only if needed
    checks = {t.id: TaskCheck(task_id=t.id) for t in domain.tasks}
    by_content: dict[str, list[str]] = defaultdict(list)
    for task in domain.tasks:
        # Judged assertions need a model; offline validation checks everything else about the task.
        task = task.model_copy(update={"judged_assertions": []}) if task.judged_assertions else task
        by_content[_content_key(task.model_dump(mode="json"))].append(task.id)
        check = checks[task.id]
        try:
            goal = build_goal(domain, task)
        except BrokenTaskError as e:
            check.problems.append(str(e))
            continue
        check.problems.extend(f"gold actions break the policy: {p}" for p in domain.gold_policy_problems(task))
        for output in ungrounded_outputs(task, [_task_evidence(domain, task, goal), seed]):
            check.problems.append(
                f"required output {describe_output(output)!r} appears in no tool result of the gold actions, no "
                "value of the initial or final database and not in the policy: no agent can know it"
            )
        check.problems.extend(refusal_problems(task))
        check.problems.extend(follows_problems(domain, task))
        if goal.writes and not goal.changes_state:
            check.problems.append(f"{goal.writes} gold write action(s) leave the database unchanged")
        if not goal.writes and goal.changes_state:
            check.problems.append("gold actions change the database without any write tool")
        result = await execute_trial(domain, task, 0, config, goal)
        if not isinstance(result, TrialRecord) or result.reward != 1.0:
            failed = (
                [c.name for c in result.verdict.components if not c.passed]
                if isinstance(result, TrialRecord) and result.verdict
                else []
            )
            check.problems.append(
                f"oracle + scripted user did not pass (ended by {result.termination.value}"
                f"{', failed: ' + ', '.join(failed) if failed else ''}{'; ' + result.error if result.error else ''})"
            )
        if await _passes(domain, task, null, goal):
            check.problems.append(
                "scripted/null (an agent that never calls a tool) passes this task, so it measures nothing: "
                "require the look-ups a good agent makes (required_actions) or what it must say (required_outputs)"
            )
    for ids in by_content.values():
        for task_id in ids[1:]:
            checks[task_id].problems.append(f"identical to task {ids[0]!r} apart from id/description/tags/split")
    return list(checks.values())


def validate(domain: Domain) -> list[TaskCheck]:
    return asyncio.run(validate_domain(domain))
