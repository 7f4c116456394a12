"""An online store: customers, a catalogue of product variants, orders in every stage of their life."""

from pathlib import Path

from frontdesk.envs.domain import Domain
from frontdesk.envs.retail.db import RetailDB
from frontdesk.envs.retail.policy_check import gold_policy_problems
from frontdesk.envs.retail.tools import AGENT_TOOLS
from frontdesk.envs.task import Task
from frontdesk.tools import write_tool_names
from frontdesk.tools.generic import transfer_to_human_agents

_WRITES = write_tool_names(AGENT_TOOLS)


def gold_policy_check(task: Task, db: RetailDB) -> list[str]:
    """The ways ``task``'s gold actions break the policy's order (see policy_check.py)."""
    return gold_policy_problems(task, db, _WRITES, transfer_to_human_agents.name)


domain = Domain(
    name="retail",
    description="An online store: cancel or change pending orders, return or exchange delivered items, update profiles.",
    db_model=RetailDB,
    agent_tools=AGENT_TOOLS,
    data_dir=Path(__file__).parent / "data",
    gold_policy_check=gold_policy_check,
    version="2",
)

__all__ = ["RetailDB", "domain"]
