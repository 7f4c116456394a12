"""Domain validation: every task solvable by the oracle with the scripted user, and well-formed."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from pydantic import BaseModel, Field

from frontdesk.envs import Domain, canonical_json
from frontdesk.errors import BrokenTaskError
from frontdesk.eval.checker import build_goal
from frontdesk.eval.config import RunConfig
from frontdesk.eval.record import TrialRecord
from frontdesk.eval.runner import execute_trial


class TaskCheck(BaseModel):
    task_id: str
    problems: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _content_key(task_data: dict) -> str:
    """A task's substance: what differs only in id, description, tags or split is the same task."""
    return canonical_json({k: v for k, v in task_data.items() if k not in {"id", "description", "tags", "split"}})


async def validate_domain(domain: Domain) -> list[TaskCheck]:
    config = RunConfig(domain=domain.name)  # scripted/oracle + scripted/user
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
