"""Which lists of flights make a valid trip: direct or one stop each way, connections that work."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.envs.airline import rules
from frontdesk.envs.airline.db import Flight
from frontdesk.envs.airline.lookup import arrival, departure
from frontdesk.tools import ToolError


class FlightRef(BaseModel):
    """One flight of a trip, as a caller names it."""

    model_config = ConfigDict(extra="forbid")

    flight_number: str = Field(description="Flight number, e.g. 'HY123'.")
    date: str = Field(description="Departure date, YYYY-MM-DD.")


Leg = tuple[Flight, str]  # a flight and the date it flies


def _connect(previous: Leg, leg: Leg) -> None:
    (first, first_day), (second, second_day) = previous, leg
    if second.origin != first.destination:
        raise ToolError(
            f"{first.flight_number} arrives at {first.destination} "
            f"but {second.flight_number} leaves from {second.origin}"
        )
    earliest = arrival(first, first_day) + timedelta(minutes=rules.MIN_CONNECTION_MINUTES)
    if second_day != first_day or departure(second, second_day) < earliest:
        raise ToolError(
            f"{second.flight_number} on {second_day} does not connect with {first.flight_number} on {first_day}: "
            f"a connection must leave the same day, at least {rules.MIN_CONNECTION_MINUTES} minutes after arrival"
        )


def directions(origin: str, destination: str, trip_type: str, legs: list[Leg]) -> list[list[Leg]]:
    """Split ``legs`` into the outbound journey (and the return) or say why they are not a valid trip."""
    ends = [destination, origin] if trip_type == "round_trip" else [destination]
    journeys: list[list[Leg]] = []
    current: list[Leg] = []
    start = origin
    for leg in legs:
        if len(journeys) == len(ends):
            raise ToolError(f"{leg[0].flight_number} is one flight too many: the trip already ends at {ends[-1]}")
        if current:
            _connect(current[-1], leg)
        elif leg[0].origin != start:
            raise ToolError(
                f"this part of the trip must leave from {start}, but {leg[0].flight_number} leaves from {leg[0].origin}"
            )
        current.append(leg)
        if leg[0].destination == ends[len(journeys)]:
            journeys.append(current)
            current, start = [], leg[0].destination
        elif len(current) == 2:
            raise ToolError(f"each direction may have at most one stop; the flights do not reach {ends[len(journeys)]}")
    if len(journeys) < len(ends):
        raise ToolError(
            f"the flights do not reach {ends[len(journeys)]}; a {trip_type.replace('_', ' ')} needs them to"
        )
    if len(journeys) == 2:
        last_out, first_back = journeys[0][-1], journeys[1][0]
        if departure(*first_back) <= arrival(*last_out):
            raise ToolError("the return flight must leave after the outbound journey arrives")
    return journeys
