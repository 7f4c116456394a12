"""Task scenarios with several changes in one conversation: a reservation moved, upgraded, given bags and
a corrected name; a disrupted trip refunded, compensated and rebooked; errands on two reservations.

The customer says what they want ("the same flights a day later", "the earliest direct flight the next
day") and the agent works out the arguments from the data; each builder checks the data makes the choice
unique, and runs every gold action as it writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from authoring.airline.drafting import (
    NO_HUMAN,
    Context,
    active,
    amount,
    card_words,
    difference,
    first_that_builds,
    opening,
    person,
    regular_economy,
    untouched,
)
from authoring.airline.scenarios.change import RESPELLINGS
from authoring.airline.scenarios.service import _eligible, certificate_for
from authoring.kit import Gold, NoCandidate, spoken_date, task_record, user_scenario
from frontdesk.envs.airline import lookup, rules
from frontdesk.envs.airline.db import CreditCard, GiftCard, Reservation, Segment
from frontdesk.envs.airline.read_tools import search_direct_flights

CABIN_WORDS = {"basic_economy": "basic economy", "economy": "economy", "business": "business"}
DAY_WORDS = {1: "one day", 2: "two days"}


def shifted(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def return_index(res: Reservation) -> int:
    """Where the return journey starts in ``res.flights`` (len(flights) for a one-way trip)."""
    if res.trip_type != "round_trip":
        return len(res.flights)
    return next(i for i, s in enumerate(res.flights) if i > 0 and s.origin == res.destination)


def moved(res: Reservation, which: str, days: int) -> list[dict[str, str]]:
    """The reservation's flights with the outbound, the return or both moved ``days`` later."""
    split = return_index(res)
    out = []
    for i, s in enumerate(res.flights):
        move = which == "both" or (which == "outbound") == (i < split)
        out.append({"flight_number": s.flight_number, "date": shifted(s.date, days) if move else s.date})
    if any(f["date"] > rules.LAST_DAY.isoformat() for f in out):
        raise NoCandidate("past the schedule")
    dates = [f["date"] for f in out]
    if dates != sorted(dates):
        raise NoCandidate("the move would put the return before the outbound")
    return out


def respellable(res: Reservation) -> int | None:
    return next((i for i, p in enumerate(res.passengers) if i > 0 and p.first_name in RESPELLINGS), None)


@dataclass(frozen=True)
class Later:
    """The same flights, ``days`` later, on the ``which`` journey ("outbound", "return" or "both")."""

    which: str
    days: int = 1

    def words(self) -> str:
        journey = {"outbound": "the outbound flights", "return": "the return flights", "both": "every flight"}
        return f"move {journey[self.which]} to the same flights {DAY_WORDS[self.days]} later"


@dataclass(frozen=True)
class Cabin:
    cabin: str

    def words(self) -> str:
        return f"change the cabin to {CABIN_WORDS[self.cabin]} for everyone"


@dataclass(frozen=True)
class Bags:
    extra: int

    def words(self) -> str:
        return f"add {'one checked bag' if self.extra == 1 else f'{self.extra} checked bags'} to the reservation"


@dataclass(frozen=True)
class Name:
    def words(self) -> str:
        return "correct the misspelled first name of a passenger"


Step = Later | Cabin | Bags | Name


def _run_steps(ctx: Context, res: Reservation, steps: list[Step], pay: CreditCard | GiftCard, gold: Gold | None = None):
    """The gold actions of ``steps`` on ``res``, in order; what the agent must tell, and what the customer knows.
    ``gold``: the look-ups already made (on another state than the seed's, for a returning customer)."""
    gold = opening(ctx, res) if gold is None else gold
    outputs: list[dict[str, Any]] = []
    instructions: list[str] = []
    known: dict[str, str] = {}
    current = res
    for step in steps:
        if isinstance(step, Later):
            flights = moved(current, step.which, step.days)
            for f in flights:
                if f not in [{"flight_number": s.flight_number, "date": s.date} for s in current.flights]:
                    gold("get_flight_status", flight_number=f["flight_number"], date=f["date"])
            result = gold(
                "update_reservation_flights",
                reservation_id=res.reservation_id,
                flights=flights,
                payment_id=pay.id,
            )
            if result["total_due"]:
                outputs.append(difference(result["total_due"]))
            journey = {"outbound": "outbound", "return": "return", "both": "whole"}[step.which]
            instructions.append(
                f"You want the {journey} trip on exactly the same flights, {DAY_WORDS[step.days]} later than now; "
                "you do not name flight numbers, the agent finds them. Ask what the change costs or refunds."
            )
            known["new travel dates"] = ", ".join(
                spoken_date(day) for day in sorted({x["date"] for x in flights} - {s.date for s in current.flights})
            ) or ", ".join(spoken_date(day) for day in sorted({x["date"] for x in flights}))
        elif isinstance(step, Cabin):
            result = gold(
                "update_reservation_cabin", reservation_id=res.reservation_id, cabin=step.cabin, payment_id=pay.id
            )
            if result["total_due"]:
                outputs.append(difference(result["total_due"]))
            instructions.append(
                f"You want everyone on the reservation moved to {CABIN_WORDS[step.cabin]}. Ask what that costs or "
                "refunds."
            )
        elif isinstance(step, Bags):
            total = current.checked_bags + step.extra
            if total > rules.MAX_BAGS_PER_PASSENGER * len(current.passengers):
                raise NoCandidate("too many bags")
            result = gold(
                "update_reservation_baggages", reservation_id=res.reservation_id, checked_bags=total, payment_id=pay.id
            )
            if result["bag_fee"]:
                outputs.append(amount(result["bag_fee"], "charge"))
            instructions.append(
                f"You want {'one more checked bag' if step.extra == 1 else f'{step.extra} more checked bags'} "
                f"({total} in total). Ask whether it costs anything."
            )
            known["checked bags"] = f"{total} in total"
        else:
            index = respellable(current)
            if index is None:
                raise NoCandidate("no name to correct")
            wrong = current.passengers[index]
            right = RESPELLINGS[wrong.first_name]
            passengers = [person(p) for p in current.passengers]
            passengers[index]["first_name"] = right
            result = gold("update_reservation_passengers", reservation_id=res.reservation_id, passengers=passengers)
            instructions.append(
                f"{wrong.first_name} {wrong.last_name} on the reservation should be spelled {right} {wrong.last_name}."
            )
            known["correct spelling"] = f"{right} {wrong.last_name}"
        current = Reservation.model_validate({k: v for k, v in result.items() if k in Reservation.model_fields})
    return gold, outputs, instructions, known


def combo(ctx: Context, keep: Callable[[Reservation], bool], steps: list[Step], rule: str, tags: list[str]) -> dict:
    """Several changes to one reservation, one confirmation each, in the order the customer asks for them."""
    f = ctx.facts

    def fits(r: Reservation) -> bool:
        if not (keep(r) and untouched(ctx, r) and f.sellable(r)):
            return False
        return not any(isinstance(s, Name) for s in steps) or respellable(r) is not None

    def build(res: Reservation) -> dict:
        card = f.card(f.owner(res))
        gold, outputs, instructions, known = _run_steps(ctx, res, steps, card)
        preference = any(isinstance(s, Later) for s in steps)
        return task_record(
            f"Several changes to one reservation: {rule}.",
            ["write", "multi-write", *(["preference"] if preference else []), *tags, "computed-output"],
            user_scenario(
                f"Hi, I have a few changes to my trip from {f.trip(res)}.",
                {"user id": res.user_id, "reservation id": res.reservation_id}
                | known
                | {"payment method": card_words(card)},
                [
                    f"These are changes to reservation {res.reservation_id}, in this order, one at a time:",
                    *instructions,
                    f"Pay anything due with, and take any refund to, {card_words(card, 'your')}.",
                    "Confirm each change when the agent describes it correctly.",
                ],
            ),
            gold,
            outputs,
        )

    return first_that_builds(ctx, active(f.db, fits), lambda r: r.user_id, build)


def _earliest_direct(ctx: Context, origin: str, destination: str, day: str, cabin: str, travellers: int) -> dict:
    flights = [
        x for x in search_direct_flights(ctx.facts.db, origin, destination, day) if x["seats_left"][cabin] >= travellers
    ]
    if not flights:
        raise NoCandidate("no direct flight with seats")
    if len(flights) > 1 and flights[0]["departure_time"] == flights[1]["departure_time"]:
        raise NoCandidate("two flights leave at the same time")
    return flights[0]


def disrupted_rebook(ctx: Context) -> dict:
    """The airline cancelled the customer's flight: compensation, a full refund, and the earliest direct
    flight the next day, paid first with the certificate just issued."""
    f = ctx.facts

    def fits(r: Reservation) -> bool:
        if not (
            r.trip_type == "one_way"
            and f.airline_cancelled(r)
            and not f.started(r)
            and _eligible(ctx, r)
            and r.compensation_certificate_id is None
            and r.cabin != "basic_economy"
        ):
            return False
        cancelled = [s for s in r.flights if lookup.segment_state(f.db, s).status == "cancelled"]
        return len(cancelled) == 1 and cancelled[0].date > rules.TODAY.isoformat()

    def build(res: Reservation) -> dict:
        segment: Segment = next(s for s in res.flights if lookup.segment_state(f.db, s).status == "cancelled")
        day = shifted(res.flights[0].date, 1)
        if day > rules.LAST_DAY.isoformat():
            raise NoCandidate("past the schedule")
        travellers = len(res.passengers)
        best = _earliest_direct(ctx, res.origin, res.destination, day, res.cabin, travellers)
        owner = f.owner(res)
        card = f.card(owner)
        gold = opening(ctx, res)
        gold("get_flight_status", flight_number=segment.flight_number, date=segment.date)
        certificate = gold("send_compensation_certificate", **certificate_for(res, segment))
        refund = gold("cancel_reservation", reservation_id=res.reservation_id, reason="airline_cancelled_flight")[
            "total_refund"
        ]
        gold("search_direct_flights", origin=res.origin, destination=res.destination, date=day)
        total = rules.money(best["prices"][res.cabin] * travellers)
        share = min(certificate["balance"], total)
        payments = [{"payment_id": certificate["id"], "amount": share}]
        if total > share:
            payments.append({"payment_id": card.id, "amount": rules.money(total - share)})
        gold(
            "book_reservation",
            user_id=res.user_id,
            origin=res.origin,
            destination=res.destination,
            trip_type="one_way",
            cabin=res.cabin,
            flights=[{"flight_number": best["flight_number"], "date": day}],
            passengers=[person(p) for p in res.passengers],
            payment_methods=payments,
            checked_bags=0,
            insurance=False,
        )
        words = CABIN_WORDS[res.cabin]
        return task_record(
            "Airline-cancelled flight: compensation certificate, full refund, and a new booking on the earliest "
            "direct flight the next day paid first with that certificate.",
            [
                "write",
                "multi-write",
                "preference",
                "cancellation",
                "compensation",
                "booking",
                "certificate",
                "airline-cancellation",
                "computed-output",
            ],
            user_scenario(
                f"My flight {segment.flight_number} on {spoken_date(segment.date)} was cancelled.",
                {
                    "user id": res.user_id,
                    "reservation id": res.reservation_id,
                    "new travel date": spoken_date(day),
                    "payment method": f"the new certificate first, then {card_words(card)}",
                },
                [
                    "You want the compensation you are owed for the cancelled flight, then the cancelled "
                    f"reservation {res.reservation_id} refunded in full.",
                    f"Then book the same travellers again, one way, in {words}, on the earliest direct flight on "
                    f"{spoken_date(day)} that has seats for all of you. No checked bags, no insurance.",
                    "Pay the new booking with the compensation certificate first (as much as it covers) and "
                    f"the rest with {card_words(card, 'your')}.",
                    "Ask what the compensation is, how much is refunded and what goes on the card.",
                    NO_HUMAN,
                ],
            ),
            gold,
            [amount(certificate["balance"]), amount(refund, "refund")]
            + ([amount(total - share, "charge")] if total > share else []),
        )

    return first_that_builds(ctx, active(f.db, fits), lambda r: r.user_id, build)


def two_reservations(ctx: Context) -> dict:
    """Errands on two reservations of one member: one moved a day later and its name corrected, the other
    given bags paid by gift card."""
    f = ctx.facts

    def candidates():
        for _, user in sorted(f.db.users.items()):
            gift = next((m for m in user.payment_methods.values() if isinstance(m, GiftCard)), None)
            if gift is None or gift.balance < 100:
                continue
            mine = [
                f.db.reservations[i]
                for i in user.reservation_ids
                if f.db.reservations[i].status == "active" and untouched(ctx, f.db.reservations[i])
            ]
            movable = [r for r in mine if r.cabin != "basic_economy" and respellable(r) is not None and f.sellable(r)]
            baggable = [r for r in mine if r.cabin == "basic_economy" and f.tier(r) == "regular"]
            movable = [r for r in movable if f.city(r.origin) != f.city(r.destination)]
            if movable and baggable:
                yield user, movable[0], baggable[0], gift

    def build(found) -> dict:
        user, first, second, gift = found
        card = f.card(user)
        gold, outputs, instructions, known = _run_steps(ctx, first, [Later("outbound"), Name()], card)
        gold("get_reservation_details", reservation_id=second.reservation_id)
        total = second.checked_bags + 1
        fee = gold(
            "update_reservation_baggages", reservation_id=second.reservation_id, checked_bags=total, payment_id=gift.id
        )["bag_fee"]
        return task_record(
            "Two reservations: one moved to the same flights a day later and a name corrected, the other given a "
            "bag paid by gift card.",
            [
                "write",
                "multi-write",
                "multi-intent",
                "preference",
                "flight-change",
                "passengers",
                "baggage",
                "gift-card",
                "computed-output",
            ],
            user_scenario(
                f"I have two trips to sort out: {f.trip(first)}, and {f.trip(second)}.",
                {
                    "user id": user.user_id,
                    "reservation ids": f"{first.reservation_id} and {second.reservation_id}",
                }
                | known
                | {"checked bags": f"{total} in total on the second trip", "payment method": card_words(card)},
                [
                    f"On reservation {first.reservation_id}:",
                    *instructions,
                    f"Pay or take refunds for it with {card_words(card, 'your')}.",
                    f"On reservation {second.reservation_id} you want one more checked bag ({total} in total), "
                    "paid with your gift card.",
                ],
            ),
            gold,
            [*outputs, amount(fee, "charge")],
        )

    return first_that_builds(ctx, list(candidates()), lambda c: c[0].user_id, build)


def afternoon_change(
    ctx: Context, keep: Callable[[Reservation], bool], after: str, bags: int, rule: str, tags: list[str]
) -> dict:
    """Move a one-way direct trip to the earliest direct flight leaving at or after ``after`` the same day
    (seats for everyone, not the flight they hold), then add bags."""
    f = ctx.facts

    def fits(r: Reservation) -> bool:
        if not (keep(r) and untouched(ctx, r) and r.trip_type == "one_way" and len(r.flights) == 1):
            return False
        return (
            f.db.flights[r.flights[0].flight_number].departure_time < after
            and f.hours_to_departure(r) > rules.CHANGE_NOTICE_HOURS + 6
        )

    def build(res: Reservation) -> dict:
        old = res.flights[0]
        options = [
            x
            for x in search_direct_flights(f.db, res.origin, res.destination, old.date)
            if x["departure_time"] >= after and x["seats_left"][res.cabin] >= len(res.passengers)
        ]
        if not options or (len(options) > 1 and options[0]["departure_time"] == options[1]["departure_time"]):
            raise NoCandidate("no single earliest afternoon flight")
        best = options[0]
        card = f.card(f.owner(res))
        gold = opening(ctx, res)
        gold("search_direct_flights", origin=res.origin, destination=res.destination, date=old.date)
        due = gold(
            "update_reservation_flights",
            reservation_id=res.reservation_id,
            flights=[{"flight_number": best["flight_number"], "date": old.date}],
            payment_id=card.id,
        )["total_due"]
        total = res.checked_bags + bags
        if total > rules.MAX_BAGS_PER_PASSENGER * len(res.passengers):
            raise NoCandidate("too many bags")
        fee = gold(
            "update_reservation_baggages", reservation_id=res.reservation_id, checked_bags=total, payment_id=card.id
        )["bag_fee"]
        outputs = (
            [best["flight_number"]] + ([difference(due)] if due else []) + ([amount(fee, "charge")] if fee else [])
        )
        return task_record(
            f"Flight change by preference: {rule}.",
            ["write", "multi-write", "preference", "flight-change", "baggage", *tags, "computed-output"],
            user_scenario(
                f"Can I take a later flight on {spoken_date(old.date)}?",
                {
                    "user id": res.user_id,
                    "reservation id": res.reservation_id,
                    "checked bags": f"{total} in total",
                    "payment method": card_words(card),
                },
                [
                    f"On reservation {res.reservation_id} you want to fly the same day, {spoken_date(old.date)}, but "
                    f"on the earliest direct flight that leaves at {after} or later and has seats for everyone. You do "
                    "not know its flight number; the agent finds it. Ask which flight it is and what it costs.",
                    f"Then you want {'one more checked bag' if bags == 1 else f'{bags} more checked bags'} "
                    f"({total} in total).",
                    f"Pay anything due with, and take any refund to, {card_words(card, 'your')}.",
                ],
            ),
            gold,
            outputs,
        )

    return first_that_builds(ctx, active(f.db, fits), lambda r: r.user_id, build)


def more_tasks(ctx: Context) -> list[tuple[str, dict]]:
    """The second batch of several-change tasks (after the pressure tasks, so earlier choices stay)."""
    f = ctx.facts

    return [
        (
            "later-return-upgrade-bags",
            combo(
                ctx,
                lambda r: regular_economy(ctx, r) and r.trip_type == "round_trip",
                [Later("return"), Cabin("business"), Bags(2)],
                "regular member: the return a day later with the change fee, then business, then bags",
                ["flight-change", "cabin-change", "baggage", "round-trip", "fee"],
            ),
        ),
        (
            "upgrade-later-both-name-gold",
            combo(
                ctx,
                lambda r: r.cabin == "economy" and f.tier(r) == "gold" and r.trip_type == "round_trip",
                [Cabin("business"), Later("both"), Name()],
                "gold member: business first, then the whole trip a day later at business prices, a name",
                ["flight-change", "cabin-change", "passengers", "round-trip", "membership"],
            ),
        ),
        (
            "later-bags-name-business",
            combo(
                ctx,
                lambda r: r.cabin == "business" and r.trip_type == "one_way",
                [Later("outbound", 2), Bags(3), Name()],
                "business one way: two days later with no change fee, three bags, a name",
                ["flight-change", "baggage", "passengers", "cabin"],
            ),
        ),
        (
            "upgrade-basic-later-bags-gold",
            combo(
                ctx,
                lambda r: r.cabin == "basic_economy" and f.tier(r) == "gold",
                [Cabin("economy"), Later("outbound"), Bags(2)],
                "gold member in basic economy: upgrade, the outbound a day later without a fee, bags",
                ["flight-change", "cabin-change", "baggage", "fare", "membership"],
            ),
        ),
        (
            "later-upgrade-bags-name-silver",
            combo(
                ctx,
                lambda r: r.cabin == "economy" and f.tier(r) == "silver" and r.trip_type == "one_way",
                [Later("outbound"), Cabin("business"), Bags(2), Name()],
                "silver member: a day later without a fee, business, bags, a name",
                ["flight-change", "cabin-change", "baggage", "passengers", "membership"],
            ),
        ),
        (
            "name-later-bags-regular-round-trip",
            combo(
                ctx,
                lambda r: regular_economy(ctx, r) and r.trip_type == "round_trip",
                [Name(), Later("outbound", 2), Bags(1)],
                "regular member: a name, the outbound two days later with the fee, a bag",
                ["flight-change", "baggage", "passengers", "round-trip", "fee"],
            ),
        ),
        (
            "afternoon-flight-bags-economy",
            afternoon_change(
                ctx,
                lambda r: regular_economy(ctx, r),
                "15:00",
                1,
                "economy, regular member: the earliest direct flight after 3 pm the same day, with the fee, then a bag",
                ["fee"],
            ),
        ),
        (
            "afternoon-flight-bags-business",
            afternoon_change(
                ctx,
                lambda r: r.cabin == "business",
                "14:00",
                2,
                "business: the earliest direct flight after 2 pm the same day, no fee, then bags",
                ["cabin"],
            ),
        ),
        (
            "evening-flight-bags-elite",
            afternoon_change(
                ctx,
                lambda r: r.cabin == "economy" and f.tier(r) != "regular",
                "17:00",
                2,
                "silver or gold member: the earliest direct flight after 5 pm the same day, no fee, then bags",
                ["membership"],
            ),
        ),
        ("disrupted-refund-compensate-rebook-2", disrupted_rebook(ctx)),
        ("two-reservations-change-and-bags-2", two_reservations(ctx)),
    ]


def combo_tasks(ctx: Context) -> list[tuple[str, dict]]:
    f = ctx.facts

    return [
        (
            "later-bags-name-economy",
            combo(
                ctx,
                lambda r: regular_economy(ctx, r) and r.trip_type == "one_way",
                [Later("outbound"), Bags(2), Name()],
                "same flight a day later (change fee), two bags beyond the allowance, a name corrected",
                ["flight-change", "baggage", "passengers", "fee"],
            ),
        ),
        (
            "later-return-bags-name-gold",
            combo(
                ctx,
                lambda r: r.cabin == "economy" and f.tier(r) == "gold" and r.trip_type == "round_trip",
                [Later("return", 2), Bags(1), Name()],
                "gold member: return two days later without a change fee, a bag within the allowance, a name",
                ["flight-change", "baggage", "passengers", "membership", "round-trip"],
            ),
        ),
        (
            "upgrade-basic-later-bags",
            combo(
                ctx,
                lambda r: r.cabin == "basic_economy" and f.tier(r) == "regular" and r.trip_type == "one_way",
                [Cabin("economy"), Later("outbound"), Bags(1)],
                "basic economy upgraded to economy so the flight can move a day, then a bag",
                ["flight-change", "cabin-change", "baggage", "fare"],
            ),
        ),
        (
            "upgrade-business-bags-name",
            combo(
                ctx,
                lambda r: r.cabin == "economy" and len(r.passengers) <= 3,
                [Cabin("business"), Bags(2), Name()],
                "economy to business, then bags under the business allowance, then a name",
                ["cabin-change", "baggage", "passengers"],
            ),
        ),
        (
            "later-both-upgrade-bags",
            combo(
                ctx,
                lambda r: r.cabin == "economy" and r.trip_type == "round_trip" and f.tier(r) == "silver",
                [Later("both"), Cabin("business"), Bags(2)],
                "silver member: the whole round trip a day later, then business, then bags",
                ["flight-change", "cabin-change", "baggage", "round-trip", "membership"],
            ),
        ),
        (
            "downgrade-later-name",
            combo(
                ctx,
                lambda r: r.cabin == "business" and r.trip_type == "one_way",
                [Cabin("economy"), Later("outbound"), Name()],
                "business to economy (refund), then the same flight a day later with the economy change fee, a name",
                ["cabin-change", "flight-change", "passengers", "refund", "fee"],
            ),
        ),
        (
            "later-business-bags-name",
            combo(
                ctx,
                lambda r: r.cabin == "business" and r.trip_type == "round_trip",
                [Later("outbound", 2), Bags(2), Name()],
                "business round trip: outbound two days later with no change fee, bags, a name",
                ["flight-change", "baggage", "passengers", "round-trip", "cabin"],
            ),
        ),
        (
            "later-upgrade-bags-name",
            combo(
                ctx,
                lambda r: regular_economy(ctx, r) and r.trip_type == "one_way" and len(r.passengers) >= 2,
                [Later("outbound", 2), Cabin("business"), Bags(3), Name()],
                "four changes: two days later with the change fee, business, three bags, a name",
                ["flight-change", "cabin-change", "baggage", "passengers", "fee", "multi-passenger"],
            ),
        ),
        (
            "upgrade-basic-later-name-silver",
            combo(
                ctx,
                lambda r: r.cabin == "basic_economy" and f.tier(r) == "silver",
                [Cabin("economy"), Later("outbound", 2), Name()],
                "silver member in basic economy: upgrade, then two days later without a change fee, a name",
                ["flight-change", "cabin-change", "passengers", "fare", "membership"],
            ),
        ),
        ("disrupted-refund-compensate-rebook", disrupted_rebook(ctx)),
        ("two-reservations-change-and-bags", two_reservations(ctx)),
    ]
