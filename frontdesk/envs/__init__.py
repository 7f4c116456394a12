"""Domains, tasks, environments and canonical state hashing."""

from frontdesk.envs.cow import scan
from frontdesk.envs.domain import Domain, merge_patch
from frontdesk.envs.environment import TASK_STATE, Environment
from frontdesk.envs.hashing import canonical, canonical_json, state_hash
from frontdesk.envs.outputs import (
    Amount,
    Duration,
    Output,
    Phrases,
    describe_output,
    dump_output,
    durations_in,
    load_output,
    output_present,
    render_output,
)
from frontdesk.envs.registry import domain_names, get_domain
from frontdesk.envs.state import changes, layer, merge_diff
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
    "Amount",
    "Duration",
    "Output",
    "Phrases",
    "Assertion",
    "Domain",
    "Environment",
    "TASK_STATE",
    "Task",
    "TaskFile",
    "UserScenario",
    "canonical",
    "changes",
    "layer",
    "merge_diff",
    "canonical_json",
    "describe_output",
    "dump_output",
    "durations_in",
    "domain_names",
    "get_domain",
    "load_tasks",
    "load_output",
    "merge_patch",
    "output_present",
    "parse_tasks",
    "render_output",
    "scan",
    "state_hash",
    "tasks_json_schema",
]
