"""Task scenarios where a customer comes back: an earlier conversation (another task) changed their
reservation, and now they want something more, or something the change made possible or impossible.

Each task ``follows`` the earlier task: it starts from the state that task's gold actions leave, and
its own gold is drafted on that state (``drafting.earlier``), so every amount is what the tools answer
on the reservation as the earlier conversation left it: the upgrade priced on the flights moved to, the
cancellation fee of the cabin the reservation has now, the refund of everything paid so far. The
customer is the same member, with the same ids, and says they were in touch before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from authoring.airline.drafting import (
    NO_HUMAN,
    Context,
    Earlier,
    amount,
    card_words,
    checks,
    difference,
    earlier,
    follows,
    looked_up,
    never,
    person,
    phrases,
)
from authoring.airline.scenarios.cancel import LATE_ECONOMY, REASON_WORDS
from authoring.airline.scenarios.change import CHANGE_NOTICE, NO_REMOVING_BAGS
from authoring.airline.scenarios.multi import Bags, Later, Name, _run_steps, shifted
from authoring.airline.scenarios.pressure import ACCEPT, PUSH
from authoring.airline.scenarios.service import INSURANCE_AT_BOOKING
from authoring.kit import Gold, spoken_date, task_record, user_scenario
from frontdesk.envs.airline import rules
from frontdesk.envs.airline.db import CreditCard, GiftCard, Reservation

AUTHORED = "(authored in texts/returning.yaml)"
TAG = "returning"  # the customer comes back after an earlier conversation (the task it follows)

BASIC_ECONOMY_FIXED = phrases(
    "policy reason",
    ["basic economy"],
    ["cannot be changed", "can't be changed", "cannot change", "can't change", "not changeable", "no changes"],
)
CERTIFICATE_BOOKINGS_ONLY = phrases(
    "policy reason",
    ["certificate"],
    ["new bookings", "new booking", "only for bookings", "only pay for bookings", "only be used for bookings"],
)
REFUND_TIMING = phrases("refund timing", ["business days"])


# --- what every returning customer's task is made of -------------------------------------------------------


def reopen(after: Earlier, res: Reservation, label: str) -> Gold:
    """The reads a returning customer's task starts with, on the state the earlier conversation left."""
    gold = after.gold(label)
    gold("get_user_details", user_id=res.user_id)
    gold("get_reservation_details", reservation_id=res.reservation_id)
    return gold


def paid_with(after: Earlier, res: Reservation) -> CreditCard | GiftCard:
    """The card the earlier conversation charged or refunded, else the member's first credit card."""
    for action in reversed(after.task["gold_actions"]):
        payment_id = action["arguments"].get("payment_id")
        if payment_id is not None and action["arguments"].get("reservation_id") == res.reservation_id:
            method = after.user.payment_methods[payment_id]
            if isinstance(method, (CreditCard, GiftCard)):
                return method
    return after.facts.card(after.user)


def known(res: Reservation, **more: str) -> dict[str, str]:
    return {"user id": res.user_id, "reservation id": res.reservation_id} | {
        key.replace("_", " "): value for key, value in more.items()
    }


def before(what: str) -> str:
    """The instruction that tells the customer they were in touch before, and what came of it."""
    return (
        f"You were in touch with the airline earlier today: {what}. Say so when you explain why you are back; "
        "the agent sees the reservation as it is now."
    )


def returning(
    after: Earlier,
    description: str,
    tags: list[str],
    known_facts: dict[str, str],
    instructions: list[str],
    gold: Gold,
    outputs: list[dict[str, Any]],
    **extra: Any,
) -> dict[str, Any]:
    """A returning customer's task, marked as following ``after``'s task."""
    task = task_record(
        f"Returning customer (after {after.task_id}): {description}",
        [TAG, *tags],
        user_scenario(AUTHORED, known_facts, instructions, **extra),
        gold,
        outputs,
    )
    return follows(after, task)


def refused_again(
    after: Earlier,
    res: Reservation,
    description: str,
    tags: list[str],
    known_facts: dict[str, str],
    instructions: list[str],
    gold: Gold,
    why: dict[str, Any],
    forbidden: list[dict[str, Any]],
    pressed: bool,
    **extra: Any,
) -> dict[str, Any]:
    """A returning customer asks for what the policy does not allow; with ``pressed`` they push back first."""
    close = (
        [PUSH, ACCEPT] if pressed else ["If the agent explains it is not possible, accept it and end the conversation."]
    )
    task = returning(
        after,
        description,
        (["pressure"] if pressed else []) + ["must-refuse", *tags],
        known_facts,
        [*instructions, *close, NO_HUMAN],
        gold,
        [why],
        **extra,
    )
    return checks(task, looked_up(res.user_id, res.reservation_id), forbidden)


def misdated(res: Reservation) -> int | None:
    """A passenger (not the member) whose birth day reads as a valid date with its digits swapped."""
    for i, p in enumerate(res.passengers):
        day = p.date_of_birth[-2:]
        if i == 0 or day[0] == day[1] or day[1] == "0":
            continue
        try:
            date.fromisoformat(p.date_of_birth[:-2] + day[::-1])
        except ValueError:
            continue
        return i
    return None


# --- flights changed earlier: now the cabin, bags, a passenger's details --------------------------------------


def upgrade_after_change(ctx: Context, label: str) -> dict:
    """The same flight was moved a day or two later; now business, priced on the flight moved to, then bags
    under the business allowance."""
    after = earlier(ctx, "change-flight-economy-fee")
    res = after.reservation()
    card = paid_with(after, res)
    gold = reopen(after, res, label)
    upgrade = gold("update_reservation_cabin", reservation_id=res.reservation_id, cabin="business", payment_id=card.id)
    total = res.checked_bags + 2
    fee = gold(
        "update_reservation_baggages", reservation_id=res.reservation_id, checked_bags=total, payment_id=card.id
    )["bag_fee"]
    return returning(
        after,
        "the flight moved earlier today is upgraded to business at today's business price of the new date "
        "(not the old one), then two bags are added under the business allowance.",
        ["write", "multi-write", "cabin-change", "baggage", "computed-output"],
        known(res, checked_bags=f"{total} in total", payment_method=card_words(card)),
        [
            before(f"reservation {res.reservation_id} was moved to {spoken_date(res.flights[0].date)}"),
            f"Now you want everyone on reservation {res.reservation_id} moved to business. Ask what it costs.",
            f"Then you want two more checked bags ({total} in total). Ask whether they cost anything.",
            f"Pay everything with {card_words(card, 'your')}, the card the change went on.",
        ],
        gold,
        [difference(upgrade["total_due"])] + ([amount(fee, "charge")] if fee else []),
    )


def bags_after_return_change(ctx: Context, label: str) -> dict:
    """The return was moved a day later; now bags, charged only beyond the gold member's allowance."""
    after = earlier(ctx, "change-return-elite")
    res = after.reservation()
    card = paid_with(after, res)
    total = res.checked_bags + 2
    gold = reopen(after, res, label)
    fee = gold(
        "update_reservation_baggages", reservation_id=res.reservation_id, checked_bags=total, payment_id=card.id
    )["bag_fee"]
    return returning(
        after,
        "after the return was moved, two more bags; a gold member in economy has three free, so one is paid.",
        ["write", "baggage", "membership", "computed-output"],
        known(res, checked_bags=f"{total} in total", payment_method=card_words(card)),
        [
            before(f"the return flight was moved to {spoken_date(res.flights[-1].date)}"),
            f"With the extra night you will bring more luggage: you want {total} checked bags in total on "
            f"reservation {res.reservation_id}, two more than now.",
            f"Pay any fee with {card_words(card, 'your')} and ask how much it is.",
        ],
        gold,
        [amount(fee, "charge")],
    )


def bags_and_birth_date_after_group_change(ctx: Context, label: str) -> dict:
    """Three travellers were moved two days later; now two more bags and a passenger's date of birth."""
    after = earlier(ctx, "change-flight-economy-fee-group")
    res = after.reservation()
    card = paid_with(after, res)
    index = misdated(res)
    assert index is not None, f"{label}: no passenger's date of birth to correct"
    wrong = res.passengers[index]
    right = wrong.date_of_birth[:-2] + wrong.date_of_birth[-2:][::-1]
    passengers = [person(p) for p in res.passengers]
    passengers[index]["date_of_birth"] = right
    total = res.checked_bags + 2
    gold = reopen(after, res, label)
    fee = gold(
        "update_reservation_baggages", reservation_id=res.reservation_id, checked_bags=total, payment_id=card.id
    )["bag_fee"]
    gold("update_reservation_passengers", reservation_id=res.reservation_id, passengers=passengers)
    return returning(
        after,
        "after the group's flight was moved, two more bags beyond the allowance (paid) and a passenger's date of "
        "birth corrected.",
        ["write", "multi-write", "baggage", "passengers", "multi-passenger", "computed-output"],
        known(
            res,
            checked_bags=f"{total} in total",
            correct_date_of_birth=f"{wrong.first_name} {wrong.last_name}, {spoken_date(right)}",
            payment_method=card_words(card),
        ),
        [
            before(f"the flight was moved to {spoken_date(res.flights[0].date)} for the three of you"),
            f"You want two more checked bags on reservation {res.reservation_id} ({total} in total). Ask what they "
            "cost.",
            f"You also noticed that {wrong.first_name} {wrong.last_name}'s date of birth is wrong on the booking: it "
            f"should be {spoken_date(right)}, not {spoken_date(wrong.date_of_birth)}.",
            f"Pay any fee with {card_words(card, 'your')}, the card the change went on.",
        ],
        gold,
        [amount(fee, "charge")],
    )


# --- changed earlier, cancelled now: what the reservation is now decides the refund --------------------------


def cancel_changed(
    ctx: Context,
    label: str,
    predecessor: str,
    what: str,
    reason: str,
    description: str,
    tags: list[str],
    **extra: Any,
) -> dict:
    """The reservation an earlier conversation changed is now cancelled: the refund (and any fee) follows the
    reservation as it is now, and every method gets back what it paid on it, change charges included."""
    after = earlier(ctx, predecessor)
    res = after.reservation()
    gold = reopen(after, res, label)
    result = gold("cancel_reservation", reservation_id=res.reservation_id, reason=reason)
    return returning(
        after,
        description,
        ["write", "cancellation", *tags, "computed-output"],
        known(res, reason=REASON_WORDS[reason]),
        [
            before(what),
            f"Now you want reservation {res.reservation_id} cancelled altogether. Your reason: {REASON_WORDS[reason]}.",
            "Ask how much you get back in total, including anything you paid for the earlier change.",
        ],
        gold,
        [amount(result["total_refund"], "refund")],
        **extra,
    )


def cancel_second_trip(ctx: Context, label: str) -> dict:
    """One trip was cancelled earlier with the economy fee; now another economy trip of the same member,
    72+ hours ahead, is cancelled with the same fee."""
    after = earlier(ctx, "cancel-economy-fee")
    first = after.reservation()
    user = after.user

    def fits(r: Reservation) -> bool:
        return (
            r.status == "active"
            and r.cabin == "economy"
            and not r.insurance
            and after.facts.unflown(r)
            and after.facts.hours_to_departure(r) >= rules.ECONOMY_CANCELLATION_NOTICE_HOURS
            and after.facts.booked_hours_ago(r) > rules.FREE_CANCELLATION_HOURS
        )

    res = next(after.db.reservations[i] for i in user.reservation_ids if fits(after.db.reservations[i]))
    gold = reopen(after, res, label)
    result = gold("cancel_reservation", reservation_id=res.reservation_id, reason="change_of_plans")
    return returning(
        after,
        "one trip was cancelled earlier with the $75-per-passenger fee; now a second economy trip is cancelled "
        "too, and the same fee is kept.",
        ["write", "cancellation", "fee", "multi-passenger", "computed-output"],
        known(res, reservation_cancelled_earlier=first.reservation_id, reason=REASON_WORDS["change_of_plans"]),
        [
            before(f"reservation {first.reservation_id}, the trip from {after.facts.trip(first)}, was cancelled"),
            f"Now your other trip, reservation {res.reservation_id} from {after.facts.trip(res)}, is off too: you "
            "want it cancelled because your plans changed.",
            "Ask how much you get back for it.",
        ],
        gold,
        [amount(result["total_refund"], "refund")],
    )


def refund_question(ctx: Context, label: str) -> dict:
    """Read-only: a reservation paid with a certificate and a card was cancelled earlier; where did the refund
    go, how much to each, and when."""
    after = earlier(ctx, "cancel-economy-fee-split-payment")
    res = after.reservation()
    refunds = [p for p in res.payment_history if p.purpose == "cancellation_refund"]
    assert len(refunds) == 2, f"{label}: the refund should have gone to two methods"
    card = next(m for p in refunds if isinstance(m := after.user.payment_methods[p.payment_id], CreditCard))
    gold = reopen(after, res, label)
    return returning(
        after,
        "read-only: the cancelled reservation's refund went to two methods; how much to each, and when the card "
        "refund arrives.",
        ["read-only", "cancellation", "payment-split", "certificate", "computed-output"],
        known(res),
        [
            before("the reservation was cancelled and you were told the fee would come off the card"),
            f"You want to know how much went back to {card_words(card, 'your')} and how much to the travel "
            "certificate, and when the card refund will show up.",
            "You do not want to change anything.",
        ],
        gold,
        [*(amount(-p.amount, "refund") for p in refunds), REFUND_TIMING],
    )


# --- bags added earlier: removing one is refused; the rest of the trip can still change ------------------------


def remove_added_bag(ctx: Context, label: str) -> dict:
    after = earlier(ctx, "add-bags-economy-fee")
    res = after.reservation()
    gold = reopen(after, res, label)
    gold.refused(
        "not removed",
        "update_reservation_baggages",
        reservation_id=res.reservation_id,
        checked_bags=res.checked_bags - 1,
        payment_id=paid_with(after, res).id,
    )
    return refused_again(
        after,
        res,
        "two bags were added and paid earlier; one of them is no longer needed, but bags cannot be removed nor "
        "their fees refunded on their own.",
        ["baggage"],
        known(res),
        [
            before(f"two checked bags were added to reservation {res.reservation_id} and paid for"),
            "The luggage plans changed and only one of the two added bags is needed now, so you want one bag "
            "taken off and its $45 fee refunded. You say you were only charged a few hours ago, so it should be "
            "easy to undo.",
            "You do not want to cancel the trip.",
        ],
        gold,
        NO_REMOVING_BAGS,
        [
            never("update_reservation_baggages", reservation_id=res.reservation_id),
            never("cancel_reservation", reservation_id=res.reservation_id),
        ],
        pressed=True,
        will_not_accept=["cancel"],
    )


def name_later_bags_after_free_bags(ctx: Context, label: str) -> dict:
    """Bags were added free earlier (gold allowance); now a name, the whole trip a day later, more bags."""
    after = earlier(ctx, "add-bags-gold-free")
    res = after.reservation()
    card = after.facts.card(after.user)
    gold = reopen(after, res, label)
    gold, outputs, instructions, facts = _run_steps(ctx, res, [Name(), Later("both"), Bags(2)], card, gold)
    return returning(
        after,
        "a gold member's bags were added free earlier; now a passenger's name is corrected, the whole round trip "
        "moves to the same flights a day later (no change fee), and two more bags still fit the allowance.",
        ["write", "multi-write", "preference", "passengers", "flight-change", "baggage", "membership", "round-trip"]
        + (["computed-output"] if outputs else []),
        known(res) | facts | {"payment method": card_words(card)},
        [
            before(f"bags were added to reservation {res.reservation_id} at no charge"),
            f"These are changes to reservation {res.reservation_id}, in this order, one at a time:",
            *instructions,
            f"Pay anything due with, and take any refund to, {card_words(card, 'your')}.",
            "Confirm each change when the agent describes it correctly.",
        ],
        gold,
        outputs,
    )


# --- booked earlier today: change it, cancel it, or add what can only come with a booking ----------------------


def later_bags_after_booking(ctx: Context, label: str) -> dict:
    """A one-way economy trip booked earlier today: the same flight a day later (fee), then one more bag."""
    after = earlier(ctx, "book-economy-one-way")
    res = after.reservation()
    card = paid_with(after, res)
    gold = reopen(after, res, label)
    gold, outputs, instructions, facts = _run_steps(ctx, res, [Later("outbound"), Bags(1)], card, gold)
    return returning(
        after,
        "a trip booked earlier today moves to the same flight a day later (fare difference and the regular "
        "member's change fee), then one more bag beyond the allowance.",
        ["write", "multi-write", "preference", "flight-change", "baggage", "fee", "booking", "computed-output"],
        known(res) | facts | {"payment method": card_words(card)},
        [
            before(f"you booked this trip, reservation {res.reservation_id}, from {after.facts.trip(res)}"),
            f"These are changes to reservation {res.reservation_id}, in this order, one at a time:",
            *instructions,
            f"Pay anything due with, and take any refund to, {card_words(card, 'your')}.",
        ],
        gold,
        outputs,
    )


def cancel_changed_booking(ctx: Context, label: str, predecessor: str) -> dict:
    """The trip booked this morning and changed since is cancelled: booked under 24 hours ago, so everything
    paid on it comes back, the change fee and the bag fee too."""
    after = earlier(ctx, predecessor)
    res = after.reservation()
    gold = reopen(after, res, label)
    result = gold("cancel_reservation", reservation_id=res.reservation_id, reason="change_of_plans")
    paid = after.facts.paid(res)
    assert result["total_refund"] == paid, f"{label}: a booking under a day old is refunded in full"
    return returning(
        after,
        "the trip booked this morning and then moved and given a bag is cancelled: booked under 24 hours ago, so "
        "everything paid on it is refunded, the change fee and the bag fee included.",
        ["write", "cancellation", "24-hours", "time", "booking", "computed-output"],
        known(res, reason=REASON_WORDS["change_of_plans"]),
        [
            before(
                f"you booked reservation {res.reservation_id} this morning, then moved it to "
                f"{spoken_date(res.flights[0].date)} and added a bag"
            ),
            "Now the trip is off altogether: you want it cancelled because your plans changed.",
            "You expect the change fee and the bag fee to be lost. Ask how much you get back in total.",
        ],
        gold,
        [amount(result["total_refund"], "refund")],
    )


def cancel_basic_booking_instead(ctx: Context, label: str) -> dict:
    """Basic economy booked this morning: moving it a day is refused, but it is under 24 hours old, so the
    customer cancels it with a full refund instead."""
    after = earlier(ctx, "book-basic-economy-with-bag")
    res = after.reservation()
    old = res.flights[0]
    new_day = shifted(old.date, 1)
    gold = reopen(after, res, label)
    gold.refused(
        "basic economy flights cannot",
        "update_reservation_flights",
        reservation_id=res.reservation_id,
        flights=[{"flight_number": old.flight_number, "date": new_day}],
        payment_id=paid_with(after, res).id,
    )
    refund = gold("cancel_reservation", reservation_id=res.reservation_id, reason="change_of_plans")["total_refund"]
    return returning(
        after,
        "basic economy booked this morning cannot move to the next day; it was booked under 24 hours ago, so it "
        "is cancelled with a full refund instead.",
        ["write", "cancellation", "must-refuse-part", "fare", "24-hours", "booking", "computed-output"],
        known(res, new_date=spoken_date(new_day), reason=REASON_WORDS["change_of_plans"]),
        [
            before(f"you booked this basic economy trip, reservation {res.reservation_id}, with a checked bag"),
            f"You now need to travel a day later, on {spoken_date(new_day)}: first ask to move the booking to the "
            "same flight that day.",
            "You will not pay for an upgrade. If the change is not possible, ask whether you can still cancel it "
            "and get your money back, since you only booked it this morning; if so, cancel it because your plans "
            "changed.",
            "Ask how much you get back.",
        ],
        gold,
        [BASIC_ECONOMY_FIXED, amount(refund, "refund")],
        will_not_accept=["upgrade"],
    )


def insurance_after_booking(ctx: Context, label: str) -> dict:
    after = earlier(ctx, "book-one-stop-1")
    res = after.reservation()
    gold = reopen(after, res, label)
    return refused_again(
        after,
        res,
        "the trip was booked this morning without insurance; it cannot be added afterwards, even hours later.",
        ["insurance", "booking"],
        known(res),
        [
            before(f"you booked this trip, reservation {res.reservation_id}, without travel insurance"),
            "You now want travel insurance added. You insist it was booked only a few hours ago, so it is "
            "practically still the booking.",
            "You do not want to cancel and book again: the fare may have changed.",
        ],
        gold,
        INSURANCE_AT_BOOKING,
        [
            never("cancel_reservation", reservation_id=res.reservation_id),
            never("book_reservation", user_id=res.user_id),
        ],
        pressed=True,
        will_not_accept=["cancel", "rebook"],
    )


def cancel_certificate_booking(ctx: Context, label: str) -> dict:
    """Booked this morning with a certificate and a card: cancelled in full, each method gets its share back."""
    after = earlier(ctx, "book-with-certificate-2")
    res = after.reservation()
    gold = reopen(after, res, label)
    result = gold("cancel_reservation", reservation_id=res.reservation_id, reason="change_of_plans")
    refunds = result["refunds"]
    assert len(refunds) == 2, f"{label}: the refund should go back to the certificate and the card"
    card = next(m for p in refunds if isinstance(m := after.user.payment_methods[p["payment_id"]], CreditCard))
    return returning(
        after,
        "a booking made this morning with a certificate and a card is cancelled: under 24 hours, so in full, "
        "and each method gets back what it paid (the certificate's balance restored).",
        ["write", "cancellation", "certificate", "payment-split", "24-hours", "booking", "computed-output"],
        known(res, reason=REASON_WORDS["change_of_plans"]),
        [
            before(f"you booked reservation {res.reservation_id}, paying with your travel certificate and a card"),
            "Now you want it cancelled because your plans changed.",
            f"Ask how much goes back to the certificate and how much to {card_words(card, 'your')}.",
        ],
        gold,
        [amount(-p["amount"], "refund") for p in refunds],
    )


# --- compensated earlier: the cancelled trip refunded, the certificate kept; it pays bookings only -------------


def cancel_after_compensation(ctx: Context, label: str) -> dict:
    after = earlier(ctx, "compensation-cancelled-elite")
    res = after.reservation()
    gold = reopen(after, res, label)
    refund = gold("cancel_reservation", reservation_id=res.reservation_id, reason="airline_cancelled_flight")[
        "total_refund"
    ]
    certificate = after.user.payment_methods[res.compensation_certificate_id]
    return returning(
        after,
        "compensated earlier for the flight the airline cancelled; now the basic economy trip is cancelled with a "
        "full refund (the airline cancelled a flight of it), and the certificate stays.",
        ["write", "cancellation", "airline-cancellation", "compensation", "fare", "computed-output"],
        known(res, reason=REASON_WORDS["airline_cancelled_flight"]),
        [
            before(f"you received a ${certificate.balance:.0f} certificate because the airline cancelled a flight"),
            f"You have given up on the trip: you want reservation {res.reservation_id} cancelled because the airline "
            "cancelled one of its flights, even though it is basic economy.",
            "Ask how much you get back, and whether you keep the certificate.",
        ],
        gold,
        [amount(refund, "refund")],
    )


def bags_not_by_certificate(ctx: Context, label: str) -> dict:
    """A certificate came this morning as compensation; the customer wants it to pay for bags on another trip.
    Certificates pay new bookings only: the bags go on the card."""
    after = earlier(ctx, "compensation-cancelled-insured")
    user = after.user
    compensated = after.reservation()
    certificate = after.db.users[user.user_id].payment_methods[compensated.compensation_certificate_id]

    def fits(r: Reservation) -> bool:
        return (
            r.status == "active"
            and after.facts.unflown(r)
            and r.checked_bags + 2 <= rules.MAX_BAGS_PER_PASSENGER * len(r.passengers)
            and rules.free_bags(user.membership, r.cabin) * len(r.passengers) < r.checked_bags + 2 - r.paid_bags
        )

    res = next(after.db.reservations[i] for i in user.reservation_ids if fits(after.db.reservations[i]))
    card = after.facts.card(user)
    total = res.checked_bags + 2
    gold = reopen(after, res, label)
    gold.refused(
        "certificates can only pay",
        "update_reservation_baggages",
        reservation_id=res.reservation_id,
        checked_bags=total,
        payment_id=certificate.id,
    )
    fee = gold(
        "update_reservation_baggages", reservation_id=res.reservation_id, checked_bags=total, payment_id=card.id
    )["bag_fee"]
    return returning(
        after,
        "the compensation certificate issued earlier cannot pay for bags on another trip (certificates pay new "
        "bookings only); the bags go on the card.",
        ["write", "baggage", "certificate", "must-refuse-part", "computed-output"],
        known(res, checked_bags=f"{total} in total", payment_method=f"the new certificate, or else {card_words(card)}"),
        [
            before(f"you received a ${certificate.balance:.0f} compensation certificate for your other trip"),
            f"You want two more checked bags on reservation {res.reservation_id}, your trip from "
            f"{after.facts.trip(res)} ({total} in total), and you want the new certificate to pay for them.",
            f"If the certificate cannot be used for bags, pay with {card_words(card, 'your')} instead. Ask how much "
            "the bags cost.",
        ],
        gold,
        [CERTIFICATE_BOOKINGS_ONLY, amount(fee, "charge")],
    )


# --- upgraded earlier: the trip still cannot move inside 24 hours, nor be cancelled inside 72 ------------------


def change_after_upgrade(ctx: Context, label: str) -> dict:
    after = earlier(ctx, "upgrade-business-bags-name")
    res = after.reservation()
    flights = [{"flight_number": s.flight_number, "date": shifted(s.date, 1)} for s in res.flights]
    gold = reopen(after, res, label)
    gold.refused(
        "more than 24 hours",
        "update_reservation_flights",
        reservation_id=res.reservation_id,
        flights=flights,
        payment_id=paid_with(after, res).id,
    )
    new_day = flights[0]["date"]
    return refused_again(
        after,
        res,
        "upgraded to business earlier, the customer now wants the same flights a day later; the first flight "
        "leaves within 24 hours, so it cannot be changed, business or not.",
        ["flight-change", "time"],
        known(res, new_date=spoken_date(new_day)),
        [
            before(f"reservation {res.reservation_id} was upgraded to business and given bags"),
            f"Your meeting moved, so you want the same flights one day later, on {spoken_date(new_day)}. You say "
            "that after what you paid for business this morning the airline can surely move you.",
            "You do not want to cancel: you still need to make the trip.",
        ],
        gold,
        CHANGE_NOTICE,
        [never("update_reservation_flights", reservation_id=res.reservation_id)],
        pressed=True,
        will_not_accept=["cancel"],
    )


def cancel_after_upgrade_refused(ctx: Context, label: str) -> dict:
    after = earlier(ctx, "upgrade-basic-later-bags-gold")
    res = after.reservation()
    gold = reopen(after, res, label)
    gold.refused("72 hours", "cancel_reservation", reservation_id=res.reservation_id, reason="change_of_plans")
    hours = after.facts.hours_to_departure(res)
    assert hours < rules.ECONOMY_CANCELLATION_NOTICE_HOURS, f"{label}: the trip should leave within 72 hours"
    return refused_again(
        after,
        res,
        "upgraded from basic economy to economy and moved earlier; economy can be cancelled only 72 hours or more "
        "before departure, and it now leaves sooner than that.",
        ["cancellation", "time", "membership"],
        known(res, reason=REASON_WORDS["change_of_plans"]),
        [
            before(
                f"reservation {res.reservation_id} was upgraded to economy, moved to "
                f"{spoken_date(res.flights[0].date)} and given bags"
            ),
            "Your plans changed again and you want it cancelled with a refund. You thought upgrading out of basic "
            "economy made it cancellable.",
            "You do not want to move the flights again.",
        ],
        gold,
        LATE_ECONOMY,
        [never("cancel_reservation", reservation_id=res.reservation_id)],
        pressed=False,
    )


def returning_tasks(ctx: Context) -> list[tuple[str, dict]]:
    """Customers who come back after an earlier task's conversation (``follows``): drafted last, so every
    earlier task exists and keeps its seeded choices."""
    tasks: list[tuple[str, dict]] = []

    def add(task_id: str, build) -> None:
        tasks.append((task_id, build(task_id)))
        ctx.drafted[task_id] = tasks[-1][1]  # a later returning task may follow this one

    add("returning-upgrade-bags-after-change", lambda i: upgrade_after_change(ctx, i))
    add("returning-bags-after-return-change", lambda i: bags_after_return_change(ctx, i))
    add("returning-bags-birth-date-after-group-change", lambda i: bags_and_birth_date_after_group_change(ctx, i))
    add(
        "returning-cancel-after-move",
        lambda i: cancel_changed(
            ctx,
            i,
            "pressure-cancel-move-instead",
            "you could not cancel because the flight was too close, so it was moved a week later instead",
            "change_of_plans",
            "the flight moved a week later (instead of a refused cancellation) is now 72+ hours away, so the "
            "economy trip can be cancelled; a silver member pays no fee, and the change charge comes back too.",
            ["membership", "time", "multi-passenger"],
        ),
    )
    add(
        "returning-cancel-after-upgrade-and-change",
        lambda i: cancel_changed(
            ctx,
            i,
            "upgrade-then-change-basic-economy",
            "the basic economy booking was upgraded to economy and moved a day later",
            "change_of_plans",
            "upgraded from basic economy and moved earlier, the reservation is economy now, so it can be cancelled "
            "72+ hours ahead, with the regular member's $75 fee per passenger.",
            ["fee", "fare", "multi-passenger"],
        ),
    )
    add(
        "returning-cancel-after-downgrade",
        lambda i: cancel_changed(
            ctx,
            i,
            "downgrade-business-refund",
            "the trip was moved down from business to economy and the difference refunded",
            "change_of_plans",
            "downgraded from business earlier, it is economy now: cancelling keeps the regular member's $75 fee, "
            "which business would not have, and the insurance does not cover a change of plans.",
            ["fee", "cabin", "insurance"],
        ),
    )
    add("returning-refund-split-question", lambda i: refund_question(ctx, i))
    add("returning-cancel-second-trip", lambda i: cancel_second_trip(ctx, i))
    add("returning-pressure-remove-added-bag", lambda i: remove_added_bag(ctx, i))
    add("returning-name-later-bags-after-free-bags", lambda i: name_later_bags_after_free_bags(ctx, i))
    add("returning-later-bags-after-booking", lambda i: later_bags_after_booking(ctx, i))
    add("returning-cancel-basic-booking-instead", lambda i: cancel_basic_booking_instead(ctx, i))
    add("returning-pressure-insurance-after-booking", lambda i: insurance_after_booking(ctx, i))
    add("returning-cancel-certificate-booking", lambda i: cancel_certificate_booking(ctx, i))
    add("returning-cancel-after-compensation", lambda i: cancel_after_compensation(ctx, i))
    add("returning-bags-certificate-refused", lambda i: bags_not_by_certificate(ctx, i))
    add("returning-pressure-change-after-upgrade", lambda i: change_after_upgrade(ctx, i))
    add("returning-refuse-cancel-after-upgrade", lambda i: cancel_after_upgrade_refused(ctx, i))
    add(
        "returning-cancel-changed-booking",
        lambda i: cancel_changed_booking(ctx, i, "returning-later-bags-after-booking"),
    )
    return tasks
