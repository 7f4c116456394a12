"""Verdict components: DB diff, collateral damage, action match, forbidden actions, what gates the reward."""

from __future__ import annotations

import json
from typing import Any

import pytest

from frontdesk.envs import ActionPattern, Environment, TaskFile, get_domain, parse_tasks
from frontdesk.errors import BrokenTaskError, TaskFileError
from frontdesk.eval import TerminationReason, build_goal, check
from frontdesk.eval.checker import Component, Verdict, matches, tool_calls
from frontdesk.eval.state_diff import MAX_FIELDS, changed_records, describe, label
from frontdesk.tools import ToolCall
from frontdesk.trajectory import Message, Role


@pytest.fixture(scope="module")
def mock():
    return get_domain("mock")


def play(env: Environment, calls: list[tuple[str, dict[str, Any] | str]], said: str = "Done.") -> list[Message]:
    """A conversation in which the agent makes ``calls`` (each run on ``env``) and then says ``said``."""
    trajectory = [Message(role=Role.USER, content="hi")]
    for i, (name, arguments) in enumerate(calls):
        call = ToolCall(id=f"c{i}", name=name, arguments=arguments)
        trajectory.append(Message(role=Role.AGENT, tool_calls=[call]))
        trajectory.append(Message(role=Role.TOOL, tool_result=env.execute(call), requestor="agent"))
    trajectory.append(Message(role=Role.AGENT, content=said))
    return trajectory


def verdict_for(mock, task, calls, said="Done.") -> Verdict:
    env = Environment(mock, task)
    trajectory = play(env, calls, said)
    return check(env, task, trajectory, TerminationReason.USER_STOP, build_goal(mock, task))


CANCEL = ("cancel_order", {"order_id": "#O5000", "reason": "no longer needed"})


# --- DB diff and collateral damage ------------------------------------------------------------------


def test_matching_state_has_no_diff_and_no_collateral(mock) -> None:
    v = verdict_for(mock, mock.task("cancel-pending-order"), [CANCEL])
    assert v.reward == 1.0
    db = v.component("db_state")
    assert db.passed and "diff" not in db.detail
    collateral = v.component("no_collateral_damage")
    assert collateral.passed and not collateral.gating and collateral.detail == {"count": 0, "records": []}


def test_missing_write_is_diffed_field_by_field_and_is_not_collateral(mock) -> None:
    v = verdict_for(mock, mock.task("cancel-pending-order"), [])
    db = v.component("db_state")
    assert not db.passed and v.reward == 0.0
    assert db.detail["differing_records"] == 1
    [record] = db.detail["diff"]
    assert (record["table"], record["key"], record["change"]) == ("orders", "#O5000", "changed")
    fields = {f["path"]: (f["expected"], f["actual"]) for f in record["fields"]}
    assert fields == {"status": ("cancelled", "pending"), "cancel_reason": ("no longer needed", None)}
    assert v.component("no_collateral_damage").passed  # the gold actions do touch #O5000


def test_write_to_an_untouched_record_is_collateral_damage(mock) -> None:
    extra = ("update_shipping_address", {"order_id": "#O5006", "address": "1 Elsewhere Rd"})
    v = verdict_for(mock, mock.task("cancel-pending-order"), [CANCEL, extra])
    assert not v.component("db_state").passed and v.reward == 0.0
    [record] = v.component("db_state").detail["diff"]
    assert record["key"] == "#O5006"
    assert record["fields"] == [
        {"path": "shipping_address", "expected": mock.seed_data["orders"]["#O5006"]["shipping_address"],
         "actual": "1 Elsewhere Rd"}
    ]  # fmt: skip
    collateral = v.component("no_collateral_damage")
    assert not collateral.passed
    assert collateral.detail == {"count": 1, "records": ["orders['#O5006']"]}
    assert v.failed == ["db_state"]  # informational: it explains the failure, it does not count it twice


def test_any_write_in_a_read_only_task_is_collateral(mock) -> None:
    v = verdict_for(mock, mock.task("read-order-status"), [CANCEL], said="It has shipped.")
    assert v.component("required_outputs").passed
    assert v.component("no_collateral_damage").detail["records"] == ["orders['#O5000']"]
    assert v.reward == 0.0


def test_numbers_that_mean_the_same_do_not_show_in_the_diff(mock) -> None:
    task = mock.task("read-order-status")
    env = Environment(mock, task)
    env.db.products["P104"].price = 41  # int where the seed has 41.0; then a real change elsewhere
    env.db.orders["#O5000"].status = "cancelled"
    v = check(env, task, play(env, []), TerminationReason.USER_STOP, build_goal(mock, task))
    diff = v.component("db_state").detail["diff"]
    assert [(d["table"], d["key"]) for d in diff] == [("orders", "#O5000")]


# --- required and forbidden actions -----------------------------------------------------------------


def with_fields(mock, task_id: str, **fields: Any):
    return mock.task(task_id).model_copy(update=fields)


def test_required_action_matches_only_the_named_arguments(mock) -> None:
    pattern = ActionPattern(name="cancel_order", arguments={"order_id": "#O5000"})
    task = with_fields(mock, "cancel-pending-order", required_actions=[pattern])
    v = verdict_for(mock, task, [CANCEL])
    assert v.component("required_actions").passed and v.reward == 1.0
    assert v.component("required_actions").detail == [
        {"name": "cancel_order", "arguments": {"order_id": "#O5000"}, "requestor": "agent", "matched": True}
    ]


def test_required_action_needs_a_successful_call_with_those_values(mock) -> None:
    pattern = ActionPattern(name="get_product_details", arguments={"sku": "P104"})
    task = with_fields(mock, "product-price", required_actions=[pattern])
    wrong_value = verdict_for(mock, task, [("get_product_details", {"sku": "P101"})], said="It costs $41.00.")
    assert not wrong_value.component("required_actions").passed and wrong_value.reward == 0.0
    assert wrong_value.failed == ["required_actions"]  # everything else passed: the action match decided
    failed_call = verdict_for(mock, task, [("get_product_details", '{"sku": 104}')], said="It costs $41.00.")
    assert not failed_call.component("required_actions").passed  # the call errored: it did not happen
    assert verdict_for(mock, task, [("get_product_details", '{"sku": "P104"}')], said="$41").reward == 1.0


def test_patterns_compare_numbers_by_value_and_nothing_else_loosely() -> None:
    pattern = ActionPattern(name="refund", arguments={"amount": 25, "order_id": "#1"})
    assert matches(pattern, "refund", "agent", {"amount": 25.0, "order_id": "#1", "note": "anything"})
    assert not matches(pattern, "refund", "agent", {"amount": "25", "order_id": "#1"})  # a string is not a number
    assert not matches(pattern, "refund", "agent", {"amount": 25})  # a named argument must be there
    assert not matches(pattern, "refund", "user", {"amount": 25, "order_id": "#1"})  # someone else's call
    assert not matches(pattern, "refund", "agent", None)  # arguments that were not valid JSON


def test_forbidden_action_fails_even_when_the_tool_refused_it(mock) -> None:
    # #O5007 has shipped: cancel_order refuses, the DB is untouched — but trying was the mistake.
    mine = ActionPattern(name="cancel_order", arguments={"order_id": "#O5007"})
    # Only the forbidden action is under test: no required look-ups or reason.
    task = with_fields(
        mock, "refuse-cancel-shipped", forbidden_actions=[mine], required_actions=[], required_outputs=[]
    )
    v = verdict_for(mock, task, [("cancel_order", {"order_id": "#O5007", "reason": "no longer needed"})])
    assert v.component("db_state").passed
    forbidden = v.component("forbidden_actions")
    assert not forbidden.passed and v.reward == 0.0
    assert forbidden.detail["violations"] == [
        {"name": "cancel_order", "requestor": "agent", "arguments": {"order_id": "#O5007", "reason": "no longer needed"},
         "ok": False}
    ]  # fmt: skip
    clean = verdict_for(mock, task, [("get_order_details", {"order_id": "#O5007"})])
    assert clean.component("forbidden_actions").passed and clean.reward == 1.0


def test_components_that_do_not_apply_are_absent(mock) -> None:
    v = verdict_for(mock, mock.task("cancel-pending-order"), [CANCEL])
    names = [c.name for c in v.components]
    assert "required_actions" not in names and "forbidden_actions" not in names and "assertions" not in names
    assert names[:3] == ["conversation_ended_normally", "db_state", "no_collateral_damage"]


def test_patterns_naming_unknown_tools_or_hit_by_gold_actions_are_broken_tasks(mock) -> None:
    typo = with_fields(mock, "product-price", required_actions=[ActionPattern(name="get_prodcut")])
    with pytest.raises(BrokenTaskError, match=r"required_actions\.0 names unknown tool 'get_prodcut'"):
        build_goal(mock, typo)
    self_mined = with_fields(mock, "cancel-pending-order", forbidden_actions=[ActionPattern(name="cancel_order")])
    with pytest.raises(BrokenTaskError, match=r"gold action #2 cancel_order is one of the task's forbidden_actions"):
        build_goal(mock, self_mined)


def test_tool_calls_pairs_each_call_with_its_result(mock) -> None:
    env = Environment(mock, mock.task("product-price"))
    trajectory = play(env, [("get_product_details", {"sku": "P104"}), ("no_such_tool", {})])
    trajectory.append(Message(role=Role.AGENT, tool_calls=[ToolCall(id="late", name="think", arguments={})]))
    pairs = [(c.name, r.ok if r else None) for c, r in tool_calls(trajectory)]
    assert pairs == [("get_product_details", True), ("no_such_tool", False), ("think", None)]


# --- gating ---------------------------------------------------------------------------------------


def test_only_gating_components_decide_the_reward() -> None:
    info_fails = Verdict.of([Component(name="a", passed=True), Component(name="b", passed=False, gating=False)])
    assert info_fails.reward == 1.0 and info_fails.failed == []
    gate_fails = info_fails.with_component(Component(name="c", passed=False))
    assert gate_fails.reward == 0.0 and gate_fails.failed == ["c"]


def test_records_written_before_gating_existed_still_gate() -> None:
    old = Verdict.model_validate({"reward": 0.0, "components": [{"name": "db_state", "passed": False}]})
    assert old.components[0].gating and old.failed == ["db_state"]


# --- task files -------------------------------------------------------------------------------------


def test_new_task_fields_are_optional_and_validated_by_the_shipped_schema(mock) -> None:
    data = json.loads((mock.data_dir / "tasks.json").read_text())
    assert parse_tasks(data, "mock") == mock.tasks  # existing files stay valid, defaults filled in
    task = data["tasks"][0]
    task["forbidden_actions"] = [{"name": "cancel_order", "arguments": {"order_id": "#O5001"}}]
    task["judged_assertions"] = ["The agent greets the customer by name."]
    parsed = parse_tasks({"tasks": [task]}, "mine")[0]
    assert parsed.forbidden_actions[0].requestor == "agent"
    assert parsed.judged_assertions == ["The agent greets the customer by name."]
    task["forbidden_actions"] = [{"name": "cancel_order", "args": {}}]
    with pytest.raises(TaskFileError, match="args"):
        parse_tasks({"tasks": [task]}, "mine")
    assert "judged_assertions" in TaskFile.model_json_schema()["$defs"]["Task"]["properties"]


def test_describe_names_added_removed_and_scalar_records_and_bounds_the_fields() -> None:
    expected = {("orders", "a"): {"x": 1, "items": [{"q": 1}]}, ("orders", "c"): {"x": 0}, ("counter", None): 5}
    actual = {("orders", "a"): {"x": 1, "items": [{"q": 2}]}, ("orders", "b"): {"x": 3}, ("counter", None): 6}
    keys = changed_records(expected, actual)
    assert keys == {("orders", "a"), ("orders", "b"), ("orders", "c"), ("counter", None)}
    described = {(d.table, d.key): d for d in describe(expected, actual, keys)}
    assert [(f.path, f.expected, f.actual) for f in described[("orders", "a")].fields] == [("items[0].q", 1, 2)]
    assert described[("orders", "b")].change == "added"
    assert described[("orders", "c")].change == "removed"
    assert [(f.path, f.expected, f.actual) for f in described[("counter", None)].fields] == [("", 5, 6)]
    assert label(("counter", None)) == "counter" and label(("orders", "a")) == "orders['a']"
    wide = describe({("t", "k"): {f"f{i}": 0 for i in range(MAX_FIELDS + 3)}}, {("t", "k"): {}}, {("t", "k")})
    assert len(wide[0].fields) == MAX_FIELDS and wide[0].more_fields == 3
