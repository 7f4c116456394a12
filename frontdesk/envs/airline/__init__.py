"""Halcyon Airways: flights over a month of schedule, members, reservations, and the rules for changing them."""

from pathlib import Path

from frontdesk.envs.airline.db import AirlineDB
from frontdesk.envs.airline.policy_check import gold_policy_problems
from frontdesk.envs.airline.tools import AGENT_TOOLS
from frontdesk.envs.domain import Domain

domain = Domain(
    name="airline",
    description="An airline's reservations desk: search, book, change, cancel, bags, compensation.",
    db_model=AirlineDB,
    agent_tools=AGENT_TOOLS,
    data_dir=Path(__file__).parent / "data",
    gold_policy_check=gold_policy_problems,
    version="2",  # 2: authored customer texts, pressure and several-change tasks, typed outputs, refusals checked
)

__all__ = ["AirlineDB", "domain"]
