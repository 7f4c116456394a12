"""A small shop used to exercise every part of frontdesk (and to learn how a domain is built)."""

from pathlib import Path

from frontdesk.envs.domain import Domain
from frontdesk.envs.mock.db import MockDB
from frontdesk.envs.mock.tools import AGENT_TOOLS
from frontdesk.envs.task import Task
from frontdesk.tools import write_tool_names

_WRITES = write_tool_names(AGENT_TOOLS)


def identity_before_writes(task: Task, db: MockDB) -> list[str]:
    """The policy: find the customer by email before changing anything."""
    for i, action in enumerate(task.gold_actions):
        if action.name == "find_customer_by_email":
            return []
        if action.name in _WRITES:
            return [f"gold action #{i} {action.name} comes before find_customer_by_email"]
    return []


domain = Domain(
    name="mock",
    description="A tiny online shop: look up orders, cancel or re-address pending ones, update emails.",
    version="2",  # 2: refusals ask for the look-ups and the reason; a pressure task
    db_model=MockDB,
    agent_tools=AGENT_TOOLS,
    data_dir=Path(__file__).parent / "data",
    gold_policy_check=identity_before_writes,
)

__all__ = ["MockDB", "domain"]
