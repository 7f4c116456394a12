"""Tasks: one customer situation each. On disk they are JSON checked against a shipped JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field

from frontdesk.errors import TaskFileError

SCHEMA_PATH = Path(__file__).parent / "schemas" / "tasks.schema.json"


class UserScenario(BaseModel):
    """What the simulated customer wants and knows. Personas change how they talk, never this."""

    model_config = ConfigDict(extra="forbid")

    reason_for_contact: str = Field(min_length=1, description="Why the customer gets in touch, in their words.")
    opening_message: str | None = Field(
        default=None, description="If set, the customer's first message, delivered word for word by every simulator."
    )
    known_facts: dict[str, str] = Field(
        default_factory=dict,
        description='Facts the customer can give when asked, e.g. {"email": "ana@example.com"}.',
    )
    unknown_facts: list[str] = Field(
        default_factory=list, description="Things the customer does not know and must not invent."
    )
    instructions: list[str] = Field(
        default_factory=list, description="What the customer wants done and how the conversation should go."
    )
    will_not_accept: list[str] = Field(
        default_factory=list,
        description="Proposals the customer declines; a confirmation request mentioning one of these is refused.",
    )


class Action(BaseModel):
    """One gold (reference) tool call."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    arguments: dict[str, Any] = Field(default_factory=dict)
    requestor: Literal["agent", "user"] = "agent"


class ActionPattern(BaseModel):
    """A tool call to look for in a conversation: only the arguments given here are compared."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="The tool's name.")
    arguments: dict[str, Any] = Field(
        default_factory=dict,
        description="Arguments that must have these values (numbers by value); arguments not listed may be anything.",
    )
    requestor: Literal["agent", "user"] = Field(default="agent", description="Whose call it must be.")


class Assertion(BaseModel):
    """A check on the final environment, run by a function the domain provides (dual-control domains)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="An assertion function of the domain, e.g. 'mobile_data_works'.")
    arguments: dict[str, Any] = Field(default_factory=dict)
    expected: bool = True
    description: str = Field(default="", description="For people: what this checks.")


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", description="Unique within the domain.")
    split: Literal["train", "test"] = "test"
    description: str = Field(default="", description="For people: what this task tests.")
    tags: list[str] = Field(default_factory=list)
    user_scenario: UserScenario
    initial_state: dict[str, Any] | None = Field(
        default=None, description="JSON merge patch (RFC 7386) applied to the domain's seed database."
    )
    gold_actions: list[Action] = Field(default_factory=list)
    required_outputs: list[str] = Field(
        default_factory=list, description="Values the agent must tell the customer (numbers match normalised)."
    )
    assertions: list[Assertion] = Field(
        default_factory=list, description="Checks on the final environment that must hold (e.g. device state)."
    )
    required_actions: list[ActionPattern] = Field(
        default_factory=list,
        description="Opt-in action match: tool calls that must have succeeded, with the chosen arguments.",
    )
    forbidden_actions: list[ActionPattern] = Field(
        default_factory=list,
        description="Minefields: tool calls that must never be attempted in this task, whatever their result.",
    )
    judged_assertions: list[str] = Field(
        default_factory=list,
        description="Opt-in natural-language checks on the conversation, scored by the run's judge model.",
    )


class TaskFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: list[Task]


def tasks_json_schema() -> dict[str, Any]:
    schema = TaskFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "frontdesk task file"
    return schema


_validator: Draft202012Validator | None = None


def _schema_validator() -> Draft202012Validator:
    global _validator
    if _validator is None:
        _validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    return _validator


def _task_label(data: Any, index: int) -> str:
    try:
        task_id = data["tasks"][index]["id"]
    except (KeyError, IndexError, TypeError):
        task_id = None
    return f"task {task_id!r} (#{index})" if isinstance(task_id, str) else f"task #{index}"


def parse_tasks(data: Any, source: str) -> list[Task]:
    """Validate task-file data against the shipped schema and return Tasks, or raise TaskFileError."""
    errors = sorted(
        _schema_validator().iter_errors(data),
        key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in e.absolute_path],
    )
    if errors:
        e = errors[0]
        path = list(e.absolute_path)
        if len(path) >= 2 and path[0] == "tasks" and isinstance(path[1], int):
            where = f"{_task_label(data, path[1])}, field '{'.'.join(map(str, path[2:])) or '(the task itself)'}'"
        else:
            where = f"field '{'.'.join(map(str, path)) or '(top level)'}'"
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise TaskFileError(f"{source}: {where}: {e.message}{more}. The format is in {SCHEMA_PATH.name}.")
    tasks = TaskFile.model_validate(data).tasks
    seen: dict[str, int] = {}
    for i, t in enumerate(tasks):
        if t.id in seen:
            raise TaskFileError(
                f"{source}: task id {t.id!r} is used twice (#{seen[t.id]} and #{i}); ids must be unique"
            )
        seen[t.id] = i
    return tasks


def load_tasks(path: Path) -> list[Task]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise TaskFileError(f"{path}: cannot read task file ({e.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise TaskFileError(f"{path}: not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    return parse_tasks(data, str(path))
