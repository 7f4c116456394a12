"""Required-output matching and gold-action goals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from frontdesk.envs import Action, get_domain, output_present
from frontdesk.errors import BrokenTaskError
from frontdesk.eval.checker import build_goal
from frontdesk.text import as_number, numbers_in


@pytest.fixture(scope="module")
def mock():
    return get_domain("mock")


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.50", Decimal("1234.5")),
        ("1234.5", Decimal("1234.5")),
        ("41.00", Decimal("41")),
        ("41", Decimal("41")),
        (" $90.75 ", Decimal("90.75")),
        ("12 dollars", Decimal("12")),
        ("12 USD", Decimal("12")),
    ],
)
def test_as_number_reads_amounts(text: str, expected: Decimal) -> None:
    assert as_number(text) == expected


@pytest.mark.parametrize("text", ["shipped", "18 Birch Way", "order #O5001", "12 apples", ""])
def test_as_number_is_none_for_text(text: str) -> None:
    assert as_number(text) is None


def test_as_number_keeps_the_sign() -> None:
    # A refund of -12.50 and a charge of 12.50 are different amounts.
    assert as_number("-12.50") == Decimal("-12.5")


def test_numbers_in_finds_every_number() -> None:
    found = numbers_in("Order #O5003 has 3 items, total $1,234.50 (was 1300).")
    assert Decimal("1234.5") in found
    assert Decimal("3") in found
    assert Decimal("1300") in found
    assert Decimal("5003") not in found  # part of the word "O5003"


def test_numbers_in_does_not_split_decimals() -> None:
    assert numbers_in("12.5") == {Decimal("12.5")}
    assert numbers_in("112") == {Decimal("112")}


# --- output_present ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("required", "said"),
    [
        ("$1,234.50", "That comes to 1234.5 in total."),
        ("1234.5", "That comes to $1,234.50."),
        ("568.47", "the total is $568.47."),
        ("41.00", "The yoga mat costs 41 dollars."),
        ("41", "It is $41.00."),
        ("$90.75", "Your order total was 90.75"),
    ],
)
def test_numbers_match_by_value(required: str, said: str) -> None:
    assert output_present(required, said)


@pytest.mark.parametrize("said", ["It costs 112.", "It costs 12.5.", "It costs 1.2", "order 5120", "It costs 120"])
def test_number_does_not_match_a_different_number(said: str) -> None:
    assert not output_present("12", said)


def test_number_not_said_at_all() -> None:
    assert not output_present("568.47", "I could not compute the total.")


def test_text_match_is_case_insensitive() -> None:
    assert output_present("Shipped", "Your order has SHIPPED already.")


def test_text_match_is_whitespace_insensitive() -> None:
    assert output_present("18  Birch Way", "It will go to 18 Birch\n   Way now.")
    assert output_present("18 Birch Way", "It will go to 18   birch\tway now.")


def test_text_must_actually_appear() -> None:
    assert not output_present("shipped", "Your order is pending.")
    assert not output_present("18 Birch Way", "It will go to 18 Birch Lane.")


# --- build_goal ----------------------------------------------------------------------------------


def test_build_goal_reports_broken_gold_action(mock) -> None:
    task = mock.task("cancel-pending-order")
    broken = task.model_copy(
        update={
            "gold_actions": [
                *task.gold_actions[:2],
                Action(name="cancel_order", arguments={"order_id": "#O5001", "reason": "no longer needed"}),
            ]
        }
    )
    with pytest.raises(BrokenTaskError) as info:
        build_goal(mock, broken)
    message = str(info.value)
    assert "'cancel-pending-order'" in message
    assert "'mock'" in message
    assert "#2" in message
    assert "cancel_order" in message
    assert "shipped" in message  # the tool's own explanation is kept


def test_build_goal_reports_gold_action_with_bad_arguments(mock) -> None:
    task = mock.task("read-order-status")
    broken = task.model_copy(update={"gold_actions": [Action(name="get_order_details", arguments={"id": "#O5001"})]})
    with pytest.raises(BrokenTaskError, match=r"'read-order-status'.*#0 get_order_details.*order_id"):
        build_goal(mock, broken)


def test_build_goal_does_not_touch_the_domain_seed(mock) -> None:
    before = mock.seed_data["orders"]["#O5000"]["status"]
    build_goal(mock, mock.task("cancel-pending-order"))
    assert mock.seed_data["orders"]["#O5000"]["status"] == before == "pending"


def test_read_only_task_does_not_change_state(mock) -> None:
    goal = build_goal(mock, mock.task("read-order-status"))
    assert goal.writes == 0
    assert not goal.changes_state
    assert goal.initial_hash == goal.goal_hash


def test_single_write_task_changes_state(mock) -> None:
    goal = build_goal(mock, mock.task("cancel-pending-order"))
    assert goal.writes == 1
    assert goal.changes_state


def test_two_write_task_counts_both_writes(mock) -> None:
    goal = build_goal(mock, mock.task("cancel-two-orders"))
    assert goal.writes == 2
    assert goal.changes_state


def test_refusal_task_has_no_writes(mock) -> None:
    goal = build_goal(mock, mock.task("refuse-cancel-shipped"))
    assert goal.writes == 0
    assert not goal.changes_state


def test_goal_is_deterministic(mock) -> None:
    assert build_goal(mock, mock.task("update-email")) == build_goal(mock, mock.task("update-email"))


def test_every_shipped_mock_task_has_runnable_gold_actions(mock) -> None:
    write_tools = mock.write_tool_names()
    for task in mock.tasks:
        goal = build_goal(mock, task)
        assert goal.writes == sum(a.name in write_tools for a in task.gold_actions), task.id
        assert goal.changes_state == (goal.writes > 0), task.id
