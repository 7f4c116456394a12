"""The checker: compare a finished trial with the task's goal and keep every component of the verdict."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from frontdesk.envs import Assertion, Domain, Environment, Task
from frontdesk.errors import BrokenTaskError
from frontdesk.eval.orchestrator import NORMAL_ENDINGS, TerminationReason
from frontdesk.tools import ToolCall
from frontdesk.text import as_number, numbers_in
from frontdesk.trajectory import Role, Trajectory, agent_text


class Component(BaseModel):
    name: str
    passed: bool
    detail: Any = None


class Verdict(BaseModel):
    """Reward 1 only if every component passes. Failing components are kept, not summarised away."""

    reward: float
    components: list[Component] = Field(default_factory=list)

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)


class Goal(BaseModel):
    initial_hash: str
    goal_hash: str
    writes: int  # gold actions that are write tools

    @property
    def changes_state(self) -> bool:
        return self.initial_hash != self.goal_hash


def build_goal(domain: Domain, task: Task) -> Goal:
    """Run the gold actions on a fresh environment. A gold action that errors is a broken task."""
    env = Environment(domain, task)
    initial = env.state_hash()
    writes = domain.write_tool_names()
    for i, action in enumerate(task.gold_actions):
        call = ToolCall(id=f"gold-{i}", name=action.name, arguments=dict(action.arguments), requestor=action.requestor)
        result = env.execute(call)
        if not result.ok:
            raise BrokenTaskError(
                f"task {task.id!r} in domain {domain.name!r} is broken: gold action #{i} {action.name} "
                f"failed with {result.content!r}. Fix the task's gold_actions."
            )
    return Goal(
        initial_hash=initial,
        goal_hash=env.state_hash(),
        writes=sum(a.name in writes for a in task.gold_actions),
    )


def output_present(required: str, said: str) -> bool:
    """Case-insensitive, whitespace-insensitive; numbers compared by value."""
    number = as_number(required)
    if number is not None:
        return number in numbers_in(said)
    return " ".join(required.lower().split()) in " ".join(said.lower().split())


def evaluate_assertion(env: Environment, assertion: Assertion) -> dict[str, Any]:
    """Run one environment assertion; a function that raises counts as failed, with the reason kept."""
    fn = env.domain.assertions[assertion.name]
    try:
        actual: Any = bool(fn(env.db, **assertion.arguments))
        error = None
    except Exception as e:
        actual, error = None, f"{type(e).__name__}: {e}"
    return {
        "name": assertion.name,
        "arguments": assertion.arguments,
        "expected": assertion.expected,
        "actual": actual,
        "passed": actual == assertion.expected,
        **({"error": error} if error else {}),
    }


def check(env: Environment, task: Task, trajectory: Trajectory, termination: TerminationReason, goal: Goal) -> Verdict:
    said = agent_text(trajectory)
    missing = [o for o in task.required_outputs if not output_present(o, said)]
    actual = env.state_hash()
    components = [
        Component(name="conversation_ended_normally", passed=termination in NORMAL_ENDINGS, detail=termination.value),
        Component(
            name="db_state",
            passed=actual == goal.goal_hash,
            detail={"expected": goal.goal_hash[:16], "actual": actual[:16]},
        ),
        Component(
            name="required_outputs",
            passed=not missing,
            detail={"required": task.required_outputs, "missing": missing},
        ),
    ]
    if task.assertions:
        results = [evaluate_assertion(env, a) for a in task.assertions]
        components.append(Component(name="assertions", passed=all(r["passed"] for r in results), detail=results))
    transfer_tool = env.domain.transfer_tool
    if transfer_tool:
        # A needed transfer must happen, and an unneeded one is a cop-out, not a solution.
        expected = any(a.name == transfer_tool for a in task.gold_actions)
        # Only the agent's own successful call counts: a customer who says "transfer me" transfers nobody.
        happened = any(
            m.role is Role.TOOL and m.requestor == "agent" and m.tool_result is not None
            and m.tool_result.ok and m.tool_result.name == transfer_tool
            for m in trajectory
        )
        components.append(
            Component(name="transfer", passed=expected == happened, detail={"expected": expected, "happened": happened})
        )
    return Verdict(reward=1.0 if all(c.passed for c in components) else 0.0, components=components)
