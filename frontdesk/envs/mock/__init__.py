"""A small shop used to exercise every part of frontdesk (and to learn how a domain is built)."""

from pathlib import Path

from frontdesk.envs.domain import Domain
from frontdesk.envs.mock.db import MockDB
from frontdesk.envs.mock.tools import AGENT_TOOLS

domain = Domain(
    name="mock",
    description="A tiny online shop: look up orders, cancel or re-address pending ones, update emails.",
    db_model=MockDB,
    agent_tools=AGENT_TOOLS,
    data_dir=Path(__file__).parent / "data",
)

__all__ = ["MockDB", "domain"]
