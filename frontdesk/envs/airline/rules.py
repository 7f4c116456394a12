"""The numbers of the airline's policy, in one place: tools enforce them, policy.md states them.

A test checks that every figure here appears in policy.md, so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

# The domain's clock. Never the wall clock: the same task must mean the same thing every day.
NOW = datetime(2026, 5, 12, 10, 0)
TODAY = NOW.date()
FIRST_DAY = date(2026, 5, 1)
LAST_DAY = date(2026, 5, 31)

CABINS = ("basic_economy", "economy", "business")
TIERS = ("regular", "silver", "gold")

MAX_PASSENGERS = 5
MAX_BAGS_PER_PASSENGER = 4
EXTRA_BAG_FEE = 45
INSURANCE_PER_PASSENGER = 30
MIN_CONNECTION_MINUTES = 60

# Free checked bags per passenger, by the reservation owner's tier and the cabin.
FREE_BAGS = {
    "regular": {"basic_economy": 0, "economy": 1, "business": 2},
    "silver": {"basic_economy": 1, "economy": 2, "business": 3},
    "gold": {"basic_economy": 2, "economy": 3, "business": 3},
}

FREE_CANCELLATION_HOURS = 24  # after booking
ECONOMY_CANCELLATION_NOTICE_HOURS = 72  # before the first departure
ECONOMY_CANCELLATION_FEE = 75  # per passenger, regular members
CHANGE_NOTICE_HOURS = 24  # a flight can be replaced only if it departs later than this
ECONOMY_CHANGE_FEE = 50  # per passenger, regular members
INSURED_REASONS = ("health", "family_emergency")
FEE_WAIVED_TIERS = ("silver", "gold")

COMPENSATION_CANCELLED = 100  # per passenger
COMPENSATION_DELAYED = 50  # per passenger
COMPENSATION_DELAY_MINUTES = 180
CERTIFICATE_VALID_DAYS = 365


def free_bags(tier: str, cabin: str) -> int:
    return FREE_BAGS[tier][cabin]


def certificate_expiry() -> date:
    return TODAY + timedelta(days=CERTIFICATE_VALID_DAYS)


def money(value: float) -> float:
    """Round to cents; every amount the airline stores or compares goes through here."""
    return round(float(value), 2)
