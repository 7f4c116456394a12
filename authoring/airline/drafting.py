"""What the airline scenarios are written with: facts about the seed data, seeded choices of members
and reservations, how customers name their trips and cards (gold actions: ``authoring.kit.Gold``), and
where a returning customer starts: the state an earlier task's gold actions leave (``Earlier``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from authoring import kit
from authoring.kit import spoken_date
from frontdesk.envs.airline import lookup, rules
from frontdesk.envs.airline.db import AirlineDB, CreditCard, Reservation, User
from frontdesk.envs.domain import Domain
from frontdesk.envs.state import layer

NO_HUMAN = "Do not ask for a human agent."
T = TypeVar("T")
R = TypeVar("R")


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

    def unflown(self, res: Reservation) -> bool:
        """Nothing flown yet and nothing cancelled by the airline."""
        return not self.started(res) and not self.airline_cancelled(res)

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
        text = f"{self.city(res.origin)} to {self.city(res.destination)} on {spoken_date(res.flights[0].date)}"
        if res.trip_type == "round_trip":
            back = next(s for s in res.flights if s.origin == res.destination)
            text += f", returning on {spoken_date(back.date)}"
        return text


def card_words(card: CreditCard, whose: str = "my") -> str:
    """How a customer names a card: "my Visa card ending in 4821" (or "your …" in instructions)."""
    brand = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}[card.brand]
    return f"{whose} {brand} card ending in {card.last_four}"


def person(p: Any) -> dict[str, str]:
    return {"first_name": p.first_name, "last_name": p.last_name, "date_of_birth": p.date_of_birth}


@dataclass
class Context:
    """Everything a scenario needs: the domain, facts about its seed data, and seeded choices."""

    domain: Domain
    facts: Facts
    pick: Picker
    # The tasks drafted so far, by id: what a returning customer's task (``follows``) starts after.
    drafted: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rng(self) -> random.Random:
        return self.pick.rng


class Picker(kit.Picker):
    """Seeded choices that never reuse a member, so no two tasks share a customer."""

    def reservation(self, db: AirlineDB, keep: Callable[[Reservation], bool]) -> Reservation:
        found = [r for _, r in sorted(db.reservations.items()) if r.status == "active" and keep(r)]
        return self.take(found, key=lambda r: r.user_id)

    def user(self, db: AirlineDB, keep: Callable[[User], bool]) -> User:
        return self.take([u for _, u in sorted(db.users.items()) if keep(u)], key=lambda u: u.user_id)


def opening(ctx: Context, res: Reservation) -> kit.Gold:
    """The reads every reservation task starts with: the member, then the reservation."""
    gold = kit.Gold(ctx.domain)
    gold("get_user_details", user_id=res.user_id)
    gold("get_reservation_details", reservation_id=res.reservation_id)
    return gold


def untouched(ctx: Context, res: Reservation) -> bool:
    """Booked over a day ago, nothing flown, nothing cancelled by the airline: the plain case."""
    return ctx.facts.booked_hours_ago(res) > rules.FREE_CANCELLATION_HOURS and ctx.facts.unflown(res)


def regular_economy(ctx: Context, res: Reservation) -> bool:
    """Economy held by a regular member: the fees apply in full."""
    return res.cabin == "economy" and ctx.facts.tier(res) == "regular"


def just_booked(ctx: Context, res: Reservation) -> bool:
    """Booked less than a day ago, nothing flown, nothing cancelled by the airline: free to cancel."""
    return ctx.facts.booked_hours_ago(res) < rules.FREE_CANCELLATION_HOURS and ctx.facts.unflown(res)


# --- what a task checks beyond the final database ---------------------------------------------------------


def amount(value: float, direction: str | None = None) -> dict[str, Any]:
    """A sum the agent must tell the customer, found by value (and, with a direction, said that way round)."""
    out: dict[str, Any] = {"kind": "amount", "value": abs(rules.money(value))}
    if direction is not None:
        out["direction"] = direction
    return out


def difference(due: float) -> dict[str, Any]:
    """A signed difference as the tools report it (negative: money back) told as a charge or a refund."""
    return amount(due, "refund" if due < 0 else "charge")


def phrases(what: str, *groups: list[str]) -> dict[str, Any]:
    """Words the agent must say: one wording of each group (the first is the one the oracle says)."""
    return {"kind": "phrases", "what": what, "all_of": [list(g) for g in groups]}


def looked_up(user_id: str, *reservation_ids: str) -> list[dict[str, Any]]:
    """The look-ups a good agent makes before it answers: the member, then each reservation."""
    return [{"name": "get_user_details", "arguments": {"user_id": user_id}}] + [
        {"name": "get_reservation_details", "arguments": {"reservation_id": r}} for r in reservation_ids
    ]


def never(name: str, **arguments: Any) -> dict[str, Any]:
    """A call the agent must never make in this task (the write a pushing customer asks for)."""
    return {"name": name, "arguments": arguments}


def checks(
    task: dict[str, Any],
    required_actions: list[dict[str, Any]] | None = None,
    forbidden_actions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``task`` with its required and forbidden actions."""
    if required_actions:
        task["required_actions"] = required_actions
    if forbidden_actions:
        task["forbidden_actions"] = forbidden_actions
    return task


# Policy reasons, in the words of policy.md first, then how agents also say them.
BASIC_ECONOMY_NO_CANCEL = phrases(
    "policy reason",
    ["basic economy"],
    ["cannot be cancelled", "can't be cancelled", "not refundable", "non-refundable", "cannot cancel", "can't cancel"],
)


def first_that_builds(ctx: Context, candidates: list[T], key: Callable[[T], Any], build: Callable[[T], R]) -> R:
    """Build from the first candidate (in seeded random order, never one used before) whose gold actions
    the tools accept: the data, not a guess, decides which reservation a many-step task can be about."""
    fresh = [c for c in candidates if key(c) not in ctx.pick.used]
    ctx.rng.shuffle(fresh)
    for candidate in fresh:
        try:
            built = build(candidate)
        except (kit.GoldActionFailed, kit.NoCandidate):
            continue
        ctx.pick.used.add(key(candidate))
        return built
    raise kit.NoCandidate("no candidate lets every gold action run")


def active(db: AirlineDB, keep: Callable[[Reservation], bool]) -> list[Reservation]:
    return [r for _, r in sorted(db.reservations.items()) if r.status == "active" and keep(r)]


# --- a customer who comes back (``follows``) ----------------------------------------------------------------


def end_state(ctx: Context, task_id: str) -> dict[str, Any] | None:
    """The state the drafted task ``task_id``'s gold actions leave, as a patch on the seed: what a task that
    follows it starts from (computed as ``Domain._resolve_follows`` does when the tasks load)."""
    task = ctx.drafted[task_id]
    start = task.get("initial_state")
    if task.get("follows"):
        start = layer(ctx.domain, end_state(ctx, task["follows"]), start)
    return kit.state_after(ctx.domain, start, task["gold_actions"])


@dataclass(frozen=True)
class Earlier:
    """The conversation a returning customer had before: the task it was, the state its gold actions left,
    and facts about that state (to choose what the customer asks for now)."""

    domain: Domain
    task_id: str
    task: dict[str, Any]
    state: dict[str, Any] | None
    facts: Facts

    @property
    def db(self) -> AirlineDB:
        return self.facts.db

    @property
    def user(self) -> User:
        return self.db.users[self.task["user_scenario"]["known_facts"]["user id"]]

    def reservation(self, reservation_id: str | None = None) -> Reservation:
        """A reservation as the earlier conversation left it: by default the one it was about (the one it
        booked, if it booked one)."""
        if reservation_id is None:
            if any(a["name"] == "book_reservation" for a in self.task["gold_actions"]):
                reservation_id = self.user.reservation_ids[-1]
            else:
                reservation_id = self.task["user_scenario"]["known_facts"]["reservation id"]
        return self.db.reservations[reservation_id]

    def gold(self, label: str) -> kit.Gold:
        """Gold actions that run on the state the earlier conversation left."""
        return kit.Gold(self.domain, label, initial_state=self.state)


def earlier(ctx: Context, task_id: str) -> Earlier:
    """Where a customer who comes back after task ``task_id`` starts. The task must have been drafted and
    its gold must write: a returning customer comes back about something that changed."""
    task = ctx.drafted[task_id]
    writes = ctx.domain.write_tool_names()
    if not any(a["name"] in writes for a in task["gold_actions"]):
        raise ValueError(f"{task_id}: a returning customer follows a task whose gold changes something")
    state = end_state(ctx, task_id)
    return Earlier(ctx.domain, task_id, task, state, Facts(ctx.domain.build_db(state)))


def follows(after: Earlier, task: dict[str, Any]) -> dict[str, Any]:
    """``task`` (drafted on ``after``'s state) marked as following it, ``follows`` after its user scenario."""
    out: dict[str, Any] = {}
    for key, value in task.items():
        out[key] = value
        if key == "user_scenario":
            out["follows"] = after.task_id
    return out
