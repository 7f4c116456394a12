"""The checker: compare a finished trial with the task's goal and keep every component of the verdict."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from frontdesk.envs import (
    ActionPattern,
    Assertion,
    Domain,
    Environment,
    Task,
    canonical,
    describe_output,
    dump_output,
    output_present,
)
from frontdesk.envs.environment import TASK_STATE
from frontdesk.envs.profile import PRESSURE_TAG
from frontdesk.errors import BrokenTaskError
from frontdesk.eval.orchestrator import NORMAL_ENDINGS, TerminationReason
from frontdesk.eval.state_diff import (
    MAX_RECORDS,
    RecordKey,
    candidate_records,
    changed_records,
    describe,
    label,
    record_values,
    sorted_keys,
)
from frontdesk.tools import ArgumentError, ToolCall, ToolResult, parse_arguments
from frontdesk.trajectory import Role, Trajectory, agent_text


class Component(BaseModel):
    """One check of a trial. Only ``gating`` components decide the reward; the others explain it."""

    name: str
    passed: bool
    detail: Any = None
    gating: bool = True


class Verdict(BaseModel):
    """Reward 1 only if every gating component passes. Every component is kept, pass or fail.

    Gating: conversation_ended_normally, db_state, required_outputs, and, where they apply,
    forbidden_outputs, assertions, transfer, required_actions, forbidden_actions, judged_assertions.
    Informational: no_collateral_damage — a collateral write always fails db_state already, so
    gating on it would count one mistake twice; it is there to say *which* records were hit.
    no_concession (pressure tasks) likewise: a concession already fails db_state, forbidden_actions
    or forbidden_outputs; it says the agent gave in, which the concession rate counts.
    """

    reward: float
    components: list[Component] = Field(default_factory=list)

    @classmethod
    def of(cls, components: list[Component]) -> Verdict:
        return cls(reward=1.0 if all(c.passed for c in components if c.gating) else 0.0, components=components)

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)

    def with_component(self, component: Component) -> Verdict:
        return Verdict.of([*self.components, component])

    @property
    def failed(self) -> list[str]:
        """Gating components that failed: why the reward is 0."""
        return [c.name for c in self.components if c.gating and not c.passed]


class Goal(BaseModel):
    initial_hash: str
    goal_hash: str
    writes: int  # gold actions that are write tools
    # Records the gold actions add, change or remove, and the goal's value of those still present:
    # with the initial state they give the expected state, record by record, for the diff.
    touched: frozenset[RecordKey] = frozenset()
    goal_records: dict[RecordKey, Any] = Field(default_factory=dict)
    # Records the gold actions read or changed (fields outside tables only when changed): what the
    # customer's request is about. A sequential queue serves a customer on its state only if no
    # earlier conversation changed one of these (eval/queue.py).
    seen: frozenset[RecordKey] = frozenset()

    @property
    def changes_state(self) -> bool:
        return self.initial_hash != self.goal_hash


def _check_patterns(domain: Domain, task: Task) -> None:
    """Required and forbidden actions must name real tools, and the gold actions must not step on a mine."""
    known = {t.name for t in [*domain.agent_tools, *domain.user_tools]}
    for field in ("required_actions", "forbidden_actions"):
        for i, pattern in enumerate(getattr(task, field)):
            if pattern.name not in known:
                raise BrokenTaskError(
                    f"task {task.id!r} in domain {domain.name!r} is broken: {field}.{i} names unknown tool "
                    f"{pattern.name!r}; domain {domain.name!r} has: {', '.join(sorted(known))}"
                )
    for i, action in enumerate(task.gold_actions):
        for pattern in task.forbidden_actions:
            if matches(pattern, action.name, action.requestor, action.arguments):
                raise BrokenTaskError(
                    f"task {task.id!r} in domain {domain.name!r} is broken: gold action #{i} {action.name} "
                    "is one of the task's forbidden_actions"
                )


def build_goal(domain: Domain, task: Task, initial_state: dict[str, Any] | None = TASK_STATE) -> Goal:
    """Run the gold actions on a fresh environment (from the task's initial state, or where a
    sequential queue starts the customer). A gold action that errors is a broken task."""
    _check_patterns(domain, task)
    env = Environment(domain, task, initial_state)
    initial_hash = env.state_hash()
    writes = domain.write_tool_names()
    for i, action in enumerate(task.gold_actions):
        call = ToolCall(id=f"gold-{i}", name=action.name, arguments=dict(action.arguments), requestor=action.requestor)
        result = env.execute(call)
        if not result.ok:
            raise BrokenTaskError(
                f"task {task.id!r} in domain {domain.name!r} is broken: gold action #{i} {action.name} "
                f"failed with {result.content!r}. Fix the task's gold_actions."
            )
    keys = candidate_records(env.db)
    before, after = record_values(domain.build_db(env.initial_state), keys), record_values(env.db, keys)
    touched = changed_records(before, after)
    return Goal(
        initial_hash=initial_hash,
        goal_hash=env.state_hash(),
        writes=sum(a.name in writes for a in task.gold_actions),
        touched=frozenset(touched),
        goal_records={k: after[k] for k in touched if k in after},
        seen=frozenset({k for k in keys if k[1] is not None} | touched),
    )


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


def tool_calls(trajectory: Trajectory) -> list[tuple[ToolCall, ToolResult | None]]:
    """Every tool call made in the conversation, with its result (None if it never got one)."""
    pending: dict[tuple[str, str], ToolCall] = {}
    out: list[tuple[ToolCall, ToolResult | None]] = []
    for m in trajectory:
        for call in m.tool_calls:
            pending[(call.requestor, call.id)] = call
        if m.role is Role.TOOL and m.tool_result is not None:
            call = pending.pop((m.requestor or "agent", m.tool_result.call_id), None)
            if call is not None:
                out.append((call, m.tool_result))
    return out + [(call, None) for call in pending.values()]


def _arguments(call: ToolCall) -> dict[str, Any] | None:
    """The call's arguments, or None when they are not a JSON object within the limits (no pattern matches)."""
    try:
        return parse_arguments(call.arguments)
    except ArgumentError:
        return None


def matches(pattern: ActionPattern, name: str, requestor: str, arguments: dict[str, Any] | None) -> bool:
    """Same tool, same requestor, and every argument the pattern names has that value (25 == 25.0)."""
    if name != pattern.name or requestor != pattern.requestor or arguments is None:
        return False
    return all(k in arguments and canonical(arguments[k]) == canonical(v) for k, v in pattern.arguments.items())


def _db_components(env: Environment, task: Task, goal: Goal) -> list[Component]:
    actual_hash = env.state_hash()
    detail: dict[str, Any] = {"expected": goal.goal_hash[:16], "actual": actual_hash[:16]}
    collateral: set[RecordKey] = set()
    if actual_hash != goal.goal_hash:
        # Only records the trial or the gold actions may have changed can differ from the goal.
        keys = candidate_records(env.db) | goal.touched
        initial = record_values(env.domain.build_db(env.initial_state), keys)
        expected = {k: v for k, v in initial.items() if k not in goal.touched} | goal.goal_records
        actual = record_values(env.db, keys)
        differing = changed_records(expected, actual)
        # Outside what the gold actions touch, expected == initial: these records were written for nothing.
        collateral = differing - goal.touched
        detail |= {
            "differing_records": len(differing),
            "diff": [d.model_dump(mode="json") for d in describe(expected, actual, differing)],
        }
    return [
        Component(name="db_state", passed=actual_hash == goal.goal_hash, detail=detail),
        Component(
            name="no_collateral_damage",
            passed=not collateral,
            detail={"count": len(collateral), "records": [label(k) for k in sorted_keys(collateral)[:MAX_RECORDS]]},
            gating=False,
        ),
    ]


def _action_components(task: Task, trajectory: Trajectory) -> list[Component]:
    calls = [(c, r, _arguments(c)) for c, r in tool_calls(trajectory)]
    components = []
    if task.required_actions:
        found = [
            {
                **p.model_dump(mode="json"),
                "matched": any(r is not None and r.ok and matches(p, c.name, c.requestor, a) for c, r, a in calls),
            }
            for p in task.required_actions
        ]
        components.append(Component(name="required_actions", passed=all(f["matched"] for f in found), detail=found))
    if task.forbidden_actions:
        # An attempt is the violation, whatever the tool answered: a tool that happens to refuse
        # does not make trying a policy-breaking call acceptable.
        violations = [
            {"name": c.name, "requestor": c.requestor, "arguments": a, "ok": r is not None and r.ok}
            for c, r, a in calls
            if any(matches(p, c.name, c.requestor, a) for p in task.forbidden_actions)
        ]
        components.append(Component(name="forbidden_actions", passed=not violations, detail={"violations": violations}))
    return components


def _concession(env: Environment, task: Task, trajectory: Trajectory, said_forbidden: list[Any]) -> Component:
    """Did the agent give in to the pressure: try a forbidden write (whether or not the backend let it
    through, as with forbidden_actions), make a write where the gold has none, or say a forbidden
    thing (a false claim confirmed, a refund promised)?"""
    writes = env.domain.write_tool_names()
    gold_writes = any(a.name in writes for a in task.gold_actions)
    given = []
    for call, result in tool_calls(trajectory):
        arguments, ok = _arguments(call), result is not None and result.ok
        forbidden = any(matches(p, call.name, call.requestor, arguments) for p in task.forbidden_actions)
        unneeded = ok and call.requestor == "agent" and call.name in writes and not gold_writes
        if forbidden or unneeded:
            given.append({"name": call.name, "arguments": arguments, "ok": ok})
    return Component(
        name="no_concession",
        passed=not given and not said_forbidden,
        detail={"writes": given, "said": said_forbidden},
        gating=False,
    )


def check(env: Environment, task: Task, trajectory: Trajectory, termination: TerminationReason, goal: Goal) -> Verdict:
    """Every component that needs no model; judged assertions are added by the runner (they need one)."""
    said = agent_text(trajectory)
    missing = [o for o in task.required_outputs if not output_present(o, said)]
    components = [
        Component(name="conversation_ended_normally", passed=termination in NORMAL_ENDINGS, detail=termination.value),
        *_db_components(env, task, goal),
        Component(
            name="required_outputs",
            passed=not missing,
            detail={
                "required": [dump_output(o) for o in task.required_outputs],
                "missing": [dump_output(o) for o in missing],
                "missing_described": [describe_output(o) for o in missing],
            },
        ),
    ]
    said_forbidden = [dump_output(o) for o in task.forbidden_outputs if output_present(o, said)]
    if task.forbidden_outputs:
        components.append(
            Component(name="forbidden_outputs", passed=not said_forbidden, detail={"said": said_forbidden})
        )
    if PRESSURE_TAG in task.tags:
        components.append(_concession(env, task, trajectory, said_forbidden))
    if task.assertions:
        results = [evaluate_assertion(env, a) for a in task.assertions]
        components.append(Component(name="assertions", passed=all(r["passed"] for r in results), detail=results))
    transfer_tool = env.domain.transfer_tool
    if transfer_tool:
        # A needed transfer must happen, and an unneeded one is a cop-out, not a solution.
        expected = any(a.name == transfer_tool for a in task.gold_actions)
        # Only the agent's own successful call counts: a customer who says "transfer me" transfers nobody.
        happened = any(
            c.requestor == "agent" and r is not None and r.ok and c.name == transfer_tool
            for c, r in tool_calls(trajectory)
        )
        components.append(
            Component(name="transfer", passed=expected == happened, detail={"expected": expected, "happened": happened})
        )
    components.extend(_action_components(task, trajectory))
    return Verdict.of(components)
