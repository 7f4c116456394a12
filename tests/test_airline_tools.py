"""Airline tools, rule by rule, on a small hand-made database whose every number is visible here.

The clock is the domain's fixed now, 2026-05-12 10:00. Each refusal must leave the database
exactly as it was (same state hash): the toolkit rolls back whatever a failing write touched.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from frontdesk.envs import state_hash
from frontdesk.envs.airline import domain
from frontdesk.envs.airline.db import AirlineDB
from frontdesk.envs.airline.ids import reservation_code
from frontdesk.tools import ToolCall, ToolErrorKind, Toolkit

CARD_ANA, GIFT_ANA = "credit_card_1000001", "gift_card_1000002"
CERT_ANA, CERT_ANA_EXPIRED, CERT_ANA_LAST_DAY = "certificate_1", "certificate_2", "certificate_3"
CARD_BEN, CARD_CARA, GIFT_CARA = "credit_card_2000001", "credit_card_3000001", "gift_card_3000002"
ANA, BEN, CARA = "ana_regular_1000", "ben_gold_2000", "cara_silver_3000"


def cabins(basic: int, economy: int, business: int) -> dict[str, int]:
    return {"basic_economy": basic, "economy": economy, "business": business}


def on_sale(prices: dict[str, int], seats: dict[str, int] | None = None, delay: int = 0) -> dict[str, Any]:
    day = {"status": "delayed" if delay else "available", "seats": seats or cabins(9, 9, 4), "prices": prices}
    return day | ({"delay_minutes": delay} if delay else {})


def flight(
    number: str, origin: str, destination: str, leaves: str, lands: str, dates: dict[str, Any]
) -> dict[str, Any]:
    return {
        "flight_number": number,
        "origin": origin,
        "destination": destination,
        "departure_time": leaves,
        "arrival_time": lands,
        "dates": dates,
    }


FLIGHTS = [
    flight(
        "HY100",
        "JFK",
        "LAX",
        "08:00",
        "14:00",
        {
            "2026-05-10": {"status": "landed"},
            "2026-05-12": {"status": "flying"},
            "2026-05-13": on_sale(cabins(100, 150, 500)),  # leaves in 22 hours
            "2026-05-14": on_sale(cabins(90, 140, 480)),  # leaves in 46 hours
            "2026-05-20": on_sale(cabins(120, 200, 600)),
            "2026-05-21": on_sale(cabins(110, 180, 550), seats=cabins(1, 1, 0)),
            "2026-05-22": on_sale(cabins(120, 200, 600), delay=60),
            "2026-05-23": {"status": "cancelled"},
        },
    ),
    flight(
        "HY101",
        "LAX",
        "JFK",
        "09:00",
        "17:00",
        {
            "2026-05-10": {"status": "landed", "delay_minutes": 200},
            "2026-05-11": {"status": "landed", "delay_minutes": 90},
            "2026-05-25": on_sale(cabins(130, 210, 650)),
            "2026-05-26": {"status": "cancelled"},
            "2026-05-27": on_sale(cabins(100, 170, 500)),
        },
    ),
    flight("HY200", "JFK", "ORD", "07:00", "09:00", {"2026-05-20": on_sale(cabins(60, 100, 300))}),
    flight(
        "HY201", "ORD", "LAX", "10:30", "13:30", {"2026-05-20": on_sale(cabins(70, 110, 320))}
    ),  # 90 min after HY200
    flight("HY202", "ORD", "LAX", "09:30", "12:30", {"2026-05-20": on_sale(cabins(65, 105, 310))}),  # 30 min: too short
]


def person(first: str, last: str, born: str) -> dict[str, str]:
    return {"first_name": first, "last_name": last, "date_of_birth": born}


def user(
    user_id: str, tier: str, methods: list[dict[str, Any]], saved: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    first, _, _ = user_id.split("_")
    return {
        "user_id": user_id,
        "first_name": first.title(),
        "last_name": "Tester",
        "email": f"{first}@example.com",
        "date_of_birth": "1980-01-01",
        "membership": tier,
        "saved_passengers": saved or [],
        "payment_methods": {m["id"]: m for m in methods},
        "reservation_ids": [],
    }


USERS = [
    user(
        ANA,
        "regular",
        [
            {"kind": "credit_card", "id": CARD_ANA, "brand": "visa", "last_four": "1111"},
            {"kind": "gift_card", "id": GIFT_ANA, "balance": 80.5},
            {"kind": "certificate", "id": CERT_ANA, "balance": 100, "expires": "2026-12-31"},
            {"kind": "certificate", "id": CERT_ANA_EXPIRED, "balance": 300, "expires": "2026-05-11"},
            {"kind": "certificate", "id": CERT_ANA_LAST_DAY, "balance": 50, "expires": "2026-05-12"},
        ],
        saved=[person("Bo", "Lee", "2010-02-03")],
    ),
    user(BEN, "gold", [{"kind": "credit_card", "id": CARD_BEN, "brand": "amex", "last_four": "2222"}]),
    user(
        CARA,
        "silver",
        [
            {"kind": "credit_card", "id": CARD_CARA, "brand": "mastercard", "last_four": "3333"},
            {"kind": "gift_card", "id": GIFT_CARA, "balance": 20},
            {"kind": "certificate", "id": "certificate_9", "balance": 200, "expires": "2027-05-01"},
        ],
    ),
]


def leg(number: str, day: str, price: float) -> dict[str, Any]:
    origin, destination = {"HY100": ("JFK", "LAX"), "HY101": ("LAX", "JFK")}[number]
    return {"flight_number": number, "date": day, "origin": origin, "destination": destination, "price": price}


def reservation(
    code: str, owner: str, cabin: str, legs: list[dict[str, Any]], passengers: int = 1, **extra: Any
) -> dict[str, Any]:
    card = {ANA: CARD_ANA, BEN: CARD_BEN, CARA: CARD_CARA}[owner]
    total = sum(s["price"] for s in legs) * passengers + (30 * passengers if extra.get("insurance") else 0)
    data = {
        "reservation_id": code,
        "user_id": owner,
        "origin": legs[0]["origin"],
        "destination": legs[0]["destination"],
        "trip_type": "round_trip" if len(legs) == 2 else "one_way",
        "cabin": cabin,
        "flights": legs,
        "passengers": [person(f"P{i}", "Tester", "1990-01-01") for i in range(passengers)],
        "checked_bags": 0,
        "paid_bags": 0,
        "insurance": False,
        "payment_history": [{"payment_id": card, "amount": total, "purpose": "booking"}],
        "created_at": "2026-04-01T09:00",
        "status": "active",
    }
    return data | extra


RESERVATIONS = [
    reservation("BASIC1", ANA, "basic_economy", [leg("HY100", "2026-05-20", 120)]),
    reservation("BASICI", ANA, "basic_economy", [leg("HY100", "2026-05-20", 120)], insurance=True),
    reservation("RECENT", ANA, "basic_economy", [leg("HY100", "2026-05-20", 120)], created_at="2026-05-11T12:00"),
    reservation(
        "ECON2",
        ANA,
        "economy",
        [leg("HY100", "2026-05-20", 200)],
        2,
        checked_bags=2,
        payment_history=[
            {"payment_id": GIFT_ANA, "amount": 100, "purpose": "booking"},
            {"payment_id": CARD_ANA, "amount": 300, "purpose": "booking"},
        ],
    ),
    reservation("ECON14", ANA, "economy", [leg("HY100", "2026-05-14", 140)]),
    reservation("ECON13", ANA, "economy", [leg("HY100", "2026-05-13", 150)]),
    reservation("BIZRT", BEN, "business", [leg("HY100", "2026-05-20", 600), leg("HY101", "2026-05-25", 650)]),
    reservation("GOLDEC", BEN, "economy", [leg("HY100", "2026-05-20", 200)], checked_bags=1),
    reservation("START", BEN, "economy", [leg("HY100", "2026-05-10", 190), leg("HY101", "2026-05-25", 210)]),
    reservation("STARTX", CARA, "basic_economy", [leg("HY100", "2026-05-10", 100), leg("HY101", "2026-05-26", 130)]),
    reservation("DISRUP", CARA, "economy", [leg("HY101", "2026-05-26", 200)], 2),
    reservation("SILVEC", CARA, "economy", [leg("HY100", "2026-05-20", 200)]),
    reservation("LATE", ANA, "economy", [leg("HY101", "2026-05-10", 210)]),
    reservation("LATEIN", ANA, "economy", [leg("HY101", "2026-05-10", 210)], 3, insurance=True),
    reservation("SHORT", CARA, "economy", [leg("HY101", "2026-05-11", 210)]),
    reservation(
        "DONE", CARA, "economy", [leg("HY101", "2026-05-26", 200)], compensation_certificate_id="certificate_9"
    ),
    reservation("GONE", ANA, "economy", [leg("HY100", "2026-05-20", 200)], status="cancelled"),
]


def small_db() -> AirlineDB:
    users = {u["user_id"]: json.loads(json.dumps(u)) for u in USERS}
    for r in RESERVATIONS:
        users[r["user_id"]]["reservation_ids"].append(r["reservation_id"])
    return AirlineDB.model_validate(
        {
            "airports": {
                c: {"code": c, "city": city, "name": f"{city} airport"}
                for c, city in [("JFK", "New York"), ("LAX", "Los Angeles"), ("ORD", "Chicago")]
            },
            "flights": {f["flight_number"]: f for f in json.loads(json.dumps(FLIGHTS))},
            "users": users,
            "reservations": {r["reservation_id"]: r for r in json.loads(json.dumps(RESERVATIONS))},
            "next_reservation_number": 100,
            "next_certificate_number": 50,
        }
    )


@pytest.fixture
def db() -> AirlineDB:
    return small_db()


@pytest.fixture
def kit(db: AirlineDB) -> Toolkit:
    return Toolkit(domain.agent_tools, db)


def call(kit: Toolkit, name: str, **arguments: Any) -> Any:
    result = kit.call(ToolCall(id="t", name=name, arguments=arguments))
    assert result.ok, result.content
    return json.loads(result.content) if result.content[:1] in "[{" else result.content


def refused(kit: Toolkit, name: str, because: str, **arguments: Any) -> str:
    """The call is refused by a rule, says ``because``, and the database is exactly as before."""
    before = state_hash(kit.db)
    result = kit.call(ToolCall(id="t", name=name, arguments=arguments))
    assert result.error is ToolErrorKind.RULE, result.content
    assert because in result.content, result.content
    assert state_hash(kit.db) == before
    return result.content


def flights(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"flight_number": n, "date": d} for n, d in pairs]


def pay(*parts: tuple[str, float]) -> list[dict[str, Any]]:
    return [{"payment_id": p, "amount": a} for p, a in parts]


ME = person("Ana", "Tester", "1980-01-01")


def booking(**overrides: Any) -> dict[str, Any]:
    """A valid one-way economy booking for Ana on HY100, 2026-05-20 ($200), unless overridden."""
    args = {
        "user_id": ANA,
        "origin": "JFK",
        "destination": "LAX",
        "trip_type": "one_way",
        "cabin": "economy",
        "flights": flights(("HY100", "2026-05-20")),
        "passengers": [ME],
        "payment_methods": pay((CARD_ANA, 200)),
        "checked_bags": 0,
        "insurance": False,
    }
    return args | overrides


# --- look-ups ------------------------------------------------------------------------------------


def test_get_user_details(kit: Toolkit) -> None:
    details = call(kit, "get_user_details", user_id=ANA)
    assert details["membership"] == "regular"
    assert details["payment_methods"][GIFT_ANA]["balance"] == 80.5
    assert "BASIC1" in details["reservation_ids"]


def test_unknown_user(kit: Toolkit) -> None:
    refused(kit, "get_user_details", "not found", user_id="nobody_0000")


def test_get_reservation_details_adds_schedule_and_status(kit: Toolkit) -> None:
    details = call(kit, "get_reservation_details", reservation_id="start")  # ids are case-insensitive
    assert [(f["status"], f["departure_time"]) for f in details["flights"]] == [
        ("landed", "08:00"),
        ("available", "09:00"),
    ]
    late = call(kit, "get_reservation_details", reservation_id="LATE")["flights"][0]
    assert late["delay_minutes"] == 200


def test_unknown_reservation(kit: Toolkit) -> None:
    refused(kit, "get_reservation_details", "not found", reservation_id="ZZZZZZ")


def test_list_airports(kit: Toolkit) -> None:
    assert [a["code"] for a in call(kit, "list_airports")] == ["JFK", "LAX", "ORD"]


def test_search_direct_shows_only_bookable_flights_with_seats_and_prices(kit: Toolkit) -> None:
    found = call(kit, "search_direct_flights", origin="jfk", destination="LAX", date="2026-05-20")
    assert [f["flight_number"] for f in found] == ["HY100"]
    assert found[0]["prices"]["economy"] == 200 and found[0]["seats_left"]["business"] == 4
    assert call(kit, "search_direct_flights", origin="JFK", destination="LAX", date="2026-05-22") == []  # delayed
    assert call(kit, "search_direct_flights", origin="JFK", destination="LAX", date="2026-05-23") == []  # cancelled


@pytest.mark.parametrize(
    ("origin", "destination", "date", "because"),
    [
        ("JFK", "LAX", "05/20/2026", "not in the format YYYY-MM-DD"),
        ("JFK", "LAX", "2026-5-20", "not in the format YYYY-MM-DD"),
        ("JFK", "LAX", "2026-02-30", "not a real calendar date"),
        ("JFK", "LAX", "2026-06-02", "flights are scheduled from 2026-05-01 to 2026-05-31"),
        ("JFK", "LAX", "2026-05-10", "in the past"),
        ("XYZ", "LAX", "2026-05-20", "unknown airport 'XYZ'"),
        ("JFK", "Los Angeles", "2026-05-20", "unknown airport"),
        ("JFK", "jfk", "2026-05-20", "the same airport"),
    ],
)
def test_search_refuses_bad_input(kit: Toolkit, origin: str, destination: str, date: str, because: str) -> None:
    refused(kit, "search_direct_flights", because, origin=origin, destination=destination, date=date)
    refused(kit, "search_onestop_flights", because, origin=origin, destination=destination, date=date)


def test_search_onestop_needs_a_60_minute_connection(kit: Toolkit) -> None:
    found = call(kit, "search_onestop_flights", origin="JFK", destination="LAX", date="2026-05-20")
    assert [[leg["flight_number"] for leg in c["flights"]] for c in found] == [["HY200", "HY201"]]
    assert found[0]["connection"] == "ORD"


def test_flight_status(kit: Toolkit) -> None:
    assert call(kit, "get_flight_status", flight_number="HY100", date="2026-05-22")["delay_minutes"] == 60
    assert call(kit, "get_flight_status", flight_number="hy101", date="2026-05-26")["status"] == "cancelled"
    landed = call(kit, "get_flight_status", flight_number="HY101", date="2026-05-10")
    assert landed["status"] == "landed" and "prices" not in landed
    refused(kit, "get_flight_status", "not found", flight_number="HY999", date="2026-05-20")
    refused(kit, "get_flight_status", "does not fly on 2026-05-21", flight_number="HY200", date="2026-05-21")
    refused(kit, "get_flight_status", "YYYY-MM-DD", flight_number="HY100", date="May 20")


# --- book_reservation --------------------------------------------------------------------------------


def test_book_one_way_takes_payment_seats_and_a_deterministic_id(kit: Toolkit, db: AirlineDB) -> None:
    # A regular member in economy has 1 free bag per passenger: the second bag costs $45.
    made = call(kit, "book_reservation", **booking(checked_bags=2, payment_methods=pay((CARD_ANA, 245))))
    assert made["reservation_id"] == reservation_code(100) and db.next_reservation_number == 101
    assert made["total_price"] == 245 and made["paid_bags"] == 1
    assert made["created_at"] == "2026-05-12T10:00"
    assert db.flights["HY100"].dates["2026-05-20"].seats["economy"] == 8
    assert made["reservation_id"] in db.users[ANA].reservation_ids
    assert db.reservations[made["reservation_id"]].payment_history[0].amount == 245


def test_book_round_trip_for_two_with_insurance_split_across_gift_card_and_certificate(
    kit: Toolkit, db: AirlineDB
) -> None:
    # (200 + 210) x 2 passengers + $30 insurance x 2 = 880
    made = call(
        kit,
        "book_reservation",
        **booking(
            trip_type="round_trip",
            flights=flights(("HY100", "2026-05-20"), ("HY101", "2026-05-25")),
            passengers=[ME, person("Bo", "Lee", "2010-02-03")],
            insurance=True,
            payment_methods=pay((GIFT_ANA, 80.5), (CERT_ANA, 100), (CARD_ANA, 699.5)),
        ),
    )
    assert made["total_price"] == 880
    assert db.users[ANA].payment_methods[GIFT_ANA].balance == 0
    assert db.users[ANA].payment_methods[CERT_ANA].balance == 0


def test_book_one_stop(kit: Toolkit) -> None:
    made = call(
        kit,
        "book_reservation",
        **booking(
            cabin="basic_economy",
            flights=flights(("HY200", "2026-05-20"), ("HY201", "2026-05-20")),
            payment_methods=pay((CARD_ANA, 130)),
        ),
    )
    assert [f["origin"] for f in made["flights"]] == ["JFK", "ORD"]


def test_certificate_can_be_used_on_its_last_day(kit: Toolkit) -> None:
    call(kit, "book_reservation", **booking(payment_methods=pay((CERT_ANA_LAST_DAY, 50), (CARD_ANA, 150))))


@pytest.mark.parametrize(
    ("overrides", "because"),
    [
        ({"payment_methods": pay((CARD_ANA, 199.99))}, "does not cover the total of $200.00"),
        ({"payment_methods": pay((CARD_ANA, 245))}, "must match it exactly"),
        ({"checked_bags": 2}, "does not cover the total of $245.00"),
        ({"insurance": True}, "does not cover the total of $230.00"),
        ({"payment_methods": []}, "needs a payment"),
        ({"payment_methods": pay((GIFT_ANA, 100), (CARD_ANA, 100))}, "balance of $80.50"),
        ({"payment_methods": pay((CERT_ANA_EXPIRED, 200))}, "expired on 2026-05-11"),
        ({"payment_methods": pay((CERT_ANA, 100), (CERT_ANA_LAST_DAY, 50), (CARD_ANA, 50))}, "at most one certificate"),
        ({"payment_methods": pay((CARD_BEN, 200))}, "not on ana_regular_1000's profile"),
        ({"payment_methods": pay((CARD_ANA, 100), (CARD_ANA, 100))}, "listed twice"),
        ({"payment_methods": pay((CARD_ANA, 0), (GIFT_ANA, 80.5))}, "must be positive"),
        (
            {"flights": flights(("HY100", "2026-05-21")), "passengers": [ME, ME]},
            "1 economy seat(s) left, not enough for 2",
        ),
        ({"flights": flights(("HY100", "2026-05-21")), "cabin": "business"}, "0 business seat(s) left"),
        ({"flights": flights(("HY100", "2026-05-22"))}, "is delayed; only available flights can be booked"),
        ({"flights": flights(("HY100", "2026-05-23"))}, "is cancelled"),
        ({"flights": flights(("HY100", "2026-05-12"))}, "is flying"),
        ({"flights": flights(("HY100", "20-05-2026"))}, "not in the format YYYY-MM-DD"),
        ({"flights": flights(("HY999", "2026-05-20"))}, "flight 'HY999' not found"),
        ({"origin": "BOS"}, "unknown airport 'BOS'"),
        ({"origin": "LAX", "destination": "JFK"}, "must leave from LAX"),
        ({"trip_type": "round_trip"}, "do not reach JFK"),
        ({"flights": flights(("HY100", "2026-05-20"), ("HY101", "2026-05-25"))}, "one flight too many"),
        (
            {"trip_type": "round_trip", "flights": flights(("HY100", "2026-05-20"), ("HY101", "2026-05-10"))},
            "return flight must leave after",
        ),
        ({"flights": flights(("HY200", "2026-05-20"), ("HY202", "2026-05-20"))}, "at least 60 minutes after arrival"),
        ({"flights": flights(("HY100", "2026-05-20"), ("HY100", "2026-05-20"))}, "listed twice"),
        ({"passengers": [ME] * 6}, "1 to 5 passengers"),
        ({"passengers": []}, "1 to 5 passengers"),
        ({"passengers": [person("Ana", "Tester", "01/01/1980")]}, "date of birth '01/01/1980' is not in the format"),
        ({"passengers": [person("Ana", "Tester", "2027-01-01")]}, "in the future"),
        ({"passengers": [person(" ", "Tester", "1980-01-01")]}, "first and a last name"),
        ({"checked_bags": 5}, "between 0 and 4 per passenger"),
        ({"user_id": "nobody_0000"}, "not found"),
    ],
)
def test_book_refusals_leave_everything_unchanged(kit: Toolkit, overrides: dict[str, Any], because: str) -> None:
    refused(kit, "book_reservation", because, **booking(**overrides))


def test_booking_ids_come_from_the_counter(kit: Toolkit) -> None:
    first = call(kit, "book_reservation", **booking())["reservation_id"]
    second = call(kit, "book_reservation", **booking())["reservation_id"]
    assert (first, second) == (reservation_code(100), reservation_code(101))


def test_reservation_codes_are_distinct_six_character_codes() -> None:
    codes = [reservation_code(n) for n in range(5000)]
    assert len(set(codes)) == 5000 and all(len(c) == 6 and c.isalnum() for c in codes)


# --- cancel_reservation ------------------------------------------------------------------------------


def cancel(kit: Toolkit, code: str, reason: str = "change_of_plans") -> dict[str, Any]:
    return call(kit, "cancel_reservation", reservation_id=code, reason=reason)


def test_cancel_within_24_hours_of_booking_refunds_basic_economy(kit: Toolkit, db: AirlineDB) -> None:
    done = cancel(kit, "RECENT")
    assert done["total_refund"] == 120 and done["fee_kept"] == 0
    assert db.reservations["RECENT"].status == "cancelled"
    assert db.flights["HY100"].dates["2026-05-20"].seats["basic_economy"] == 10  # seat given back


def test_cancel_business_any_time_before_departure(kit: Toolkit) -> None:
    assert cancel(kit, "BIZRT")["total_refund"] == 1250


def test_cancel_insured_for_health(kit: Toolkit) -> None:
    assert cancel(kit, "BASICI", "health")["total_refund"] == 150


def test_insurance_does_not_cover_a_change_of_plans(kit: Toolkit) -> None:
    refused(
        kit,
        "cancel_reservation",
        "basic economy cannot be cancelled",
        reservation_id="BASICI",
        reason="change_of_plans",
    )


def test_basic_economy_cannot_be_cancelled(kit: Toolkit) -> None:
    refused(
        kit,
        "cancel_reservation",
        "basic economy cannot be cancelled",
        reservation_id="BASIC1",
        reason="family_emergency",
    )


def test_cancel_economy_regular_keeps_the_fee_from_the_card_first(kit: Toolkit, db: AirlineDB) -> None:
    # Paid $100 by gift card + $300 by card; fee $75 x 2 passengers comes off the card's share.
    done = cancel(kit, "ECON2")
    assert done["fee_kept"] == 150 and done["total_refund"] == 250
    assert {r["payment_id"]: r["amount"] for r in done["refunds"]} == {CARD_ANA: -150, GIFT_ANA: -100}
    assert db.users[ANA].payment_methods[GIFT_ANA].balance == 180.5


def test_cancel_economy_silver_pays_no_fee(kit: Toolkit) -> None:
    assert cancel(kit, "SILVEC")["total_refund"] == 200


def test_cancel_economy_needs_72_hours_notice(kit: Toolkit) -> None:
    refused(kit, "cancel_reservation", "72 hours or more", reservation_id="ECON14", reason="change_of_plans")


def test_cancel_after_departure_is_refused(kit: Toolkit) -> None:
    refused(
        kit,
        "cancel_reservation",
        "HY100 on 2026-05-10 has already departed",
        reservation_id="START",
        reason="change_of_plans",
    )


def test_airline_cancellation_refunds_even_a_started_trip(kit: Toolkit) -> None:
    assert cancel(kit, "STARTX", "airline_cancelled_flight")["total_refund"] == 230


def test_airline_cancelled_reason_must_be_true(kit: Toolkit) -> None:
    refused(
        kit,
        "cancel_reservation",
        "no flight on this reservation was cancelled",
        reservation_id="ECON2",
        reason="airline_cancelled_flight",
    )


def test_cancel_twice_is_refused(kit: Toolkit) -> None:
    refused(kit, "cancel_reservation", "already cancelled", reservation_id="GONE", reason="change_of_plans")


def test_cancel_reason_outside_the_list_is_invalid(kit: Toolkit) -> None:
    result = kit.call(
        ToolCall(id="t", name="cancel_reservation", arguments={"reservation_id": "BIZRT", "reason": "bored"})
    )
    assert result.error is ToolErrorKind.INVALID_ARGUMENTS


# --- update_reservation_flights ----------------------------------------------------------------------


def test_change_economy_regular_pays_difference_and_fee(kit: Toolkit, db: AirlineDB) -> None:
    # ECON2: 2 passengers on HY100 05-20 at $200 -> HY100 05-14 at $140: -60 x 2 + $50 x 2 = -20 (refund).
    done = call(
        kit,
        "update_reservation_flights",
        reservation_id="ECON2",
        flights=flights(("HY100", "2026-05-14")),
        payment_id=GIFT_ANA,
    )
    assert (done["fare_difference"], done["change_fee"], done["total_due"]) == (-120, 100, -20)
    assert db.users[ANA].payment_methods[GIFT_ANA].balance == 100.5  # refunds to a gift card restore its balance
    assert db.flights["HY100"].dates["2026-05-20"].seats["economy"] == 11
    assert db.flights["HY100"].dates["2026-05-14"].seats["economy"] == 7
    assert done["flights"][0]["price"] == 140


def test_a_cancellation_after_a_change_refund_never_returns_more_than_was_paid(kit: Toolkit, db: AirlineDB) -> None:
    # SILVEC was paid $200 by card; moving to a $180 flight refunded $20 to the gift card; cancelling
    # gives the rest back, less any fee: $180 net paid, not the $200 a second time.
    call(kit, "update_reservation_flights", reservation_id="SILVEC", flights=flights(("HY100", "2026-05-21")),
         payment_id=GIFT_CARA)  # fmt: skip
    done = cancel(kit, "SILVEC")
    history = db.reservations["SILVEC"].payment_history
    assert sum(p.amount for p in history) == done["fee_kept"]  # all the airline keeps is its fee
    assert done["total_refund"] == 180 - done["fee_kept"]


def test_change_gold_pays_no_fee_and_keeps_unchanged_prices(kit: Toolkit, db: AirlineDB) -> None:
    # Business round trip: only the return moves, 650 -> 500.
    done = call(
        kit,
        "update_reservation_flights",
        reservation_id="BIZRT",
        flights=flights(("HY100", "2026-05-20"), ("HY101", "2026-05-27")),
        payment_id=CARD_BEN,
    )
    assert (done["change_fee"], done["total_due"]) == (0, -150)
    assert [f["price"] for f in done["flights"]] == [600, 500]
    assert db.reservations["BIZRT"].payment_history[-1].purpose == "flight_change"


def test_change_silver_economy_pays_no_fee(kit: Toolkit) -> None:
    done = call(
        kit,
        "update_reservation_flights",
        reservation_id="SILVEC",
        flights=flights(("HY100", "2026-05-14")),
        payment_id=CARD_CARA,
    )
    assert done["total_due"] == -60


@pytest.mark.parametrize(
    ("code", "new", "payment", "because"),
    [
        ("BASIC1", [("HY100", "2026-05-14")], CARD_ANA, "basic economy flights cannot be changed"),
        ("ECON13", [("HY100", "2026-05-14")], CARD_ANA, "leaves in 22.0 hours"),
        ("START", [("HY100", "2026-05-14"), ("HY101", "2026-05-25")], CARD_BEN, "has already departed"),
        ("ECON2", [("HY100", "2026-05-21")], CARD_ANA, "not enough for 2"),
        ("ECON2", [("HY100", "2026-05-22")], CARD_ANA, "only available flights"),
        ("ECON2", [("HY101", "2026-05-25")], CARD_ANA, "must leave from JFK"),
        ("ECON2", [("HY100", "2026-05-20")], CARD_ANA, "nothing to change"),
        ("ECON14", [("HY100", "2026-05-20")], None, "needs a charge of $110.00"),
        ("ECON14", [("HY100", "2026-05-20")], CERT_ANA, "certificates can only pay for new bookings"),
        ("ECON14", [("HY100", "2026-05-20")], GIFT_ANA, "balance of $80.50, less than the $110.00 due"),
        ("GONE", [("HY100", "2026-05-14")], CARD_ANA, "already cancelled"),
    ],
)
def test_change_refusals(
    kit: Toolkit, code: str, new: list[tuple[str, str]], payment: str | None, because: str
) -> None:
    arguments: dict[str, Any] = {"reservation_id": code, "flights": flights(*new)}
    if payment:
        arguments["payment_id"] = payment
    refused(kit, "update_reservation_flights", because, **arguments)


# --- update_reservation_cabin -------------------------------------------------------------------------


def test_upgrade_charges_todays_difference_for_every_passenger(kit: Toolkit, db: AirlineDB) -> None:
    # ECON2: 2 x (600 - 200) = 800 to the card; seats move between cabins; the new price is kept.
    done = call(kit, "update_reservation_cabin", reservation_id="ECON2", cabin="business", payment_id=CARD_ANA)
    assert done["total_due"] == 800 and done["cabin"] == "business" and done["flights"][0]["price"] == 600
    seats = db.flights["HY100"].dates["2026-05-20"].seats
    assert (seats["economy"], seats["business"]) == (11, 2)


def test_basic_economy_upgrade_then_flight_change(kit: Toolkit) -> None:
    assert (
        call(kit, "update_reservation_cabin", reservation_id="BASIC1", cabin="economy", payment_id=CARD_ANA)[
            "total_due"
        ]
        == 80
    )
    done = call(
        kit,
        "update_reservation_flights",
        reservation_id="BASIC1",
        flights=flights(("HY100", "2026-05-14")),
        payment_id=CARD_ANA,
    )
    assert done["total_due"] == -10  # 140 - 200 + $50 change fee


def test_downgrade_refunds(kit: Toolkit) -> None:
    done = call(kit, "update_reservation_cabin", reservation_id="BIZRT", cabin="economy", payment_id=CARD_BEN)
    assert done["total_due"] == (200 - 600) + (210 - 650)


@pytest.mark.parametrize(
    ("code", "cabin", "payment", "because"),
    [
        ("ECON2", "economy", CARD_ANA, "already in economy"),
        ("START", "business", CARD_BEN, "already departed"),
        ("DISRUP", "business", CARD_CARA, "is cancelled; its cabin cannot be changed"),
        ("LATE", "business", CARD_ANA, "already departed"),
        ("ECON2", "business", None, "needs a charge of $800.00"),
    ],
)
def test_cabin_refusals(kit: Toolkit, code: str, cabin: str, payment: str | None, because: str) -> None:
    arguments: dict[str, Any] = {"reservation_id": code, "cabin": cabin}
    if payment:
        arguments["payment_id"] = payment
    refused(kit, "update_reservation_cabin", because, **arguments)


def test_cabin_needs_seats_for_everyone(kit: Toolkit, db: AirlineDB) -> None:
    db.flights["HY100"].dates["2026-05-20"].seats["business"] = 1
    refused(
        kit,
        "update_reservation_cabin",
        "not enough for 2",
        reservation_id="ECON2",
        cabin="business",
        payment_id=CARD_ANA,
    )


# --- update_reservation_passengers --------------------------------------------------------------------


def test_correct_a_passenger_name(kit: Toolkit, db: AirlineDB) -> None:
    fixed = [person("Piet", "Tester", "1990-01-01"), person("P1", "Tester", "1990-01-01")]
    call(kit, "update_reservation_passengers", reservation_id="ECON2", passengers=fixed)
    assert db.reservations["ECON2"].passengers[0].first_name == "Piet"


@pytest.mark.parametrize(
    ("code", "passengers", "because"),
    [
        ("ECON2", [person("P0", "Tester", "1990-01-01")], "not added or removed"),
        ("ECON2", [person("P0", "Tester", "1990-01-01")] * 3, "not added or removed"),
        ("ECON2", [person("P0", "Tester", "1990-01-01"), person("P1", "Tester", "1990/01/01")], "not in the format"),
        ("ECON2", [person("P0", "Tester", "1990-01-01"), person("P1", "Tester", "1990-01-01")], "nothing to change"),
        ("START", [person("Someone", "Else", "1990-01-01")], "already departed"),
    ],
)
def test_passenger_refusals(kit: Toolkit, code: str, passengers: list[dict[str, str]], because: str) -> None:
    refused(kit, "update_reservation_passengers", because, reservation_id=code, passengers=passengers)


# --- update_reservation_baggages ----------------------------------------------------------------------


def test_extra_bags_cost_45_beyond_the_allowance(kit: Toolkit, db: AirlineDB) -> None:
    # ECON2: regular, economy, 2 passengers -> 2 free bags; 2 already checked; 5 in total -> 3 x $45.
    done = call(kit, "update_reservation_baggages", reservation_id="ECON2", checked_bags=5, payment_id=CARD_ANA)
    assert (done["bag_fee"], done["paid_bags"]) == (135, 3)
    # Bags already paid for are not charged again.
    assert (
        call(kit, "update_reservation_baggages", reservation_id="ECON2", checked_bags=6, payment_id=CARD_ANA)["bag_fee"]
        == 45
    )


def test_bags_within_the_gold_allowance_are_free(kit: Toolkit, db: AirlineDB) -> None:
    # Gold economy: 3 free bags per passenger. Nothing is charged, so no payment method is needed.
    done = call(kit, "update_reservation_baggages", reservation_id="GOLDEC", checked_bags=3)
    assert (done["bag_fee"], done["checked_bags"], done["paid_bags"]) == (0, 3, 0)
    assert len(db.reservations["GOLDEC"].payment_history) == 1
    refused(kit, "update_reservation_baggages", "nothing to change", reservation_id="GOLDEC", checked_bags=3)


@pytest.mark.parametrize(
    ("code", "bags", "payment", "because"),
    [
        ("ECON2", 1, CARD_ANA, "can be added but not removed"),
        ("ECON2", 9, CARD_ANA, "at most 4 checked bags per passenger"),
        ("ECON2", 4, None, "needs a charge of $90.00"),
        ("ECON2", 4, CERT_ANA, "certificates can only pay for new bookings"),
        ("ECON2", 5, GIFT_ANA, "balance of $80.50"),
        ("START", 1, CARD_BEN, "already departed"),
    ],
)
def test_bag_refusals(kit: Toolkit, code: str, bags: int, payment: str | None, because: str) -> None:
    arguments: dict[str, Any] = {"reservation_id": code, "checked_bags": bags}
    if payment:
        arguments["payment_id"] = payment
    refused(kit, "update_reservation_baggages", because, **arguments)


# --- send_compensation_certificate --------------------------------------------------------------------


def compensate(kit: Toolkit, owner: str, code: str, number: str, date: str) -> dict[str, Any]:
    return call(
        kit, "send_compensation_certificate", user_id=owner, reservation_id=code, flight_number=number, date=date
    )


def test_cancelled_flight_gives_silver_member_100_per_passenger(kit: Toolkit, db: AirlineDB) -> None:
    certificate = compensate(kit, CARA, "DISRUP", "HY101", "2026-05-26")
    assert certificate == {"kind": "certificate", "id": "certificate_50", "balance": 200, "expires": "2027-05-12"}
    assert db.users[CARA].payment_methods["certificate_50"].balance == 200
    assert db.reservations["DISRUP"].compensation_certificate_id == "certificate_50"
    assert db.next_certificate_number == 51


def test_long_delay_gives_insured_reservation_50_per_passenger(kit: Toolkit) -> None:
    assert compensate(kit, ANA, "LATEIN", "HY101", "2026-05-10")["balance"] == 150


@pytest.mark.parametrize(
    ("owner", "code", "number", "date", "because"),
    [
        (ANA, "LATE", "HY101", "2026-05-10", "silver and gold members, insured reservations and business"),
        (CARA, "SHORT", "HY101", "2026-05-11", "delay (90 minutes) is under the 180 minutes"),
        (CARA, "DONE", "HY101", "2026-05-26", "already compensated"),
        (CARA, "DISRUP", "HY101", "2026-05-25", "is not on reservation DISRUP"),
        (ANA, "DISRUP", "HY101", "2026-05-26", "does not belong to ana_regular_1000"),
        (CARA, "SILVEC", "HY100", "2026-05-20", "was not cancelled"),
        (CARA, "DISRUP", "HY101", "26 May", "YYYY-MM-DD"),
    ],
)
def test_compensation_refusals(kit: Toolkit, owner: str, code: str, number: str, date: str, because: str) -> None:
    refused(
        kit,
        "send_compensation_certificate",
        because,
        user_id=owner,
        reservation_id=code,
        flight_number=number,
        date=date,
    )


# --- generic tools ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value"), [("2 * (187 + 204) + 60", "842.00"), ("80.5 + 119.5", "200.00"), ("-5 / 2", "-2.50")]
)
def test_calculate(kit: Toolkit, expression: str, value: str) -> None:
    assert call(kit, "calculate", expression=expression) == value


@pytest.mark.parametrize(
    ("expression", "because"),
    [
        ("2 ** 8", "only numbers"),
        ("__import__('os')", "only numbers"),
        ("1 +", "cannot parse"),
        ("1 / 0", "division by zero"),
    ],
)
def test_calculate_refuses(kit: Toolkit, expression: str, because: str) -> None:
    refused(kit, "calculate", because, expression=expression)


def test_reads_think_and_transfer_change_nothing(kit: Toolkit) -> None:
    before = state_hash(kit.db)
    call(kit, "think", thought="the fee is waived for gold")
    assert "human agent" in call(kit, "transfer_to_human_agents", summary="lost bag")
    call(kit, "get_reservation_details", reservation_id="BIZRT")
    call(kit, "search_onestop_flights", origin="JFK", destination="LAX", date="2026-05-20")
    assert state_hash(kit.db) == before
