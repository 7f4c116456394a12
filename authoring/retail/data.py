"""The retail store's seed database (``data/db.json``).

``python -m authoring retail`` rewrites the file; the same seed gives the same bytes
(tests/test_authoring.py). Everything random comes from one ``random.Random(seed)``, drawn in a
fixed order: change the order of the draws and every id changes.
"""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

from authoring.kit import UniqueIds, db_json
from authoring.retail.catalog import (
    CARD_BRANDS,
    CITIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    PRODUCT_TYPES,
    STREET_NAMES,
    STREET_TYPES,
    UNITS,
    WALLET_PROVIDERS,
)
from frontdesk.envs.retail.money import money, money_sum

SEED = 20240611

CUSTOMERS = 540
NAMESAKES = 24  # customers who share a full name with another customer (and so need a zip code to tell apart)
# Orders per customer, drawn uniformly from this list; a few "regulars" get many more.
ORDERS_PER_CUSTOMER = [0, 1, 1, 1, 2, 2, 2, 3, 3, 4]
REGULARS = 20
REGULAR_ORDERS = range(7, 12)
STATUS_WEIGHTS = {
    "pending": 24,
    "processed": 9,
    "shipped": 14,
    "delivered": 30,
    "cancelled": 9,
    "return_requested": 7,
    "exchange_requested": 7,
}


def _retail_price(rng: random.Random, amount: float) -> float:
    """Whole dollars plus a shop-style ending: 56.99, 57.49, 57.00."""
    return money(max(1, math.floor(amount)) + rng.choice([0.0, 0.49, 0.95, 0.99]))


def _products(rng: random.Random, ids: UniqueIds) -> dict[str, Any]:
    products = {}
    for name, base, options in PRODUCT_TYPES:
        product_id = ids.number("P", 4)
        # Every value but an option's first moves the price by a few percent.
        markup = {
            (opt, v): (0.0 if i == 0 else rng.choice([-0.05, 0.0, 0.05, 0.1, 0.15, 0.25]))
            for opt, values in options.items()
            for i, v in enumerate(values)
        }
        combos = list(itertools.product(*options.values()))
        chosen = sorted(rng.sample(range(len(combos)), min(len(combos), rng.randint(8, 14))))
        variants = {}
        for index in chosen:
            chosen_options = dict(zip(options, combos[index], strict=True))
            factor = 1 + sum(markup[(opt, v)] for opt, v in chosen_options.items())
            variant_id = ids.number("V", 6)
            variants[variant_id] = {
                "id": variant_id,
                "options": chosen_options,
                "price": _retail_price(rng, base * factor),
                "available": rng.random() < 0.78,
            }
        products[product_id] = {"id": product_id, "name": name, "variants": variants}
    return products


def _address(rng: random.Random) -> dict[str, str]:
    city, state, zip_prefix = rng.choice(CITIES)
    return {
        "street": f"{rng.randint(1, 9999)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_TYPES)}",
        "unit": rng.choice(UNITS) if rng.random() < 0.3 else "",
        "city": city,
        "state": state,
        "zip_code": f"{zip_prefix}{rng.randint(0, 99):02d}",
    }


def _payment_methods(rng: random.Random, ids: UniqueIds) -> dict[str, Any]:
    methods = []
    for _ in range(rng.choice([0, 1, 1, 1, 2])):
        methods.append(
            {
                "kind": "card",
                "id": ids.number("card_", 5),
                "brand": rng.choice(CARD_BRANDS),
                "last_four": f"{rng.randint(0, 9999):04d}",
            }
        )
    if rng.random() < 0.4:
        methods.append(
            {
                "kind": "gift_card",
                "id": ids.number("gift_card_", 5),
                "balance": money(rng.choice([0, rng.uniform(5, 80), rng.uniform(50, 500)])),
            }
        )
    if rng.random() < 0.4 or not methods:
        methods.append({"kind": "wallet", "id": ids.number("wallet_", 5), "provider": rng.choice(WALLET_PROVIDERS)})
    return {m["id"]: m for m in methods}


def _customers(rng: random.Random, ids: UniqueIds) -> dict[str, Any]:
    all_names = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    names = rng.sample(all_names, CUSTOMERS - NAMESAKES)
    names += rng.sample(names, NAMESAKES)
    customers: dict[str, Any] = {}
    taken_emails: set[str] = set()
    taken_name_zips: set[tuple[str, str, str]] = set()
    for first, last in names:
        address = _address(rng)
        while (first, last, address["zip_code"]) in taken_name_zips:
            address = _address(rng)
        taken_name_zips.add((first, last, address["zip_code"]))
        email = f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}".lower()
        while email in taken_emails:
            email = f"{first[0]}{last}{rng.randint(100, 999)}@{rng.choice(EMAIL_DOMAINS)}".lower()
        taken_emails.add(email)
        customer_id = ids.number("C", 6)
        customers[customer_id] = {
            "id": customer_id,
            "first_name": first,
            "last_name": last,
            "email": email,
            "address": address,
            "payment_methods": _payment_methods(rng, ids),
            "order_ids": [],
        }
    return customers


def _item(rng: random.Random, product: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    # Some prices have changed since the order was placed: refunds use what was paid.
    price = variant["price"] if rng.random() < 0.85 else _retail_price(rng, variant["price"] * rng.uniform(0.9, 1.1))
    return {
        "product_id": product["id"],
        "variant_id": variant["id"],
        "name": product["name"],
        "options": dict(variant["options"]),
        "price": price,
    }


def _payment(kind: str, method_id: str, amount: float) -> dict[str, Any]:
    return {"kind": kind, "payment_method_id": method_id, "amount": money(amount)}


def _settle_exchange(rng: random.Random, order: dict[str, Any], products: dict[str, Any], method_id: str) -> bool:
    """Turn a delivered order into one with an exchange requested; False if nothing can be exchanged."""
    exchanges, difference = [], []
    for item in rng.sample(order["items"], rng.randint(1, len(order["items"]))):
        others = [
            v
            for v in products[item["product_id"]]["variants"].values()
            if v["available"] and v["id"] != item["variant_id"]
        ]
        in_order = {i["variant_id"] for i in order["items"]} | {e["new_variant_id"] for e in exchanges}
        others = [v for v in others if v["id"] not in in_order]
        if others:
            new = rng.choice(others)
            exchanges.append({"variant_id": item["variant_id"], "new_variant_id": new["id"]})
            difference += [new["price"], -item["price"]]
    if not exchanges:
        return False
    order["exchanges"] = exchanges
    delta = money_sum(difference)
    if delta:
        order["payments"].append(_payment("payment" if delta > 0 else "refund", method_id, abs(delta)))
    return True


def _order(
    rng: random.Random, ids: UniqueIds, customer: dict[str, Any], products: dict[str, Any], product_ids: list[str]
) -> dict[str, Any]:
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    items: list[dict[str, Any]] = []
    for _ in range(rng.choice([1, 1, 2, 2, 3, 3, 4, 5])):
        product = products[rng.choice(product_ids)]
        variant = product["variants"][rng.choice(sorted(product["variants"]))]
        if all(i["variant_id"] != variant["id"] for i in items):
            items.append(_item(rng, product, variant))
    method_id = rng.choice(sorted(customer["payment_methods"]))
    order = {
        "id": ids.number("#R", 6),
        "customer_id": customer["id"],
        "status": status,
        "address": dict(customer["address"]) if rng.random() < 0.85 else _address(rng),
        "items": items,
        "payments": [_payment("payment", method_id, money_sum(i["price"] for i in items))],
        "tracking_number": None,
        "cancel_reason": None,
        "items_modified": False,
        "returned_variant_ids": [],
        "exchanges": [],
    }
    if status == "exchange_requested" and not _settle_exchange(rng, order, products, method_id):
        order["status"] = status = "delivered"
    if status in ("shipped", "delivered", "return_requested", "exchange_requested"):
        order["tracking_number"] = f"{rng.randrange(10**11, 10**12)}"
    if status == "pending":
        order["items_modified"] = rng.random() < 0.1
    elif status == "cancelled":
        order["cancel_reason"] = rng.choice(["no longer needed", "ordered by mistake"])
        order["payments"].append(_payment("refund", method_id, order["payments"][0]["amount"]))
    elif status == "return_requested":
        returned = rng.sample(items, rng.randint(1, len(items)))
        order["returned_variant_ids"] = sorted(i["variant_id"] for i in returned)
        gift_cards = sorted(m for m, v in customer["payment_methods"].items() if v["kind"] == "gift_card")
        refund_to = rng.choice(gift_cards) if gift_cards and rng.random() < 0.3 else method_id
        order["payments"].append(_payment("refund", refund_to, money_sum(i["price"] for i in returned)))
    return order


def generate(seed: int = SEED) -> dict[str, Any]:
    rng = random.Random(seed)
    ids = UniqueIds(rng)
    products = _products(rng, ids)
    customers = _customers(rng, ids)
    product_ids = sorted(products)
    regulars = set(rng.sample(sorted(customers), REGULARS))
    orders: dict[str, Any] = {}
    for customer_id in sorted(customers):
        customer = customers[customer_id]
        count = rng.choice(REGULAR_ORDERS) if customer_id in regulars else rng.choice(ORDERS_PER_CUSTOMER)
        for _ in range(count):
            order = _order(rng, ids, customer, products, product_ids)
            orders[order["id"]] = order
            customer["order_ids"].append(order["id"])
    return {"customers": customers, "products": products, "orders": orders}


def render(seed: int = SEED) -> str:
    # One level of indentation keeps the file diffable while staying a couple of megabytes.
    return db_json(generate(seed), indent=1)
