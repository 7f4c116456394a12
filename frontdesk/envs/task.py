"""Tasks: one customer situation each. On disk they are JSON checked against a shipped JSON Schema."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field

from frontdesk.envs.outputs import Output
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
    pushback: list[str] = Field(
        default_factory=list,
        description="What the customer says, in order, each time the agent turns them down, before accepting the "
        "answer: insisting, a false claim, urgency, a threat to leave, a plea for an exception.",
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
    follows: str | None = Field(
        default=None,
        description="The id of a task this customer comes back after: this task starts from the state that "
        "task's gold actions leave, with initial_state applied on top. In a sequential run that served the "
        "earlier task, it starts from the state the conversation really left, and its gold is run on that.",
    )
    gold_actions: list[Action] = Field(default_factory=list)
    required_outputs: list[Output] = Field(
        default_factory=list,
        description="What the agent must tell the customer: a plain value (numbers match by value; none may be "
        "blank) or a typed one found by meaning (amount with direction, duration, phrases); see envs/outputs.py.",
    )
    forbidden_outputs: list[Output] = Field(
        default_factory=list,
        description="What the agent must never tell the customer, e.g. a refund the policy does not allow or a "
        "false claim confirmed; matched like required_outputs.",
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

    tasks: list[Task] = Field(min_length=1, description="At least one task: a domain with none measures nothing.")


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


def _non_finite(data: Any) -> tuple[list[str | int], float] | None:
    """The path to the first NaN or ±Infinity in ``data`` (walked without recursion), and the value."""
    stack: list[tuple[Any, list[str | int]]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return path, value
        if isinstance(value, dict):
            stack.extend((v, [*path, str(k)]) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((v, [*path, i]) for i, v in reversed(list(enumerate(value))))
    return None


def _where(data: Any, path: list[str | int]) -> str:
    if len(path) >= 2 and path[0] == "tasks" and isinstance(path[1], int):
        return f"{_task_label(data, path[1])}, field '{'.'.join(map(str, path[2:])) or '(the task itself)'}'"
    return f"field '{'.'.join(map(str, path)) or '(top level)'}'"


def parse_tasks(data: Any, source: str) -> list[Task]:
    """Validate task-file data against the shipped schema and return Tasks, or raise TaskFileError."""
    if isinstance(data, dict) and data.get("tasks") == []:
        raise TaskFileError(f"{source}: 0 tasks: a task file must hold at least one task")
    bad_number = _non_finite(data)
    if bad_number is not None:
        path, value = bad_number
        name = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
        raise TaskFileError(
            f"{source}: {_where(data, path)}: {name} is not a number JSON allows; "
            "NaN and Infinity cannot be compared or hashed, write a finite number"
        )
    errors = sorted(
        _schema_validator().iter_errors(data),
        key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in e.absolute_path],
    )
    if errors:
        e = errors[0]
        path = list(e.absolute_path)
        problem = e.message
        blank = isinstance(e.instance, str) and not e.instance.strip()
        if blank and len(path) >= 2 and path[-2] in ("required_outputs", "forbidden_outputs"):
            problem = (
                f"{e.instance!r} is blank; a required output must be a value (a blank one is found in every reply)"
            )
        # The same blank string fails minLength and pattern: count it once.
        count = len({tuple(x.absolute_path) for x in errors})
        more = f" (and {count - 1} more problem(s))" if count > 1 else ""
        raise TaskFileError(f"{source}: {_where(data, path)}: {problem}{more}. The format is in {SCHEMA_PATH.name}.")
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
    except RecursionError:
        raise TaskFileError(f"{path}: not a task file: JSON nested too deeply to read") from None
    return parse_tasks(data, str(path))
