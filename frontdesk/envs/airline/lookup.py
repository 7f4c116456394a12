"""Finding things in the airline database, with errors a model can act on when they are not there."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from frontdesk.envs.airline import rules
from frontdesk.envs.airline.db import AirlineDB, Flight, FlightDate, Reservation, Segment, User
from frontdesk.tools import ToolError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEPARTED = ("flying", "landed")


def parse_date(text: str, what: str = "date") -> date:
    """A calendar date written YYYY-MM-DD; anything else is refused with the expected format."""
    if not _DATE.match(text.strip()):
        raise ToolError(f"{what} {text!r} is not in the format YYYY-MM-DD, e.g. '2026-05-20'")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ToolError(f"{what} {text!r} is not a real calendar date") from None


def schedule_date(text: str) -> str:
    """A date inside the published schedule, as the canonical 'YYYY-MM-DD' string."""
    day = parse_date(text)
    if not rules.FIRST_DAY <= day <= rules.LAST_DAY:
        raise ToolError(
            f"there is no schedule for {day.isoformat()}; flights are scheduled from "
            f"{rules.FIRST_DAY.isoformat()} to {rules.LAST_DAY.isoformat()}"
        )
    return day.isoformat()


def airport_code(db: AirlineDB, code: str) -> str:
    normalised = code.strip().upper()
    if normalised not in db.airports:
        raise ToolError(
            f"unknown airport {code!r}; use a three-letter code from the list of airports we serve, e.g. 'JFK'"
        )
    return normalised


def user(db: AirlineDB, user_id: str) -> User:
    found = db.users.get(user_id.strip())
    if found is None:
        raise ToolError(f"user {user_id!r} not found; user ids look like 'sofia_rossi_4821'")
    return found


def reservation(db: AirlineDB, reservation_id: str) -> Reservation:
    found = db.reservations.get(reservation_id.strip().upper())
    if found is None:
        raise ToolError(
            f"reservation {reservation_id!r} not found; reservation ids are six letters and digits, e.g. 'K7TQ2M'"
        )
    return found


def active_reservation(db: AirlineDB, reservation_id: str) -> Reservation:
    found = reservation(db, reservation_id)
    if found.status != "active":
        raise ToolError(f"reservation {found.reservation_id} is already cancelled and cannot be changed")
    return found


def flight(db: AirlineDB, flight_number: str) -> Flight:
    found = db.flights.get(flight_number.strip().upper())
    if found is None:
        raise ToolError(f"flight {flight_number!r} not found; flight numbers look like 'HY123'")
    return found


def flight_on(db: AirlineDB, flight_number: str, day: str) -> tuple[Flight, FlightDate, str]:
    """The flight, its state on ``day`` and the canonical date string."""
    found = flight(db, flight_number)
    key = schedule_date(day)
    state = found.dates.get(key)
    if state is None:
        raise ToolError(f"{found.flight_number} does not fly on {key}")
    return found, state, key


def departure(flight_: Flight, day: str) -> datetime:
    """Scheduled departure: every time rule in the policy counts from it."""
    hours, minutes = map(int, flight_.departure_time.split(":"))
    return datetime.combine(date.fromisoformat(day), time(hours, minutes))


def arrival(flight_: Flight, day: str) -> datetime:
    hours, minutes = map(int, flight_.arrival_time.split(":"))
    return datetime.combine(date.fromisoformat(day), time(hours, minutes))


def hours_until(moment: datetime) -> float:
    return (moment - rules.NOW).total_seconds() / 3600


def segment_state(db: AirlineDB, segment: Segment) -> FlightDate:
    return db.flights[segment.flight_number].dates[segment.date]


def segment_departure(db: AirlineDB, segment: Segment) -> datetime:
    return departure(db.flights[segment.flight_number], segment.date)


def has_departed(db: AirlineDB, segment: Segment) -> bool:
    return segment_state(db, segment).status in DEPARTED


def first_departed(db: AirlineDB, res: Reservation) -> Segment | None:
    return next((s for s in res.flights if has_departed(db, s)), None)


def flight_summary(flight_: Flight, day: str, state: FlightDate) -> dict:
    """What a customer needs to know about one flight on one day."""
    summary = {
        "flight_number": flight_.flight_number,
        "date": day,
        "origin": flight_.origin,
        "destination": flight_.destination,
        "departure_time": flight_.departure_time,
        "arrival_time": flight_.arrival_time,
        "status": state.status,
    }
    if state.delay_minutes:
        summary["delay_minutes"] = state.delay_minutes
    if state.status == "available":
        summary["seats_left"] = state.seats
        summary["prices"] = state.prices
    return summary
