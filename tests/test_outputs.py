"""Typed required outputs are found by meaning, not spelling; retail addresses match whichever line holds the unit."""

from __future__ import annotations

import pytest

from frontdesk.envs import (
    Amount,
    Duration,
    Environment,
    Phrases,
    Task,
    describe_output,
    dump_output,
    get_domain,
    load_output,
    output_present,
    parse_tasks,
    render_output,
)
from frontdesk.envs.retail.rules import split_unit
from frontdesk.errors import TaskFileError
from frontdesk.eval.checker import build_goal
from frontdesk.tools import ToolCall

REFUND = Amount(kind="amount", value=35.46, direction="refund")
CHARGE = Amount(kind="amount", value=35.46, direction="charge")


@pytest.mark.parametrize(
    "said",
    [
        "You will get $35.46 back.",
        "That comes to a refund of 35.46 to your card.",
        "Price difference: -$35.46 (refunded)",
        "price difference: -$35.46",  # repeating the tool's signed figure is right
        "The new one is $35.46 cheaper, credited to your gift card.",
        "I'll charge you $12.00 for the bag, and the other item gives you $35.46 back.",
        "The difference is $35.46.",  # no direction said is not a wrong direction
    ],
)
def test_a_refund_is_found_however_it_is_said(said: str) -> None:
    assert output_present(REFUND, said)


@pytest.mark.parametrize(
    "said",
    [
        "That's $35.46 more.",
        "You'll need to pay an extra $35.46.",
        "We will charge $35.46 to your card.",
        "You get $34.46 back.",  # a different amount
        "Nothing changes in price.",
    ],
)
def test_a_refund_said_the_other_way_round_or_wrong_is_not_found(said: str) -> None:
    assert not output_present(REFUND, said)


def test_a_charge_is_the_mirror_of_a_refund() -> None:
    assert output_present(CHARGE, "That's $35.46 more, charged to your Visa.")
    assert not output_present(CHARGE, "You'll get $35.46 back.")
    assert not output_present(CHARGE, "Price difference: -$35.46")


def test_an_amount_without_direction_is_found_by_value_either_sign() -> None:
    plain = Amount(kind="amount", value=35.46)
    assert output_present(plain, "-$35.46") and output_present(plain, "$35.46 more")


@pytest.mark.parametrize(
    ("minutes", "said"),
    [
        (360, "Your flight is delayed by 6 hours."),
        (360, "It's running six hours late."),
        (360, "The delay is 360 minutes."),
        (360, "a 6-hour delay"),
        (360, "5 hours and 60 minutes"),
        (180, "about 3 hrs behind schedule"),
        (90, "1 hour 30 minutes"),
        (90, "1.5 hours"),
        (30, "half an hour"),
        (1440, "a day late"),
    ],
)
def test_a_duration_is_found_in_any_unit(minutes: int, said: str) -> None:
    assert output_present(Duration(kind="duration", minutes=minutes), said)


@pytest.mark.parametrize("said", ["delayed by 3 hours", "a 60-minute delay", "landing and departing on time"])
def test_a_different_duration_is_not_found(said: str) -> None:
    assert not output_present(Duration(kind="duration", minutes=360), said)


def test_and_is_not_a_day() -> None:
    """'and' once read as 'an' + 'd' (one day): words are numbers only as whole words."""
    assert not output_present(Duration(kind="duration", minutes=1440), "It's cancelled and refunded.")


STATUS = Phrases(kind="phrases", what="order status", all_of=[["being packed", "processed", "processing"]])
REASON = Phrases(
    kind="phrases",
    what="policy reason",
    all_of=[["only pending orders", "not pending", "already being packed"], ["cancel"]],
)


def test_a_status_passes_in_any_accepted_wording() -> None:
    assert output_present(STATUS, "Your order is being packed right now.")
    assert output_present(STATUS, "It has been PROCESSED.")
    assert not output_present(STATUS, "Your order is pending.")
    assert not output_present(STATUS, "It is unprocessed.")  # whole words only


def test_a_policy_reason_needs_every_group() -> None:
    assert output_present(REASON, "I can't cancel it: only pending orders can be cancelled.")
    assert not output_present(REASON, "Only pending orders qualify.")  # the reason, but not what it is about
    assert not output_present(REASON, "I'm sorry, I can't cancel that.")  # a refusal without the reason


def test_the_oracle_wording_of_every_kind_is_found_by_the_matcher() -> None:
    for output in (REFUND, CHARGE, Duration(kind="duration", minutes=90), STATUS, REASON, "$12.00"):
        assert output_present(output, render_output(output)), output


def test_outputs_round_trip_through_json_and_describe_themselves() -> None:
    for output in (REFUND, Duration(kind="duration", minutes=360), REASON, "Shipped"):
        assert load_output(dump_output(output)) == output
    assert describe_output(REFUND) == "refund of $35.46"
    assert describe_output(REASON) == "policy reason: only pending orders/not pending/already being packed + cancel"


def _task(**fields) -> dict:
    return {"id": "t1", "user_scenario": {"reason_for_contact": "hi"}, **fields}


def test_a_task_file_takes_typed_outputs_and_rejects_malformed_ones() -> None:
    (task,) = parse_tasks(
        {"tasks": [_task(required_outputs=["$1.00", dump_output(REFUND)], forbidden_outputs=[dump_output(CHARGE)])]},
        "t.json",
    )
    assert task.required_outputs == ["$1.00", REFUND] and task.forbidden_outputs == [CHARGE]
    with pytest.raises(TaskFileError, match=r"task 't1' \(#0\), field 'required_outputs.0'"):
        parse_tasks({"tasks": [_task(required_outputs=[{"kind": "amount", "value": -3}])]}, "t.json")
    with pytest.raises(TaskFileError, match="required_outputs.0"):
        parse_tasks({"tasks": [_task(required_outputs=[{"kind": "phrases", "all_of": [[]]}])]}, "t.json")


# --- addresses: the unit may be on either line ---------------------------------------------------------


@pytest.mark.parametrize(
    ("street", "unit"),
    [
        ("430 Forest Way", "Suite 210"),
        ("430 Forest Way, Suite 210", ""),
        ("430 Forest Way Suite 210", ""),
        ("430 Forest Way", "suite 210"),
        ("430 Forest Way", "Ste. 210"),
    ],
)
def test_a_unit_is_stored_one_way_whichever_line_it_came_on(street: str, unit: str) -> None:
    assert split_unit(street, unit) == ("430 Forest Way", "Suite 210")


@pytest.mark.parametrize("street", ["10 Apt Street", "1 Floor Rd", "12 Unity Rd"])
def test_street_names_that_look_like_units_are_left_alone(street: str) -> None:
    assert split_unit(street, "") == (street, "")


def test_a_retail_address_change_passes_with_the_suite_on_the_street_line() -> None:
    retail = get_domain("retail")
    task = next(
        t
        for t in retail.tasks
        if any(a.name == "modify_pending_order_address" and a.arguments.get("unit") for a in t.gold_actions)
    )
    goal = build_goal(retail, task)
    env = Environment(retail, Task(id="agent", user_scenario=task.user_scenario, initial_state=task.initial_state))
    for i, action in enumerate(task.gold_actions):
        arguments = dict(action.arguments)
        if action.name == "modify_pending_order_address":
            arguments["street"] = f"{arguments['street']}, {arguments.pop('unit')}"  # one line, as many agents do
        assert env.execute(ToolCall(id=f"a{i}", name=action.name, arguments=arguments)).ok
    assert env.state_hash() == goal.goal_hash
