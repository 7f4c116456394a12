"""Tools that change reservations and accounts. Each checks every rule before it changes anything."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import TypeAdapter

from frontdesk.envs.airline import lookup, rules
from frontdesk.envs.airline.db import AirlineDB, Cabin, Certificate, Passenger, Reservation, Segment, TripType, User
from frontdesk.envs.airline.ids import certificate_id, reservation_code
from frontdesk.envs.airline.itinerary import FlightRef, Leg, directions
from frontdesk.envs.airline.payments import PaymentPart, pay_booking, refund_all, settle
from frontdesk.tools import ToolError, tool

CancelReason = Literal["change_of_plans", "health", "family_emergency", "airline_cancelled_flight", "other"]

# The toolkit hands JSON arguments over as plain data (after checking them against the schema the
# type hints produce); these adapters turn them into the models the hints promise.
_FLIGHTS = TypeAdapter(list[FlightRef])
_PASSENGERS = TypeAdapter(list[Passenger])
_PAYMENTS = TypeAdapter(list[PaymentPart])


def _legs(db: AirlineDB, refs: list[FlightRef]) -> list[Leg]:
    legs: list[Leg] = []
    for ref in refs:
        flight, _, day = lookup.flight_on(db, ref.flight_number, ref.date)
        if (flight.flight_number, day) in {(f.flight_number, d) for f, d in legs}:
            raise ToolError(f"{flight.flight_number} on {day} is listed twice")
        legs.append((flight, day))
    return legs


def _sellable(db: AirlineDB, leg: Leg, cabin: str, travellers: int) -> int:
    """The current price of one seat on ``leg`` in ``cabin``, if it can be sold to ``travellers`` people."""
    flight, day = leg
    state = flight.dates[day]
    if state.status != "available" or state.seats is None or state.prices is None:
        raise ToolError(f"{flight.flight_number} on {day} is {state.status}; only available flights can be booked")
    if state.seats[cabin] < travellers:
        raise ToolError(
            f"{flight.flight_number} on {day} has {state.seats[cabin]} {cabin.replace('_', ' ')} seat(s) left, "
            f"not enough for {travellers} passenger(s)"
        )
    return state.prices[cabin]


def _move_seats(db: AirlineDB, segment: Segment, cabin: str, change: int) -> None:
    """Give seats back (change > 0) or take them (change < 0) on a flight that is still being sold."""
    seats = lookup.segment_state(db, segment).seats
    if seats is not None:
        seats[cabin] += change


def _passengers(raw: Any) -> list[Passenger]:
    passengers = _PASSENGERS.validate_python(raw)
    for p in passengers:
        if not p.first_name.strip() or not p.last_name.strip():
            raise ToolError("every passenger needs a first and a last name")
        if lookup.parse_date(p.date_of_birth, "date of birth") > rules.TODAY:
            raise ToolError(f"date of birth {p.date_of_birth} is in the future")
    return [
        Passenger(first_name=p.first_name.strip(), last_name=p.last_name.strip(), date_of_birth=p.date_of_birth.strip())
        for p in passengers
    ]


def _owner(db: AirlineDB, res: Reservation) -> User:
    return db.users[res.user_id]


def _not_started(db: AirlineDB, res: Reservation, what: str) -> None:
    flown = lookup.first_departed(db, res)
    if flown is not None:
        raise ToolError(f"{flown.flight_number} on {flown.date} has already departed; {what} once a trip has started")


@tool(kind="write")
def book_reservation(
    db: AirlineDB,
    user_id: str,
    origin: str,
    destination: str,
    trip_type: TripType,
    cabin: Cabin,
    flights: list[FlightRef],
    passengers: list[Passenger],
    payment_methods: list[PaymentPart],
    checked_bags: int,
    insurance: bool,
) -> dict:
    """Book a new reservation and take payment. All flights share one cabin; all passengers fly every flight.

    Args:
        user_id: The member who books and owns the reservation.
        origin: Three-letter code of the airport the trip starts from.
        destination: Three-letter code of the airport the outbound journey ends at.
        trip_type: "one_way" or "round_trip" (a round trip returns to origin).
        cabin: "basic_economy", "economy" or "business".
        flights: Every flight in travel order (outbound, then return), each with flight_number and date.
        passengers: 1 to 5 passengers, each with first_name, last_name and date_of_birth (YYYY-MM-DD).
        payment_methods: Payment ids from the member's profile with the amount each pays; the amounts
            must add up to the total.
        checked_bags: Checked bags for the whole reservation; bags beyond the free allowance cost extra.
        insurance: Whether to add travel insurance for every passenger.
    """
    owner = lookup.user(db, user_id)
    start, end = lookup.airport_code(db, origin), lookup.airport_code(db, destination)
    people = _passengers(passengers)
    if not 1 <= len(people) <= rules.MAX_PASSENGERS:
        raise ToolError(f"a reservation has 1 to {rules.MAX_PASSENGERS} passengers, not {len(people)}")
    legs = _legs(db, _FLIGHTS.validate_python(flights))
    directions(start, end, trip_type, legs)
    seat_prices = [_sellable(db, leg, cabin, len(people)) for leg in legs]
    if not 0 <= checked_bags <= rules.MAX_BAGS_PER_PASSENGER * len(people):
        raise ToolError(f"checked bags must be between 0 and {rules.MAX_BAGS_PER_PASSENGER} per passenger")
    paid_bags = max(0, checked_bags - rules.free_bags(owner.membership, cabin) * len(people))
    total = rules.money(
        sum(seat_prices) * len(people)
        + paid_bags * rules.EXTRA_BAG_FEE
        + (rules.INSURANCE_PER_PASSENGER * len(people) if insurance else 0)
    )
    history = pay_booking(owner, _PAYMENTS.validate_python(payment_methods), total)
    code = reservation_code(db.next_reservation_number)
    db.next_reservation_number += 1
    segments = [
        Segment(flight_number=f.flight_number, date=day, origin=f.origin, destination=f.destination, price=price)
        for (f, day), price in zip(legs, seat_prices, strict=True)
    ]
    res = Reservation(
        reservation_id=code,
        user_id=owner.user_id,
        origin=start,
        destination=end,
        trip_type=trip_type,
        cabin=cabin,
        flights=segments,
        passengers=people,
        checked_bags=checked_bags,
        paid_bags=paid_bags,
        insurance=insurance,
        payment_history=history,
        created_at=rules.NOW.strftime("%Y-%m-%dT%H:%M"),
        status="active",
    )
    for segment in segments:
        _move_seats(db, segment, cabin, -len(people))
    db.reservations[code] = res
    owner.reservation_ids.append(code)
    return {**res.model_dump(), "total_price": total}


def _cancellation_fee(db: AirlineDB, res: Reservation, reason: str) -> float:
    """What the policy keeps when ``res`` is cancelled for ``reason``; refuses when it cannot be cancelled."""
    airline_cancelled = any(lookup.segment_state(db, s).status == "cancelled" for s in res.flights)
    if reason == "airline_cancelled_flight" and not airline_cancelled:
        raise ToolError("no flight on this reservation was cancelled by the airline")
    if airline_cancelled:
        return 0  # even a partly flown trip is refunded in full
    _not_started(db, res, "a reservation cannot be cancelled")
    booked_hours_ago = -lookup.hours_until(datetime.fromisoformat(res.created_at))
    if (
        booked_hours_ago < rules.FREE_CANCELLATION_HOURS
        or res.cabin == "business"
        or (res.insurance and reason in rules.INSURED_REASONS)
    ):
        return 0
    if res.cabin == "basic_economy":
        raise ToolError(
            "basic economy cannot be cancelled: it was booked more than 24 hours ago, no flight was cancelled by "
            "the airline, and the reason is not one its travel insurance covers"
        )
    notice = lookup.hours_until(lookup.segment_departure(db, res.flights[0]))
    if notice < rules.ECONOMY_CANCELLATION_NOTICE_HOURS:
        raise ToolError(
            f"economy can be cancelled only {rules.ECONOMY_CANCELLATION_NOTICE_HOURS} hours or more before the "
            f"first departure; it leaves in {notice:.1f} hours"
        )
    if _owner(db, res).membership in rules.FEE_WAIVED_TIERS:
        return 0
    return rules.ECONOMY_CANCELLATION_FEE * len(res.passengers)


@tool(kind="write")
def cancel_reservation(db: AirlineDB, reservation_id: str, reason: CancelReason) -> dict:
    """Cancel a whole reservation and refund what the policy allows to the original payment methods.

    Args:
        reservation_id: The reservation to cancel, e.g. "K7TQ2M".
        reason: The customer's reason: "change_of_plans", "health", "family_emergency",
            "airline_cancelled_flight" or "other".
    """
    res = lookup.active_reservation(db, reservation_id)
    fee = _cancellation_fee(db, res, reason)
    refunds = refund_all(_owner(db, res), res, fee)
    for segment in res.flights:
        if not lookup.has_departed(db, segment):
            _move_seats(db, segment, res.cabin, len(res.passengers))
    res.status = "cancelled"
    return {
        "reservation_id": res.reservation_id,
        "status": res.status,
        "fee_kept": fee,
        "refunds": [r.model_dump() for r in refunds],
        "total_refund": rules.money(-sum(r.amount for r in refunds)),
    }


@tool(kind="write")
def update_reservation_flights(
    db: AirlineDB, reservation_id: str, flights: list[FlightRef], payment_id: str | None = None
) -> dict:
    """Replace flights of a reservation, keeping its cabin, passengers, origin, destination and trip type.

    Args:
        reservation_id: The reservation to change.
        flights: The complete new list of flights in travel order, unchanged ones included, each with
            flight_number and date.
        payment_id: Credit card or gift card that pays, or is refunded, the difference; needed unless it is zero.
    """
    res = lookup.active_reservation(db, reservation_id)
    if res.cabin == "basic_economy":
        raise ToolError("basic economy flights cannot be changed")
    legs = _legs(db, _FLIGHTS.validate_python(flights))
    directions(res.origin, res.destination, res.trip_type, legs)
    current = {(s.flight_number, s.date): s for s in res.flights}
    wanted = {(f.flight_number, day) for f, day in legs}
    if wanted == set(current):
        raise ToolError("these are the reservation's current flights; nothing to change")
    removed = [s for key, s in current.items() if key not in wanted]
    for segment in removed:
        if lookup.has_departed(db, segment):
            raise ToolError(f"{segment.flight_number} on {segment.date} has already departed and cannot be changed")
        notice = lookup.hours_until(lookup.segment_departure(db, segment))
        if notice <= rules.CHANGE_NOTICE_HOURS:
            raise ToolError(
                f"{segment.flight_number} on {segment.date} leaves in {notice:.1f} hours; flights can be changed only "
                f"more than {rules.CHANGE_NOTICE_HOURS} hours before departure"
            )
    travellers = len(res.passengers)
    segments = []
    for flight, day in legs:
        kept = current.get((flight.flight_number, day))
        price = kept.price if kept else _sellable(db, (flight, day), res.cabin, travellers)
        segments.append(
            Segment(
                flight_number=flight.flight_number,
                date=day,
                origin=flight.origin,
                destination=flight.destination,
                price=price,
            )
        )
    added = [s for s in segments if (s.flight_number, s.date) not in current]
    difference = (sum(s.price for s in added) - sum(s.price for s in removed)) * travellers
    waived = res.cabin == "business" or _owner(db, res).membership in rules.FEE_WAIVED_TIERS
    fee = 0 if waived else rules.ECONOMY_CHANGE_FEE * travellers
    due = rules.money(difference + fee)
    settle(_owner(db, res), res, due, payment_id, "flight_change")
    for segment in removed:
        _move_seats(db, segment, res.cabin, travellers)
    for segment in added:
        _move_seats(db, segment, res.cabin, -travellers)
    res.flights = segments
    return {**res.model_dump(), "fare_difference": rules.money(difference), "change_fee": fee, "total_due": due}


@tool(kind="write")
def update_reservation_cabin(db: AirlineDB, reservation_id: str, cabin: Cabin, payment_id: str | None = None) -> dict:
    """Move every passenger on every flight of a reservation to another cabin, at today's prices.

    Args:
        reservation_id: The reservation to change.
        cabin: The new cabin: "basic_economy", "economy" or "business".
        payment_id: Credit card or gift card that pays, or is refunded, the difference; needed unless it is zero.
    """
    res = lookup.active_reservation(db, reservation_id)
    if cabin == res.cabin:
        raise ToolError(f"the reservation is already in {cabin.replace('_', ' ')}")
    _not_started(db, res, "the cabin cannot be changed")
    travellers = len(res.passengers)
    new_prices = []
    for segment in res.flights:
        state = lookup.segment_state(db, segment)
        if state.seats is None or state.prices is None:
            raise ToolError(f"{segment.flight_number} on {segment.date} is {state.status}; its cabin cannot be changed")
        if state.seats[cabin] < travellers:
            raise ToolError(
                f"{segment.flight_number} on {segment.date} has {state.seats[cabin]} {cabin.replace('_', ' ')} seat(s) "
                f"left, not enough for {travellers} passenger(s)"
            )
        new_prices.append(state.prices[cabin])
    due = rules.money(sum(new - s.price for new, s in zip(new_prices, res.flights, strict=True)) * travellers)
    settle(_owner(db, res), res, due, payment_id, "cabin_change")
    for segment, price in zip(res.flights, new_prices, strict=True):
        _move_seats(db, segment, res.cabin, travellers)
        _move_seats(db, segment, cabin, -travellers)
        segment.price = price
    res.cabin = cabin
    return {**res.model_dump(), "total_due": due}


@tool(kind="write")
def update_reservation_passengers(db: AirlineDB, reservation_id: str, passengers: list[Passenger]) -> dict:
    """Correct the passengers' names or dates of birth. The number of passengers cannot change.

    Args:
        reservation_id: The reservation to change.
        passengers: Every passenger, in the reservation's order, each with first_name, last_name and
            date_of_birth (YYYY-MM-DD).
    """
    res = lookup.active_reservation(db, reservation_id)
    people = _passengers(passengers)
    if len(people) != len(res.passengers):
        raise ToolError(
            f"the reservation has {len(res.passengers)} passenger(s); "
            "passengers can be corrected but not added or removed"
        )
    if people == res.passengers:
        raise ToolError("these are the current passenger details; nothing to change")
    _not_started(db, res, "passengers cannot be changed")
    res.passengers = people
    return res.model_dump()


@tool(kind="write")
def update_reservation_baggages(
    db: AirlineDB, reservation_id: str, checked_bags: int, payment_id: str | None = None
) -> dict:
    """Add checked bags to a reservation; bags beyond the free allowance are charged.

    Args:
        reservation_id: The reservation to change.
        checked_bags: The new total number of checked bags for the whole reservation.
        payment_id: Credit card or gift card for the extra-bag fee; needed when there is a fee.
    """
    res = lookup.active_reservation(db, reservation_id)
    if checked_bags < res.checked_bags:
        raise ToolError(f"the reservation has {res.checked_bags} checked bag(s); bags can be added but not removed")
    if checked_bags == res.checked_bags:
        raise ToolError(f"the reservation already has {checked_bags} checked bag(s); nothing to change")
    travellers = len(res.passengers)
    if checked_bags > rules.MAX_BAGS_PER_PASSENGER * travellers:
        raise ToolError(
            f"at most {rules.MAX_BAGS_PER_PASSENGER} checked bags per passenger "
            f"({rules.MAX_BAGS_PER_PASSENGER * travellers} here)"
        )
    _not_started(db, res, "bags cannot be added")
    free = rules.free_bags(_owner(db, res).membership, res.cabin) * travellers
    newly_paid = max(0, checked_bags - free - res.paid_bags)
    fee = newly_paid * rules.EXTRA_BAG_FEE
    settle(_owner(db, res), res, fee, payment_id, "baggage")
    res.checked_bags = checked_bags
    res.paid_bags += newly_paid
    return {**res.model_dump(), "bag_fee": fee}


@tool(kind="write")
def send_compensation_certificate(
    db: AirlineDB, user_id: str, reservation_id: str, flight_number: str, date: str
) -> dict:
    """Issue the compensation certificate the policy grants for a cancelled or long-delayed flight on a reservation.

    Args:
        user_id: The member who complains; they must own the reservation.
        reservation_id: The reservation that includes the disrupted flight.
        flight_number: The cancelled or delayed flight, e.g. "HY123".
        date: The date of that flight, YYYY-MM-DD.
    """
    owner = lookup.user(db, user_id)
    res = lookup.reservation(db, reservation_id)
    if res.user_id != owner.user_id:
        raise ToolError(f"reservation {res.reservation_id} does not belong to {owner.user_id}")
    flight, state, day = lookup.flight_on(db, flight_number, date)
    if all((s.flight_number, s.date) != (flight.flight_number, day) for s in res.flights):
        raise ToolError(f"{flight.flight_number} on {day} is not on reservation {res.reservation_id}")
    if res.compensation_certificate_id is not None:
        raise ToolError(f"reservation {res.reservation_id} was already compensated ({res.compensation_certificate_id})")
    if owner.membership == "regular" and not res.insurance and res.cabin != "business":
        raise ToolError("compensation is for silver and gold members, insured reservations and business cabin only")
    if state.status == "cancelled":
        per_passenger = rules.COMPENSATION_CANCELLED
    elif state.delay_minutes >= rules.COMPENSATION_DELAY_MINUTES:
        per_passenger = rules.COMPENSATION_DELAYED
    else:
        raise ToolError(
            f"{flight.flight_number} on {day} was not cancelled and its delay ({state.delay_minutes} minutes) is under "
            f"the {rules.COMPENSATION_DELAY_MINUTES} minutes that qualify for compensation"
        )
    certificate = Certificate(
        id=certificate_id(db.next_certificate_number),
        balance=per_passenger * len(res.passengers),
        expires=rules.certificate_expiry().isoformat(),
    )
    db.next_certificate_number += 1
    owner.payment_methods[certificate.id] = certificate
    res.compensation_certificate_id = certificate.id
    return certificate.model_dump()
