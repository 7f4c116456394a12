"""The airline domain as shipped: registration, seed data, policy text, task file.

Tool behaviour, rule by rule, is in test_airline_tools.py; that the generators still write the
shipped files and README figures byte for byte, in test_authoring.py. `frontdesk validate --domain airline`
runs every task with the oracle; that takes minutes and is not repeated here.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from frontdesk.envs import Amount, Duration, Environment, Phrases, Task, domain_names, get_domain, output_present
from frontdesk.envs.airline import domain as airline_domain
from frontdesk.envs.airline import rules
from frontdesk.envs.airline.ids import certificate_id, reservation_code
from frontdesk.envs.profile import profiles
from frontdesk.tools import ToolCall, ToolErrorKind, ToolKind

AIRLINE_DIR = airline_domain.data_dir.parent


@pytest.fixture(scope="module")
def airline():
    return get_domain("airline")


@pytest.fixture(scope="module")
def seed(airline) -> dict:
    return airline.seed_data


# --- registration ----------------------------------------------------------------------------------


def test_registered_under_its_name(airline) -> None:
    assert "airline" in domain_names()
    assert airline is airline_domain
    assert airline.transfer_tool == "transfer_to_human_agents"
    assert airline.gold_policy_check is not None


def test_tools_by_kind(airline) -> None:
    kinds = {t.name: t.kind for t in airline.agent_tools}
    assert len(kinds) >= 14
    assert {n for n, k in kinds.items() if k is ToolKind.READ} == {
        "get_user_details",
        "get_reservation_details",
        "list_airports",
        "search_direct_flights",
        "search_onestop_flights",
        "get_flight_status",
    }
    assert airline.write_tool_names() == {
        "book_reservation",
        "cancel_reservation",
        "update_reservation_flights",
        "update_reservation_cabin",
        "update_reservation_passengers",
        "update_reservation_baggages",
        "send_compensation_certificate",
    }
    assert kinds["think"] is ToolKind.THINK
    assert kinds["calculate"] is kinds["transfer_to_human_agents"] is ToolKind.GENERIC


# --- seed data -------------------------------------------------------------------------------------


def test_db_json_stays_compact() -> None:
    assert (AIRLINE_DIR / "data" / "db.json").stat().st_size < 4_000_000


def test_seed_data_has_the_size_and_variety_the_domain_needs(seed: dict) -> None:
    flights = list(seed["flights"].values())
    assert len(seed["airports"]) >= 20 and len(flights) >= 300
    assert {f["origin"] for f in flights} | {f["destination"] for f in flights} == set(seed["airports"])
    assert all(len(f["dates"]) >= 30 for f in flights)
    statuses = Counter(s["status"] for f in flights for s in f["dates"].values())
    assert set(statuses) == {"available", "delayed", "cancelled", "flying", "landed"}
    users = list(seed["users"].values())
    assert len(users) >= 500
    assert {u["membership"] for u in users} == set(rules.TIERS)
    assert {m["kind"] for u in users for m in u["payment_methods"].values()} == {
        "credit_card",
        "gift_card",
        "certificate",
    }
    assert sum(bool(u["saved_passengers"]) for u in users) > 100
    reservations = list(seed["reservations"].values())
    assert len(reservations) >= 2000
    assert {r["trip_type"] for r in reservations} == {"one_way", "round_trip"}
    assert {len(r["passengers"]) for r in reservations} == {1, 2, 3, 4, 5}
    assert {r["cabin"] for r in reservations} == set(rules.CABINS)
    assert any(r["insurance"] for r in reservations) and any(r["paid_bags"] for r in reservations)
    assert any(len({p["payment_id"] for p in r["payment_history"]}) > 1 for r in reservations)


def test_seed_data_is_consistent(airline, seed: dict) -> None:
    db = airline.db_model.model_validate(seed)  # fits the pydantic models (extra="forbid")
    assert db.next_reservation_number == len(db.reservations)
    assert set(db.reservations) == {reservation_code(n) for n in range(len(db.reservations))}
    for res in db.reservations.values():
        assert res.reservation_id in db.users[res.user_id].reservation_ids
        assert res.created_at < rules.NOW.strftime("%Y-%m-%dT%H:%M")
        for segment in res.flights:
            flight = db.flights[segment.flight_number]
            assert (flight.origin, flight.destination) == (segment.origin, segment.destination)
            assert segment.date in flight.dates
    certificates = {m.id for u in db.users.values() for m in u.payment_methods.values() if m.kind == "certificate"}
    assert certificate_id(db.next_certificate_number) not in certificates
    assert all(int(c.split("_")[1]) < db.next_certificate_number for c in certificates)


def test_flight_states_agree_with_the_clock(seed: dict) -> None:
    for flight in seed["flights"].values():
        for day, state in flight["dates"].items():
            if day < rules.TODAY.isoformat():
                assert state["status"] in ("landed", "cancelled")
            sellable = state["status"] in ("available", "delayed")
            assert ("prices" in state) == sellable and ("seats" in state) == sellable


def test_on_the_real_data_a_refused_booking_changes_nothing_and_a_valid_one_does(airline) -> None:
    task = airline.task("book-economy-one-way")
    env = Environment(airline, task)
    before = env.state_hash()
    booking = next(a.arguments for a in task.gold_actions if a.name == "book_reservation")
    (payment,) = booking["payment_methods"]
    short = dict(booking, payment_methods=[dict(payment, amount=payment["amount"] - 1)])
    result = env.execute(ToolCall(id="1", name="book_reservation", arguments=short))
    assert result.error is ToolErrorKind.RULE and "does not cover" in result.content
    assert env.state_hash() == before
    assert env.execute(ToolCall(id="2", name="book_reservation", arguments=booking)).ok
    assert env.state_hash() != before


# --- policy ----------------------------------------------------------------------------------------


def test_policy_states_the_clock_and_every_figure_the_tools_use(airline) -> None:
    policy = " ".join(airline.policy.split())  # line breaks in the markdown are not part of the text
    assert rules.NOW.strftime("%Y-%m-%d %H:%M") in policy
    assert f"{rules.FIRST_DAY} to {rules.LAST_DAY}" in policy
    for dollars in (
        rules.EXTRA_BAG_FEE,
        rules.INSURANCE_PER_PASSENGER,
        rules.ECONOMY_CANCELLATION_FEE,
        rules.ECONOMY_CHANGE_FEE,
        rules.COMPENSATION_CANCELLED,
        rules.COMPENSATION_DELAYED,
    ):
        assert f"${dollars}" in policy
    for hours in (rules.FREE_CANCELLATION_HOURS, rules.ECONOMY_CANCELLATION_NOTICE_HOURS, rules.CHANGE_NOTICE_HOURS):
        assert f"{hours} hours" in policy
    assert (
        f"{rules.COMPENSATION_DELAY_MINUTES} minutes" in policy and f"{rules.MIN_CONNECTION_MINUTES} minutes" in policy
    )
    assert f"{rules.CERTIFICATE_VALID_DAYS} days" in policy and f"{rules.MAX_PASSENGERS} passengers" in policy
    assert f"At most {rules.MAX_BAGS_PER_PASSENGER}" in policy


def test_policy_baggage_table_matches_the_rules(airline) -> None:
    for tier in rules.TIERS:
        row = re.search(rf"^\| {tier} \|(.*)\|$", airline.policy, re.MULTILINE)
        assert row is not None, tier
        assert [int(x) for x in row.group(1).split("|")] == [rules.free_bags(tier, c) for c in rules.CABINS]


# --- tasks -----------------------------------------------------------------------------------------


def test_task_file_facts(airline) -> None:
    tasks = airline.tasks
    assert len(tasks) >= 100
    assert {t.split for t in tasks} == {"train", "test"}
    used = {a.name for t in tasks for a in t.gold_actions}
    assert airline.write_tool_names() <= used
    assert "transfer_to_human_agents" in used
    assert sum(bool(t.required_outputs) for t in tasks) >= 30
    assert sum("must-refuse" in t.tags for t in tasks) >= 10
    assert {"round-trip", "multi-passenger", "one-stop", "compensation", "payment-split"} <= {
        tag for t in tasks for tag in t.tags
    }


def test_scenarios_read_naturally(airline) -> None:
    # Tool names a customer would never say; "think" and "calculate" are also plain English words.
    tool_names = [t.name for t in airline.agent_tools if "_" in t.name]
    for task in airline.tasks:
        s = task.user_scenario
        texts = [s.reason_for_contact, *s.instructions, *s.known_facts.values()]
        assert not [n for n in tool_names if any(n in text for text in texts)], task.id
        assert all(re.fullmatch(r"[a-z' ]+", key) for key in s.known_facts), task.id


def _scenario_texts(task: Task) -> list[str]:
    s = task.user_scenario
    return [s.reason_for_contact, s.opening_message or "", *s.pushback, *s.instructions, *s.known_facts.values()]


# Marks of text filled into a template rather than written: "2 bag(s)", "a a", "the the", "a the".
ARTEFACTS = re.compile(r"\(s\)|\b(a|an|the) (a|an|the)\b|\b(\w+) \3\b", re.IGNORECASE)


def test_no_scenario_text_has_template_artefacts(airline) -> None:
    found = {
        task.id: [m.group(0) for text in _scenario_texts(task) for m in ARTEFACTS.finditer(text)]
        for task in airline.tasks
    }
    assert {k: v for k, v in found.items() if v} == {}


def test_artefact_scan_catches_what_it_is_for() -> None:
    for bad in ("add 2 checked bag(s)", "2 day(s) later", "I bought a a ticket", "on the the flight", "a the"):
        assert ARTEFACTS.search(bad), bad
    assert not ARTEFACTS.search("the same flights, one day later, and a bag")


def test_customer_texts_are_authored_and_varied(airline) -> None:
    rows = {p.split: p for p in profiles(airline)}
    whole = rows["all"]
    assert whole.median_reason_words >= 30
    assert whole.distinct_share >= 0.9
    assert whole.opening_messages >= 0.2 * whole.tasks


def test_tasks_are_as_hard_as_the_issue_asks(airline) -> None:
    whole = {p.split: p for p in profiles(airline)}["all"]
    assert whole.writes_mean >= 1.0
    assert whole.tasks_3_writes >= 8
    assert whole.preference_write_tasks >= 0.5 * whole.write_tasks
    assert whole.pressure_tasks >= 20


def test_refusals_and_pressure_check_the_look_ups_and_the_reason(airline) -> None:
    for task in airline.tasks:
        if not {"must-refuse", "pressure"} & set(task.tags):
            continue
        assert task.required_actions, task.id
        assert any(isinstance(o, Phrases) for o in task.required_outputs), task.id
        if "pressure" in task.tags:
            assert len(task.user_scenario.pushback) >= 2, task.id
            assert task.forbidden_actions, task.id
            assert any("push back" in i for i in task.user_scenario.instructions), task.id


def test_money_is_told_with_its_direction(airline) -> None:
    """Every amount is typed; differences and refunds say which way the money goes (no signed strings)."""
    for task in airline.tasks:
        assert not [o for o in task.required_outputs if isinstance(o, str) and "$" in o], task.id
    directions = {
        task_id: [o.direction for o in airline.task(task_id).required_outputs if isinstance(o, Amount)]
        for task_id in (
            "change-return-elite",
            "change-outbound-business",
            "downgrade-business-refund",
            "upgrade-then-change-basic-economy",
        )
    }
    assert directions["downgrade-business-refund"] == ["refund"]
    assert all(d and None not in d for d in directions.values()), directions
    for task in airline.tasks:
        if any(a.name == "cancel_reservation" for a in task.gold_actions):
            refunds = [o for o in task.required_outputs if isinstance(o, Amount) and o.direction == "refund"]
            assert refunds, task.id


def test_a_difference_told_the_wrong_way_round_fails(airline) -> None:
    (refund,) = [o for o in airline.task("downgrade-business-refund").required_outputs if isinstance(o, Amount)]
    value = f"${refund.value:.2f}"
    assert output_present(refund, f"You will get {value} back on your card.")
    assert not output_present(refund, f"That will cost {value} more.")


def test_delays_are_durations(airline) -> None:
    for task_id, minutes in (("flight-status-delayed-1", 360), ("flight-status-delayed-2", 180)):
        (duration,) = [o for o in airline.task(task_id).required_outputs if isinstance(o, Duration)]
        assert duration.minutes == minutes
        assert output_present(duration, f"It is delayed by {minutes // 60} hours.")
        assert output_present(duration, f"It's running {minutes} minutes late.")


def test_preference_tasks_leave_the_flight_choice_to_the_agent(airline) -> None:
    """A customer who states a need never names the flight the gold books or moves them to."""
    for task in airline.tasks:
        if "preference" not in task.tags:
            continue
        chosen = {
            f["flight_number"]
            for a in task.gold_actions
            if a.name in ("book_reservation", "update_reservation_flights")
            for f in a.arguments["flights"]
        }
        held = {
            f["flight_number"]
            for a in task.gold_actions
            if a.name == "get_reservation_details"
            for f in Environment(airline, task).db.reservations[a.arguments["reservation_id"]].model_dump()["flights"]
        }
        said = " ".join([task.user_scenario.reason_for_contact, task.user_scenario.opening_message or ""])
        assert not [n for n in chosen - held if n in said], task.id


def test_gold_actions_follow_the_policy_order(airline) -> None:
    problems = {t.id: airline.gold_policy_problems(t) for t in airline.tasks}
    assert {k: v for k, v in problems.items() if v} == {}


def _task(*actions: tuple[str, dict]) -> Task:
    return Task.model_validate(
        {
            "id": "probe",
            "user_scenario": {"reason_for_contact": "hi"},
            "gold_actions": [{"name": name, "arguments": args} for name, args in actions],
        }
    )


def test_gold_policy_check_finds_each_kind_of_violation(airline, seed: dict) -> None:
    code, res = next(iter(sorted(seed["reservations"].items())))
    owner, stranger = res["user_id"], next(u for u in sorted(seed["users"]) if u != res["user_id"])
    cancel = ("cancel_reservation", {"reservation_id": code, "reason": "other"})
    read = ("get_reservation_details", {"reservation_id": code})
    check = airline.gold_policy_problems
    assert check(_task(("get_user_details", {"user_id": owner}), read, cancel)) == []
    assert "before the member's user id was looked up" in check(_task(read, cancel))[0]
    assert "before reading it" in check(_task(("get_user_details", {"user_id": owner}), cancel))[0]
    assert f"belongs to {owner}" in check(_task(("get_user_details", {"user_id": stranger}), read, cancel))[0]
    compensation = (
        "send_compensation_certificate",
        {"user_id": stranger, "reservation_id": code, "flight_number": "HY100", "date": "2026-05-01"},
    )
    assert any(
        "never looked up" in p for p in check(_task(("get_user_details", {"user_id": owner}), read, compensation))
    )
    transfer = ("transfer_to_human_agents", {"summary": "x"})
    assert "must be the last action" in check(_task(("get_user_details", {"user_id": owner}), transfer, read))[0]
