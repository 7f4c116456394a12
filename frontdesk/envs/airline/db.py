"""The airline's database: airports, flights with their per-date state, members, reservations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Cabin = Literal["basic_economy", "economy", "business"]
Tier = Literal["regular", "silver", "gold"]
TripType = Literal["one_way", "round_trip"]
# available: bookable; delayed: will leave late (not bookable); cancelled: by the airline;
# flying: departed, not yet landed; landed: done.
FlightStatus = Literal["available", "delayed", "cancelled", "flying", "landed"]
PaymentPurpose = Literal["booking", "flight_change", "cabin_change", "baggage", "cancellation_refund"]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Airport(Record):
    code: str
    city: str
    name: str


class FlightDate(Record):
    """One flight number on one day. Seats and prices exist only while the flight can still be sold."""

    status: FlightStatus
    delay_minutes: int = 0
    seats: dict[Cabin, int] | None = None  # seats left per cabin
    prices: dict[Cabin, int] | None = None  # dollars per passenger per cabin


class Flight(Record):
    flight_number: str
    origin: str
    destination: str
    departure_time: str  # "HH:MM", scheduled, every day
    arrival_time: str  # "HH:MM", same day (no flight crosses midnight)
    dates: dict[str, FlightDate]  # "YYYY-MM-DD" -> that day's state


class Passenger(Record):
    first_name: str
    last_name: str
    date_of_birth: str  # "YYYY-MM-DD"


class CreditCard(Record):
    kind: Literal["credit_card"] = "credit_card"
    id: str
    brand: str
    last_four: str


class GiftCard(Record):
    kind: Literal["gift_card"] = "gift_card"
    id: str
    balance: float


class Certificate(Record):
    kind: Literal["certificate"] = "certificate"
    id: str
    balance: float
    expires: str  # "YYYY-MM-DD", last day it can be used


PaymentMethod = Annotated[CreditCard | GiftCard | Certificate, Field(discriminator="kind")]


class User(Record):
    user_id: str
    first_name: str
    last_name: str
    email: str
    date_of_birth: str
    membership: Tier
    saved_passengers: list[Passenger]
    payment_methods: dict[str, PaymentMethod]
    reservation_ids: list[str]


class Segment(Record):
    flight_number: str
    date: str
    origin: str
    destination: str
    price: float  # per passenger, in the reservation's cabin, as paid


class Payment(Record):
    payment_id: str
    amount: float  # positive: charged to the customer; negative: refunded
    purpose: PaymentPurpose


class Reservation(Record):
    reservation_id: str
    user_id: str
    origin: str
    destination: str
    trip_type: TripType
    cabin: Cabin
    flights: list[Segment]
    passengers: list[Passenger]
    checked_bags: int
    paid_bags: int  # bags beyond the free allowance that have been paid for
    insurance: bool
    payment_history: list[Payment]
    created_at: str  # "YYYY-MM-DDTHH:MM"
    status: Literal["active", "cancelled"]
    compensation_certificate_id: str | None = None


class AirlineDB(Record):
    airports: dict[str, Airport]
    flights: dict[str, Flight]
    users: dict[str, User]
    reservations: dict[str, Reservation]
    # Counters make new ids deterministic, so a task's goal state hashes the same every time.
    next_reservation_number: int
    next_certificate_number: int
