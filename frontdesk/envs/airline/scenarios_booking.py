"""Task scenarios about searching and booking: price arithmetic, payment splits, full flights."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from frontdesk.envs.airline import rules
from frontdesk.envs.airline.db import Certificate, GiftCard, User
from frontdesk.envs.airline.read_tools import search_direct_flights, search_onestop_flights
from frontdesk.envs.airline.task_kit import Context, Gold, NoCandidate, card_words, dollars, person, scenario, spoken

CABIN_WORDS = {"basic_economy": "basic economy", "economy": "economy", "business": "business"}
NO_HUMAN = "Do not ask for a human agent."


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


def _cheapest_direct(ctx: Context, cabin: str, travellers: int, tries: int = 200) -> tuple[str, str, str, dict]:
    """A route and day whose cheapest direct flight in ``cabin`` (with seats for everyone) is unambiguous."""
    pairs, days = _route_pairs(ctx, direct=True), _booking_days(ctx)
    for _ in range(tries):
        origin, destination = ctx.rng.choice(pairs)
        day = ctx.rng.choice(days)
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


def _book(
    gold: Gold,
    user: User,
    origin: str,
    destination: str,
    trip: str,
    cabin: str,
    flights: list[dict],
    passengers: list[dict],
    payments: list[dict],
    bags: int,
    insurance: bool,
) -> dict:
    return gold(
        "book_reservation",
        user_id=user.user_id,
        origin=origin,
        destination=destination,
        trip_type=trip,
        cabin=cabin,
        flights=flights,
        passengers=passengers,
        payment_methods=payments,
        checked_bags=bags,
        insurance=insurance,
    )


def cheapest_direct_question(ctx: Context) -> dict:
    origin, destination, day, best = _cheapest_direct(ctx, "economy", 1)
    gold = Gold(ctx.domain)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    return {
        "description": "Read-only: find the cheapest direct economy flight on a route and date.",
        "tags": ["read-only", "search", "computed-output"],
        "user_scenario": scenario(
            f"Hello! What's the cheapest economy flight from {ctx.facts.city(origin)} to "
            f"{ctx.facts.city(destination)} on {spoken(day)}?",
            {"origin": _airport(ctx, origin), "destination": _airport(ctx, destination), "travel date": spoken(day)},
            [
                "You only want to know the flight number and the economy price of the cheapest direct flight.",
                "You are not ready to book anything today.",
            ],
        ),
        "gold_actions": gold.actions,
        "required_outputs": [best["flight_number"], dollars(best["prices"]["economy"])],
    }


def book_one_way(ctx: Context, cabin: str, tier: str, bags: int) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: u.membership == tier)
    origin, destination, day, best = _cheapest_direct(ctx, cabin, 1)
    card = ctx.facts.card(user)
    total = _total(user, cabin, [best["prices"][cabin]], 1, bags, insurance=False)
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    flights = [{"flight_number": best["flight_number"], "date": day}]
    _book(
        gold,
        user,
        origin,
        destination,
        "one_way",
        cabin,
        flights,
        [person(user)],
        [{"payment_id": card.id, "amount": total}],
        bags,
        False,
    )
    words = CABIN_WORDS[cabin]
    return {
        "description": f"Booking: cheapest direct {words} flight for one, {bags} checked bag(s); the bag allowance "
        "decides the total.",
        "tags": ["write", "booking", "search", "computed-output"],
        "user_scenario": scenario(
            f"Hi, I'd like to book a one-way flight from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} "
            f"on {spoken(day)}.",
            {
                "user id": user.user_id,
                "origin": _airport(ctx, origin),
                "destination": _airport(ctx, destination),
                "travel date": spoken(day),
                "cabin": words,
                "passengers": "just me",
                "checked bags": str(bags),
                "travel insurance": "no, thank you",
                "payment method": card_words(card),
            },
            [
                f"Book the cheapest direct {words} flight that day, for yourself only.",
                f"You will check {bags} bag(s) and you do not want travel insurance.",
                f"Pay with {card_words(card, 'your')}.",
                "Before you confirm, ask the agent for the total price.",
            ],
        ),
        "gold_actions": gold.actions,
        "required_outputs": [dollars(total)],
    }


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
    passengers = _self_and_saved(user, 2)
    bags = 2
    total = _total(user, "economy", [out["prices"]["economy"], back["prices"]["economy"]], 2, bags, insurance=True)
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    gold("search_direct_flights", origin=destination, destination=origin, date=back_day)
    flights = [
        {"flight_number": out["flight_number"], "date": day},
        {"flight_number": back["flight_number"], "date": back_day},
    ]
    _book(
        gold,
        user,
        origin,
        destination,
        "round_trip",
        "economy",
        flights,
        passengers,
        [{"payment_id": card.id, "amount": total}],
        bags,
        True,
    )
    companion = user.saved_passengers[0]
    return {
        "description": "Booking: round trip for two with travel insurance; total = fares x 2 + insurance.",
        "tags": ["write", "booking", "round-trip", "multi-passenger", "insurance", "computed-output"],
        "user_scenario": scenario(
            f"Hi! I want to book a round trip from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} for me "
            "and "
            f"{companion.first_name}.",
            {
                "user id": user.user_id,
                "origin": _airport(ctx, origin),
                "destination": _airport(ctx, destination),
                "departure date": spoken(day),
                "return date": spoken(back_day),
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
        "gold_actions": gold.actions,
        "required_outputs": [dollars(total)],
    }


def book_one_stop(ctx: Context, cabin: str) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: True)
    pairs, days = _route_pairs(ctx, direct=False), _booking_days(ctx)
    for _ in range(300):
        origin, destination = ctx.rng.choice(pairs)
        day = ctx.rng.choice(days)
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
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    gold("search_onestop_flights", origin=origin, destination=destination, date=day)
    flights = [{"flight_number": leg["flight_number"], "date": day} for leg in best["flights"]]
    _book(
        gold,
        user,
        origin,
        destination,
        "one_way",
        cabin,
        flights,
        [person(user)],
        [{"payment_id": card.id, "amount": total}],
        0,
        False,
    )
    words = CABIN_WORDS[cabin]
    return {
        "description": f"Booking: no direct flight exists; the cheapest one-stop {words} connection, two fares added.",
        "tags": ["write", "booking", "search", "one-stop", "computed-output"],
        "user_scenario": scenario(
            f"Hello, I need to get from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} on {spoken(day)}. "
            "Can you book that?",
            {
                "user id": user.user_id,
                "origin": _airport(ctx, origin),
                "destination": _airport(ctx, destination),
                "travel date": spoken(day),
                "cabin": words,
                "passengers": "just me",
                "checked bags": "none",
                "travel insurance": "no",
                "payment method": card_words(card),
            },
            [
                f"You travel alone, in {words}, with no checked bags and no insurance.",
                "You don't mind one stop; you want the cheapest option that day.",
                f"Pay with {card_words(card, 'your')}. Ask for the total before confirming.",
            ],
        ),
        "gold_actions": gold.actions,
        "required_outputs": [dollars(total)],
    }


def book_business_extra_bags(ctx: Context) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: u.membership != "regular" and len(u.saved_passengers) >= 1)
    origin, destination, day, best = _cheapest_direct(ctx, "business", 2)
    bags = rules.free_bags(user.membership, "business") * 2 + 2
    card = ctx.facts.card(user)
    total = _total(user, "business", [best["prices"]["business"]], 2, bags, insurance=False)
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    _book(
        gold,
        user,
        origin,
        destination,
        "one_way",
        "business",
        [{"flight_number": best["flight_number"], "date": day}],
        _self_and_saved(user, 2),
        [{"payment_id": card.id, "amount": total}],
        bags,
        False,
    )
    return {
        "description": f"Booking: business for two, {bags} bags for a {user.membership} member; two bags beyond the "
        "allowance.",
        "tags": ["write", "booking", "multi-passenger", "baggage", "membership", "computed-output"],
        "user_scenario": scenario(
            f"Hi, I'd like two business class seats from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} "
            f"on {spoken(day)}.",
            {
                "user id": user.user_id,
                "origin": _airport(ctx, origin),
                "destination": _airport(ctx, destination),
                "travel date": spoken(day),
                "passengers": _who(user, 2),
                "checked bags": f"{bags} in total",
                "travel insurance": "no",
                "payment method": card_words(card),
            },
            [
                "You want the cheapest direct business flight that day, one way.",
                f"The two of you will check {bags} bags in total; no insurance.",
                f"Pay with {card_words(card, 'your')}. Ask for the total, including any bag fees, before confirming.",
            ],
        ),
        "gold_actions": gold.actions,
        "required_outputs": [dollars(total)],
    }


def _valid_certificate(user: User) -> Certificate | None:
    valid = [
        m
        for m in user.payment_methods.values()
        if isinstance(m, Certificate) and m.expires >= rules.TODAY.isoformat() and m.balance > 0
    ]
    return valid[0] if len(valid) == 1 else None


def book_with_certificate(ctx: Context) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: _valid_certificate(u) is not None)
    certificate = _valid_certificate(user)
    assert certificate is not None
    for _ in range(100):
        origin, destination, day, best = _cheapest_direct(ctx, "economy", 1)
        total = _total(user, "economy", [best["prices"]["economy"]], 1, 1, insurance=False)
        if total > certificate.balance:
            break
    else:
        raise NoCandidate("no flight costs more than the certificate")
    card = ctx.facts.card(user)
    rest = rules.money(total - certificate.balance)
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    _book(
        gold,
        user,
        origin,
        destination,
        "one_way",
        "economy",
        [{"flight_number": best["flight_number"], "date": day}],
        [person(user)],
        [{"payment_id": certificate.id, "amount": certificate.balance}, {"payment_id": card.id, "amount": rest}],
        1,
        False,
    )
    return {
        "description": "Booking paid with a certificate's full balance and the rest on a card; the card amount is "
        "computed.",
        "tags": ["write", "booking", "payment-split", "certificate", "computed-output"],
        "user_scenario": scenario(
            f"Hi, I want to fly from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} on {spoken(day)} and "
            "use my travel certificate.",
            {
                "user id": user.user_id,
                "origin": _airport(ctx, origin),
                "destination": _airport(ctx, destination),
                "travel date": spoken(day),
                "cabin": "economy",
                "passengers": "just me",
                "checked bags": "1",
                "travel insurance": "no",
                "payment method": f"my travel certificate first, then {card_words(card)}",
            },
            [
                "Book the cheapest direct economy flight that day, one way, for yourself, with one checked bag and "
                "no insurance.",
                f"Use the whole balance of your travel certificate and put the rest on {card_words(card, 'your')}.",
                "Ask how much will go on the card.",
            ],
        ),
        "gold_actions": gold.actions,
        "required_outputs": [dollars(rest)],
    }


def book_expired_certificate(ctx: Context) -> dict:
    def only_expired(u: User) -> bool:
        certificates = [m for m in u.payment_methods.values() if isinstance(m, Certificate)]
        return len(certificates) == 1 and certificates[0].expires < rules.TODAY.isoformat()

    user = ctx.pick.user(ctx.facts.db, only_expired)
    certificate = next(m for m in user.payment_methods.values() if isinstance(m, Certificate))
    origin, destination, day, best = _cheapest_direct(ctx, "economy", 1)
    card = ctx.facts.card(user)
    total = _total(user, "economy", [best["prices"]["economy"]], 1, 0, insurance=False)
    gold = Gold(ctx.domain)
    flights = [{"flight_number": best["flight_number"], "date": day}]
    gold("get_user_details", user_id=user.user_id)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    amount = min(certificate.balance, total)
    tried = [{"payment_id": certificate.id, "amount": amount}] + (
        [{"payment_id": card.id, "amount": rules.money(total - amount)}] if total > amount else []
    )
    gold.refused(
        "expired",
        "book_reservation",
        user_id=user.user_id,
        origin=origin,
        destination=destination,
        trip_type="one_way",
        cabin="economy",
        flights=flights,
        passengers=[person(user)],
        payment_methods=tried,
        checked_bags=0,
        insurance=False,
    )
    _book(
        gold,
        user,
        origin,
        destination,
        "one_way",
        "economy",
        flights,
        [person(user)],
        [{"payment_id": card.id, "amount": total}],
        0,
        False,
    )
    return {
        "description": "Booking: the customer's certificate has expired and must not be used; the card pays "
        "everything.",
        "tags": ["write", "booking", "certificate", "must-refuse-part", "time"],
        "user_scenario": scenario(
            f"Hello, please book me on a flight from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} on "
            f"{spoken(day)}. I'd like to use my certificate.",
            {
                "user id": user.user_id,
                "origin": _airport(ctx, origin),
                "destination": _airport(ctx, destination),
                "travel date": spoken(day),
                "cabin": "economy",
                "passengers": "just me",
                "checked bags": "none",
                "travel insurance": "no",
                "payment method": f"my travel certificate, or else {card_words(card)}",
            },
            [
                "Book the cheapest direct economy flight that day, one way, for yourself, no bags, no insurance.",
                "You hope to pay with your travel certificate. If the agent says it cannot be used, pay the whole "
                f"price with {card_words(card, 'your')}.",
                NO_HUMAN,
            ],
        ),
        "gold_actions": gold.actions,
        "required_outputs": [dollars(total)],
    }


def book_gift_card_split(ctx: Context) -> dict:
    def small_gift_card(u: User) -> bool:
        cards = [m for m in u.payment_methods.values() if isinstance(m, GiftCard)]
        return len(cards) == 1 and 20 <= cards[0].balance <= 120 and round(cards[0].balance) != cards[0].balance

    user = ctx.pick.user(ctx.facts.db, small_gift_card)
    gift = next(m for m in user.payment_methods.values() if isinstance(m, GiftCard))
    origin, destination, day, best = _cheapest_direct(ctx, "economy", 1)
    card = ctx.facts.card(user)
    total = _total(user, "economy", [best["prices"]["economy"]], 1, 1, insurance=True)
    rest = rules.money(total - gift.balance)
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    _book(
        gold,
        user,
        origin,
        destination,
        "one_way",
        "economy",
        [{"flight_number": best["flight_number"], "date": day}],
        [person(user)],
        [{"payment_id": gift.id, "amount": gift.balance}, {"payment_id": card.id, "amount": rest}],
        1,
        True,
    )
    return {
        "description": "Booking with insurance, paid by a gift card's whole balance (with cents) plus a card.",
        "tags": ["write", "booking", "payment-split", "gift-card", "insurance", "computed-output"],
        "user_scenario": scenario(
            f"Hi there, I'd like to book a flight from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} on "
            f"{spoken(day)}.",
            {
                "user id": user.user_id,
                "origin": _airport(ctx, origin),
                "destination": _airport(ctx, destination),
                "travel date": spoken(day),
                "cabin": "economy",
                "passengers": "just me",
                "checked bags": "1",
                "travel insurance": "yes",
                "payment method": f"my gift card first, then {card_words(card)}",
            },
            [
                "Book the cheapest direct economy flight that day, one way, for yourself, with one checked bag and "
                "travel insurance.",
                f"Use up your gift card's whole balance and put the rest on {card_words(card, 'your')}.",
                "Ask how much will be charged to the card.",
            ],
        ),
        "gold_actions": gold.actions,
        "required_outputs": [dollars(rest)],
    }


def book_around_full_flight(ctx: Context) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: len(u.saved_passengers) >= 2)
    pairs, days = _route_pairs(ctx, direct=True), _booking_days(ctx)
    for _ in range(2000):
        origin, destination = ctx.rng.choice(pairs)
        day = ctx.rng.choice(days)
        flights = search_direct_flights(ctx.facts.db, origin, destination, day)
        if len(flights) >= 2 and flights[0]["seats_left"]["economy"] < 3 and flights[1]["seats_left"]["economy"] >= 3:
            chosen = flights[1]
            break
    else:
        raise NoCandidate("no route whose first flight is nearly full")
    card = ctx.facts.card(user)
    total = _total(user, "economy", [chosen["prices"]["economy"]], 3, 0, insurance=False)
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold("search_direct_flights", origin=origin, destination=destination, date=day)
    passengers = _self_and_saved(user, 3)
    gold.refused(
        "not enough",
        "book_reservation",
        user_id=user.user_id,
        origin=origin,
        destination=destination,
        trip_type="one_way",
        cabin="economy",
        flights=[{"flight_number": flights[0]["flight_number"], "date": day}],
        passengers=passengers,
        payment_methods=[{"payment_id": card.id, "amount": total}],
        checked_bags=0,
        insurance=False,
    )
    _book(
        gold,
        user,
        origin,
        destination,
        "one_way",
        "economy",
        [{"flight_number": chosen["flight_number"], "date": day}],
        passengers,
        [{"payment_id": card.id, "amount": total}],
        0,
        False,
    )
    return {
        "description": "Booking for three: the earliest flight lacks economy seats for everyone, so the next one "
        "is booked.",
        "tags": ["write", "booking", "multi-passenger", "full-flight", "computed-output"],
        "user_scenario": scenario(
            f"Hi, I need three economy seats from {ctx.facts.city(origin)} to {ctx.facts.city(destination)} on "
            f"{spoken(day)}, as early as possible.",
            {
                "user id": user.user_id,
                "origin": _airport(ctx, origin),
                "destination": _airport(ctx, destination),
                "travel date": spoken(day),
                "passengers": _who(user, 3),
                "checked bags": "none",
                "travel insurance": "no",
                "payment method": card_words(card),
            },
            [
                "You want the earliest direct flight that day that has economy seats for all three of you, one way.",
                "No checked bags, no insurance.",
                f"Pay with {card_words(card, 'your')}. Ask for the total before confirming.",
            ],
        ),
        "gold_actions": gold.actions,
        "required_outputs": [chosen["flight_number"], dollars(total)],
    }


def group_booking_transfer(ctx: Context) -> dict:
    user = ctx.pick.user(ctx.facts.db, lambda u: True)
    origin, destination, day, _ = _cheapest_direct(ctx, "economy", 1)
    gold = Gold(ctx.domain)
    gold("get_user_details", user_id=user.user_id)
    gold(
        "transfer_to_human_agents",
        summary=f"Member {user.user_id} wants to book 7 travellers from {origin} to {destination} on {day}.",
    )
    return {
        "description": "Transfer: a group of seven is beyond the five-passenger limit, so a human agent books it.",
        "tags": ["transfer", "booking"],
        "user_scenario": scenario(
            f"Hello, I'm organising a trip for seven colleagues from {ctx.facts.city(origin)} to "
            f"{ctx.facts.city(destination)} on {spoken(day)}. Can you book us all?",
            {
                "user id": user.user_id,
                "origin": _airport(ctx, origin),
                "destination": _airport(ctx, destination),
                "travel date": spoken(day),
                "number of travellers": "seven",
            },
            [
                "You want all seven people on the same booking; you will not split the group into several bookings.",
                "If the agent offers to pass you to a colleague who handles groups, accept.",
            ],
            will_not_accept=["split", "separate reservations", "two reservations"],
        ),
        "gold_actions": gold.actions,
        "required_outputs": [],
    }
