"""Task scenarios about changing a reservation: flights, cabin, passengers and bags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from authoring.airline.drafting import (
    NO_HUMAN,
    Context,
    amount,
    card_words,
    checks,
    difference,
    looked_up,
    opening,
    person,
    phrases,
    regular_economy,
    untouched,
)
from authoring.kit import Gold, dollars, spoken_date, task_record, user_scenario
from frontdesk.envs.airline import lookup, rules
from frontdesk.envs.airline.db import CreditCard, GiftCard, Reservation, Segment

# Spellings a customer might have mistyped when booking, and what they meant.
RESPELLINGS = {
    "Sofia": "Sophia",
    "Zoe": "Zoey",
    "Isaac": "Isaak",
    "Nikolai": "Nikolay",
    "Mateo": "Matteo",
    "Rafael": "Raphael",
    "Camille": "Camila",
    "Elena": "Helena",
    "Hana": "Hannah",
    "Tomas": "Thomas",
    "Leo": "Leon",
    "Lucia": "Luciana",
    "Mara": "Marah",
    "Nora": "Norah",
    "Vera": "Verah",
    "Jonas": "Jonah",
    "Felix": "Phelix",
    "Kai": "Kay",
}


BASIC_ECONOMY_NO_CHANGE = phrases(
    "policy reason",
    ["basic economy"],
    ["cannot be changed", "can't be changed", "cannot change", "can't change", "not changeable", "no changes"],
    ["upgrade", "upgraded", "upgrading"],  # the allowed way out: upgrade the cabin first
)
CHANGE_NOTICE = phrases("policy reason", ["24 hours", "a day", "one day"], ["change", "changed", "changes", "changing"])
CABIN_STARTED = phrases(
    "policy reason",
    ["has departed", "already departed", "already flown", "already been flown", "already started", "has started"],
)
NO_REMOVING_BAGS = phrases(
    "policy reason",
    ["cannot be removed", "can't be removed", "cannot remove", "can't remove", "not removable", "can't take"],
)


def _later(segment: Segment, days: int) -> str:
    return (date.fromisoformat(segment.date) + timedelta(days=days)).isoformat()


def _movable(ctx: Context, res: Reservation, segment: Segment, days: int) -> bool:
    """The same flight ``days`` later is on sale with seats for everyone, and the old one may still be changed."""
    new_day = _later(segment, days)
    if new_day > rules.LAST_DAY.isoformat():
        return False
    state = ctx.facts.db.flights[segment.flight_number].dates[new_day]
    notice = lookup.hours_until(lookup.segment_departure(ctx.facts.db, segment))
    return (
        state.status == "available"
        and state.seats is not None
        and state.seats[res.cabin] >= len(res.passengers)
        and notice > rules.CHANGE_NOTICE_HOURS + 6
    )


def _money_words(amount: float) -> str:
    return f"charged {dollars(amount)}" if amount >= 0 else f"refunded {dollars(-amount)}"


def change_date(ctx: Context, keep: Callable[[Reservation], bool], which: str, rule: str, tags: list[str]) -> dict:
    """Move the outbound (``which`` = "outbound") or return flight to the same flight a day or two later."""
    days = ctx.rng.choice([1, 2])

    def fits(r: Reservation) -> bool:
        if not keep(r) or not untouched(ctx, r) or len(r.flights) != (2 if r.trip_type == "round_trip" else 1):
            return False
        segment = r.flights[0 if which == "outbound" else -1]
        if which == "outbound" and r.trip_type == "round_trip" and _later(segment, days) >= r.flights[1].date:
            return False
        return _movable(ctx, r, segment, days)

    res = ctx.pick.reservation(ctx.facts.db, fits)
    index = 0 if which == "outbound" else len(res.flights) - 1
    old = res.flights[index]
    new_day = _later(old, days)
    flights = [
        {"flight_number": s.flight_number, "date": new_day if i == index else s.date} for i, s in enumerate(res.flights)
    ]
    card = ctx.facts.card(ctx.facts.owner(res))
    gold = opening(ctx, res)
    gold("get_flight_status", flight_number=old.flight_number, date=new_day)
    due = gold("update_reservation_flights", reservation_id=res.reservation_id, flights=flights, payment_id=card.id)[
        "total_due"
    ]
    return task_record(
        f"Flight change allowed: {rule}.",
        ["write", "flight-change", "preference", *tags, "computed-output"],
        user_scenario(
            f"Hello, I'd like to move my {which} flight {old.flight_number} to {spoken_date(new_day)}.",
            {
                "user id": res.user_id,
                "reservation id": res.reservation_id,
                "new date": spoken_date(new_day),
                "payment method": card_words(card),
            },
            [
                f"On reservation {res.reservation_id} you want the same flight, {old.flight_number}, "
                f"{'one day' if days == 1 else 'two days'} later: on {spoken_date(new_day)}.",
                "Everything else about the trip stays the same.",
                f"Any difference is paid with, or refunded to, {card_words(card, 'your')}. Ask how much it comes to.",
            ],
        ),
        gold,
        [difference(due)],
    )


def refused_day_later(ctx: Context, keep: Callable[[Reservation], bool], because: str) -> tuple[Reservation, str, Gold]:
    """A one-flight one-way reservation ``keep`` accepts, the day after its flight, and the gold that looks it up
    and sees the tools refuse the same flight that day (for ``because``): how every refused date change starts,
    the pressure variants too."""

    def fits(r: Reservation) -> bool:
        return (
            keep(r)
            and r.trip_type == "one_way"
            and len(r.flights) == 1
            and _later(r.flights[0], 1) <= rules.LAST_DAY.isoformat()
        )

    res = ctx.pick.reservation(ctx.facts.db, fits)
    old = res.flights[0]
    new_day = _later(old, 1)
    gold = opening(ctx, res)
    gold.refused(
        because,
        "update_reservation_flights",
        reservation_id=res.reservation_id,
        flights=[{"flight_number": old.flight_number, "date": new_day}],
        payment_id=ctx.facts.card(ctx.facts.owner(res)).id,
    )
    return res, new_day, gold


def inside_change_notice(ctx: Context, r: Reservation) -> bool:
    """Economy leaving within 24 hours: too late to change flights."""
    return (
        untouched(ctx, r) and r.cabin == "economy" and 0 < ctx.facts.hours_to_departure(r) < rules.CHANGE_NOTICE_HOURS
    )


def change_refused(
    ctx: Context, keep: Callable[[Reservation], bool], because: str, rule: str, tags: list[str], why: dict
) -> dict:
    res, new_day, gold = refused_day_later(ctx, keep, because)
    old = res.flights[0]
    task = task_record(
        f"Flight change refused: {rule}.",
        ["must-refuse", "flight-change", *tags],
        user_scenario(
            f"Hi, can I push my flight {old.flight_number} back by a day, to {spoken_date(new_day)}?",
            {"user id": res.user_id, "reservation id": res.reservation_id, "new date": spoken_date(new_day)},
            [
                f"You want the same flight one day later on reservation {res.reservation_id}.",
                "You do not want to pay for a cabin upgrade and you do not want to cancel.",
                "If the agent explains that the change is not possible, accept it and end the conversation.",
                NO_HUMAN,
            ],
            will_not_accept=["upgrade", "cancel"],
        ),
        gold,
        [why],
    )
    return checks(task, looked_up(res.user_id, res.reservation_id))


def upgrade_then_change(ctx: Context) -> dict:
    def fits(r: Reservation) -> bool:
        if not (untouched(ctx, r) and r.cabin == "basic_economy" and r.trip_type == "one_way" and len(r.flights) == 1):
            return False
        state = lookup.segment_state(ctx.facts.db, r.flights[0])
        if state.seats is None or state.seats["economy"] < len(r.passengers) or ctx.facts.tier(r) != "regular":
            return False
        return _movable(ctx, r.model_copy(update={"cabin": "economy"}), r.flights[0], 1)

    res = ctx.pick.reservation(ctx.facts.db, fits)
    old = res.flights[0]
    new_day = _later(old, 1)
    card = ctx.facts.card(ctx.facts.owner(res))
    gold = opening(ctx, res)
    upgrade = gold("update_reservation_cabin", reservation_id=res.reservation_id, cabin="economy", payment_id=card.id)[
        "total_due"
    ]
    gold("get_flight_status", flight_number=old.flight_number, date=new_day)
    change = gold(
        "update_reservation_flights",
        reservation_id=res.reservation_id,
        flights=[{"flight_number": old.flight_number, "date": new_day}],
        payment_id=card.id,
    )["total_due"]
    return task_record(
        "Basic economy cannot change flights; upgrading to economy first makes the change possible "
        "(change fee applies).",
        ["write", "multi-write", "flight-change", "cabin-change", "fare", "preference", "computed-output"],
        user_scenario(
            f"Hi, I need to fly a day later than planned, on {spoken_date(new_day)}. It's flight {old.flight_number}.",
            {
                "user id": res.user_id,
                "reservation id": res.reservation_id,
                "new date": spoken_date(new_day),
                "payment method": card_words(card),
            },
            [
                f"You want the same flight, {old.flight_number}, one day later, on reservation {res.reservation_id}.",
                "If moving the flight is only possible after upgrading the cabin, you accept an upgrade to economy "
                "(not business).",
                f"Pay everything with {card_words(card, 'your')}. Ask what the upgrade costs and what the change "
                "costs.",
            ],
            will_not_accept=["business"],
        ),
        gold,
        [difference(upgrade), difference(change)],
    )


def change_cabin(ctx: Context, keep: Callable[[Reservation], bool], cabin: str, rule: str, tags: list[str]) -> dict:
    def fits(r: Reservation) -> bool:
        if not (keep(r) and untouched(ctx, r) and ctx.facts.sellable(r)):
            return False
        return all(lookup.segment_state(ctx.facts.db, s).seats[cabin] >= len(r.passengers) for s in r.flights)

    res = ctx.pick.reservation(ctx.facts.db, fits)
    card = ctx.facts.card(ctx.facts.owner(res))
    gold = opening(ctx, res)
    due = gold("update_reservation_cabin", reservation_id=res.reservation_id, cabin=cabin, payment_id=card.id)[
        "total_due"
    ]
    words = cabin.replace("_", " ")
    return task_record(
        f"Cabin change: {rule}.",
        ["write", "cabin-change", *tags, "computed-output"],
        user_scenario(
            f"Hi, I'd like to switch my trip from {ctx.facts.trip(res)} to {words}.",
            {"user id": res.user_id, "reservation id": res.reservation_id, "payment method": card_words(card)},
            [
                f"Move every passenger on every flight of reservation {res.reservation_id} to {words}.",
                f"Any difference goes on, or back to, {card_words(card, 'your')}. Ask how much you will be "
                f"{_money_words(due).split()[0]}.",
            ],
        ),
        gold,
        [difference(due)],
    )


def refused_return_upgrade(ctx: Context) -> tuple[Reservation, Gold]:
    """An economy round trip whose outbound is flown and whose return is still to come, and the gold that looks
    it up and sees the tools refuse to upgrade it to business: the plain refusal and its pressure variant."""
    f = ctx.facts
    res = ctx.pick.reservation(
        f.db,
        lambda r: (
            r.trip_type == "round_trip"
            and r.cabin == "economy"
            and f.started(r)
            and not f.airline_cancelled(r)
            and lookup.segment_state(f.db, r.flights[-1]).status == "available"
        ),
    )
    gold = opening(ctx, res)
    gold.refused(
        "already departed",
        "update_reservation_cabin",
        reservation_id=res.reservation_id,
        cabin="business",
        payment_id=f.card(f.owner(res)).id,
    )
    return res, gold


def cabin_refused_started(ctx: Context) -> dict:
    res, gold = refused_return_upgrade(ctx)
    task = task_record(
        "Cabin change refused: the trip has started (outbound flown), so the return cannot be upgraded.",
        ["must-refuse", "cabin-change", "round-trip", "time"],
        user_scenario(
            "Hello, I'm on the way back from my trip and would love to fly business on the return. Can you upgrade me?",
            {"user id": res.user_id, "reservation id": res.reservation_id},
            [
                f"You want to upgrade the return flight of reservation {res.reservation_id} to business.",
                "If the agent explains it is not possible, accept it and end the conversation.",
                NO_HUMAN,
            ],
        ),
        gold,
        [CABIN_STARTED],
    )
    return checks(task, looked_up(res.user_id, res.reservation_id))


def _respellable(r: Reservation) -> int | None:
    return next((i for i, p in enumerate(r.passengers) if i > 0 and p.first_name in RESPELLINGS), None)


def fix_passenger_name(ctx: Context, also_add_someone: bool) -> dict:
    res = ctx.pick.reservation(ctx.facts.db, lambda r: untouched(ctx, r) and _respellable(r) is not None)
    index = _respellable(res)
    assert index is not None
    wrong = res.passengers[index]
    right = RESPELLINGS[wrong.first_name]
    passengers = [person(p) for p in res.passengers]
    passengers[index]["first_name"] = right
    gold = opening(ctx, res)
    gold("update_reservation_passengers", reservation_id=res.reservation_id, passengers=passengers)
    instructions = [
        f"On reservation {res.reservation_id}, {wrong.first_name} {wrong.last_name} should be spelled {right} "
        f"{wrong.last_name}."
    ]
    if also_add_someone:
        instructions.append(
            "You also want to add your friend Alex Morgan (born 1990-04-02) to the same reservation. "
            "If the agent says passengers cannot be added, accept that; you do not want a new booking."
        )
        instructions.append(NO_HUMAN)
    return task_record(
        "Passenger update: fix a misspelled first name"
        + ("; adding a passenger is refused." if also_add_someone else "."),
        ["write", "passengers"] + (["must-refuse-part", "multi-intent"] if also_add_someone else []),
        user_scenario(
            f"Hi, there's a typo in a passenger's name on my booking: it should be {right}, not {wrong.first_name}."
            + (" And I'd like to add a friend to the trip." if also_add_someone else ""),
            {
                "user id": res.user_id,
                "reservation id": res.reservation_id,
                "correct spelling": f"{right} {wrong.last_name}",
            },
            instructions,
            will_not_accept=["new reservation", "new booking"] if also_add_someone else None,
        ),
        gold,
        [],
    )


def add_bags(ctx: Context, keep: Callable[[Reservation], bool], extra: int, pay: str, rule: str) -> dict:
    """Add ``extra`` bags; ``pay`` is "card", "gift_card" or "none" (all within the allowance)."""
    f = ctx.facts

    def fee_for(r: Reservation) -> int:
        free = rules.free_bags(f.tier(r), r.cabin) * len(r.passengers)
        return max(0, r.checked_bags + extra - free - r.paid_bags) * rules.EXTRA_BAG_FEE

    def fits(r: Reservation) -> bool:
        if not (keep(r) and untouched(ctx, r)) or r.checked_bags + extra > rules.MAX_BAGS_PER_PASSENGER * len(
            r.passengers
        ):
            return False
        if pay == "none":
            return fee_for(r) == 0
        gift = next((m for m in f.owner(r).payment_methods.values() if isinstance(m, GiftCard)), None)
        return fee_for(r) > 0 and (pay == "card" or (gift is not None and gift.balance >= fee_for(r)))

    res = ctx.pick.reservation(f.db, fits)
    owner = f.owner(res)
    total = res.checked_bags + extra
    method = None
    if pay == "card":
        method = f.card(owner)
    elif pay == "gift_card":
        method = next(m for m in owner.payment_methods.values() if isinstance(m, GiftCard))
    gold = opening(ctx, res)
    arguments = {"reservation_id": res.reservation_id, "checked_bags": total}
    if method is not None:
        arguments["payment_id"] = method.id
    fee = gold("update_reservation_baggages", **arguments)["bag_fee"]
    known = {"user id": res.user_id, "reservation id": res.reservation_id, "checked bags": f"{total} in total"}
    if isinstance(method, CreditCard):
        known["payment method"] = card_words(method)
    elif method is not None:
        known["payment method"] = "my gift card"
    return task_record(
        f"Baggage: {rule}.",
        ["write", "baggage", "membership"] + (["computed-output"] if fee else []),
        user_scenario(
            f"Hi, I'd like to add {extra} more checked bags to my trip from {f.trip(res)}.",
            known,
            [
                f"Reservation {res.reservation_id} should have {total} checked bags in total, {extra} more than now.",
                f"If there is a fee, pay it with {known['payment method'].replace('my ', 'your ', 1)}; ask how much "
                "it is."
                if method is not None
                else "Ask whether there is any fee.",
            ],
        ),
        gold,
        [amount(fee, "charge")] if fee else [],
    )


def refused_bag_removal(ctx: Context) -> tuple[Reservation, Gold]:
    """A reservation with a paid bag, and the gold that looks it up and sees the tools refuse to take a bag off:
    the plain refusal and its pressure variant."""
    res = ctx.pick.reservation(ctx.facts.db, lambda r: untouched(ctx, r) and r.paid_bags >= 1)
    gold = opening(ctx, res)
    gold.refused(
        "not removed",
        "update_reservation_baggages",
        reservation_id=res.reservation_id,
        checked_bags=res.checked_bags - 1,
        payment_id=ctx.facts.card(ctx.facts.owner(res)).id,
    )
    return res, gold


def remove_bags_refused(ctx: Context) -> dict:
    res, gold = refused_bag_removal(ctx)
    task = task_record(
        "Baggage refused: bags cannot be removed and bag fees are not refunded on their own.",
        ["must-refuse", "baggage"],
        user_scenario(
            f"Hi, I paid for a checked bag on my trip from {ctx.facts.trip(res)} but I won't need it. Can you "
            "remove it and refund me?",
            {"user id": res.user_id, "reservation id": res.reservation_id},
            [
                f"You want one bag fewer on reservation {res.reservation_id} and the bag fee back.",
                "You do not want to cancel the trip. If the agent explains it is not possible, accept it.",
                NO_HUMAN,
            ],
            will_not_accept=["cancel"],
        ),
        gold,
        [NO_REMOVING_BAGS],
    )
    return checks(task, looked_up(res.user_id, res.reservation_id))


def change_tasks(ctx: Context) -> list[tuple[str, dict]]:
    f = ctx.facts

    return [
        (
            "change-flight-economy-fee",
            change_date(
                ctx,
                lambda r: regular_economy(ctx, r) and r.trip_type == "one_way",
                "outbound",
                "economy, regular member: fare difference plus $50 change fee per passenger",
                ["fee", "membership"],
            ),
        ),
        (
            "change-flight-economy-fee-group",
            change_date(
                ctx,
                lambda r: regular_economy(ctx, r) and r.trip_type == "one_way" and len(r.passengers) >= 2,
                "outbound",
                "economy for several passengers, regular member: difference and fee times passengers",
                ["fee", "multi-passenger"],
            ),
        ),
        (
            "change-return-elite",
            change_date(
                ctx,
                lambda r: r.cabin == "economy" and f.tier(r) != "regular" and r.trip_type == "round_trip",
                "return",
                "round trip, silver or gold member: only the return moves, no change fee",
                ["round-trip", "membership"],
            ),
        ),
        (
            "change-outbound-business",
            change_date(
                ctx,
                lambda r: r.cabin == "business" and r.trip_type == "round_trip",
                "outbound",
                "business round trip: outbound moves, no change fee",
                ["round-trip", "cabin"],
            ),
        ),
        (
            "refuse-change-basic-economy",
            change_refused(
                ctx,
                lambda r: untouched(ctx, r) and r.cabin == "basic_economy" and f.hours_to_departure(r) > 48,
                "basic economy flights cannot",
                "basic economy flights cannot be changed",
                ["fare"],
                BASIC_ECONOMY_NO_CHANGE,
            ),
        ),
        (
            "refuse-change-within-24h",
            change_refused(
                ctx,
                lambda r: inside_change_notice(ctx, r),
                "more than 24 hours",
                "the flight leaves within 24 hours",
                ["time"],
                CHANGE_NOTICE,
            ),
        ),
        ("upgrade-then-change-basic-economy", upgrade_then_change(ctx)),
        (
            "upgrade-to-business",
            change_cabin(
                ctx,
                lambda r: r.cabin == "economy" and len(r.passengers) <= 2,
                "business",
                "economy to business at today's prices",
                [],
            ),
        ),
        (
            "upgrade-round-trip-to-business",
            change_cabin(
                ctx,
                lambda r: r.cabin == "economy" and r.trip_type == "round_trip",
                "business",
                "round trip upgraded to business on both flights",
                ["round-trip"],
            ),
        ),
        (
            "downgrade-business-refund",
            change_cabin(
                ctx,
                lambda r: r.cabin == "business",
                "economy",
                "business to economy: the difference is refunded",
                ["refund"],
            ),
        ),
        ("refuse-cabin-change-started", cabin_refused_started(ctx)),
        ("fix-passenger-name", fix_passenger_name(ctx, also_add_someone=False)),
        ("fix-name-refuse-add-passenger", fix_passenger_name(ctx, also_add_someone=True)),
        (
            "add-bags-economy-fee",
            add_bags(
                ctx,
                lambda r: regular_economy(ctx, r),
                2,
                "card",
                "regular member in economy: bags beyond one per passenger cost $45",
            ),
        ),
        (
            "add-bags-silver-basic-economy",
            add_bags(
                ctx,
                lambda r: r.cabin == "basic_economy" and f.tier(r) == "silver",
                2,
                "card",
                "silver member in basic economy: one free bag per passenger, the rest paid",
            ),
        ),
        (
            "add-bags-gold-free",
            add_bags(
                ctx,
                lambda r: f.tier(r) == "gold" and r.cabin == "economy",
                1,
                "none",
                "gold member in economy: within the allowance, free",
            ),
        ),
        (
            "add-bags-gift-card",
            add_bags(
                ctx,
                lambda r: f.tier(r) == "regular" and r.cabin == "basic_economy",
                1,
                "gift_card",
                "regular member in basic economy, fee paid by gift card",
            ),
        ),
        ("refuse-remove-bags", remove_bags_refused(ctx)),
    ]
