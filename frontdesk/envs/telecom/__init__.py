"""A mobile carrier with dual control: the agent works the backend, the customer works the phone."""

from pathlib import Path

from frontdesk.envs.domain import Domain
from frontdesk.envs.task import Task
from frontdesk.envs.telecom.assertions import ASSERTIONS
from frontdesk.envs.telecom.db import TelecomDB
from frontdesk.envs.telecom.tools import AGENT_TOOLS
from frontdesk.envs.telecom.user_tools import USER_TOOLS
from frontdesk.tools import write_tool_names

_AGENT_WRITES = write_tool_names(AGENT_TOOLS)


def gold_follows_policy(task: Task, db: TelecomDB) -> list[str]:
    """Identity before any backend change; a restart after every APN reset (the manual's rule)."""
    problems = []
    identified = False
    for i, action in enumerate(task.gold_actions):
        if action.name == "find_customer_by_phone":
            identified = True
        elif action.requestor == "agent" and action.name in _AGENT_WRITES and not identified:
            problems.append(f"gold action #{i} {action.name} comes before find_customer_by_phone")
        if action.name == "reset_apn_settings" and not any(
            later.name == "reboot_phone" for later in task.gold_actions[i + 1 :]
        ):
            problems.append(f"gold action #{i} reset_apn_settings is not followed by reboot_phone")
    return problems


domain = Domain(
    name="telecom",
    description="A mobile carrier: the agent fixes the account while guiding the customer through fixes on their phone.",
    db_model=TelecomDB,
    agent_tools=AGENT_TOOLS,
    user_tools=USER_TOOLS,
    data_dir=Path(__file__).parent / "data",
    gold_policy_check=gold_follows_policy,
    assertions=ASSERTIONS,
    version="2",  # 2: authored customer texts, pressure tasks, redundant combinations retired
)

__all__ = ["TelecomDB", "domain"]
