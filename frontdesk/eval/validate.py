"""Domain validation: every task solvable by the oracle with the scripted user, and well-formed."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from decimal import Decimal
from functools import cached_property
from typing import Any

from pydantic import BaseModel, Field

from frontdesk.envs import Domain, Environment, Task, canonical_json
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
    said (:func:`frontdesk.eval.checker.output_present`): anything but a number as a case- and
    whitespace-insensitive substring; a number by value, sign aside, because a difference is told
    in words ("you would get $9.51 back" grounds in a calculation giving -9.51). Normalised
    lazily: a domain's seed DB is megabytes."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    @cached_property
    def words(self) -> str:
        return "\n".join(" ".join(t.lower().split()) for t in self.texts)

    @cached_property
    def magnitudes(self) -> set[Decimal]:
        return {abs(n) for text in self.texts for n in numbers_in(text)}

    def supports(self, output: str) -> bool:
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


def ungrounded_outputs(task: Task, evidence: list[Evidence]) -> list[str]:
    """Required outputs that nothing the gold run shows supports: not a tool result of the gold
    actions, not a value of the initial or final database. The oracle recites required outputs
    word for word, so only this check notices one that no agent could know ("the moon is cheese")."""
    return [o for o in task.required_outputs if not any(e.supports(o) for e in evidence)]


async def validate_domain(domain: Domain) -> list[TaskCheck]:
    if not domain.tasks:
        raise TaskFileError(f"domain {domain.name!r} has 0 tasks: there is nothing to validate or run")
    config = RunConfig(domain=domain.name)  # scripted/oracle + scripted/user
    seed = Evidence([_as_text(domain.seed_data)])  # shared by every task, read only if needed
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
                f"required output {output!r} appears in no tool result of the gold actions and no value of "
                "the initial or final database: no agent can know it"
            )
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
    for ids in by_content.values():
        for task_id in ids[1:]:
            checks[task_id].problems.append(f"identical to task {ids[0]!r} apart from id/description/tags/split")
    return list(checks.values())


def validate(domain: Domain) -> list[TaskCheck]:
    return asyncio.run(validate_domain(domain))
