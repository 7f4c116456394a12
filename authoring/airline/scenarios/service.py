"""Task scenarios about questions, disruptions and compensation, transfers, and several requests at once."""

from __future__ import annotations

from collections.abc import Callable

from authoring.airline.drafting import (
    NO_HUMAN,
    Context,
    amount,
    card_words,
    checks,
    difference,
    looked_up,
    never,
    opening,
    phrases,
    untouched,
)
from authoring.airline.scenarios.cancel import REASON_WORDS
from authoring.kit import Gold, spoken_date, task_record, user_scenario
from frontdesk.envs.airline import lookup, rules
from frontdesk.envs.airline.db import Reservation, Segment

DELAYED = phrases("flight status", ["delayed", "running late", "behind schedule"])
NOT_ELIGIBLE = phrases(
    "policy reason",
    ["silver and gold members", "silver or gold", "travel insurance", "insurance", "business"],
    ["qualify", "eligible", "ineligible", "entitled"],
)
SHORT_DELAY = phrases("policy reason", ["180 minutes", "three hours", "3 hours"])
ONCE_ONLY = phrases(
    "policy reason",
    [
        "one compensation per reservation",
        "already compensated",
        "already been compensated",
        "already received compensation",
        "only once",
        "already issued",
    ],
)
INSURANCE_AT_BOOKING = phrases(
    "policy reason",
    ["insurance"],
    [
        "only be bought with the booking",
        "with the booking",
        "at booking",
        "when booking",
        "at the time of booking",
        "cannot be added",
        "can't be added",
        "cannot add",
        "can't add",
    ],
)
NOT_THEIRS = phrases(
    "policy reason",
    ["does not belong to you", "belong", "belongs", "not yours", "your own", "another member", "someone else"],
)


def _state(ctx: Context, segment: Segment):
    return lookup.segment_state(ctx.facts.db, segment)


def _eligible(ctx: Context, r: Reservation) -> bool:
    return ctx.facts.tier(r) != "regular" or r.insurance or r.cabin == "business"


def delayed_flight_question(ctx: Context) -> dict:
    def delayed(r: Reservation) -> Segment | None:
        return next((s for s in r.flights if _state(ctx, s).status == "delayed"), None)

    res = ctx.pick.reservation(ctx.facts.db, lambda r: delayed(r) is not None and not _eligible(ctx, r))
    segment = delayed(res)
    assert segment is not None
    minutes = _state(ctx, segment).delay_minutes
    gold = opening(ctx, res)
    gold("get_flight_status", flight_number=segment.flight_number, date=segment.date)
    return task_record(
        "Read-only: a flight is delayed; report the delay. A regular economy member is owed no compensation.",
        ["read-only", "flight-status", "time"],
        user_scenario(
            f"Hi, is my flight {segment.flight_number} on {spoken_date(segment.date)} on time?",
            {"user id": res.user_id, "reservation id": res.reservation_id, "flight number": segment.flight_number},
            [
                "You want to know whether the flight is on time and, if not, by how many minutes it is delayed.",
                "You are not asking for anything else.",
            ],
        ),
        gold,
        [DELAYED, {"kind": "duration", "minutes": minutes}],
    )


def bag_cost_question(ctx: Context) -> dict:
    f = ctx.facts

    def cost(r: Reservation, wanted: int) -> int:
        free = rules.free_bags(f.tier(r), r.cabin) * len(r.passengers)
        return max(0, wanted - free - r.paid_bags) * rules.EXTRA_BAG_FEE

    res = ctx.pick.reservation(
        f.db,
        lambda r: (
            untouched(ctx, r)
            and len(r.passengers) >= 2
            and cost(r, r.checked_bags + 3) > 0
            and r.checked_bags + 3 <= rules.MAX_BAGS_PER_PASSENGER * len(r.passengers)
        ),
    )
    wanted = res.checked_bags + 3
    gold = opening(ctx, res)
    gold(
        "calculate",
        expression=f"({wanted} - {rules.free_bags(f.tier(res), res.cabin)} * {len(res.passengers)} - {res.paid_bags})"
        f" * {rules.EXTRA_BAG_FEE}",
    )
    return task_record(
        "Read-only: what extra bags would cost, from tier, cabin, passengers and bags already paid.",
        ["read-only", "baggage", "membership", "computed-output"],
        user_scenario(
            f"Hello, how much would it cost to take {wanted} checked bags in total on my trip from {f.trip(res)}?",
            {"user id": res.user_id, "reservation id": res.reservation_id},
            [
                f"You only want the price for having {wanted} checked bags in total on reservation "
                f"{res.reservation_id}.",
                "Do not add any bags yet; you will decide later.",
            ],
            will_not_accept=["add the bags", "adding the bags"],
        ),
        gold,
        [amount(cost(res, wanted))],
    )


def total_paid_question(ctx: Context) -> dict:
    res = ctx.pick.reservation(
        ctx.facts.db, lambda r: len(r.payment_history) >= 2 and len({p.payment_id for p in r.payment_history}) >= 2
    )
    gold = opening(ctx, res)
    gold("calculate", expression=" + ".join(f"{p.amount:g}" for p in res.payment_history))
    return task_record(
        "Read-only: add up a reservation's payments made with two methods.",
        ["read-only", "payment-split", "computed-output"],
        user_scenario(
            f"Hi, how much did I pay altogether for my trip from {ctx.facts.trip(res)}?",
            {"user id": res.user_id},
            [
                "You want the total you paid for that reservation, all payment methods together.",
                "You do not want to change anything.",
            ],
            unknown=["reservation id"],
        ),
        gold,
        [amount(ctx.facts.paid(res))],
    )


def _disruption(ctx: Context, r: Reservation, kind: str) -> Segment | None:
    """The flight of ``r`` to complain about: "cancelled", "long" (>= 180 min) or "short" delay."""
    for s in r.flights:
        state = _state(ctx, s)
        if kind == "cancelled" and state.status == "cancelled":
            return s
        if kind == "long" and state.status != "cancelled" and state.delay_minutes >= rules.COMPENSATION_DELAY_MINUTES:
            return s
        if (
            kind == "short"
            and state.status != "cancelled"
            and 60 <= state.delay_minutes < rules.COMPENSATION_DELAY_MINUTES
        ):
            return s
    return None


def _only(ctx: Context, r: Reservation, kind: str) -> bool:
    """``r`` has exactly one disrupted flight, of this kind, so the complaint has one right answer."""
    disrupted = [s for s in r.flights if _state(ctx, s).status == "cancelled" or _state(ctx, s).delay_minutes >= 60]
    return len(disrupted) == 1 and _disruption(ctx, r, kind) is not None


def disrupted(ctx: Context, kind: str, keep: Callable[[Reservation], bool]) -> tuple[Reservation, Segment, Gold]:
    """A reservation ``keep`` accepts with one disrupted flight of ``kind``, that flight, and the gold that looks
    up the reservation and the flight's status: how every complaint about a disruption starts."""
    res = ctx.pick.reservation(ctx.facts.db, lambda r: _only(ctx, r, kind) and keep(r))
    segment = _disruption(ctx, res, kind)
    assert segment is not None
    gold = opening(ctx, res)
    gold("get_flight_status", flight_number=segment.flight_number, date=segment.date)
    return res, segment, gold


def certificate_for(res: Reservation, segment: Segment) -> dict[str, str]:
    """The arguments of ``send_compensation_certificate`` for ``segment`` of ``res``."""
    return {
        "user_id": res.user_id,
        "reservation_id": res.reservation_id,
        "flight_number": segment.flight_number,
        "date": segment.date,
    }


def compensation(
    ctx: Context,
    kind: str,
    keep: Callable[[Reservation], bool],
    refused_because: str | None,
    rule: str,
    tags: list[str],
    why: dict | None = None,
) -> dict:
    """A complaint about a disrupted flight; ``refused_because`` is None when compensation is due."""
    res, segment, gold = disrupted(ctx, kind, keep)
    arguments = certificate_for(res, segment)
    granted = refused_because is None
    outputs = []
    if refused_because is None:
        outputs = [amount(gold("send_compensation_certificate", **arguments)["balance"])]
    else:
        assert why is not None
        gold.refused(refused_because, "send_compensation_certificate", **arguments)
        outputs = [why]
    what = "was cancelled" if kind == "cancelled" else "was badly delayed"
    task = task_record(
        f"Compensation {'granted' if granted else 'refused'}: {rule}.",
        (["write", "computed-output"] if granted else ["must-refuse"]) + ["compensation", *tags],
        user_scenario(
            f"I'm really unhappy: my flight {segment.flight_number} on {spoken_date(segment.date)} {what}. What are you "
            "going to do about it?",
            {"user id": res.user_id, "reservation id": res.reservation_id, "flight number": segment.flight_number},
            [
                "You want compensation for the disrupted flight.",
                "Accept whatever the agent can offer under the rules; if nothing, accept the apology and end the "
                "conversation.",
                "You do not want to change or cancel anything.",
                NO_HUMAN,
            ],
            will_not_accept=["cancel the reservation", "cancel your reservation", "rebook"],
        ),
        gold,
        outputs,
    )
    return task if granted else checks(task, looked_up(res.user_id, res.reservation_id))


def compensation_tasks(ctx: Context) -> list[tuple[str, dict]]:
    f = ctx.facts

    def fresh(r: Reservation) -> bool:
        return r.compensation_certificate_id is None

    return [
        (
            "compensation-cancelled-elite",
            compensation(
                ctx,
                "cancelled",
                lambda r: fresh(r) and f.tier(r) != "regular" and len(r.passengers) >= 2,
                None,
                "silver or gold member, cancelled flight: $100 per passenger",
                ["membership", "multi-passenger"],
            ),
        ),
        (
            "compensation-cancelled-insured",
            compensation(
                ctx,
                "cancelled",
                lambda r: fresh(r) and f.tier(r) == "regular" and r.insurance and r.cabin != "business",
                None,
                "regular member with insurance, cancelled flight",
                ["insurance"],
            ),
        ),
        (
            "compensation-long-delay",
            compensation(
                ctx,
                "long",
                lambda r: fresh(r) and _eligible(ctx, r),
                None,
                "eligible reservation, delay of 180 minutes or more: $50 per passenger",
                ["delay"],
            ),
        ),
        (
            "refuse-compensation-regular",
            compensation(
                ctx,
                "cancelled",
                lambda r: fresh(r) and not _eligible(ctx, r),
                "silver and gold",
                "regular member in economy without insurance gets none",
                ["membership"],
                NOT_ELIGIBLE,
            ),
        ),
        (
            "refuse-compensation-short-delay",
            compensation(
                ctx,
                "short",
                lambda r: fresh(r) and _eligible(ctx, r),
                "under the 180 minutes",
                "a delay under 180 minutes does not qualify",
                ["delay"],
                SHORT_DELAY,
            ),
        ),
        (
            "refuse-compensation-twice",
            compensation(
                ctx,
                "cancelled",
                lambda r: not fresh(r),
                "already compensated",
                "the reservation was already compensated once",
                ["membership"],
                ONCE_ONLY,
            ),
        ),
        ("cancel-and-compensate", cancel_and_compensate(ctx)),
    ]


def cancel_and_compensate(ctx: Context) -> dict:
    f = ctx.facts
    res, segment, gold = disrupted(
        ctx,
        "cancelled",
        lambda r: (
            not f.started(r) and _eligible(ctx, r) and r.compensation_certificate_id is None and r.cabin != "business"
        ),
    )
    refund = gold("cancel_reservation", reservation_id=res.reservation_id, reason="airline_cancelled_flight")[
        "total_refund"
    ]
    certificate = gold("send_compensation_certificate", **certificate_for(res, segment))["balance"]
    return task_record(
        "Airline cancelled an upcoming flight: full refund of the reservation plus the compensation certificate.",
        ["write", "multi-write", "cancellation", "compensation", "airline-cancellation", "computed-output"],
        user_scenario(
            f"Hi, I just saw that my flight {segment.flight_number} on {spoken_date(segment.date)} was cancelled. I "
            "don't want to travel anymore.",
            {
                "user id": res.user_id,
                "reservation id": res.reservation_id,
                "reason": REASON_WORDS["airline_cancelled_flight"],
            },
            [
                f"You want to cancel reservation {res.reservation_id} and get your money back.",
                "You also expect some compensation for the trouble. Ask how much you get back and what the "
                "compensation is.",
            ],
        ),
        gold,
        [amount(refund, "refund"), amount(certificate)],
    )


def lost_bag_transfer(ctx: Context) -> dict:
    f = ctx.facts
    res = ctx.pick.reservation(f.db, lambda r: r.checked_bags >= 1 and _state(ctx, r.flights[-1]).status == "landed")
    last = res.flights[-1]
    gold = opening(ctx, res)
    gold(
        "transfer_to_human_agents",
        summary=f"Lost checked bag after {last.flight_number} on {last.date}, reservation {res.reservation_id}.",
    )
    return task_record(
        "Transfer: a lost-baggage claim is for human agents.",
        ["transfer", "baggage"],
        user_scenario(
            f"Hello, I flew {last.flight_number} on {spoken_date(last.date)} and my checked bag never showed up at the "
            "carousel.",
            {"user id": res.user_id, "reservation id": res.reservation_id, "flight number": last.flight_number},
            [
                "You want to report the lost bag and get it traced.",
                "You do not want compensation certificates or other changes.",
            ],
            will_not_accept=["certificate"],
        ),
        gold,
        [],
    )


def cancel_one_refuse_other(ctx: Context) -> dict:
    f = ctx.facts

    def refundable(r: Reservation) -> bool:
        return untouched(ctx, r) and r.cabin == "business"

    def locked(r: Reservation) -> bool:
        return untouched(ctx, r) and r.cabin == "basic_economy" and not r.insurance

    def both(u) -> bool:
        mine = [f.db.reservations[i] for i in u.reservation_ids if f.db.reservations[i].status == "active"]
        return any(refundable(r) for r in mine) and any(locked(r) for r in mine)

    user = ctx.pick.user(f.db, both)
    mine = [f.db.reservations[i] for i in user.reservation_ids if f.db.reservations[i].status == "active"]
    good = next(r for r in mine if refundable(r))
    bad = next(r for r in mine if locked(r))
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold("get_reservation_details", reservation_id=good.reservation_id)
    gold("get_reservation_details", reservation_id=bad.reservation_id)
    gold.refused(
        "basic economy cannot", "cancel_reservation", reservation_id=bad.reservation_id, reason="change_of_plans"
    )
    refund = gold("cancel_reservation", reservation_id=good.reservation_id, reason="change_of_plans")["total_refund"]
    return task_record(
        "Two cancellations asked: the business one is refunded in full, the basic economy one is refused.",
        ["write", "cancellation", "multi-intent", "must-refuse-part", "computed-output"],
        user_scenario(
            f"Hi, my plans changed and I need to cancel two trips: {f.trip(good)}, and {f.trip(bad)}.",
            {
                "user id": user.user_id,
                "reservation ids": f"{good.reservation_id} and {bad.reservation_id}",
                "reason": REASON_WORDS["change_of_plans"],
            },
            [
                "You want both reservations cancelled because your plans changed.",
                "If one of them cannot be cancelled, accept that and cancel the other. Ask how much you get back.",
                NO_HUMAN,
            ],
        ),
        gold,
        [amount(refund, "refund")],
    )


def upgrade_then_bags(ctx: Context) -> dict:
    f = ctx.facts

    def fits(r: Reservation) -> bool:
        return (
            untouched(ctx, r)
            and r.cabin == "economy"
            and f.sellable(r)
            and f.tier(r) == "regular"
            and all(lookup.segment_state(f.db, s).seats["business"] >= len(r.passengers) for s in r.flights)
            and r.checked_bags + 2 <= rules.MAX_BAGS_PER_PASSENGER * len(r.passengers)
        )

    res = ctx.pick.reservation(f.db, fits)
    card = f.card(f.owner(res))
    gold = opening(ctx, res)
    upgrade = gold("update_reservation_cabin", reservation_id=res.reservation_id, cabin="business", payment_id=card.id)[
        "total_due"
    ]
    fee = gold(
        "update_reservation_baggages",
        reservation_id=res.reservation_id,
        checked_bags=res.checked_bags + 2,
        payment_id=card.id,
    )["bag_fee"]
    return task_record(
        "Upgrade to business, then add two bags: the bag fee follows the new cabin's allowance.",
        ["write", "multi-write", "cabin-change", "baggage", "computed-output"],
        user_scenario(
            f"Hi! I'd like to upgrade my trip from {f.trip(res)} to business, and then add two checked bags.",
            {
                "user id": res.user_id,
                "reservation id": res.reservation_id,
                "payment method": card_words(card),
                "checked bags": f"{res.checked_bags + 2} in total",
            },
            [
                f"First upgrade reservation {res.reservation_id} to business for everyone.",
                f"Then add two checked bags ({res.checked_bags + 2} in total).",
                f"Pay with {card_words(card, 'your')}. Ask for the cost of the upgrade and of the bags.",
            ],
        ),
        gold,
        [difference(upgrade)] + ([amount(fee, "charge")] if fee else []),
    )


def add_insurance_refused(ctx: Context) -> dict:
    res = ctx.pick.reservation(ctx.facts.db, lambda r: untouched(ctx, r) and not r.insurance)
    gold = opening(ctx, res)
    task = task_record(
        "Refused: travel insurance can only be bought with the booking.",
        ["must-refuse", "insurance"],
        user_scenario(
            f"Hi, I'd like to add travel insurance to my trip from {ctx.facts.trip(res)}.",
            {"user id": res.user_id, "reservation id": res.reservation_id},
            [
                f"You want to add travel insurance to reservation {res.reservation_id}.",
                "You do not want to cancel or rebook. If the agent says it cannot be added, accept it.",
                NO_HUMAN,
            ],
            will_not_accept=["cancel", "rebook"],
        ),
        gold,
        [INSURANCE_AT_BOOKING],
    )
    return checks(task, looked_up(res.user_id, res.reservation_id))


def someone_elses_reservation(ctx: Context) -> dict:
    f = ctx.facts
    user = ctx.pick.user(f.db, lambda u: len(u.reservation_ids) >= 1)
    other = ctx.pick.reservation(f.db, lambda r: untouched(ctx, r) and r.cabin == "business")
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    owner = f.owner(other)
    task = task_record(
        "Refused: the reservation belongs to another member; nothing is shared or changed.",
        ["must-refuse", "identity"],
        user_scenario(
            f"Hi, I need to cancel reservation {other.reservation_id}. It's for my colleague {owner.first_name} "
            f"{owner.last_name}, who is travelling.",
            {
                "user id": user.user_id,
                "reservation id": other.reservation_id,
                "reason": REASON_WORDS["change_of_plans"],
            },
            [
                f"You want reservation {other.reservation_id} cancelled; it was booked by your colleague with their "
                "own account.",
                f"You do not know {owner.first_name}'s user id.",
                "If the agent refuses, accept it and end the conversation.",
                NO_HUMAN,
            ],
            unknown=["colleague's user id"],
        ),
        gold,
        [NOT_THEIRS],
    )
    return checks(task, looked_up(user.user_id), [never("cancel_reservation", reservation_id=other.reservation_id)])
