"""A Domain: one business backend — DB schema and seed data, tools, policy, tasks."""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from frontdesk.envs.cow import PristineTable, fork, pristine_tables
from frontdesk.envs.hashing import canonical_json
from frontdesk.envs.task import Task, load_tasks
from frontdesk.errors import ConfigError, TaskFileError
from frontdesk.tools import Tool, write_tool_names


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: dicts merge recursively, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# Pristine DBs kept per domain, one per distinct initial state (tasks often share none, so bound it).
PRISTINE_CACHE_SIZE = 32


@dataclass
class Domain:
    """Everything a trial needs from one business. Build one per domain package."""

    name: str
    description: str
    db_model: type[BaseModel]
    agent_tools: list[Tool]
    data_dir: Path
    # Bump when what the tasks mean or how they are checked changes: runs of different versions are
    # never pooled or resumed into each other (the version is part of the domain fingerprint).
    version: str = "1"
    user_tools: list[Tool] = field(default_factory=list)
    # Calling this agent tool successfully ends the conversation as a transfer to a human.
    transfer_tool: str | None = "transfer_to_human_agents"
    # Domain-specific checks of a task's gold actions against the policy (e.g. "identity is looked
    # up before any write"): f(task, db) -> problems found, where db is a fresh copy of the task's
    # initial database. `frontdesk validate` runs it on every task (see gold_policy_problems).
    gold_policy_check: Callable[[Task, Any], list[str]] | None = None
    # Named checks a task's `assertions` refer to: f(db, **arguments) -> bool.
    assertions: dict[str, Callable[..., bool]] = field(default_factory=dict)
    _pristine_cache: OrderedDict[str, tuple[BaseModel, dict[str, PristineTable]]] = field(
        default_factory=OrderedDict, init=False, repr=False, compare=False
    )

    @cached_property
    def policy(self) -> str:
        return (self.data_dir.parent / "policy.md").read_text(encoding="utf-8")

    @cached_property
    def seed_data(self) -> dict[str, Any]:
        return json.loads((self.data_dir / "db.json").read_text(encoding="utf-8"))

    @cached_property
    def tasks(self) -> list[Task]:
        tasks = load_tasks(self.data_dir / "tasks.json")
        known = {t.name: t for t in self.agent_tools} | {t.name: t for t in self.user_tools}
        for task in tasks:
            for i, action in enumerate(task.gold_actions):
                if action.name not in known:
                    raise TaskFileError(
                        f"{self.data_dir / 'tasks.json'}: task {task.id!r}, field 'gold_actions.{i}.name': "
                        f"unknown tool {action.name!r}; domain {self.name!r} has: {', '.join(sorted(known))}"
                    )
            for i, assertion in enumerate(task.assertions):
                if assertion.name not in self.assertions:
                    raise TaskFileError(
                        f"{self.data_dir / 'tasks.json'}: task {task.id!r}, field 'assertions.{i}.name': "
                        f"unknown assertion {assertion.name!r}; domain {self.name!r} has: "
                        f"{', '.join(sorted(self.assertions)) or 'none'}"
                    )
        return tasks

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise ConfigError(
            f"domain {self.name!r} has no task {task_id!r}; `frontdesk tasks --domain {self.name}` lists them"
        )

    def build_db(self, initial_state: dict[str, Any] | None = None) -> BaseModel:
        """A fresh, private database: the seed data with the task's initial-state patch applied.

        It is a copy-on-write fork of a pristine DB validated once per initial state, so a trial
        costs what it touches, not what the domain holds (see frontdesk/envs/cow.py).
        """
        pristine, tables = self._pristine(initial_state)
        return fork(pristine, tables)

    def _pristine(self, initial_state: dict[str, Any] | None) -> tuple[BaseModel, dict[str, PristineTable]]:
        key = canonical_json(initial_state) if initial_state else ""
        cached = self._pristine_cache.get(key)
        if cached is not None:
            self._pristine_cache.move_to_end(key)
            return cached
        data = merge_patch(self.seed_data, initial_state) if initial_state else self.seed_data
        try:
            db = self.db_model.model_validate(data)
        except ValidationError as e:
            raise TaskFileError(f"domain {self.name!r}: initial state does not fit the database schema: {e}") from None
        entry = (db, pristine_tables(db, data))
        self._pristine_cache[key] = entry
        if len(self._pristine_cache) > PRISTINE_CACHE_SIZE:
            self._pristine_cache.popitem(last=False)
        return entry

    def gold_policy_problems(self, task: Task) -> list[str]:
        """How ``task``'s gold actions break the policy: empty if they do not (or no check exists)."""
        if self.gold_policy_check is None:
            return []
        return self.gold_policy_check(task, self.build_db(task.initial_state))

    def write_tool_names(self) -> set[str]:
        return write_tool_names([*self.agent_tools, *self.user_tools])
