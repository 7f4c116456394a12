"""Task scenarios about searching and booking: price arithmetic, payment splits, full flights."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from authoring.airline.drafting import NO_HUMAN, Context, amount, card_words, person
from authoring.kit import Gold, NoCandidate, spoken_date, task_record, user_scenario
from frontdesk.envs.airline import rules
from frontdesk.envs.airline.db import Certificate, CreditCard, GiftCard, User
from frontdesk.envs.airline.read_tools import search_direct_flights, search_onestop_flights

CABIN_WORDS = {"basic_economy": "basic economy", "economy": "economy", "business": "business"}


def _bags(n: int) -> str:
    return "no checked bags" if n == 0 else "one checked bag" if n == 1 else f"{n} checked bags"


def _airport(ctx: Context, code: str) -> str:
    return f"{ctx.facts.city(code)} ({code})"


def _booking_days(ctx: Context) -> list[str]:
    return [(rules.TODAY + timedelta(days=d)).isoformat() for d in range(3, 17)]


def _route_pairs(ctx: Context, direct: bool) -> list[tuple[str, str]]:
    served = {(f.origin, f.destination) for f in ctx.facts.db.flights.values()}
    codes = sorted(ctx.facts.db.airports)
    return [(a, b) for a in codes for b in codes if a != b and ((a, b) in served) == direct]


def _unique_cheapest(options: list[Any], price: Any) -> Any | None:
    if not options:
        return None
    ranked = sorted(options, key=price)
    if len(ranked) > 1 and price(ranked[0]) == price(ranked[1]):
        return None
    return ranked[0]


def _trips(ctx: Context, direct: bool, tries: int) -> Iterator[tuple[str, str, str]]:
    """Up to ``tries`` random (origin, destination, day) among the routes that are (or are not) flown direct."""
    pairs, days = _route_pairs(ctx, direct=direct), _booking_days(ctx)
    for _ in range(tries):
        origin, destination = ctx.rng.choice(pairs)
        yield origin, destination, ctx.rng.choice(days)


def _cheapest_direct(ctx: Context, cabin: str, travellers: int, tries: int = 200) -> tuple[str, str, str, dict]:
    """A route and day whose cheapest direct flight in ``cabin`` (with seats for everyone) is unambiguous."""
    for origin, destination, day in _trips(ctx, direct=True, tries=tries):
        flights = search_direct_flights(ctx.facts.db, origin, destination, day)
        options = [f for f in flights if f["seats_left"][cabin] >= travellers]
        best = _unique_cheapest(options, lambda f: f["prices"][cabin])
        if best is not None and len(flights) > 1:
            return origin, destination, day, best
    raise NoCandidate(f"no route with a clear cheapest direct {cabin} flight")


def _self_and_saved(user: User, count: int) -> list[dict[str, str]]:
    return [person(user)] + [person(p) for p in user.saved_passengers[: count - 1]]


def _who(user: User, count: int) -> str:
    if count == 1:
        return "just me"
    names = [f"{p.first_name} {p.last_name}" for p in user.saved_passengers[: count - 1]]
    return "me and " + " and ".join(names) + " (saved on my profile)"


def _total(user: User, cabin: str, seat_prices: list[int], travellers: int, bags: int, insurance: bool) -> float:
    extra = max(0, bags - rules.free_bags(user.membership, cabin) * travellers)
    return rules.money(
        sum(seat_prices) * travellers
        + extra * rules.EXTRA_BAG_FEE
        + (rules.INSURANCE_PER_PASSENGER * travellers if insurance else 0)
    )


def _leg(flight: dict, day: str) -> dict[str, str]:
    return {"flight_number": flight["flight_number"], "date": day}


def _pay(method: CreditCard | Certificate | GiftCard, amount: float) -> dict[str, Any]:
    return {"payment_id": method.id, "amount": amount}


@dataclass(frozen=True)
class Booking:
    """What the customer books: a ``book_reservation`` call."""

    user: User
    origin: str
    destination: str
    cabin: str
    flights: list[dict]
    passengers: list[dict]
    payments: list[dict]
    bags: int = 0
    insurance: bool = False
    trip: str = "one_way"

    def arguments(self) -> dict[str, Any]:
        """The call's arguments, in the order the task file lists them."""
        return {
            "user_id": self.user.user_id,
            "origin": self.origin,
            "destination": self.destination,
            "trip_type": self.trip,
            "cabin": self.cabin,
            "flights": self.flights,
            "passengers": self.passengers,
            "payment_methods": self.payments,
            "checked_bags": self.bags,
            "insurance": self.insurance,
        }

    def book(self, gold: Gold) -> None:
        gold("book_reservation", **self.arguments())

    def refused(self, gold: Gold, because: str, **changes: Any) -> None:
        """Check that the tools refuse this booking, changed by ``changes``, for the reason the task is about."""
        gold.refused(because, "book_reservation", **dataclasses.replace(self, **changes).arguments())


def _searched(ctx: Context, user: User, origin: str, destination: str, day: str) -> Gold:
    """The reads a booking starts with: the member's profile, then the direct flights that day."""
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    return gold


def _trip_facts(ctx: Context, user: User | None, origin: str, destination: str, day: str) -> dict[str, str]:
    """What the customer knows about the trip they ask for (with their user id when they have one)."""
    known = {"user id": user.user_id} if user is not None else {}
    return known | {
        "origin": _airport(ctx, origin),
        "destination": _airport(ctx, destination),
        "travel date": spoken_date(day),
    }


def _booking_facts(
    ctx: Context,
    user: User,
    trip: tuple[str, str, str],
    cabin: str | None,
    who: str,
    bags: str,
    insurance: str,
    pay: str,
) -> dict[str, str]:
    """What the customer knows about the booking they ask for, in the order they would give it: the trip,
    the cabin (unless None: the instructions say it), who travels, bags, insurance, how they pay."""
    known = _trip_facts(ctx, user, *trip)
    if cabin is not None:
        known["cabin"] = cabin
    return known | {"passengers": who, "checked bags": bags, "travel insurance": insurance, "payment method": pay}


def _solo_facts(
    ctx: Context, user: User, trip: tuple[str, str, str], cabin: str, bags: str, insurance: str, pay: str
) -> dict[str, str]:
    """``_booking_facts`` for a customer who travels alone."""
    return _booking_facts(ctx, user, trip, cabin, "just me", bags, insurance, pay)


def cheapest_direct_question(ctx: Context) -> dict:
    origin, destination, day, best = _cheapest_direct(ctx, "economy", 1)
    gold = Gold(ctx.domain)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    return task_record(
        "Read-only: find the cheapest direct economy flight on a route and date.",
        ["read-only", "search", "computed-output"],
        user_scenario(
            f"Hello! What's the cheapest economy flight from {ctx.facts.city(origin)} to "
            f"{ctx.facts.city(destination)} on {spoken_date(day)}?",
            _trip_facts(ctx, None, origin, destination, day),
            [
                "You only want to know the flight number and the economy price of the cheapest direct flight.",
                "You are not ready to book anything today.",
            ],
        ),
        gold,
        [best["flight_number"], amount(best["prices"]["economy"])],
    )


def book_one_way(ctx: Context, cabin: str, tier: str, bags: int) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: u.membership == tier)
    origin, destination, day, best = _cheapest_direct(ctx, cabin, 1)
    card = ctx.facts.card(user)
    total = _total(user, cabin, [best["prices"][cabin]], 1, bags, insurance=False)
    gold = _searched(ctx, user, origin, destination, day)
    Booking(user, origin, destination, cabin, [_leg(best, day)], [person(user)], [_pay(card, total)], bags).book(gold)
    words = CABIN_WORDS[cabin]
    trip = origin, destination, day
    return task_record(
        f"Booking: cheapest direct {words} flight for one, {_bags(bags)}; the bag allowance decides the total.",
        ["write", "booking", "preference", "search", "computed-output"],
        user_scenario(
            f"Hi, I'd like to book a one-way flight from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} "
            f"on {spoken_date(day)}.",
            _solo_facts(ctx, user, trip, words, str(bags), "no, thank you", card_words(card)),
            [
                f"Book the cheapest direct {words} flight that day, for yourself only.",
                f"You will check {_bags(bags)} and you do not want travel insurance.",
                f"Pay with {card_words(card, 'your')}.",
                "Before you confirm, ask the agent for the total price.",
            ],
        ),
        gold,
        [amount(total)],
    )


def book_round_trip_insured(ctx: Context) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: len(u.saved_passengers) >= 1)
    for _ in range(200):
        origin, destination, day, out = _cheapest_direct(ctx, "economy", 2)
        back_day = (date.fromisoformat(day) + timedelta(days=ctx.rng.randint(3, 6))).isoformat()
        if back_day > rules.LAST_DAY.isoformat():
            continue
        options = [
            f
            for f in search_direct_flights(ctx.facts.db, destination, origin, back_day)
            if f["seats_left"]["economy"] >= 2
        ]
        back = _unique_cheapest(options, lambda f: f["prices"]["economy"])
        if back is not None:
            break
    else:
        raise NoCandidate("no round trip with clear cheapest flights")
    card = ctx.facts.card(user)
    bags = 2
    total = _total(user, "economy", [out["prices"]["economy"], back["prices"]["economy"]], 2, bags, insurance=True)
    gold = _searched(ctx, user, origin, destination, day)
    gold("search_direct_flights", origin=destination, destination=origin, date=back_day)
    flights = [_leg(out, day), _leg(back, back_day)]
    passengers = _self_and_saved(user, 2)
    Booking(
        user, origin, destination, "economy", flights, passengers, [_pay(card, total)], bags, True, "round_trip"
    ).book(gold)
    companion = user.saved_passengers[0]
    return task_record(
        "Booking: round trip for two with travel insurance; total = fares x 2 + insurance.",
        ["write", "booking", "preference", "round-trip", "multi-passenger", "insurance", "computed-output"],
        user_scenario(
            f"Hi! I want to book a round trip from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} for me "
            f"and {companion.first_name}.",
            {
                "user id": user.user_id,
                "origin": _airport(ctx, origin),
                "destination": _airport(ctx, destination),
                "departure date": spoken_date(day),
                "return date": spoken_date(back_day),
                "cabin": "economy",
                "passengers": _who(user, 2),
                "checked bags": "2 in total",
                "travel insurance": "yes, for both of us",
                "payment method": card_words(card),
            },
            [
                "On each day, take the cheapest direct economy flight.",
                "You want travel insurance and two checked bags in total.",
                f"Pay everything with {card_words(card, 'your')}.",
                "Ask for the total price before you confirm.",
            ],
        ),
        gold,
        [amount(total)],
    )


def book_one_stop(ctx: Context, cabin: str) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: True)
    for origin, destination, day in _trips(ctx, direct=False, tries=300):
        options = [
            c
            for c in search_onestop_flights(ctx.facts.db, origin, destination, day)
            if all(leg["seats_left"][cabin] >= 1 for leg in c["flights"])
        ]
        best = _unique_cheapest(options, lambda c: sum(leg["prices"][cabin] for leg in c["flights"]))
        if best is not None and len(options) > 1:
            break
    else:
        raise NoCandidate("no route with a clear cheapest connection")
    card = ctx.facts.card(user)
    prices = [leg["prices"][cabin] for leg in best["flights"]]
    total = _total(user, cabin, prices, 1, 0, insurance=False)
    gold = _searched(ctx, user, origin, destination, day)
    gold("search_onestop_flights", origin=origin, destination=destination, date=day)
    flights = [_leg(leg, day) for leg in best["flights"]]
    Booking(user, origin, destination, cabin, flights, [person(user)], [_pay(card, total)]).book(gold)
    words = CABIN_WORDS[cabin]
    trip = origin, destination, day
    return task_record(
        f"Booking: no direct flight exists; the cheapest one-stop {words} connection, two fares added.",
        ["write", "booking", "preference", "search", "one-stop", "computed-output"],
        user_scenario(
            f"Hello, I need to get from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} on "
            f"{spoken_date(day)}. Can you book that?",
            _solo_facts(ctx, user, trip, words, "none", "no", card_words(card)),
            [
                f"You travel alone, in {words}, with no checked bags and no insurance.",
                "You don't mind one stop; you want the cheapest option that day.",
                f"Pay with {card_words(card, 'your')}. Ask for the total before confirming.",
            ],
        ),
        gold,
        [amount(total)],
    )


def book_business_extra_bags(ctx: Context) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: u.membership != "regular" and len(u.saved_passengers) >= 1)
    origin, destination, day, best = _cheapest_direct(ctx, "business", 2)
    bags = rules.free_bags(user.membership, "business") * 2 + 2
    card = ctx.facts.card(user)
    total = _total(user, "business", [best["prices"]["business"]], 2, bags, insurance=False)
    gold = _searched(ctx, user, origin, destination, day)
    passengers = _self_and_saved(user, 2)
    Booking(user, origin, destination, "business", [_leg(best, day)], passengers, [_pay(card, total)], bags).book(gold)
    trip = origin, destination, day
    return task_record(
        f"Booking: business for two, {bags} bags for a {user.membership} member; two bags beyond the allowance.",
        ["write", "booking", "preference", "multi-passenger", "baggage", "membership", "computed-output"],
        user_scenario(
            f"Hi, I'd like two business class seats from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} "
            f"on {spoken_date(day)}.",
            _booking_facts(ctx, user, trip, None, _who(user, 2), f"{bags} in total", "no", card_words(card)),
            [
                "You want the cheapest direct business flight that day, one way.",
                f"The two of you will check {bags} bags in total; no insurance.",
                f"Pay with {card_words(card, 'your')}. Ask for the total, including any bag fees, before confirming.",
            ],
        ),
        gold,
        [amount(total)],
    )


def _valid_certificate(user: User) -> Certificate | None:
    valid = [
        m
        for m in user.payment_methods.values()
        if isinstance(m, Certificate) and m.expires >= rules.TODAY.isoformat() and m.balance > 0
    ]
    return valid[0] if len(valid) == 1 else None


def _book_balance_then_card(
    ctx: Context, user: User, first: Certificate | GiftCard, trip: tuple[str, str, str, dict], insurance: bool
) -> tuple[Gold, CreditCard, float]:
    """One economy seat with one bag, paid with ``first``'s whole balance and the rest by card: the gold
    actions, the card, and the card's share (what the agent must say)."""
    origin, destination, day, best = trip
    card = ctx.facts.card(user)
    total = _total(user, "economy", [best["prices"]["economy"]], 1, 1, insurance=insurance)
    rest = rules.money(total - first.balance)
    gold = _searched(ctx, user, origin, destination, day)
    payments = [_pay(first, first.balance), _pay(card, rest)]
    Booking(user, origin, destination, "economy", [_leg(best, day)], [person(user)], payments, 1, insurance).book(gold)
    return gold, card, rest


def book_with_certificate(ctx: Context) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: _valid_certificate(u) is not None)
    certificate = _valid_certificate(user)
    assert certificate is not None
    for _ in range(100):
        origin, destination, day, best = _cheapest_direct(ctx, "economy", 1)
        if _total(user, "economy", [best["prices"]["economy"]], 1, 1, insurance=False) > certificate.balance:
            break
    else:
        raise NoCandidate("no flight costs more than the certificate")
    gold, card, rest = _book_balance_then_card(ctx, user, certificate, (origin, destination, day, best), False)
    trip = origin, destination, day
    return task_record(
        "Booking paid with a certificate's full balance and the rest on a card; the card amount is computed.",
        ["write", "booking", "preference", "payment-split", "certificate", "computed-output"],
        user_scenario(
            f"Hi, I want to fly from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} on {spoken_date(day)} "
            "and use my travel certificate.",
            _solo_facts(ctx, user, trip, "economy", "1", "no", f"my travel certificate first, then {card_words(card)}"),
            [
                "Book the cheapest direct economy flight that day, one way, for yourself, with one checked bag and "
                "no insurance.",
                f"Use the whole balance of your travel certificate and put the rest on {card_words(card, 'your')}.",
                "Ask how much will go on the card.",
            ],
        ),
        gold,
        [amount(rest)],
    )


@dataclass(frozen=True)
class PastExpiry:
    """A member whose one certificate has expired books the cheapest direct economy seat of a route and day,
    alone: the gold sees the certificate refused, then books it all on the card."""

    user: User
    certificate: Certificate
    trip: tuple[str, str, str]
    card: CreditCard
    total: float
    tried: list[dict]
    gold: Gold


def booked_past_expiry(ctx: Context, bags: int) -> PastExpiry:
    """The booking of ``PastExpiry``, with ``bags`` checked bags: the plain task and its pressure variant."""

    def only_expired(u: User) -> bool:
        certificates = [m for m in u.payment_methods.values() if isinstance(m, Certificate)]
        return len(certificates) == 1 and certificates[0].expires < rules.TODAY.isoformat()

    user = ctx.pick.user(ctx.facts.db, only_expired)
    certificate = next(m for m in user.payment_methods.values() if isinstance(m, Certificate))
    origin, destination, day, best = _cheapest_direct(ctx, "economy", 1)
    card = ctx.facts.card(user)
    total = _total(user, "economy", [best["prices"]["economy"]], 1, bags, insurance=False)
    gold = _searched(ctx, user, origin, destination, day)
    booking = Booking(
        user, origin, destination, "economy", [_leg(best, day)], [person(user)], [_pay(card, total)], bags
    )
    share = min(certificate.balance, total)
    tried = [_pay(certificate, share)] + ([_pay(card, rules.money(total - share))] if total > share else [])
    booking.refused(gold, "expired", payments=tried)
    booking.book(gold)
    return PastExpiry(user, certificate, (origin, destination, day), card, total, tried, gold)


def book_expired_certificate(ctx: Context) -> dict:
    booked = booked_past_expiry(ctx, bags=0)
    user, trip, card, total = booked.user, booked.trip, booked.card, booked.total
    origin, destination, day = trip
    return task_record(
        "Booking: the customer's certificate has expired and must not be used; the card pays everything.",
        ["write", "booking", "preference", "certificate", "must-refuse-part", "time"],
        user_scenario(
            f"Hello, please book me on a flight from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} on "
            f"{spoken_date(day)}. I'd like to use my certificate.",
            _solo_facts(ctx, user, trip, "economy", "none", "no", f"my travel certificate, or else {card_words(card)}"),
            [
                "Book the cheapest direct economy flight that day, one way, for yourself, no bags, no insurance.",
                "You hope to pay with your travel certificate. If the agent says it cannot be used, pay the whole "
                f"price with {card_words(card, 'your')}.",
                NO_HUMAN,
            ],
        ),
        booked.gold,
        [amount(total)],
    )


def book_gift_card_split(ctx: Context) -> dict:
    def small_gift_card(u: User) -> bool:
        cards = [m for m in u.payment_methods.values() if isinstance(m, GiftCard)]
        return len(cards) == 1 and 20 <= cards[0].balance <= 120 and round(cards[0].balance) != cards[0].balance

    user = ctx.pick.user(ctx.facts.db, small_gift_card)
    gift = next(m for m in user.payment_methods.values() if isinstance(m, GiftCard))
    origin, destination, day, best = _cheapest_direct(ctx, "economy", 1)
    gold, card, rest = _book_balance_then_card(ctx, user, gift, (origin, destination, day, best), True)
    trip = origin, destination, day
    return task_record(
        "Booking with insurance, paid by a gift card's whole balance (with cents) plus a card.",
        ["write", "booking", "preference", "payment-split", "gift-card", "insurance", "computed-output"],
        user_scenario(
            f"Hi there, I'd like to book a flight from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} on "
            f"{spoken_date(day)}.",
            _solo_facts(ctx, user, trip, "economy", "1", "yes", f"my gift card first, then {card_words(card)}"),
            [
                "Book the cheapest direct economy flight that day, one way, for yourself, with one checked bag and "
                "travel insurance.",
                f"Use up your gift card's whole balance and put the rest on {card_words(card, 'your')}.",
                "Ask how much will be charged to the card.",
            ],
        ),
        gold,
        [amount(rest)],
    )


def book_around_full_flight(ctx: Context) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: len(u.saved_passengers) >= 2)
    for origin, destination, day in _trips(ctx, direct=True, tries=2000):
        flights = search_direct_flights(ctx.facts.db, origin, destination, day)
        if len(flights) >= 2 and flights[0]["seats_left"]["economy"] < 3 and flights[1]["seats_left"]["economy"] >= 3:
            chosen = flights[1]
            break
    else:
        raise NoCandidate("no route whose first flight is nearly full")
    card = ctx.facts.card(user)
    total = _total(user, "economy", [chosen["prices"]["economy"]], 3, 0, insurance=False)
    gold = _searched(ctx, user, origin, destination, day)
    passengers = _self_and_saved(user, 3)
    booking = Booking(user, origin, destination, "economy", [_leg(chosen, day)], passengers, [_pay(card, total)])
    booking.refused(gold, "not enough", flights=[_leg(flights[0], day)])
    booking.book(gold)
    trip = origin, destination, day
    return task_record(
        "Booking for three: the earliest flight lacks economy seats for everyone, so the next one is booked.",
        ["write", "booking", "preference", "multi-passenger", "full-flight", "computed-output"],
        user_scenario(
            f"Hi, I need three economy seats from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} on "
            f"{spoken_date(day)}, as early as possible.",
            _booking_facts(ctx, user, trip, None, _who(user, 3), "none", "no", card_words(card)),
            [
                "You want the earliest direct flight that day that has economy seats for all three of you, one way.",
                "No checked bags, no insurance.",
                f"Pay with {card_words(card, 'your')}. Ask for the total before confirming.",
            ],
        ),
        gold,
        [chosen["flight_number"], amount(total)],
    )


def group_transferred(
    ctx: Context, keep: Callable[[User], bool], wants: str
) -> tuple[User, tuple[str, str, str], Gold]:
    """A member ``keep`` accepts, a direct route and day, and the gold that reads the profile and passes the group
    booking (``wants``, in the summary) to a human agent: the plain transfer and its pressure variant."""
    user = ctx.pick.user(ctx.facts.db, keep)
    origin, destination, day, _ = _cheapest_direct(ctx, "economy", 1)
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold(
        "transfer_to_human_agents",
        summary=f"Member {user.user_id} wants {wants} from {origin} to {destination} on {day}.",
    )
    return user, (origin, destination, day), gold


def group_booking_transfer(ctx: Context) -> dict:
    user, (origin, destination, day), gold = group_transferred(ctx, lambda u: True, "to book 7 travellers")
    return task_record(
        "Transfer: a group of seven is beyond the five-passenger limit, so a human agent books it.",
        ["transfer", "booking"],
        user_scenario(
            f"Hello, I'm organising a trip for seven colleagues from {ctx.facts.city(origin)} to "
            f"{ctx.facts.city(destination)} on {spoken_date(day)}. Can you book us all?",
            _trip_facts(ctx, user, origin, destination, day) | {"number of travellers": "seven"},
            [
                "You want all seven people on the same booking; you will not split the group into several bookings.",
                "If the agent offers to pass you to a colleague who handles groups, accept.",
            ],
            will_not_accept=["split", "separate reservations", "two reservations"],
        ),
        gold,
        [],
    )
