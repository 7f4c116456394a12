"""Rules the write tools share: what a valid address is, which items may be swapped for which."""

from __future__ import annotations

import re
from dataclasses import dataclass

from frontdesk.envs.retail.db import Address, Order, OrderItem, RetailDB, Variant
from frontdesk.envs.retail.lookups import find_variant
from frontdesk.envs.retail.money import money_sum
from frontdesk.tools import ToolError

US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
    ]
)
_ZIP = re.compile(r"^\d{5}$")


_DESIGNATORS = {
    "apt": "Apt", "apartment": "Apt", "suite": "Suite", "ste": "Suite", "unit": "Unit",
    "fl": "Floor", "floor": "Floor", "room": "Room", "rm": "Room", "#": "#",
}  # fmt: skip
_UNIT = r"(?P<designator>apartment|apt|suite|ste|unit|floor|fl|room|rm|#)\.?\s*(?P<number>(?=[\w-]*\d)[\w-]+|[A-Za-z])"
_UNIT_AT_END = re.compile(r"^(?P<street>.*?\S)[,\s]+" + _UNIT + r"$", re.IGNORECASE)
_UNIT_ONLY = re.compile(r"^" + _UNIT + r"$", re.IGNORECASE)


def split_unit(street: str, unit: str) -> tuple[str, str]:
    """The street and the unit, however the customer split them: "430 Forest Way, Suite 210" with no
    unit is street "430 Forest Way", unit "Suite 210", and "ste. 210" is "Suite 210" — one address is
    stored one way, so an agent is not failed for which line it put the suite on."""
    if not unit and (m := _UNIT_AT_END.match(street)):
        street, unit = m["street"].rstrip(","), f"{m['designator']} {m['number']}"
    if m := _UNIT_ONLY.match(unit):
        designator = _DESIGNATORS[m["designator"].lower()]
        number = m["number"].upper()  # "9f" and "9F" are one flat
        unit = f"#{number}" if designator == "#" else f"{designator} {number}"
    return street, unit


def make_address(street: str, unit: str, city: str, state: str, zip_code: str) -> Address:
    """A clean address from what the customer said (spacing, the state's case and the unit's line normalised)."""
    street, unit, city = " ".join(street.split()), " ".join(unit.split()), " ".join(city.split())
    street, unit = split_unit(street, unit)
    state, zip_code = state.strip().upper(), zip_code.strip()
    if not street or not city:
        raise ToolError("an address needs a street (with number) and a city; neither may be empty")
    if state not in US_STATES:
        raise ToolError(f"state {state!r} is not a US state code; use two letters such as 'CA' or 'NY'")
    if not _ZIP.match(zip_code):
        raise ToolError(f"zip code {zip_code!r} is not valid; we ship only to US addresses with a five-digit zip code")
    return Address(street=street, unit=unit, city=city, state=state, zip_code=zip_code)


def order_items(order: Order, variant_ids: list[str], action: str) -> list[OrderItem]:
    """The order's items with these variant ids, each named once; ToolError for anything else."""
    if not variant_ids:
        raise ToolError(f"name at least one item to {action} (the variant ids shown in the order's items)")
    if len(set(variant_ids)) != len(variant_ids):
        raise ToolError(f"each item may be named only once; got {variant_ids}")
    by_variant = {item.variant_id: item for item in order.items}
    missing = [v for v in variant_ids if v not in by_variant]
    if missing:
        raise ToolError(
            f"order {order.id} has no item with variant id {', '.join(missing)}; its items are: "
            + ", ".join(f"{i.variant_id} ({i.name})" for i in order.items)
        )
    return [by_variant[v] for v in variant_ids]


@dataclass
class Swap:
    item: OrderItem
    new: Variant


def plan_swaps(
    db: RetailDB, order: Order, variant_ids: list[str], new_variant_ids: list[str], action: str
) -> list[Swap]:
    """Pair each item with its replacement: another available variant of the same product."""
    items = order_items(order, variant_ids, action)
    if len(new_variant_ids) != len(variant_ids):
        raise ToolError(
            f"give one new variant per item: {len(variant_ids)} item(s) but {len(new_variant_ids)} new variant(s)"
        )
    if len(set(new_variant_ids)) != len(new_variant_ids):
        raise ToolError(f"each new variant may be named only once; got {new_variant_ids}")
    kept = {i.variant_id for i in order.items} - set(variant_ids)
    swaps = []
    for item, new_id in zip(items, new_variant_ids, strict=True):
        product, new = find_variant(db, new_id)
        if product.id != item.product_id:
            raise ToolError(
                f"item {item.variant_id} ({item.name}) can only be swapped for another variant of the same product "
                f"({item.product_id}); {new_id} is a {product.name} ({product.id})"
            )
        if new.id == item.variant_id:
            raise ToolError(f"{new_id} is the variant already in the order; choose a different variant of {item.name}")
        if not new.available:
            raise ToolError(
                f"variant {new_id} of {item.name} ({_options(new)}) is not available; "
                "only available variants can be ordered"
            )
        if new.id in kept:
            raise ToolError(f"order {order.id} already holds variant {new_id}; an order holds each variant once")
        swaps.append(Swap(item=item, new=new))
    return swaps


def price_difference(swaps: list[Swap]) -> float:
    """What the new variants cost now minus what was paid for the old ones (negative: money back)."""
    return money_sum([s.new.price for s in swaps] + [-s.item.price for s in swaps])


def _options(variant: Variant) -> str:
    return ", ".join(f"{k} {v}" for k, v in variant.options.items())
