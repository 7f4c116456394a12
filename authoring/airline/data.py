"""The airline's seed database (``data/db.json``).

``python -m authoring airline`` rewrites the file; the same seed gives the same bytes
(tests/test_authoring.py). Each record sits on one line, so the file stays a few MB and a change to
the generator shows up as a readable diff.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from authoring.airline.catalog import AIRPORTS, CARD_BRANDS, FIRST_NAMES, HUBS, LAST_NAMES
from authoring.kit import UniqueIds, db_json_by_record
from frontdesk.envs.airline import rules
from frontdesk.envs.airline.ids import certificate_id, reservation_code

SEED = 2026
CARRIER = "HY"
USERS = 560
RESERVATIONS = 2200
FIRST_CERTIFICATE = 5001
DAYS = [rules.FIRST_DAY + timedelta(days=i) for i in range((rules.LAST_DAY - rules.FIRST_DAY).days + 1)]


@dataclass(frozen=True)
class _Leg:
    """What the generator knows about a flight number beyond what the database stores."""

    number: str
    origin: str
    destination: str
    departure: int  # minutes after midnight
    arrival: int
    fares: dict[str, float]  # typical price per cabin; each day's price varies around it


def _distance_km(a: str, b: str) -> float:
    where = {code: (lat, lon) for code, _, _, lat, lon in AIRPORTS}
    (lat1, lon1), (lat2, lon2) = where[a], where[b]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _routes(rng: random.Random) -> list[tuple[str, str, int]]:
    """Directed routes with how many flights a day fly each: hub-and-spoke plus a few point-to-point."""
    codes = [a[0] for a in AIRPORTS]
    pairs = {tuple(sorted((hub, other))) for hub in HUBS for other in codes if other != hub}
    spokes = [c for c in codes if c not in HUBS]
    spoke_pairs = [(a, b) for i, a in enumerate(spokes) for b in spokes[i + 1 :]]
    pairs |= set(rng.sample(spoke_pairs, 18))
    routes = []
    for a, b in sorted(pairs):
        daily = 2 if a in HUBS and b in HUBS else (2 if rng.random() < 0.15 else 1)
        routes += [(a, b, daily), (b, a, daily)]
    return routes


def _legs(rng: random.Random) -> list[_Leg]:
    legs = []
    for origin, destination, daily in _routes(rng):
        km = _distance_km(origin, destination)
        duration = 5 * round((35 + km / 12.5) / 5)
        economy = (45 + 0.09 * km) * rng.uniform(0.9, 1.15)
        fares = {"basic_economy": 0.7 * economy, "economy": economy, "business": 2.8 * economy + 60}
        latest = min(21 * 60, 23 * 60 + 45 - duration)
        for departure in sorted(5 * rng.randint(6 * 12, latest // 5) for _ in range(daily)):
            number = f"{CARRIER}{100 + len(legs)}"
            legs.append(_Leg(number, origin, destination, departure, departure + duration, fares))
    return legs


def _flight_date(rng: random.Random, leg: _Leg, day: date) -> dict[str, Any]:
    ahead = (day - rules.TODAY).days
    if rng.random() < (0.03 if ahead <= 0 else 0.015):
        return {"status": "cancelled"}
    delay = 0
    if ahead <= 1 and rng.random() < 0.12:
        delay = rng.choice([15, 20, 30, 45, 60, 75, 90, 120, 150, 180, 200, 240, 300, 360])
    start = datetime.combine(day, time()) + timedelta(minutes=leg.departure + delay)
    end = datetime.combine(day, time()) + timedelta(minutes=leg.arrival + delay)
    record: dict[str, Any] = {"delay_minutes": delay} if delay else {}
    if end <= rules.NOW:
        return record | {"status": "landed"}
    if start <= rules.NOW:
        return record | {"status": "flying"}
    price_factor = rng.uniform(0.85, 1.3) + 0.03 * max(0, 7 - ahead)  # the last week costs more
    seats = {
        "basic_economy": 0 if rng.random() < 0.07 else rng.randint(1, 12),
        "economy": 0 if rng.random() < 0.04 else rng.randint(1, 80),
        "business": 0 if rng.random() < 0.08 else rng.randint(1, 12),
    }
    prices = {cabin: round(fare * price_factor) for cabin, fare in leg.fares.items()}
    return record | {"status": "delayed" if delay else "available", "seats": seats, "prices": prices}


def _flights(rng: random.Random, legs: list[_Leg]) -> dict[str, Any]:
    return {
        leg.number: {
            "flight_number": leg.number,
            "origin": leg.origin,
            "destination": leg.destination,
            "departure_time": _clock(leg.departure),
            "arrival_time": _clock(leg.arrival),
            "dates": {day.isoformat(): _flight_date(rng, leg, day) for day in DAYS},
        }
        for leg in legs
    }


def _birth_date(rng: random.Random, first_year: int, last_year: int) -> str:
    start = date(first_year, 1, 1)
    return (start + timedelta(days=rng.randint(0, (date(last_year, 12, 31) - start).days))).isoformat()


def _person(rng: random.Random, last_name: str | None = None) -> dict[str, str]:
    return {
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": last_name or rng.choice(LAST_NAMES),
        "date_of_birth": _birth_date(rng, 1945, 2020),
    }


class _Counter:
    def __init__(self, start: int) -> None:
        self.next = start

    def take(self) -> int:
        self.next += 1
        return self.next - 1


def _users(rng: random.Random, certificates: _Counter) -> dict[str, Any]:
    users: dict[str, Any] = {}
    ids = UniqueIds(rng)  # user ids, emails and payment ids never collide, not even across kinds
    for _ in range(USERS):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        user_id = ids.draw(lambda r, first=first, last=last: f"{first.lower()}_{last.lower()}_{r.randint(1000, 9999)}")
        email = ids.draw(
            lambda r, first=first, last=last: f"{first.lower()}.{last.lower()}{r.randint(10, 99)}@example.com"
        )
        methods: dict[str, Any] = {}
        for _ in range(rng.choices([1, 2], weights=[70, 30])[0]):
            card = ids.draw(lambda r: f"credit_card_{r.randint(1000000, 9999999)}")
            last_four = f"{rng.randint(0, 9999):04d}"
            methods[card] = {
                "kind": "credit_card",
                "id": card,
                "brand": rng.choice(CARD_BRANDS),
                "last_four": last_four,
            }
        if rng.random() < 0.35:
            gift = ids.draw(lambda r: f"gift_card_{r.randint(1000000, 9999999)}")
            methods[gift] = {"kind": "gift_card", "id": gift, "balance": round(rng.uniform(5, 400), 2)}
        for _ in range(rng.choices([0, 1, 2], weights=[60, 30, 10])[0]):
            cert = certificate_id(certificates.take())
            expires = (date(2025, 10, 1) + timedelta(days=rng.randint(0, 575))).isoformat()
            methods[cert] = {
                "kind": "certificate",
                "id": cert,
                "balance": rng.choice([50, 100, 150, 200, 250, 300, 400, 500]),
                "expires": expires,
            }
        saved_count = rng.choices([0, 1, 2, 3], weights=[30, 35, 25, 10])[0]
        users[user_id] = {
            "user_id": user_id,
            "first_name": first,
            "last_name": last,
            "email": email,
            "date_of_birth": _birth_date(rng, 1950, 2004),
            "membership": rng.choices(rules.TIERS, weights=[55, 27, 18])[0],
            "saved_passengers": [_person(rng, last if rng.random() < 0.6 else None) for _ in range(saved_count)],
            "payment_methods": methods,
            "reservation_ids": [],
        }
    return users


class _Network:
    """Route look-ups for building itineraries that really fly."""

    def __init__(self, legs: list[_Leg], flights: dict[str, Any]) -> None:
        self.legs = {leg.number: leg for leg in legs}
        self.flights = flights
        self.by_route: dict[tuple[str, str], list[_Leg]] = {}
        self.outgoing: dict[str, list[_Leg]] = {}
        for leg in legs:
            self.by_route.setdefault((leg.origin, leg.destination), []).append(leg)
            self.outgoing.setdefault(leg.origin, []).append(leg)

    def itineraries(self, origin: str, destination: str) -> list[list[_Leg]]:
        """Direct flights and one-stop connections that leave at least the minimum connection time."""
        options = [[leg] for leg in self.by_route.get((origin, destination), [])]
        for first in self.outgoing[origin]:
            for second in self.by_route.get((first.destination, destination), []):
                if second.departure >= first.arrival + rules.MIN_CONNECTION_MINUTES:
                    options.append([first, second])
        return options


def _departure(day: date, leg: _Leg) -> datetime:
    return datetime.combine(day, time()) + timedelta(minutes=leg.departure)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _payments(rng: random.Random, user: dict[str, Any], total: float) -> list[dict[str, Any]]:
    """How a booking was paid: mostly one card; sometimes a gift card or a certificate plus a card."""
    methods = list(user["payment_methods"].values())
    card = next(m["id"] for m in methods if m["kind"] == "credit_card")
    roll = rng.random()
    for kind, share in (("gift_card", 0.15), ("certificate", 0.30)):
        other = next((m for m in methods if m["kind"] == kind), None)
        if other is not None and roll < share:
            part = rules.money(
                min(total, rng.choice([50, 100, 150, 200]) if kind == "certificate" else rng.uniform(20, 200))
            )
            rest = rules.money(total - part)
            return [{"payment_id": other["id"], "amount": part, "purpose": "booking"}] + (
                [{"payment_id": card, "amount": rest, "purpose": "booking"}] if rest > 0 else []
            )
    return [{"payment_id": card, "amount": rules.money(total), "purpose": "booking"}]


def _refunds(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    net: dict[str, float] = {}
    for payment in history:
        net[payment["payment_id"]] = net.get(payment["payment_id"], 0) + payment["amount"]
    return [
        {"payment_id": pid, "amount": rules.money(-amount), "purpose": "cancellation_refund"}
        for pid, amount in net.items()
        if amount > 0
    ]


def _disrupted(network: _Network, segments: list[dict[str, Any]]) -> bool:
    for segment in segments:
        state = network.flights[segment["flight_number"]]["dates"][segment["date"]]
        if state["status"] == "cancelled" or state.get("delay_minutes", 0) >= rules.COMPENSATION_DELAY_MINUTES:
            return True
    return False


def _reservation(
    rng: random.Random, network: _Network, user: dict[str, Any], number: int, certificates: _Counter
) -> dict[str, Any] | None:
    codes = [a[0] for a in AIRPORTS]
    origin = rng.choice(codes)
    destination = rng.choice([c for c in codes if c != origin])
    trip_type = "round_trip" if rng.random() < 0.45 else "one_way"
    out_day = rng.choice(DAYS)
    back_day = out_day + timedelta(days=rng.randint(1, 7))
    if trip_type == "round_trip" and back_day > rules.LAST_DAY:
        return None
    journeys = [(origin, destination, out_day)] + (
        [(destination, origin, back_day)] if trip_type == "round_trip" else []
    )
    segments: list[dict[str, Any]] = []
    cabin = rng.choices(rules.CABINS, weights=[25, 55, 20])[0]
    for start, end, day in journeys:
        options = network.itineraries(start, end)
        if not options:
            return None
        direct = [o for o in options if len(o) == 1]
        chosen = rng.choice(direct if direct and rng.random() < 0.75 else options)
        for leg in chosen:
            price = round(leg.fares[cabin] * rng.uniform(0.85, 1.35))
            segments.append(
                {
                    "flight_number": leg.number,
                    "date": day.isoformat(),
                    "origin": leg.origin,
                    "destination": leg.destination,
                    "price": price,
                }
            )
    first_departure = _departure(out_day, network.legs[segments[0]["flight_number"]])
    if first_departure > rules.NOW and rng.random() < 0.06:
        created = rules.NOW - timedelta(minutes=rng.randint(20, 23 * 60))  # booked in the last day
    else:
        latest = min(first_departure - timedelta(hours=2), rules.NOW - timedelta(days=1))
        created = latest - timedelta(minutes=rng.randint(0, 60 * 24 * 60))
    count = rng.choices([1, 2, 3, 4, 5], weights=[45, 28, 14, 8, 5])[0]
    travellers = [{k: user[k] for k in ("first_name", "last_name", "date_of_birth")}] if rng.random() < 0.85 else []
    travellers += [dict(p) for p in user["saved_passengers"]]
    passengers = (travellers + [_person(rng) for _ in range(count)])[:count]
    free = rules.free_bags(user["membership"], cabin) * count
    checked = rng.randint(0, 2 * count)
    paid = max(0, checked - free)
    insurance = rng.random() < 0.3
    total = sum(s["price"] for s in segments) * count + paid * rules.EXTRA_BAG_FEE
    total += rules.INSURANCE_PER_PASSENGER * count if insurance else 0
    history = _payments(rng, user, total)
    cancelled = rng.random() < 0.07
    if cancelled:
        history += _refunds(history)
    reservation = {
        "reservation_id": reservation_code(number),
        "user_id": user["user_id"],
        "origin": origin,
        "destination": destination,
        "trip_type": trip_type,
        "cabin": cabin,
        "flights": segments,
        "passengers": passengers,
        "checked_bags": checked,
        "paid_bags": paid,
        "insurance": insurance,
        "payment_history": history,
        "created_at": _stamp(created),
        "status": "cancelled" if cancelled else "active",
    }
    eligible = user["membership"] != "regular" or insurance or cabin == "business"
    if not cancelled and eligible and _disrupted(network, segments) and rng.random() < 0.3:
        cert = certificate_id(certificates.take())
        user["payment_methods"][cert] = {
            "kind": "certificate",
            "id": cert,
            "balance": rules.COMPENSATION_CANCELLED * count,
            "expires": rules.certificate_expiry().isoformat(),
        }
        reservation["compensation_certificate_id"] = cert
    return reservation


def generate(seed: int = SEED) -> dict[str, Any]:
    rng = random.Random(seed)
    legs = _legs(rng)
    flights = _flights(rng, legs)
    certificates = _Counter(FIRST_CERTIFICATE)
    users = _users(rng, certificates)
    network = _Network(legs, flights)
    user_ids = sorted(users)
    reservations: dict[str, Any] = {}
    while len(reservations) < RESERVATIONS:
        user = users[rng.choice(user_ids)]
        reservation = _reservation(rng, network, user, len(reservations), certificates)
        if reservation is not None:
            reservations[reservation["reservation_id"]] = reservation
            user["reservation_ids"].append(reservation["reservation_id"])
    return {
        "airports": {code: {"code": code, "city": city, "name": name} for code, city, name, _, _ in AIRPORTS},
        "flights": flights,
        "users": users,
        "reservations": reservations,
        "next_reservation_number": len(reservations),
        "next_certificate_number": certificates.next,
    }


def render(seed: int = SEED) -> str:
    return db_json_by_record(generate(seed))
