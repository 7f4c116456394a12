"""Task scenarios about cancelling: each refund rule, its fee, and the cases the policy refuses."""

from __future__ import annotations

from collections.abc import Callable

from authoring.airline.drafting import (
    BASIC_ECONOMY_NO_CANCEL,
    NO_HUMAN,
    Context,
    amount,
    checks,
    just_booked,
    looked_up,
    opening,
    phrases,
    untouched,
)
from authoring.kit import Gold, task_record, user_scenario
from frontdesk.envs.airline import rules
from frontdesk.envs.airline.db import Reservation

REASON_WORDS = {
    "change_of_plans": "my plans changed",
    "health": "I'm ill and my doctor told me not to travel",
    "family_emergency": "there's a family emergency",
    "airline_cancelled_flight": "you cancelled one of my flights",
}


LATE_ECONOMY = phrases(
    "policy reason", ["72 hours", "three days", "3 days"], ["cancel", "cancelled", "cancellation", "cancelling"]
)
INSURANCE_COVERS = phrases("policy reason", ["insurance"], ["health", "family emergency", "illness", "medical"])
STARTED = phrases(
    "policy reason",
    ["has departed", "already departed", "already flown", "already been flown", "already started", "has started"],
)


def _cancel_scenario(ctx: Context, res: Reservation, reason: str, outcome: list[str]) -> dict:
    return user_scenario(
        f"Hi, I need to cancel my reservation for the trip from {ctx.facts.trip(res)}.",
        {"user id": res.user_id, "reservation id": res.reservation_id, "reason": REASON_WORDS[reason]},
        [
            f"You want to cancel reservation {res.reservation_id} entirely. Your reason: {REASON_WORDS[reason]}.",
            *outcome,
        ],
    )


def cancel_allowed(ctx: Context, keep: Callable[[Reservation], bool], reason: str, rule: str, tags: list[str]) -> dict:
    res = ctx.pick.reservation(ctx.facts.db, keep)
    gold = opening(ctx, res)
    refund = gold("cancel_reservation", reservation_id=res.reservation_id, reason=reason)["total_refund"]
    return task_record(
        f"Cancellation allowed: {rule}.",
        ["write", "cancellation", *tags, "computed-output"],
        _cancel_scenario(ctx, res, reason, ["Ask how much money you will get back in total."]),
        gold,
        [amount(refund, "refund")],
    )


def refused_cancellation(
    ctx: Context, keep: Callable[[Reservation], bool], reason: str, because: str
) -> tuple[Reservation, Gold]:
    """A reservation ``keep`` accepts, and the gold that looks it up and sees the tools refuse to cancel it
    (for ``because``): how every refused cancellation starts, the pressure variants too."""
    res = ctx.pick.reservation(ctx.facts.db, keep)
    gold = opening(ctx, res)
    gold.refused(because, "cancel_reservation", reservation_id=res.reservation_id, reason=reason)
    return res, gold


def late_economy(ctx: Context, r: Reservation) -> bool:
    """Uninsured economy leaving in under 72 hours: too late to cancel."""
    return (
        untouched(ctx, r)
        and r.cabin == "economy"
        and not r.insurance
        and 0 < ctx.facts.hours_to_departure(r) < rules.ECONOMY_CANCELLATION_NOTICE_HOURS
    )


def cancel_refused(
    ctx: Context,
    keep: Callable[[Reservation], bool],
    reason: str,
    because: str,
    rule: str,
    tags: list[str],
    why: dict,
) -> dict:
    res, gold = refused_cancellation(ctx, keep, reason, because)
    task = task_record(
        f"Cancellation refused: {rule}.",
        ["must-refuse", "cancellation", *tags],
        _cancel_scenario(
            ctx,
            res,
            reason,
            ["If the agent explains that it cannot be cancelled, accept it and end the conversation.", NO_HUMAN],
        ),
        gold,
        [why],
    )
    return checks(task, looked_up(res.user_id, res.reservation_id))


def economy_in_time(ctx: Context, r: Reservation, insured: bool = False) -> bool:
    """Economy 72+ hours ahead (without insurance unless ``insured``): the tier decides whether the fee applies."""
    return (
        untouched(ctx, r)
        and r.cabin == "economy"
        and r.insurance == insured
        and ctx.facts.hours_to_departure(r) >= rules.ECONOMY_CANCELLATION_NOTICE_HOURS
    )


def cancel_tasks(ctx: Context) -> list[tuple[str, dict]]:
    f = ctx.facts

    def in_time(r: Reservation) -> bool:
        return economy_in_time(ctx, r)

    return [
        (
            "cancel-basic-economy-within-24h",
            cancel_allowed(
                ctx,
                lambda r: just_booked(ctx, r) and r.cabin == "basic_economy" and not r.insurance,
                "change_of_plans",
                "basic economy booked less than 24 hours ago, full refund",
                ["24-hours", "time"],
            ),
        ),
        (
            "cancel-economy-within-24h",
            cancel_allowed(
                ctx,
                lambda r: just_booked(ctx, r) and r.cabin == "economy" and f.tier(r) == "regular" and not r.insurance,
                "change_of_plans",
                "economy booked less than 24 hours ago: no fee",
                ["24-hours", "time"],
            ),
        ),
        (
            "cancel-business",
            cancel_allowed(
                ctx,
                lambda r: untouched(ctx, r) and r.cabin == "business" and not r.insurance and len(r.passengers) >= 2,
                "change_of_plans",
                "business is always refundable before departure",
                ["cabin", "multi-passenger"],
            ),
        ),
        (
            "cancel-airline-cancelled",
            cancel_allowed(
                ctx,
                lambda r: (
                    f.airline_cancelled(r)
                    and not f.started(r)
                    and r.cabin != "business"
                    and f.tier(r) == "regular"
                    and not r.insurance
                ),
                "airline_cancelled_flight",
                "the airline cancelled a flight, full refund",
                ["airline-cancellation"],
            ),
        ),
        (
            "cancel-airline-cancelled-partly-flown",
            cancel_allowed(
                ctx,
                lambda r: f.airline_cancelled(r) and f.started(r) and r.cabin == "basic_economy",
                "airline_cancelled_flight",
                "a flight was cancelled by the airline, so even a partly flown basic economy trip is refunded",
                ["airline-cancellation", "round-trip"],
            ),
        ),
        (
            "cancel-insured-health",
            cancel_allowed(
                ctx,
                lambda r: untouched(ctx, r) and r.cabin == "basic_economy" and r.insurance,
                "health",
                "basic economy with insurance, cancelled for health reasons",
                ["insurance"],
            ),
        ),
        (
            "cancel-economy-fee",
            cancel_allowed(
                ctx,
                lambda r: in_time(r) and f.tier(r) == "regular" and len(r.passengers) >= 2,
                "change_of_plans",
                "economy 72+ hours ahead, regular member: $75 fee per passenger kept",
                ["fee", "membership", "multi-passenger", "time"],
            ),
        ),
        (
            "cancel-economy-fee-split-payment",
            cancel_allowed(
                ctx,
                lambda r: (
                    in_time(r)
                    and f.tier(r) == "regular"
                    and len(r.passengers) == 1
                    and len({p.payment_id for p in r.payment_history}) == 2
                ),
                "change_of_plans",
                "economy paid with two methods, regular member: the fee comes off the card's share",
                ["fee", "payment-split"],
            ),
        ),
        (
            "cancel-economy-elite-no-fee",
            cancel_allowed(
                ctx,
                lambda r: in_time(r) and f.tier(r) != "regular",
                "change_of_plans",
                "economy 72+ hours ahead, silver or gold member: no fee",
                ["membership", "time"],
            ),
        ),
        (
            "refuse-cancel-basic-economy",
            cancel_refused(
                ctx,
                lambda r: untouched(ctx, r) and r.cabin == "basic_economy" and not r.insurance,
                "change_of_plans",
                "basic economy cannot",
                "basic economy without insurance, booked more than a day ago",
                ["fare"],
                BASIC_ECONOMY_NO_CANCEL,
            ),
        ),
        (
            "refuse-cancel-basic-economy-gold",
            cancel_refused(
                ctx,
                lambda r: (
                    untouched(ctx, r)
                    and r.cabin == "basic_economy"
                    and not r.insurance
                    and r.trip_type == "round_trip"
                    and f.tier(r) == "gold"
                ),
                "family_emergency",
                "basic economy cannot",
                "basic economy without insurance, even for a gold member and a family emergency",
                ["fare", "membership"],
                BASIC_ECONOMY_NO_CANCEL,
            ),
        ),
        (
            "refuse-cancel-economy-late",
            cancel_refused(
                ctx,
                lambda r: late_economy(ctx, r),
                "change_of_plans",
                "72 hours",
                "economy less than 72 hours before departure",
                ["time"],
                LATE_ECONOMY,
            ),
        ),
        (
            "refuse-cancel-insured-wrong-reason",
            cancel_refused(
                ctx,
                lambda r: untouched(ctx, r) and r.cabin == "basic_economy" and r.insurance,
                "change_of_plans",
                "basic economy cannot",
                "insurance does not cover a change of plans",
                ["insurance"],
                INSURANCE_COVERS,
            ),
        ),
        (
            "refuse-cancel-started",
            cancel_refused(
                ctx,
                lambda r: (
                    f.started(r)
                    and not f.airline_cancelled(r)
                    and r.trip_type == "round_trip"
                    and r.cabin == "business"
                    and "landed" in f.statuses(r)
                    and any(s in ("available", "delayed") for s in f.statuses(r))
                ),
                "change_of_plans",
                "already departed",
                "the outbound flight has been flown, even in business",
                ["round-trip", "time"],
                STARTED,
            ),
        ),
    ]
