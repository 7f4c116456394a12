"""Task files: the shipped JSON Schema, and errors that name the file, the task and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from frontdesk.envs import Domain, Task, load_tasks, parse_tasks, tasks_json_schema
from frontdesk.envs.task import SCHEMA_PATH
from frontdesk.errors import TaskFileError
from frontdesk.tools import ToolError, tool

REGENERATE = (
    'python -c "import json; from frontdesk.envs import tasks_json_schema; '
    "from frontdesk.envs.task import SCHEMA_PATH; "
    "SCHEMA_PATH.write_text(json.dumps(tasks_json_schema(), indent=2) + '\\n')\""
)


def test_shipped_schema_matches_the_task_model() -> None:
    shipped = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert shipped == tasks_json_schema(), (
        f"{SCHEMA_PATH} is out of date with frontdesk/envs/task.py. Regenerate it with:\n  {REGENERATE}"
    )


def task(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "t1", "user_scenario": {"reason_for_contact": "Hi, I need help."}}
    data.update(overrides)
    return data


def write_tasks(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"tasks": tasks}, indent=2), encoding="utf-8")
    return path


def load_error(tmp_path: Path, tasks: list[dict[str, Any]]) -> str:
    path = write_tasks(tmp_path / "tasks.json", tasks)
    with pytest.raises(TaskFileError) as info:
        load_tasks(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    path = write_tasks(tmp_path / "tasks.json", [task(), task(id="t2", split="train")])
    loaded = load_tasks(path)
    assert [t.id for t in loaded] == ["t1", "t2"]
    assert loaded[0].split == "test"
    assert loaded[1].split == "train"
    assert loaded[0].gold_actions == [] and loaded[0].initial_state is None


def test_invalid_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text('{"tasks": [\n  {"id": "t1",}\n]}', encoding="utf-8")
    with pytest.raises(TaskFileError) as info:
        load_tasks(path)
    message = str(info.value)
    assert str(path) in message
    assert "not valid JSON" in message
    assert "line 2, column 15" in message


def test_missing_file_is_a_task_file_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(TaskFileError, match="cannot read task file"):
        load_tasks(path)


def test_missing_user_scenario(tmp_path: Path) -> None:
    bad = task(id="no-scenario")
    del bad["user_scenario"]
    message = load_error(tmp_path, [task(), bad])
    assert "'no-scenario'" in message
    assert "#1" in message
    assert "user_scenario" in message


def test_wrong_type_in_known_facts(tmp_path: Path) -> None:
    bad = task(id="bad-facts", user_scenario={"reason_for_contact": "Hi", "known_facts": {"zip": 12345}})
    message = load_error(tmp_path, [bad])
    assert "'bad-facts'" in message
    assert "user_scenario.known_facts.zip" in message
    assert "12345" in message


def test_known_facts_not_an_object(tmp_path: Path) -> None:
    bad = task(id="list-facts", user_scenario={"reason_for_contact": "Hi", "known_facts": ["ana@example.com"]})
    message = load_error(tmp_path, [bad])
    assert "'list-facts'" in message
    assert "user_scenario.known_facts" in message
    assert "object" in message


def test_unknown_extra_field(tmp_path: Path) -> None:
    message = load_error(tmp_path, [task(id="extra", expected_outcome="refund")])
    assert "'extra'" in message
    assert "expected_outcome" in message


def test_unknown_field_inside_user_scenario(tmp_path: Path) -> None:
    bad = task(id="typo", user_scenario={"reason_for_contact": "Hi", "know_facts": {}})
    message = load_error(tmp_path, [bad])
    assert "'typo'" in message
    assert "user_scenario" in message
    assert "know_facts" in message


def test_bad_requestor_value(tmp_path: Path) -> None:
    bad = task(id="bad-requestor", gold_actions=[{"name": "think", "requestor": "robot"}])
    message = load_error(tmp_path, [bad])
    assert "'bad-requestor'" in message
    assert "gold_actions.0.requestor" in message
    assert "'robot'" in message
    assert "'agent'" in message and "'user'" in message


def test_duplicate_task_ids(tmp_path: Path) -> None:
    message = load_error(tmp_path, [task(id="dup"), task(id="other"), task(id="dup")])
    assert "'dup'" in message
    assert "#0" in message and "#2" in message
    assert "unique" in message


def test_task_without_id_is_labelled_by_position(tmp_path: Path) -> None:
    bad = task()
    del bad["id"]
    message = load_error(tmp_path, [task(), bad])
    assert "task #1" in message
    assert "'id'" in message


def test_parse_tasks_uses_the_source_name() -> None:
    with pytest.raises(TaskFileError, match=r"^inline-source: field '\(top level\)'"):
        parse_tasks([], "inline-source")


# --- a tiny domain on disk: gold actions must name real tools ------------------------------------


class CounterDB(BaseModel):
    value: int


@tool(kind="write")
def increment(db: CounterDB, by: int) -> int:
    """Add to the counter.

    Args:
        by: How much to add.
    """
    if by <= 0:
        raise ToolError("by must be positive")
    db.value += by
    return db.value


def make_domain(root: Path, tasks: list[dict[str, Any]]) -> Domain:
    data = root / "data"
    data.mkdir()
    (data / "db.json").write_text(json.dumps({"value": 0}), encoding="utf-8")
    write_tasks(data / "tasks.json", tasks)
    (root / "policy.md").write_text("# Counter policy\nOnly ever increment.\n", encoding="utf-8")
    return Domain(name="counter", description="A counter.", db_model=CounterDB, agent_tools=[increment], data_dir=data)


def test_tiny_domain_reads_policy_seed_and_tasks(tmp_path: Path) -> None:
    domain = make_domain(tmp_path, [task(gold_actions=[{"name": "increment", "arguments": {"by": 2}}])])
    assert domain.policy.startswith("# Counter policy")
    assert domain.seed_data == {"value": 0}
    assert domain.tasks[0].gold_actions[0].name == "increment"
    assert domain.task("t1").id == "t1"


def test_gold_action_with_unknown_tool_is_reported(tmp_path: Path) -> None:
    domain = make_domain(
        tmp_path,
        [
            task(id="ok", gold_actions=[{"name": "increment", "arguments": {"by": 1}}]),
            task(id="typo", gold_actions=[{"name": "increment"}, {"name": "incremnet", "arguments": {"by": 1}}]),
        ],
    )
    with pytest.raises(TaskFileError) as info:
        _ = domain.tasks
    message = str(info.value)
    assert str(tmp_path / "data" / "tasks.json") in message
    assert "'typo'" in message
    assert "gold_actions.1.name" in message
    assert "'incremnet'" in message
    assert "increment" in message.split("has:")[-1]  # the known tools are listed


# --- rules on task data: no blank required output, no empty file, no NaN -------------------------


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_a_blank_required_output_is_refused(tmp_path: Path, blank: str) -> None:
    # A blank output is found in every reply: scripted/null would pass the task.
    message = load_error(tmp_path, [task(required_outputs=["$12.00", blank])])
    assert "task 't1' (#0), field 'required_outputs.1'" in message and "is blank" in message
    assert "more problem" not in message  # one blank value is one problem
    with pytest.raises(ValidationError):  # the model refuses it too, for tasks built in code
        Task(id="t", user_scenario={"reason_for_contact": "hi"}, required_outputs=[blank])


def test_a_required_output_with_spaces_around_a_value_is_fine(tmp_path: Path) -> None:
    path = write_tasks(tmp_path / "tasks.json", [task(required_outputs=[" $12.00 "])])
    assert load_tasks(path)[0].required_outputs == [" $12.00 "]


def test_a_task_file_with_no_tasks_is_refused(tmp_path: Path) -> None:
    message = load_error(tmp_path, [])
    assert "0 tasks" in message and "at least one task" in message


@pytest.mark.parametrize(
    ("literal", "name"), [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("1e999", "Infinity")]
)
def test_nan_and_infinity_are_refused_naming_the_task_and_field(tmp_path: Path, literal: str, name: str) -> None:
    # Python's json reads NaN and Infinity (and 1e999 overflows to it); no comparison or hash survives them.
    path = tmp_path / "tasks.json"
    first, second = json.dumps(task()), json.dumps(task(id="patched", initial_state={"orders": {"#O1": {"total": 0}}}))
    path.write_text('{"tasks": [' + first + ", " + second.replace('"total": 0', f'"total": {literal}') + "]}")
    with pytest.raises(TaskFileError) as info:
        load_tasks(path)
    message = str(info.value)
    assert str(path) in message and "task 'patched' (#1), field 'initial_state.orders.#O1.total'" in message
    assert f"{name} is not a number JSON allows" in message


def test_nan_anywhere_in_the_file_is_refused() -> None:
    data = {"tasks": [task(gold_actions=[{"name": "increment", "arguments": {"by": [1, float("nan")]}}])]}
    with pytest.raises(TaskFileError, match=r"field 'gold_actions\.0\.arguments\.by\.1': NaN"):
        parse_tasks(data, "inline")


# --- frontdesk validate: required outputs must be grounded, and a domain needs tasks ---------------


def _validate(domain: Domain) -> dict[str, list[str]]:
    from frontdesk.eval import validate

    return {c.task_id: c.problems for c in validate(domain)}


def test_validate_flags_a_required_output_no_tool_result_or_db_value_supports(tmp_path: Path) -> None:
    gold = [{"name": "increment", "arguments": {"by": 2}}]
    domain = make_domain(
        tmp_path,
        [
            # the oracle recites required outputs, so only the grounding check can catch this one
            task(id="cheese", gold_actions=gold, required_outputs=["the moon is cheese"]),
            task(id="grounded", gold_actions=gold, required_outputs=["$2.00"]),  # the tool answers 2
            task(id="magnitude", gold_actions=gold, required_outputs=["-2"]),  # sign aside: "2 less"
            task(id="seed-db", required_outputs=["value"]),  # a value of the initial database (its JSON)
        ],
    )
    problems = _validate(domain)
    assert len(problems["cheese"]) == 1 and "'the moon is cheese' appears in no tool result" in problems["cheese"][0]
    assert problems["grounded"] == [] and problems["magnitude"] == [] and problems["seed-db"] == []


def test_validate_grounds_outputs_in_the_initial_state_patch_and_the_final_database(tmp_path: Path) -> None:
    domain = make_domain(
        tmp_path,
        [
            task(id="patch", initial_state={"value": 41}, required_outputs=["41"]),
            task(id="unknown", initial_state={"value": 41}, required_outputs=["42"]),
        ],
    )
    problems = _validate(domain)
    assert problems["patch"] == [] and len(problems["unknown"]) == 1


def test_validate_refuses_a_domain_without_tasks(tmp_path: Path) -> None:
    from frontdesk.eval import validate

    domain = make_domain(tmp_path, [task()])
    domain.__dict__["tasks"] = []  # as if the domain's tasks came from somewhere other than its file
    with pytest.raises(TaskFileError, match="0 tasks"):
        validate(domain)


def test_every_shipped_domain_still_validates() -> None:
    from frontdesk.envs import domain_names, get_domain

    for name in domain_names():
        broken = {task_id: p for task_id, p in _validate(get_domain(name)).items() if p}
        assert broken == {}, f"{name}: {broken}"
