"""Tools that look things up: members, reservations, airports, flight search and status."""

from __future__ import annotations

from datetime import timedelta

from frontdesk.envs.airline import lookup, rules
from frontdesk.envs.airline.db import AirlineDB
from frontdesk.envs.cow import scan
from frontdesk.tools import ToolError, tool


@tool(kind="read")
def get_user_details(db: AirlineDB, user_id: str) -> dict:
    """Get a member's profile: name, membership tier, saved passengers, payment methods and reservation ids.

    Args:
        user_id: The member's user id, e.g. "sofia_rossi_4821".
    """
    return lookup.user(db, user_id).model_dump()


@tool(kind="read")
def get_reservation_details(db: AirlineDB, reservation_id: str) -> dict:
    """Get a reservation: owner, trip, cabin, flights with their schedule and status, passengers, bags,
    insurance and payments.

    Args:
        reservation_id: The six-character reservation id, e.g. "K7TQ2M".
    """
    res = lookup.reservation(db, reservation_id)
    details = res.model_dump()
    for shown, segment in zip(details["flights"], res.flights, strict=True):
        flight = db.flights[segment.flight_number]
        state = lookup.segment_state(db, segment)
        shown.update(departure_time=flight.departure_time, arrival_time=flight.arrival_time, status=state.status)
        if state.delay_minutes:
            shown["delay_minutes"] = state.delay_minutes
    return details


@tool(kind="read")
def list_airports(db: AirlineDB) -> list:
    """List the airports we fly to, with their codes and cities."""
    return [db.airports[code].model_dump() for code in sorted(db.airports)]


def _search_date(date: str) -> str:
    day = lookup.schedule_date(date)
    if day < rules.TODAY.isoformat():
        raise ToolError(f"{day} is in the past; today is {rules.TODAY.isoformat()}")
    return day


def _route(db: AirlineDB, origin: str, destination: str) -> tuple[str, str]:
    start, end = lookup.airport_code(db, origin), lookup.airport_code(db, destination)
    if start == end:
        raise ToolError("origin and destination are the same airport")
    return start, end


@tool(kind="read")
def search_direct_flights(db: AirlineDB, origin: str, destination: str, date: str) -> list:
    """Find direct flights between two airports on a date that can still be booked, with seats left and
    prices per cabin.

    Args:
        origin: Three-letter code of the departure airport, e.g. "JFK".
        destination: Three-letter code of the arrival airport, e.g. "SFO".
        date: Departure date, YYYY-MM-DD.
    """
    start, end = _route(db, origin, destination)
    day = _search_date(date)
    found = [
        lookup.flight_summary(f, day, f.dates[day])
        for f in scan(db.flights)
        if f.origin == start and f.destination == end and day in f.dates and f.dates[day].status == "available"
    ]
    return sorted(found, key=lambda s: (s["departure_time"], s["flight_number"]))


@tool(kind="read")
def search_onestop_flights(db: AirlineDB, origin: str, destination: str, date: str) -> list:
    """Find one-stop connections between two airports on a date that can still be booked; both flights leave that day.

    Args:
        origin: Three-letter code of the departure airport, e.g. "PDX".
        destination: Three-letter code of the final arrival airport, e.g. "MIA".
        date: Departure date, YYYY-MM-DD.
    """
    start, end = _route(db, origin, destination)
    day = _search_date(date)
    leaving: dict[str, list] = {}
    for f in scan(db.flights):
        if day in f.dates and f.dates[day].status == "available":
            leaving.setdefault(f.origin, []).append(f)
    found = []
    for first in leaving.get(start, []):
        if first.destination == end:
            continue
        earliest = lookup.arrival(first, day) + timedelta(minutes=rules.MIN_CONNECTION_MINUTES)
        for second in leaving.get(first.destination, []):
            if second.destination == end and lookup.departure(second, day) >= earliest:
                legs = [lookup.flight_summary(f, day, f.dates[day]) for f in (first, second)]
                found.append({"connection": first.destination, "flights": legs})
    return sorted(found, key=lambda c: [(leg["departure_time"], leg["flight_number"]) for leg in c["flights"]])


@tool(kind="read")
def get_flight_status(db: AirlineDB, flight_number: str, date: str) -> dict:
    """Get a flight's schedule and status on a date: available, delayed (with minutes), cancelled, flying or landed.

    Args:
        flight_number: The flight number, e.g. "HY123".
        date: The flight's date, YYYY-MM-DD.
    """
    flight, state, day = lookup.flight_on(db, flight_number, date)
    return lookup.flight_summary(flight, day, state)
