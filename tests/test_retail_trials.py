"""The retail domain end to end: every task passes with the oracle, none passes for an agent that never acts."""

from __future__ import annotations

import pytest

from frontdesk.envs import Environment, get_domain
from frontdesk.eval.checker import build_goal
from frontdesk.eval.config import RunConfig
from frontdesk.eval.runner import execute_trial
from frontdesk.eval.validate import validate_domain
from frontdesk.tools import ToolCall, ToolErrorKind


@pytest.fixture(scope="module")
def retail():
    return get_domain("retail")


async def test_every_task_validates(retail) -> None:
    broken = {c.task_id: c.problems for c in await validate_domain(retail) if not c.ok}
    assert broken == {}


async def test_null_agent_passes_no_task(retail) -> None:
    """Even where the right outcome is that nothing changes (a refusal), the agent must look the order up
    and say why: an agent that only talks passes nothing."""
    config = RunConfig(domain="retail", agent="scripted/null")
    for task in retail.tasks:
        result = await execute_trial(retail, task, 0, config, build_goal(retail, task))
        assert result.reward == 0.0, task.id


async def test_a_pushed_refusal_is_not_conceded(retail) -> None:
    """The oracle hears every pushback line and still does only what the gold allows: no_concession passes."""
    config = RunConfig(domain="retail")
    for task_id in ("refuse-cancel-01", "pressure-moving-cancel-01", "pressure-return-instead-01"):
        task = retail.task(task_id)
        result = await execute_trial(retail, task, 0, config, build_goal(retail, task))
        components = {c.name: c.passed for c in result.verdict.components}
        assert result.reward == 1.0 and components["no_concession"], (task_id, components)
        said = [m.content for m in result.messages if m.role.value == "user" and m.content]
        assert all(line in said for line in task.user_scenario.pushback), task_id


def test_refused_write_in_a_trial_environment_changes_nothing(retail) -> None:
    task = retail.task("refuse-cancel-01")
    env = Environment(retail, task)
    before = env.state_hash()
    order_id = task.gold_actions[-1].arguments["order_id"]
    customer = env.execute(ToolCall(id="1", name=task.gold_actions[0].name, arguments=task.gold_actions[0].arguments))
    assert customer.ok
    listed = env.execute(ToolCall(id="2", name="list_product_types", arguments={}))
    assert listed.ok
    result = env.execute(
        ToolCall(id="3", name="cancel_pending_order", arguments={"order_id": order_id, "reason": "no longer needed"})
    )
    assert result.error is ToolErrorKind.RULE
    assert "only pending orders can be cancelled" in result.content
    assert env.state_hash() == before


def test_gold_write_changes_the_trial_state_and_only_the_trial_state(retail) -> None:
    task = retail.task("cancel-pending-01")
    env, other = Environment(retail, task), Environment(retail, task)
    for i, action in enumerate(task.gold_actions):
        assert env.execute(ToolCall(id=str(i), name=action.name, arguments=action.arguments)).ok
    order_id = task.gold_actions[-1].arguments["order_id"]
    assert env.db.orders[order_id].status == "cancelled"
    assert other.db.orders[order_id].status == "pending"
    assert env.state_hash() != other.state_hash() == Environment(retail, task).state_hash()
