"""An online store: customers, a catalogue of product variants, orders in every stage of their life."""

from pathlib import Path

from frontdesk.envs.domain import Domain
from frontdesk.envs.retail.db import RetailDB
from frontdesk.envs.retail.policy_check import gold_policy_problems
from frontdesk.envs.retail.tools import AGENT_TOOLS
from frontdesk.envs.task import Task


def gold_policy_check(task: Task) -> list[str]:
    """The ways ``task``'s gold actions break the policy's order (see policy_check.py)."""
    db = domain.build_db(task.initial_state)
    return gold_policy_problems(task, db, domain.write_tool_names(), domain.transfer_tool)


domain = Domain(
    name="retail",
    description="An online store: cancel or change pending orders, return or exchange delivered items, update profiles.",
    db_model=RetailDB,
    agent_tools=AGENT_TOOLS,
    data_dir=Path(__file__).parent / "data",
    gold_policy_check=gold_policy_check,
)

__all__ = ["RetailDB", "domain"]
