"""The mock shop's seed database (``data/db.json``), drawn from one seeded random source.

``python -m authoring mock`` rewrites the file; the same seed gives the same bytes (tests/test_authoring.py).
"""

from __future__ import annotations

import random

from authoring import kit

SEED = 7
FIRST = ["Ana", "Bruno", "Chen", "Dara", "Emeka", "Freya"]
LAST = ["Silva", "Okafor", "Li", "Novak", "Haddad", "Berg"]
STREETS = ["Oak St", "Maple Ave", "Harbor Rd", "Hill Ln", "River Dr", "Elm Ct"]
PRODUCTS = [
    ("Desk Lamp", 34.5),
    ("Wool Scarf", 22.0),
    ("Coffee Grinder", 89.99),
    ("Water Bottle", 15.25),
    ("Yoga Mat", 41.0),
    ("Notebook Set", 12.75),
]
STATUSES = ["pending", "shipped", "delivered", "pending", "cancelled", "pending"]


def generate(seed: int = SEED) -> dict:
    rng = random.Random(seed)
    products = {}
    for i, (name, price) in enumerate(PRODUCTS):
        sku = f"P{100 + i}"
        products[sku] = {"sku": sku, "name": name, "price": price, "in_stock": rng.randint(0, 40)}
    customers = {}
    for i, (first, last) in enumerate(zip(FIRST, LAST, strict=True)):
        cid = f"C{1000 + i}"
        customers[cid] = {
            "id": cid,
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower()}@example.com",
            "zip_code": f"{rng.randint(10000, 99999)}",
            "address": f"{rng.randint(1, 999)} {STREETS[i]}",
        }
    orders = {}
    skus = sorted(products)
    for i in range(12):
        oid = f"#O{5000 + i}"
        cid = f"C{1000 + i % len(customers)}"
        items = []
        for sku in sorted(rng.sample(skus, rng.randint(1, 3))):
            items.append({"sku": sku, "quantity": rng.randint(1, 3), "unit_price": products[sku]["price"]})
        status = STATUSES[i % len(STATUSES)]
        orders[oid] = {
            "id": oid,
            "customer_id": cid,
            "status": status,
            "items": items,
            "shipping_address": customers[cid]["address"],
            "cancel_reason": "no longer needed" if status == "cancelled" else None,
        }
    return {"customers": customers, "products": products, "orders": orders}


def render(seed: int = SEED) -> str:
    return kit.db_json(generate(seed), indent=2)
