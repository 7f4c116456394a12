"""Domains, tasks, environments and canonical state hashing."""

from frontdesk.envs.cow import scan
from frontdesk.envs.domain import Domain, merge_patch
from frontdesk.envs.environment import Environment
from frontdesk.envs.hashing import canonical, canonical_json, state_hash
from frontdesk.envs.registry import domain_names, get_domain
from frontdesk.envs.task import (
    Action,
    ActionPattern,
    Assertion,
    Task,
    TaskFile,
    UserScenario,
    load_tasks,
    parse_tasks,
    tasks_json_schema,
)

__all__ = [
    "Action",
    "ActionPattern",
    "Assertion",
    "Domain",
    "Environment",
    "Task",
    "TaskFile",
    "UserScenario",
    "canonical",
    "canonical_json",
    "domain_names",
    "get_domain",
    "load_tasks",
    "merge_patch",
    "parse_tasks",
    "scan",
    "state_hash",
    "tasks_json_schema",
]
