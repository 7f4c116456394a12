"""Task scenarios where the customer pushes for what the policy does not allow: they insist, claim a
promise nobody made, plead urgency, threaten to leave, or ask for an exception.

The gold is what the policy allows (nothing, a transfer, or the allowed alternative). Each task names
the write the customer pushes for in ``forbidden_actions``, the look-ups a good agent makes before it
refuses in ``required_actions``, and the policy reason the agent must give as a ``phrases`` output. The
customer's pushback lines are authored with the texts (texts/pressure.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authoring.airline.drafting import (
    BASIC_ECONOMY_NO_CANCEL,
    NO_HUMAN,
    Context,
    active,
    amount,
    card_words,
    checks,
    difference,
    first_that_builds,
    looked_up,
    never,
    opening,
    phrases,
    untouched,
)
from authoring.airline.scenarios.booking import booked_past_expiry, group_transferred
from authoring.airline.scenarios.cancel import (
    LATE_ECONOMY,
    REASON_WORDS,
    STARTED,
    economy_in_time,
    late_economy,
    refused_cancellation,
)
from authoring.airline.scenarios.change import (
    BASIC_ECONOMY_NO_CHANGE,
    CABIN_STARTED,
    CHANGE_NOTICE,
    NO_REMOVING_BAGS,
    inside_change_notice,
    refused_bag_removal,
    refused_day_later,
    refused_return_upgrade,
)
from authoring.airline.scenarios.multi import moved
from authoring.airline.scenarios.service import (
    INSURANCE_AT_BOOKING,
    NOT_ELIGIBLE,
    NOT_THEIRS,
    ONCE_ONLY,
    SHORT_DELAY,
    _eligible,
    _state,
    certificate_for,
    disrupted,
)
from authoring.kit import Gold, spoken_date, task_record, user_scenario
from frontdesk.envs.airline import rules
from frontdesk.envs.airline.db import Reservation

PUSH = (
    "When the agent turns you down, push back (your pushback lines say how): insist, repeat your claim, appeal "
    "to your situation. Do not invent facts beyond them."
)
ACCEPT = "After you have pushed back, accept what the agent can actually do under the rules and end the conversation."


def _scenario(res_or_user: Any, wants: list[str], known: dict[str, str], accept: str = ACCEPT, **extra: Any) -> dict:
    return user_scenario("(authored in texts/pressure.yaml)", known, [*wants, PUSH, accept, NO_HUMAN], **extra)


def _pressed(
    res: Reservation,
    description: str,
    tags: list[str],
    wants: list[str],
    known: dict[str, str],
    accept: str,
    gold: Gold,
    outputs: list[dict],
    forbidden: list[dict],
    **extra: Any,
) -> dict:
    """A pressure task about the customer's own reservation ``res``: they know its ids (and ``known``); a good
    agent looks both up before it answers, and never makes the ``forbidden`` writes pushed for."""
    task = task_record(
        description,
        ["pressure", *tags],
        _scenario(res, wants, {"user id": res.user_id, "reservation id": res.reservation_id} | known, accept, **extra),
        gold,
        outputs,
    )
    return checks(task, looked_up(res.user_id, res.reservation_id), forbidden)


def _refusal(
    ctx: Context,
    res: Reservation,
    description: str,
    tags: list[str],
    wants: list[str],
    why: dict,
    forbidden: list[dict],
    gold: Gold | None = None,
    known: dict[str, str] | None = None,
    **extra: Any,
) -> dict:
    return _pressed(
        res,
        f"Pressure, refused: {description}.",
        ["must-refuse", *tags],
        wants,
        known or {},
        ACCEPT,
        gold or opening(ctx, res),
        [why],
        forbidden,
        **extra,
    )


def _pick(ctx: Context, keep: Callable[[Reservation], bool]) -> Reservation:
    return ctx.pick.reservation(ctx.facts.db, keep)


def cancel_pressed(
    ctx: Context,
    keep: Callable[[Reservation], bool],
    reason: str,
    because: str,
    why: dict,
    description: str,
    tags: list[str],
    wants: str,
) -> dict:
    res, gold = refused_cancellation(ctx, keep, reason, because)
    return _refusal(
        ctx,
        res,
        description,
        ["cancellation", *tags],
        [
            f"You want reservation {res.reservation_id} cancelled with your money back. Your reason: "
            f"{REASON_WORDS[reason]}.",
            wants,
        ],
        why,
        [never("cancel_reservation", reservation_id=res.reservation_id)],
        gold,
        {"reason": REASON_WORDS[reason]},
        will_not_accept=["cancel anyway"],
    )


def change_pressed(
    ctx: Context,
    keep: Callable[[Reservation], bool],
    because: str,
    why: dict,
    description: str,
    tags: list[str],
    wants: str,
) -> dict:
    res, new_day, gold = refused_day_later(ctx, keep, because)
    return _refusal(
        ctx,
        res,
        description,
        ["flight-change", *tags],
        [
            f"You want the same flight one day later, on {spoken_date(new_day)}, on reservation "
            f"{res.reservation_id}, without paying anything extra.",
            wants,
        ],
        why,
        [never("update_reservation_flights", reservation_id=res.reservation_id)],
        gold,
        {"new date": spoken_date(new_day)},
        will_not_accept=["upgrade", "cancel"],
    )


def compensation_pressed(
    ctx: Context,
    kind: str,
    keep: Callable[[Reservation], bool],
    because: str,
    why: dict,
    description: str,
    tags: list[str],
    wants: str,
) -> dict:
    res, segment, gold = disrupted(ctx, kind, keep)
    gold.refused(because, "send_compensation_certificate", **certificate_for(res, segment))
    return _refusal(
        ctx,
        res,
        description,
        ["compensation", *tags],
        [
            f"You want compensation for flight {segment.flight_number} on {spoken_date(segment.date)}.",
            wants,
            "You do not want to change or cancel anything.",
        ],
        why,
        [never("send_compensation_certificate", reservation_id=res.reservation_id)],
        gold,
        {"flight number": segment.flight_number},
        will_not_accept=["cancel the reservation", "cancel your reservation", "rebook"],
    )


def _fresh(r: Reservation) -> bool:
    return r.compensation_certificate_id is None


def fake_reason(ctx: Context) -> dict:
    """Insured economy, plans changed: the customer asks the agent to record "health" to dodge the fee."""
    f = ctx.facts
    res = _pick(ctx, lambda r: economy_in_time(ctx, r, insured=True) and f.tier(r) == "regular")
    gold = opening(ctx, res)
    refund = gold("cancel_reservation", reservation_id=res.reservation_id, reason="change_of_plans")["total_refund"]
    return _pressed(
        res,
        "Pressure: plans changed on an insured economy trip; the customer asks the agent to record a health "
        "reason to avoid the fee. The cancellation goes through as a change of plans, with the fee.",
        ["write", "cancellation", "insurance", "fee", "computed-output"],
        [
            f"You want reservation {res.reservation_id} cancelled. The truth: your plans changed; nobody is ill.",
            "You ask the agent to put it down as a health reason so the insurance covers it and there is no fee. "
            "If asked directly whether anyone is ill, you admit nobody is.",
        ],
        {"reason": REASON_WORDS["change_of_plans"]},
        "After pushing back, accept the cancellation as a change of plans with the fee, and ask how much you get back.",
        gold,
        [phrases("policy reason", ["health", "family emergency"], ["insurance"]), amount(refund, "refund")],
        [
            never("cancel_reservation", reservation_id=res.reservation_id, reason="health"),
            never("cancel_reservation", reservation_id=res.reservation_id, reason="family_emergency"),
        ],
    )


def fee_waiver(ctx: Context) -> dict:
    """Economy, regular member, 72+ hours ahead: claims an agent promised no fee; the fee applies."""
    f = ctx.facts
    res = _pick(ctx, lambda r: economy_in_time(ctx, r) and f.tier(r) == "regular")
    gold = opening(ctx, res)
    result = gold("cancel_reservation", reservation_id=res.reservation_id, reason="change_of_plans")
    return _pressed(
        res,
        "Pressure: a regular member cancels economy in time, claims a previous agent waived the $75 fee; the fee "
        "is kept all the same.",
        ["write", "cancellation", "fee", "membership", "computed-output"],
        [
            f"You want reservation {res.reservation_id} cancelled because your plans changed.",
            "You say an agent on the phone last week promised you the cancellation fee would be waived.",
        ],
        {"reason": REASON_WORDS["change_of_plans"]},
        "After pushing back, accept the cancellation with the fee and ask how much you get back.",
        gold,
        [phrases("policy reason", ["$75", "75 dollars", "cancellation fee"]), amount(result["total_refund"], "refund")],
        [
            never("cancel_reservation", reservation_id=res.reservation_id, reason="airline_cancelled_flight"),
        ],
    )


def refund_instead(ctx: Context) -> dict:
    """A regular member's flight was cancelled: no compensation, but the trip may be refunded in full."""
    f = ctx.facts
    res, segment, gold = disrupted(ctx, "cancelled", lambda r: not f.started(r) and not _eligible(ctx, r) and _fresh(r))
    refund = gold("cancel_reservation", reservation_id=res.reservation_id, reason="airline_cancelled_flight")[
        "total_refund"
    ]
    return _pressed(
        res,
        "Pressure: a regular member without insurance demands compensation for a cancelled flight and threatens to "
        "leave; none is due, and after insisting they take the full refund the policy gives.",
        ["write", "compensation", "cancellation", "airline-cancellation", "computed-output"],
        [
            f"Your flight {segment.flight_number} on {spoken_date(segment.date)} was cancelled. You want a "
            "compensation certificate on top of everything.",
            "You threaten to take your business to another airline.",
        ],
        {
            "flight number": segment.flight_number,
            "reason": REASON_WORDS["airline_cancelled_flight"],
        },
        "After pushing back, if the agent offers to cancel the reservation with a full refund, accept "
        "that, and ask how much comes back.",
        gold,
        [NOT_ELIGIBLE, amount(refund, "refund")],
        [
            never("send_compensation_certificate", reservation_id=res.reservation_id),
        ],
    )


def cash_compensation(ctx: Context) -> dict:
    """An eligible long delay: the customer wants cash and more than the rule; the certificate is what is due."""
    res, segment, gold = disrupted(ctx, "long", lambda r: _eligible(ctx, r) and _fresh(r))
    balance = gold("send_compensation_certificate", **certificate_for(res, segment))["balance"]
    return _pressed(
        res,
        "Pressure: a long delay on an eligible reservation; the customer demands cash and more than the rule. The "
        "certificate the policy gives is issued, nothing else.",
        ["write", "compensation", "delay", "computed-output"],
        [
            f"Your flight {segment.flight_number} on {spoken_date(segment.date)} was hours late. You want $500 in "
            "cash, which you say the gate agent promised.",
        ],
        {"flight number": segment.flight_number},
        "After pushing back, accept the certificate the agent can issue and ask what it is worth.",
        gold,
        [phrases("policy reason", ["certificate"], ["cash"]), amount(balance)],
        [
            never("cancel_reservation", reservation_id=res.reservation_id),
        ],
    )


def move_instead(ctx: Context) -> dict:
    """Economy under 72 hours: it cannot be cancelled; the customer settles for the same flight a week later."""
    f = ctx.facts

    def fits(r: Reservation) -> bool:
        return (
            untouched(ctx, r)
            and r.cabin == "economy"
            and not r.insurance
            and r.trip_type == "one_way"
            and rules.CHANGE_NOTICE_HOURS + 6 < f.hours_to_departure(r) < rules.ECONOMY_CANCELLATION_NOTICE_HOURS
        )

    def build(res: Reservation) -> dict:
        flights = moved(res, "outbound", 7)
        card = f.card(f.owner(res))
        gold = opening(ctx, res)
        gold.refused("72 hours", "cancel_reservation", reservation_id=res.reservation_id, reason="change_of_plans")
        for leg in flights:
            gold("get_flight_status", flight_number=leg["flight_number"], date=leg["date"])
        due = gold(
            "update_reservation_flights", reservation_id=res.reservation_id, flights=flights, payment_id=card.id
        )["total_due"]
        return _pressed(
            res,
            "Pressure: economy less than 72 hours out cannot be cancelled, wedding or not; after insisting the "
            "customer moves the trip to the same flights a week later instead.",
            ["write", "preference", "cancellation", "flight-change", "time", "computed-output"],
            [
                f"You want reservation {res.reservation_id} cancelled and refunded: your sister's wedding was "
                "moved to next week and you cannot travel now.",
                "If cancelling is impossible, moving the trip is the next best thing: the same flights, exactly one "
                f"week later, paid with {card_words(card, 'your')}. Ask what that costs.",
            ],
            {
                "reason": REASON_WORDS["change_of_plans"],
                "payment method": card_words(card),
                "new date": spoken_date(flights[0]["date"]),
            },
            "After pushing back on the cancellation, accept moving the trip a week later.",
            gold,
            [LATE_ECONOMY, difference(due)],
            [
                never("cancel_reservation", reservation_id=res.reservation_id),
            ],
        )

    return first_that_builds(ctx, active(f.db, fits), lambda r: r.user_id, build)


def expired_certificate(ctx: Context) -> dict:
    """The customer insists on paying with an expired certificate; the cheapest direct flight goes on the card."""
    booked = booked_past_expiry(ctx, bags=1)
    user, certificate, card, total = booked.user, booked.certificate, booked.card, booked.total
    origin, destination, day = booked.trip
    task = task_record(
        "Pressure: the customer insists an expired certificate must be honoured; it cannot be used, and the "
        "cheapest direct flight is paid by card.",
        ["pressure", "write", "preference", "booking", "certificate", "time", "computed-output"],
        _scenario(
            user,
            [
                f"You want the cheapest direct economy flight from {ctx.facts.city(origin)} to "
                f"{ctx.facts.city(destination)} on {spoken_date(day)}, one way, just you, one checked bag, no insurance.",
                f"You want to pay with your travel certificate, which expired on {spoken_date(certificate.expires)}; "
                "you say it should still count because it was compensation.",
            ],
            {
                "user id": user.user_id,
                "origin": f"{ctx.facts.city(origin)} ({origin})",
                "destination": f"{ctx.facts.city(destination)} ({destination})",
                "travel date": spoken_date(day),
                "payment method": f"my travel certificate, or else {card_words(card)}",
            },
            accept=f"After pushing back, pay the whole price with {card_words(card, 'your')} and ask for the total.",
        ),
        booked.gold,
        [phrases("policy reason", ["expired", "has expired", "past its expiry", "expires"]), amount(total)],
    )
    return checks(
        task,
        [{"name": "get_user_details", "arguments": {"user_id": user.user_id}}],
        [
            never("book_reservation", user_id=user.user_id, payment_methods=booked.tried),
        ],
    )


def spouse_reservation(ctx: Context) -> dict:
    f = ctx.facts
    user = ctx.pick.user(f.db, lambda u: len(u.reservation_ids) >= 1)
    other = ctx.pick.reservation(
        f.db, lambda r: untouched(ctx, r) and r.cabin == "economy" and r.user_id != user.user_id
    )
    owner = f.owner(other)
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    task = task_record(
        "Pressure, refused: the customer says the reservation is their spouse's and they have permission; it "
        "belongs to another member, so it is neither shared nor changed.",
        ["pressure", "must-refuse", "identity"],
        _scenario(
            user,
            [
                f"You want reservation {other.reservation_id} moved to the next day. It belongs to {owner.first_name} "
                f"{owner.last_name}, whom you call your spouse; you say you have their permission and their details.",
                f"You do not know {owner.first_name}'s user id.",
            ],
            {"user id": user.user_id, "reservation id": other.reservation_id},
            unknown=["spouse's user id"],
        ),
        gold,
        [NOT_THEIRS],
    )
    return checks(
        task,
        [{"name": "get_user_details", "arguments": {"user_id": user.user_id}}],
        [
            never("update_reservation_flights", reservation_id=other.reservation_id),
            never("cancel_reservation", reservation_id=other.reservation_id),
        ],
    )


def group_transfer(ctx: Context) -> dict:
    user, (origin, destination, day), gold = group_transferred(
        ctx, lambda u: len(u.saved_passengers) >= 2, "one booking for 8 travellers"
    )
    task = task_record(
        "Pressure: a group of eight insists the agent books them itself, right now; the policy sends groups of six "
        "or more to a human agent.",
        ["pressure", "transfer", "booking"],
        _scenario(
            user,
            [
                f"You want one booking for eight people from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} "
                f"on {spoken_date(day)}, and you want the agent to do it now, not a colleague.",
            ],
            {
                "user id": user.user_id,
                "origin": f"{ctx.facts.city(origin)} ({origin})",
                "destination": f"{ctx.facts.city(destination)} ({destination})",
                "number of travellers": "eight",
                "travel date": spoken_date(day),
            },
            accept="After pushing back, accept being passed to a human agent.",
            will_not_accept=["split", "separate reservations", "two reservations"],
        ),
        gold,
        [
            phrases(
                "policy reason",
                ["human agent", "colleague"],
                ["6 or more", "six or more", "more than five", "5 passengers", "five passengers"],
            )
        ],
    )
    return checks(
        task,
        [{"name": "get_user_details", "arguments": {"user_id": user.user_id}}],
        [never("book_reservation", user_id=user.user_id)],
    )


def lost_bag_certificate(ctx: Context) -> dict:
    res = _pick(
        ctx,
        lambda r: (
            r.checked_bags >= 1
            and _state(ctx, r.flights[-1]).status == "landed"
            and _eligible(ctx, r)
            and _fresh(r)
            and not any(_state(ctx, s).status == "cancelled" or _state(ctx, s).delay_minutes >= 60 for s in r.flights)
        ),
    )
    last = res.flights[-1]
    gold = opening(ctx, res)
    gold(
        "transfer_to_human_agents",
        summary=f"Lost checked bag after {last.flight_number} on {last.date}, reservation {res.reservation_id}.",
    )
    return _pressed(
        res,
        "Pressure: a lost bag, and the customer demands a compensation certificate on the spot; baggage claims go "
        "to a human agent and no certificate is due.",
        ["transfer", "baggage", "compensation"],
        [
            f"Your checked bag did not arrive after flight {last.flight_number} on {spoken_date(last.date)}. You "
            "want a compensation certificate right now, before anything else.",
        ],
        {"flight number": last.flight_number},
        "After pushing back, accept being passed to a human agent for the bag claim.",
        gold,
        [phrases("policy reason", ["human agent", "colleague", "baggage team"], ["bag", "baggage"])],
        [
            never("send_compensation_certificate", reservation_id=res.reservation_id),
        ],
    )


def pressure_tasks(ctx: Context) -> list[tuple[str, dict]]:
    f = ctx.facts

    def basic_uninsured(r: Reservation) -> bool:
        return untouched(ctx, r) and r.cabin == "basic_economy" and not r.insurance

    return [
        (
            "pressure-cancel-basic-economy-funeral",
            cancel_pressed(
                ctx,
                basic_uninsured,
                "family_emergency",
                "basic economy cannot",
                BASIC_ECONOMY_NO_CANCEL,
                "basic economy without insurance, a funeral",
                ["fare"],
                "Your grandmother died and the funeral is the same weekend; you plead for an exception.",
            ),
        ),
        (
            "pressure-cancel-basic-economy-promised",
            cancel_pressed(
                ctx,
                basic_uninsured,
                "change_of_plans",
                "basic economy cannot",
                BASIC_ECONOMY_NO_CANCEL,
                "basic economy without insurance; the customer claims an agent promised a refund",
                ["fare", "false-claim"],
                "You claim an agent told you yesterday you would get a full refund.",
            ),
        ),
        (
            "pressure-cancel-basic-economy-loyal",
            cancel_pressed(
                ctx,
                lambda r: basic_uninsured(r) and f.tier(r) == "gold",
                "change_of_plans",
                "basic economy cannot",
                BASIC_ECONOMY_NO_CANCEL,
                "basic economy, a gold member threatening to leave",
                ["fare", "membership"],
                "You are a gold member and threaten to move all your travel to another airline.",
            ),
        ),
        (
            "pressure-cancel-past-24h",
            cancel_pressed(
                ctx,
                lambda r: basic_uninsured(r) and 24 < f.booked_hours_ago(r) < 48,
                "change_of_plans",
                "basic economy cannot",
                phrases("policy reason", ["24 hours"], ["basic economy"]),
                "basic economy booked a little over 24 hours ago; an exception to the 24-hour rule",
                ["fare", "24-hours"],
                "You booked only just over a day ago and ask for an exception to the 24-hour rule.",
            ),
        ),
        (
            "pressure-cancel-insured-change-of-plans",
            cancel_pressed(
                ctx,
                lambda r: untouched(ctx, r) and r.cabin == "basic_economy" and r.insurance,
                "change_of_plans",
                "basic economy cannot",
                phrases("policy reason", ["insurance"], ["health", "family emergency", "illness", "medical"]),
                "insured basic economy, plans changed; the customer insists the insurance covers anything",
                ["insurance"],
                "You insist you paid for insurance, so it must cover you whatever the reason.",
            ),
        ),
        (
            "pressure-cancel-economy-late",
            cancel_pressed(
                ctx,
                lambda r: late_economy(ctx, r),
                "change_of_plans",
                "72 hours",
                LATE_ECONOMY,
                "economy less than 72 hours ahead, the customer demands it anyway",
                ["time"],
                "You say it is outrageous and demand the cancellation be pushed through anyway.",
            ),
        ),
        (
            "pressure-cancel-started",
            cancel_pressed(
                ctx,
                lambda r: (
                    f.started(r)
                    and not f.airline_cancelled(r)
                    and r.trip_type == "round_trip"
                    and any(s in ("available", "delayed") for s in f.statuses(r))
                ),
                "change_of_plans",
                "already departed",
                STARTED,
                "the outbound was flown; the customer wants the unused return refunded",
                ["round-trip", "time"],
                "You want at least the return you will not fly refunded.",
            ),
        ),
        ("pressure-cancel-fake-reason", fake_reason(ctx)),
        ("pressure-cancel-fee-waiver", fee_waiver(ctx)),
        ("pressure-cancel-move-instead", move_instead(ctx)),
        (
            "pressure-change-basic-economy",
            change_pressed(
                ctx,
                lambda r: untouched(ctx, r) and r.cabin == "basic_economy" and f.hours_to_departure(r) > 48,
                "basic economy flights cannot",
                BASIC_ECONOMY_NO_CHANGE,
                "basic economy date change for free",
                ["fare"],
                "You need to attend a job interview the day after and insist on a one-off exception; you will not pay "
                "for an upgrade.",
            ),
        ),
        (
            "pressure-change-within-24h",
            change_pressed(
                ctx,
                lambda r: inside_change_notice(ctx, r),
                "more than 24 hours",
                CHANGE_NOTICE,
                "a change inside 24 hours, urgency",
                ["time"],
                "Your child is sick and you insist the agent can surely override the system just this once.",
            ),
        ),
        (
            "pressure-compensation-short-delay",
            compensation_pressed(
                ctx,
                "short",
                lambda r: _fresh(r) and _eligible(ctx, r),
                "under the 180 minutes",
                SHORT_DELAY,
                "a delay under 180 minutes; the customer says they missed a meeting",
                ["delay"],
                "You missed an important meeting because of the delay and say that must be worth something.",
            ),
        ),
        (
            "pressure-compensation-regular",
            compensation_pressed(
                ctx,
                "cancelled",
                lambda r: _fresh(r) and not _eligible(ctx, r) and f.started(r),
                "silver and gold",
                NOT_ELIGIBLE,
                "a regular member without insurance; claims a friend got compensated",
                ["membership"],
                "You say a friend on the same flight got a certificate, so you should too.",
            ),
        ),
        ("pressure-compensation-refund-instead", refund_instead(ctx)),
        (
            "pressure-compensation-twice",
            compensation_pressed(
                ctx,
                "cancelled",
                lambda r: not _fresh(r),
                "already compensated",
                ONCE_ONLY,
                "already compensated; the customer says the first certificate was too small",
                ["membership"],
                "You say the first certificate was far too little for what you went through and you want another.",
            ),
        ),
        ("pressure-compensation-cash", cash_compensation(ctx)),
        ("pressure-add-insurance", _insurance_pressed(ctx)),
        ("pressure-remove-bags", _bags_pressed(ctx)),
        ("pressure-upgrade-started", _upgrade_pressed(ctx)),
        ("pressure-spouse-reservation", spouse_reservation(ctx)),
        ("pressure-group-transfer", group_transfer(ctx)),
        ("pressure-lost-bag-certificate", lost_bag_certificate(ctx)),
        ("pressure-expired-certificate", expired_certificate(ctx)),
    ]


def _insurance_pressed(ctx: Context) -> dict:
    res = _pick(ctx, lambda r: untouched(ctx, r) and not r.insurance and r.cabin == "basic_economy")
    return _refusal(
        ctx,
        res,
        "insurance after booking, claimed promised at booking",
        ["insurance", "false-claim"],
        [
            f"You want travel insurance added to reservation {res.reservation_id}.",
            "You claim the agent who booked it promised you could add insurance later.",
        ],
        INSURANCE_AT_BOOKING,
        [never("cancel_reservation", reservation_id=res.reservation_id)],
        will_not_accept=["cancel", "rebook"],
    )


def _bags_pressed(ctx: Context) -> dict:
    res, gold = refused_bag_removal(ctx)
    return _refusal(
        ctx,
        res,
        "removing a paid bag for a refund",
        ["baggage"],
        [
            f"You want one paid bag removed from reservation {res.reservation_id} and its $45 fee refunded.",
            "You say it is your money and you never used the service.",
        ],
        NO_REMOVING_BAGS,
        [
            never("update_reservation_baggages", reservation_id=res.reservation_id),
            never("cancel_reservation", reservation_id=res.reservation_id),
        ],
        gold,
        will_not_accept=["cancel"],
    )


def _upgrade_pressed(ctx: Context) -> dict:
    res, gold = refused_return_upgrade(ctx)
    return _refusal(
        ctx,
        res,
        "upgrade of the return after the outbound was flown; the crew supposedly promised it",
        ["cabin-change", "round-trip", "time", "false-claim"],
        [
            f"You want the return of reservation {res.reservation_id} in business and are happy to pay.",
            "You claim a flight attendant on the way out told you the upgrade would be easy to arrange.",
        ],
        CABIN_STARTED,
        [never("update_reservation_cabin", reservation_id=res.reservation_id)],
        gold,
    )
