"""What the task generator builds tasks with: facts about the seed data, and gold actions that really run."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from frontdesk.envs.airline import lookup, rules
from frontdesk.envs.airline.db import AirlineDB, CreditCard, Reservation, User
from frontdesk.envs.domain import Domain
from frontdesk.envs.environment import Environment
from frontdesk.envs.task import Task, UserScenario
from frontdesk.tools import ToolCall, ToolErrorKind, ToolResult


class NoCandidate(LookupError):
    """The seed data has nothing left that fits a scenario."""


class Facts:
    """Questions about the seed database that decide which policy rule a reservation falls under."""

    def __init__(self, db: AirlineDB) -> None:
        self.db = db

    def owner(self, res: Reservation) -> User:
        return self.db.users[res.user_id]

    def tier(self, res: Reservation) -> str:
        return self.owner(res).membership

    def hours_to_departure(self, res: Reservation) -> float:
        return lookup.hours_until(lookup.segment_departure(self.db, res.flights[0]))

    def booked_hours_ago(self, res: Reservation) -> float:
        return -lookup.hours_until(datetime.fromisoformat(res.created_at))

    def started(self, res: Reservation) -> bool:
        return lookup.first_departed(self.db, res) is not None

    def statuses(self, res: Reservation) -> list[str]:
        return [lookup.segment_state(self.db, s).status for s in res.flights]

    def airline_cancelled(self, res: Reservation) -> bool:
        return "cancelled" in self.statuses(res)

    def sellable(self, res: Reservation) -> bool:
        """Every flight still has seats and prices (nothing departed or cancelled)."""
        return all(lookup.segment_state(self.db, s).prices is not None for s in res.flights)

    def card(self, user: User) -> CreditCard:
        return next(m for m in user.payment_methods.values() if isinstance(m, CreditCard))

    def paid(self, res: Reservation) -> float:
        return rules.money(sum(p.amount for p in res.payment_history))

    def city(self, code: str) -> str:
        return self.db.airports[code].city

    def trip(self, res: Reservation) -> str:
        """'Denver to Boston on May 20, 2026' (and back on …)."""
        text = f"{self.city(res.origin)} to {self.city(res.destination)} on {spoken(res.flights[0].date)}"
        if res.trip_type == "round_trip":
            back = next(s for s in res.flights if s.origin == res.destination)
            text += f", returning on {spoken(back.date)}"
        return text


def spoken(day: str) -> str:
    """'2026-05-20' as a customer says it: 'May 20, 2026'."""
    value = date.fromisoformat(day)
    return f"{value:%B} {value.day}, {value.year}"


def dollars(amount: float) -> str:
    return f"${amount:.2f}"


def card_words(card: CreditCard, whose: str = "my") -> str:
    """How a customer names a card: "my Visa card ending in 4821" (or "your …" in instructions)."""
    brand = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}[card.brand]
    return f"{whose} {brand} card ending in {card.last_four}"


def person(p: Any) -> dict[str, str]:
    return {"first_name": p.first_name, "last_name": p.last_name, "date_of_birth": p.date_of_birth}


class Gold:
    """A task's gold actions, run one by one on a private copy of the seed database as they are written.

    Every number a task asks the agent to say comes from these real tool results, so the task
    file cannot disagree with the tools.
    """

    def __init__(self, domain: Domain) -> None:
        # The same environment a trial gets, so the actions run exactly as they will when scored.
        draft = Task(id="draft", user_scenario=UserScenario(reason_for_contact="(being written)"))
        self.env = Environment(domain, draft)
        self.db = self.env.db
        self.actions: list[dict[str, Any]] = []

    def _call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        return self.env.execute(ToolCall(id=f"gold-{len(self.actions)}", name=name, arguments=arguments))

    def __call__(self, name: str, **arguments: Any) -> Any:
        result = self._call(name, arguments)
        if not result.ok:
            raise AssertionError(f"gold action {name}({arguments}) failed: {result.content}")
        self.actions.append({"name": name, "arguments": arguments})
        return json.loads(result.content) if result.content[:1] in "[{" else result.content

    def refused(self, because: str, name: str, **arguments: Any) -> None:
        """Check that the tools refuse this call for the reason the task is about; it is not a gold action."""
        result = self._call(name, arguments)
        if result.error is not ToolErrorKind.RULE or because not in result.content:
            raise AssertionError(
                f"{name}({arguments}) was meant to be refused ({because!r}) but gave: {result.content}"
            )


@dataclass
class Context:
    """Everything a scenario needs: the domain, facts about its seed data, and seeded choices."""

    domain: Domain
    facts: Facts
    pick: Picker

    @property
    def rng(self) -> random.Random:
        return self.pick.rng


class Picker:
    """Seeded choices that never reuse a member, so no two tasks share a customer."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_users: set[str] = set()

    def choose(self, items: Iterable[Any], user_of: Callable[[Any], str]) -> Any:
        fresh = [item for item in items if user_of(item) not in self.used_users]
        if not fresh:
            raise NoCandidate("no unused candidate fits")
        item = self.rng.choice(fresh)
        self.used_users.add(user_of(item))
        return item

    def reservation(self, db: AirlineDB, keep: Callable[[Reservation], bool]) -> Reservation:
        found = [r for _, r in sorted(db.reservations.items()) if r.status == "active" and keep(r)]
        return self.choose(found, lambda r: r.user_id)

    def user(self, db: AirlineDB, keep: Callable[[User], bool]) -> User:
        return self.choose([u for _, u in sorted(db.users.items()) if keep(u)], lambda u: u.user_id)


def scenario(
    reason: str,
    known: dict[str, str],
    instructions: list[str],
    unknown: list[str] | None = None,
    will_not_accept: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "reason_for_contact": reason,
        "known_facts": known,
        "unknown_facts": unknown or [],
        "instructions": instructions,
        "will_not_accept": will_not_accept or [],
    }
