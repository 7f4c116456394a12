"""The mock shop: seed generation, tool rules, read tools, calculate, merge patch, initial state."""

from __future__ import annotations

import json
from typing import Any

import pytest

from authoring.mock import data as seed_generator
from frontdesk.envs import Environment, canonical, get_domain, merge_patch, state_hash
from frontdesk.envs.mock import MockDB
from frontdesk.tools import ToolCall, ToolErrorKind, Toolkit, ToolResult
from frontdesk.tools.generic import calculate


@pytest.fixture(scope="module")
def mock():
    return get_domain("mock")


@pytest.fixture
def db(mock) -> MockDB:
    return mock.build_db()


@pytest.fixture
def toolkit(mock, db: MockDB) -> Toolkit:
    return Toolkit(mock.agent_tools, db)


def run(toolkit: Toolkit, name: str, **arguments: Any) -> ToolResult:
    return toolkit.call(ToolCall(id="t", name=name, arguments=arguments))


def refused_without_change(toolkit: Toolkit, name: str, **arguments: Any) -> str:
    """Call a tool that must be refused by a rule; check the state is untouched; return the message."""
    before = state_hash(toolkit.db)
    result = run(toolkit, name, **arguments)
    assert result.error is ToolErrorKind.RULE, result.content
    assert state_hash(toolkit.db) == before
    return result.content


# --- seed data -----------------------------------------------------------------------------------


def test_generator_depends_on_seed() -> None:
    # That it still writes data/db.json byte for byte is in test_authoring.py.
    assert seed_generator.render(seed=8) != seed_generator.render()


def test_seed_fits_the_db_model(mock) -> None:
    db = mock.build_db()
    assert len(db.customers) == 6 and len(db.products) == 6 and len(db.orders) == 12
    assert state_hash(db) == state_hash(mock.seed_data)


# --- cancel_order ---------------------------------------------------------------------------------


def test_cancel_pending_order(toolkit: Toolkit, db: MockDB) -> None:
    result = run(toolkit, "cancel_order", order_id="#O5000", reason="ordered by mistake")
    assert result.ok
    assert json.loads(result.content)["status"] == "cancelled"
    assert db.orders["#O5000"].status == "cancelled"
    assert db.orders["#O5000"].cancel_reason == "ordered by mistake"


@pytest.mark.parametrize(
    ("order_id", "status"), [("#O5001", "shipped"), ("#O5002", "delivered"), ("#O5004", "cancelled")]
)
def test_cancel_only_pending(toolkit: Toolkit, order_id: str, status: str) -> None:
    message = refused_without_change(toolkit, "cancel_order", order_id=order_id, reason="no longer needed")
    assert status in message
    assert "only pending" in message


def test_cancel_unknown_order(toolkit: Toolkit) -> None:
    message = refused_without_change(toolkit, "cancel_order", order_id="O5000", reason="no longer needed")
    assert "not found" in message


def test_cancel_reason_outside_enum_is_invalid(toolkit: Toolkit, db: MockDB) -> None:
    before = state_hash(db)
    result = run(toolkit, "cancel_order", order_id="#O5000", reason="too expensive")
    assert result.error is ToolErrorKind.INVALID_ARGUMENTS
    assert '"no longer needed", "ordered by mistake"' in result.content
    assert state_hash(db) == before


# --- update_shipping_address ------------------------------------------------------------------------


def test_update_address_of_pending_order(toolkit: Toolkit, db: MockDB) -> None:
    result = run(toolkit, "update_shipping_address", order_id="#O5011", address="  18 Birch Way ")
    assert result.ok
    assert db.orders["#O5011"].shipping_address == "18 Birch Way"


@pytest.mark.parametrize(
    ("order_id", "status"), [("#O5001", "shipped"), ("#O5002", "delivered"), ("#O5010", "cancelled")]
)
def test_update_address_only_pending(toolkit: Toolkit, order_id: str, status: str) -> None:
    message = refused_without_change(toolkit, "update_shipping_address", order_id=order_id, address="18 Birch Way")
    assert status in message


@pytest.mark.parametrize("address", ["", "   ", "\n\t"])
def test_update_address_refuses_empty(toolkit: Toolkit, address: str) -> None:
    message = refused_without_change(toolkit, "update_shipping_address", order_id="#O5011", address=address)
    assert "empty" in message


# --- update_customer_email ------------------------------------------------------------------------


def test_update_email(toolkit: Toolkit, db: MockDB) -> None:
    result = run(toolkit, "update_customer_email", customer_id="C1000", email="ana@new.example.org")
    assert result.ok
    assert json.loads(result.content)["email"] == "ana@new.example.org"
    assert db.customers["C1000"].email == "ana@new.example.org"


@pytest.mark.parametrize("email", ["not-an-email", "ana@example", "ana silva@example.com", "@example.com", ""])
def test_update_email_refuses_bad_format(toolkit: Toolkit, email: str) -> None:
    message = refused_without_change(toolkit, "update_customer_email", customer_id="C1000", email=email)
    assert "not a valid email" in message


@pytest.mark.parametrize("email", ["bruno.okafor@example.com", "Bruno.Okafor@EXAMPLE.com"])
def test_update_email_refuses_another_customers_email(toolkit: Toolkit, email: str) -> None:
    message = refused_without_change(toolkit, "update_customer_email", customer_id="C1000", email=email)
    assert "already belongs to another customer" in message


def test_update_email_to_own_email_is_allowed(toolkit: Toolkit) -> None:
    assert run(toolkit, "update_customer_email", customer_id="C1000", email="ana.silva@example.com").ok


def test_update_email_unknown_customer(toolkit: Toolkit) -> None:
    message = refused_without_change(toolkit, "update_customer_email", customer_id="C9999", email="x@example.com")
    assert "'C9999' not found" in message


# --- read tools -------------------------------------------------------------------------------------


def test_find_customer_by_email_ignores_case_and_spaces(toolkit: Toolkit) -> None:
    assert run(toolkit, "find_customer_by_email", email="  Dara.Novak@Example.COM ").content == "C1003"


def test_find_customer_by_unknown_email(toolkit: Toolkit) -> None:
    result = run(toolkit, "find_customer_by_email", email="nobody@example.com")
    assert result.error is ToolErrorKind.RULE
    assert "nobody@example.com" in result.content


def test_get_customer_details_lists_their_orders(toolkit: Toolkit) -> None:
    details = json.loads(run(toolkit, "get_customer_details", customer_id="C1000").content)
    assert details["name"] == "Ana Silva"
    assert details["email"] == "ana.silva@example.com"
    assert details["order_ids"] == ["#O5000", "#O5006"]


def test_get_order_details_includes_total(toolkit: Toolkit) -> None:
    details = json.loads(run(toolkit, "get_order_details", order_id="#O5003").content)
    assert details["status"] == "pending"
    assert details["customer_id"] == "C1003"
    assert [i["sku"] for i in details["items"]] == ["P100", "P103", "P104"]
    assert details["total"] == 90.75  # 34.5 + 15.25 + 41.0


def test_get_order_details_total_counts_quantities(toolkit: Toolkit) -> None:
    details = json.loads(run(toolkit, "get_order_details", order_id="#O5000").content)
    assert details["total"] == 82.0  # 2 x 41.0


def test_get_product_details(toolkit: Toolkit) -> None:
    product = json.loads(run(toolkit, "get_product_details", sku="P104").content)
    assert product == {"sku": "P104", "name": "Yoga Mat", "price": 41.0, "in_stock": 4}


def test_get_product_details_unknown_sku(toolkit: Toolkit) -> None:
    result = run(toolkit, "get_product_details", sku="P999")
    assert result.error is ToolErrorKind.RULE
    assert "'P999' not found" in result.content


def test_read_tools_do_not_change_state(toolkit: Toolkit, db: MockDB) -> None:
    before = state_hash(db)
    run(toolkit, "find_customer_by_email", email="ana.silva@example.com")
    run(toolkit, "get_customer_details", customer_id="C1000")
    run(toolkit, "get_order_details", order_id="#O5000")
    run(toolkit, "get_product_details", sku="P100")
    run(toolkit, "think", thought="nothing to do")
    assert state_hash(db) == before


# --- calculate --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("414.97 + 153.5", "568.47"),
        ("34.5 * 2 + 15.25", "84.25"),
        ("(1 + 2) * 3", "9.00"),
        ("-5 + 2", "-3.00"),
        ("0.1 + 0.2", "0.30"),
        ("10 / 4", "2.50"),
    ],
)
def test_calculate(toolkit: Toolkit, expression: str, expected: str) -> None:
    result = run(toolkit, "calculate", expression=expression)
    assert result.ok
    assert result.content == expected


@pytest.mark.parametrize(
    "expression", ["__import__('os')", "open('/etc/passwd').read()", "2 ** 10", "x + 1", "'a' * 3"]
)
def test_calculate_refuses_anything_but_arithmetic(toolkit: Toolkit, expression: str) -> None:
    result = run(toolkit, "calculate", expression=expression)
    assert result.error is ToolErrorKind.RULE
    assert "only numbers, + - * / and parentheses are allowed" in result.content


def test_calculate_refuses_unparseable(toolkit: Toolkit) -> None:
    result = run(toolkit, "calculate", expression="2 +")
    assert result.error is ToolErrorKind.RULE
    assert "cannot parse" in result.content


def test_calculate_division_by_zero(toolkit: Toolkit) -> None:
    result = run(toolkit, "calculate", expression="1 / 0")
    assert result.error is ToolErrorKind.RULE
    assert "division by zero" in result.content


def test_calculate_directly(db: MockDB) -> None:
    assert calculate(db, "414.97 + 153.5") == "568.47"


# --- merge_patch (RFC 7386) -------------------------------------------------------------------------


def test_merge_patch_null_deletes() -> None:
    assert merge_patch({"a": 1, "b": 2}, {"a": None}) == {"b": 2}


def test_merge_patch_null_for_missing_key_is_a_no_op() -> None:
    assert merge_patch({"a": 1}, {"zz": None}) == {"a": 1}


def test_merge_patch_dicts_merge_recursively() -> None:
    target = {"order": {"status": "shipped", "items": [1], "meta": {"x": 1, "y": 2}}}
    patch = {"order": {"status": "pending", "meta": {"y": None, "z": 3}}}
    assert merge_patch(target, patch) == {"order": {"status": "pending", "items": [1], "meta": {"x": 1, "z": 3}}}


def test_merge_patch_lists_and_scalars_replace() -> None:
    assert merge_patch({"a": [1, 2, 3]}, {"a": [9]}) == {"a": [9]}
    assert merge_patch({"a": {"b": 1}}, {"a": 5}) == {"a": 5}
    assert merge_patch({"a": 1}, {"a": {"b": 2}}) == {"a": {"b": 2}}


def test_merge_patch_nulls_inside_new_objects_are_dropped() -> None:
    # RFC 7386 section 3: {"a": {"bb": {"ccc": null}}} applied to {} gives {"a": {"bb": {}}}.
    assert merge_patch({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


def test_merge_patch_non_object_patch_replaces_whole_target() -> None:
    assert merge_patch({"a": 1}, ["c"]) == ["c"]
    assert merge_patch(["a"], {"b": 1}) == {"b": 1}


def test_merge_patch_does_not_mutate_inputs() -> None:
    target = {"a": {"b": 1, "c": 2}}
    patch = {"a": {"b": None, "d": [1]}}
    result = merge_patch(target, patch)
    result["a"]["d"].append(2)
    assert target == {"a": {"b": 1, "c": 2}}
    assert patch == {"a": {"b": None, "d": [1]}}


# --- initial_state ---------------------------------------------------------------------------------


def test_task_initial_state_is_applied_by_environment(mock) -> None:
    task = mock.task("cancel-after-initial-state")
    assert task.initial_state == {"orders": {"#O5001": {"status": "pending"}}}
    env = Environment(mock, task)
    order = env.db.orders["#O5001"]
    assert order.status == "pending"
    assert order.shipping_address == "60 Maple Ave"  # the rest of the order is untouched
    assert mock.seed_data["orders"]["#O5001"]["status"] == "shipped"  # seed not modified
    assert canonical(env.db) != canonical(mock.seed_data)


def test_initial_state_makes_a_shipped_order_cancellable(mock) -> None:
    env = Environment(mock, mock.task("cancel-after-initial-state"))
    result = env.execute(
        ToolCall(id="1", name="cancel_order", arguments={"order_id": "#O5001", "reason": "no longer needed"})
    )
    assert result.ok


def test_task_without_initial_state_starts_from_seed(mock) -> None:
    env = Environment(mock, mock.task("read-order-status"))
    assert canonical(env.db) == canonical(mock.seed_data)
    assert env.state_hash() == Environment(mock, mock.task("product-price")).state_hash()


def test_environments_do_not_share_state(mock) -> None:
    task = mock.task("cancel-pending-order")
    first, second = Environment(mock, task), Environment(mock, task)
    first.execute(ToolCall(id="1", name="cancel_order", arguments={"order_id": "#O5000", "reason": "no longer needed"}))
    assert first.db.orders["#O5000"].status == "cancelled"
    assert second.db.orders["#O5000"].status == "pending"


def test_user_requestor_cannot_reach_agent_tools(mock) -> None:
    env = Environment(mock, mock.task("cancel-pending-order"))
    result = env.execute(
        ToolCall(
            id="1",
            name="cancel_order",
            arguments={"order_id": "#O5000", "reason": "no longer needed"},
            requestor="user",
        )
    )
    assert result.error is ToolErrorKind.UNKNOWN_TOOL
    assert env.db.orders["#O5000"].status == "pending"


def test_gold_policy_check_flags_a_write_before_identity():
    from frontdesk.envs import Action, get_domain

    domain = get_domain("mock")
    task = domain.task("cancel-pending-order")
    assert domain.gold_policy_problems(task) == []
    reordered = task.model_copy(update={"gold_actions": [task.gold_actions[2], *task.gold_actions[:2]]})
    assert domain.gold_policy_problems(reordered) == ["gold action #0 cancel_order comes before find_customer_by_email"]
    no_identity = task.model_copy(update={"gold_actions": [Action(name="cancel_order", arguments={})]})
    assert domain.gold_policy_problems(no_identity) == [
        "gold action #0 cancel_order comes before find_customer_by_email"
    ]
