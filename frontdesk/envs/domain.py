"""A Domain: one business backend — DB schema and seed data, tools, policy, tasks."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from frontdesk.envs.cow import PristineTable, fork, pristine_tables, table_fields
from frontdesk.envs.hashing import canonical_json
from frontdesk.envs.state import changes, layer, merge_patch
from frontdesk.envs.task import Task, load_tasks
from frontdesk.errors import ConfigError, TaskFileError
from frontdesk.tools import Tool, ToolCall, write_tool_names

__all__ = ["Domain", "merge_patch"]


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
    _own_states: dict[str, dict[str, Any] | None] = field(default_factory=dict, init=False, repr=False, compare=False)
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
        return self._resolve_follows(tasks)

    def own_state(self, task_id: str) -> dict[str, Any] | None:
        """The ``initial_state`` a task's file gives it. For a task that ``follows`` another, its
        ``initial_state`` as loaded is the predecessor's end state with this on top; a queue that
        served the predecessor itself puts only this on the state that conversation left."""
        self.tasks  # noqa: B018 - loading the tasks records their own states
        return self._own_states.get(task_id)

    def _resolve_follows(self, tasks: list[Task]) -> list[Task]:
        """Give each task that ``follows`` another its effective ``initial_state``: the state the
        predecessor's gold actions leave (itself resolved first), with the task's own patch on top.
        Goals, the checker's diff, replays and ``validate`` then need nothing else."""
        where = self.data_dir / "tasks.json"
        by_id = {t.id: t for t in tasks}
        resolved: dict[str, Task] = {}
        self._own_states = {t.id: t.initial_state for t in tasks}

        def resolve(task: Task, chain: tuple[str, ...]) -> Task:
            if task.id in resolved:
                return resolved[task.id]
            if task.follows is None:
                resolved[task.id] = task
                return task
            if task.follows in chain or task.follows == task.id:
                loop = " -> ".join([*chain, task.id, task.follows])
                raise TaskFileError(f"{where}: task {task.id!r}, field 'follows': the tasks follow in a loop ({loop})")
            predecessor = by_id.get(task.follows)
            if predecessor is None:
                raise TaskFileError(
                    f"{where}: task {task.id!r}, field 'follows': no task {task.follows!r} in domain {self.name!r}; "
                    "name the id of the task whose outcome this one starts from"
                )
            before = resolve(predecessor, (*chain, task.id))
            after = self.state_after_gold(before)
            resolved[task.id] = task.model_copy(update={"initial_state": layer(self, after, task.initial_state)})
            return resolved[task.id]

        return [resolve(t, ()) for t in tasks]

    def state_after_gold(self, task: Task) -> dict[str, Any] | None:
        """The state ``task``'s gold actions leave, from its initial state, as a patch on the seed:
        where a task that follows it starts (and what the generators draft such a task on)."""
        from frontdesk.envs.environment import Environment  # the environment module builds on this one

        env = Environment(self, task)  # the toolkits a trial gets: both seats, one database
        for i, action in enumerate(task.gold_actions):
            call = ToolCall(
                id=f"gold-{i}", name=action.name, arguments=dict(action.arguments), requestor=action.requestor
            )
            result = env.execute(call)
            if not result.ok:
                raise TaskFileError(
                    f"{self.data_dir / 'tasks.json'}: task {task.id!r} is followed by another task, but its gold "
                    f"action #{i} {action.name} fails: {result.content}. Fix its gold_actions."
                )
        return changes(self, env.initial_state, env.db)

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

    def seed_db(self) -> BaseModel:
        """The seed database, validated once; never mutate it (fork it with :meth:`build_db`)."""
        return self._seed[0]

    def seed_tables(self) -> dict[str, PristineTable]:
        return self._seed[1]

    @cached_property
    def _seed(self) -> tuple[BaseModel, dict[str, PristineTable]]:
        try:
            db = self.db_model.model_validate(self.seed_data)
        except ValidationError as e:
            raise TaskFileError(f"domain {self.name!r}: the seed data does not fit the database schema: {e}") from None
        return db, pristine_tables(db, self.seed_data)

    def _pristine(self, initial_state: dict[str, Any] | None) -> tuple[BaseModel, dict[str, PristineTable]]:
        if not initial_state:
            return self._seed
        key = canonical_json(initial_state)
        cached = self._pristine_cache.get(key)
        if cached is not None:
            self._pristine_cache.move_to_end(key)
            return cached
        entry = self._derive(initial_state)
        self._pristine_cache[key] = entry
        if len(self._pristine_cache) > PRISTINE_CACHE_SIZE:
            self._pristine_cache.popitem(last=False)
        return entry

    def _derive(self, patch: dict[str, Any]) -> tuple[BaseModel, dict[str, PristineTable]]:
        """The pristine DB of seed + ``patch``. Only what the patch names is validated: the other
        records are the seed's, shared, so a state a few records from the seed costs those records
        (a task's initial state, a ``follows`` task, each customer of a sequential queue)."""
        tables = table_fields(self.db_model)
        seed_tables = self.seed_tables()
        if any(name in tables and not isinstance(value, dict) for name, value in patch.items()):
            return self._validate_whole(merge_patch(self.seed_data, patch))  # a table replaced whole
        # The fields outside tables, with only the patched records: one small validation.
        skeleton = merge_patch({k: v for k, v in self.seed_data.items() if k not in tables}, patch)
        removed: dict[str, set[str]] = {name: set() for name in tables}
        for name in tables:
            entries = patch.get(name) or {}
            skeleton[name] = {}
            for key, entry in entries.items():
                if entry is None:
                    removed[name].add(key)
                else:
                    skeleton[name][key] = merge_patch(seed_tables[name].data.get(key), entry)
        try:
            db = self.db_model.model_validate(skeleton)
        except ValidationError as e:
            raise TaskFileError(f"domain {self.name!r}: initial state does not fit the database schema: {e}") from None
        derived = {
            name: seed_tables[name].derive(dict(getattr(db, name)), skeleton[name], removed[name])
            if patch.get(name)
            else seed_tables[name]
            for name in tables
        }
        return db, derived

    def _validate_whole(self, data: dict[str, Any]) -> tuple[BaseModel, dict[str, PristineTable]]:
        try:
            db = self.db_model.model_validate(data)
        except ValidationError as e:
            raise TaskFileError(f"domain {self.name!r}: initial state does not fit the database schema: {e}") from None
        return db, pristine_tables(db, data)

    def gold_policy_problems(self, task: Task) -> list[str]:
        """How ``task``'s gold actions break the policy: empty if they do not (or no check exists)."""
        if self.gold_policy_check is None:
            return []
        return self.gold_policy_check(task, self.build_db(task.initial_state))

    def write_tool_names(self) -> set[str]:
        return write_tool_names([*self.agent_tools, *self.user_tools])
