"""The telecom seed database (``data/db.json``).

``python -m authoring telecom`` rewrites the file; the same seed gives the same bytes
(tests/test_authoring.py). Every phone in the seed works: tasks break the phone or line of their
own customer through ``initial_state``.
"""

from __future__ import annotations

import random

from authoring.kit import db_json
from frontdesk.envs.telecom.device import CARRIER_APN_NAME, CARRIER_MMSC_URL, HOME_COUNTRY
from frontdesk.envs.telecom.user_tools import APP_PERMISSIONS

SEED = 5
CUSTOMERS = 36
FIRST = [
    "Amara",
    "Bastian",
    "Celeste",
    "Dmitri",
    "Esme",
    "Farid",
    "Greta",
    "Hiroshi",
    "Ines",
    "Jonah",
    "Kalinda",
    "Lorenzo",
    "Maren",
    "Nikhil",
    "Odette",
    "Pavel",
    "Quinn",
    "Rosalind",
    "Soren",
    "Talia",
    "Umar",
    "Vesna",
    "Wendell",
    "Ximena",
    "Yusuf",
    "Zora",
]
LAST = [
    "Abernathy",
    "Brandt",
    "Castellanos",
    "Dubois",
    "Eriksen",
    "Fontaine",
    "Gallagher",
    "Hoshino",
    "Iqbal",
    "Jovanovic",
    "Kowalczyk",
    "Lindqvist",
    "Mbeki",
    "Nakamura",
    "Oyelaran",
    "Petrakis",
    "Quintero",
    "Rasmussen",
]
AREA_CODES = ["206", "312", "415", "512", "617", "646"]
PLANS = [
    # id, name, monthly fee, data GB (None: unlimited), speed cap Mbps, roaming allowed, refill $/GB
    ("basic", "Basic 5", 25.0, 5.0, 5.0, False, 10.0),
    ("standard", "Standard 15", 45.0, 15.0, None, True, 8.0),
    ("plus", "Plus 40", 60.0, 40.0, None, True, 6.0),
    ("unlimited", "Unlimited", 80.0, None, None, True, None),
]
PLAN_WEIGHTS = [3, 4, 3, 2]
MODELS = [
    # model, 5G, Wi-Fi calling
    ("Pixel 8", True, True),
    ("Galaxy S23", True, True),
    ("iPhone 14", True, True),
    ("Moto G Play", False, True),
    ("Galaxy A13", False, True),
    ("Nokia G10", False, False),
]
BILL_PERIODS = [("2025-04", "2025-05-05", "paid"), ("2025-05", "2025-06-05", "paid"), ("2025-06", "2025-07-05", "open")]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _device(rng: random.Random, device_id: str, line_id: str) -> dict:
    model, supports_5g, supports_wifi_calling = rng.choice(MODELS)
    return {
        "id": device_id,
        "line_id": line_id,
        "model": model,
        "imei": _digits(rng, 15),
        "supports_5g": supports_5g,
        "supports_wifi_calling": supports_wifi_calling,
        "settings": {
            "airplane_mode": False,
            "sim_seated": True,
            "sim_lock": "none",
            "sim_pin": _digits(rng, 4),
            "mobile_data": True,
            "data_roaming": False,
            "data_saver": False,
            "network_mode": "5g" if supports_5g else "4g",
            "apn": {"name": CARRIER_APN_NAME, "mmsc_url": CARRIER_MMSC_URL},
            "restart_pending": False,
            "wifi": True,
            "wifi_calling": supports_wifi_calling and rng.random() < 0.4,
            "vpn": False,
            "app_permissions": {app: sorted(perms) for app, perms in APP_PERMISSIONS.items()},
        },
        "location": {
            "country": HOME_COUNTRY,
            "signal_bars": rng.choice([2, 3, 4]),
            "wifi_available": rng.random() < 0.75,
        },
    }


def generate(seed: int = SEED) -> dict:
    rng = random.Random(seed)
    plans = {
        pid: {
            "id": pid,
            "name": name,
            "monthly_fee": fee,
            "data_gb": data,
            "speed_cap_mbps": cap,
            "roaming_allowed": roaming,
            "refill_price_per_gb": refill,
        }
        for pid, name, fee, data, cap, roaming, refill in PLANS
    }
    names = rng.sample([(f, last) for f in FIRST for last in LAST], CUSTOMERS)
    numbers = iter(rng.sample(range(100, 10000), 3 * CUSTOMERS))
    customers, lines, devices, bills = {}, {}, {}, {}
    for i, (first, last) in enumerate(names):
        cid = f"C{1000 + i}"
        customers[cid] = {
            "id": cid,
            "name": f"{first} {last}",
            "date_of_birth": f"{rng.randint(1948, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "email": f"{first.lower()}.{last.lower()}@example.com",
        }
        fees = 0.0
        for _ in range(2 if rng.random() < 0.35 else 1):
            lid, did = f"L{1000 + len(lines)}", f"D{1000 + len(lines)}"
            plan = plans[rng.choices(list(plans), weights=PLAN_WEIGHTS)[0]]
            used = rng.uniform(2.0, 60.0) if plan["data_gb"] is None else rng.uniform(0.1, 0.8) * plan["data_gb"]
            lines[lid] = {
                "id": lid,
                "customer_id": cid,
                "phone_number": f"{rng.choice(AREA_CODES)}-555-{next(numbers):04d}",
                "plan_id": plan["id"],
                "device_id": did,
                "status": "active",
                "suspension_reason": None,
                "data_used_gb": round(used, 1),
                "data_refill_gb": 0.0,
                "roaming_enabled": False,
                "wifi_calling_enabled": rng.random() < 0.3,
                "sim_puk": _digits(rng, 8),
            }
            devices[did] = _device(rng, did, lid)
            fees += plan["monthly_fee"]
        for period, due, status in BILL_PERIODS:
            bid = f"B{1000 + i}-{period[-2:]}"
            extras = round(rng.uniform(0.5, 12.0), 2) if rng.random() < 0.5 else 0.0
            bills[bid] = {
                "id": bid,
                "customer_id": cid,
                "period": period,
                "amount": round(fees + extras, 2),
                "due_date": due,
                "status": status,
                "payment_requested": False,
            }
    return {
        "customers": customers,
        "plans": plans,
        "lines": lines,
        "bills": bills,
        "devices": devices,
        "caller_device_id": None,
    }


def render(seed: int = SEED) -> str:
    return db_json(generate(seed), indent=2)
