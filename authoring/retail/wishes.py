"""What customers want, said as a need the agent resolves from the data rather than as the exact
arguments: "the same hoodie one size up", "whichever navy one is cheapest", "my gift card".

Every wish is checked against the seed data when it is made: it must pick out exactly one variant
(or one payment method, one order), the one the gold actions use, or it is not offered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from authoring.kit import listing
from authoring.retail.drafting import Pool
from authoring.retail.phrases import item_phrase, method_phrase, options_phrase
from frontdesk.envs.retail.db import Card, Customer, GiftCard, Order, OrderItem, PaymentMethod, Variant

# Sizes in order, smallest first: "one size up" is the next one on the ladder the value sits on.
LADDERS = [
    ["XS", "S", "M", "L", "XL"],
    ["6", "7", "8", "9", "10", "11", "12"],
    ["twin", "full", "queen", "king"],
    ["mini", "medium", "large"],
    ["small", "medium", "large"],
]
COLOUR_OPTIONS = ("colour", "finish", "frame", "dial")


@dataclass(frozen=True)
class Wish:
    """A replacement variant and how the customer asks for it."""

    item: OrderItem
    variant: Variant
    words: str  # e.g. "the same Hoodie one size up"
    kind: str  # size-step, recolour, cheapest-in, cheapest
    option: str = ""  # for cheapest-in: the option the customer names, and its value
    value: str = ""

    @property
    def check(self) -> str:
        """What the customer can check a proposal against (never volunteered): the options it must have."""
        return options_phrase(self.variant.options)


def _step(old: str, new: str) -> int | None:
    """+1 for one size up, -1 for one size down, None when the two are not neighbours on one ladder."""
    for ladder in LADDERS:
        if old in ladder and new in ladder:
            step = ladder.index(new) - ladder.index(old)
            return step if step in (1, -1) else None
    return None


def _differs(item: OrderItem, variant: Variant) -> list[str]:
    return [k for k in sorted(variant.options) if variant.options[k] != item.options.get(k)]


def wishes(pool: Pool, item: OrderItem, order: Order) -> list[Wish]:
    """Every way the customer could ask for another variant of ``item`` that names exactly one of the
    available variants the order does not hold."""
    candidates = pool.alternatives(item, order)
    # "Cheapest" is judged over every available variant but the item itself, so a variant the order
    # already holds never makes the cheapest one ambiguous: when it is the cheapest, the wish is not offered.
    in_stock = [
        v for v in pool.db.products[item.product_id].variants.values() if v.available and v.id != item.variant_id
    ]

    def cheapest_of(group: list[Variant]) -> Variant | None:
        prices = sorted(v.price for v in group)
        best = min(group, key=lambda v: v.price) if group else None
        unique = len(group) >= 2 and prices[0] < prices[1]
        return best if unique and best in candidates else None

    name = item.name
    found: list[Wish] = []
    for variant in candidates:
        changed = _differs(item, variant)
        if changed == ["size"]:
            step = _step(item.options["size"], variant.options["size"])
            if step is not None:
                found.append(
                    Wish(item, variant, f"the same {name} one size {'up' if step > 0 else 'down'}", "size-step")
                )
        if len(changed) == 1 and changed[0] in COLOUR_OPTIONS:
            found.append(Wish(item, variant, f"the same {name} but in {variant.options[changed[0]]}", "recolour"))
    # "Whichever <value> one is cheapest": at least two to choose from, one clearly cheapest.
    for option in sorted(item.options):
        for value in sorted({v.options[option] for v in candidates} - {item.options[option]}):
            cheapest = cheapest_of([v for v in in_stock if v.options[option] == value])
            if cheapest is not None:
                phrase = f"in {value}" if option in COLOUR_OPTIONS else f"with {value} {option}"
                found.append(
                    Wish(item, cheapest, f"whichever {name} {phrase} is cheapest", "cheapest-in", option, value)
                )
    cheapest = cheapest_of(in_stock) if len(in_stock) >= 3 else None
    if cheapest is not None and cheapest.price < item.price:
        found.append(Wish(item, cheapest, f"the cheapest {name} you have in stock", "cheapest"))
    return found


def pick_wishes(pool: Pool, order: Order, count: int, keep: Callable[[Wish], bool] = lambda w: True) -> list[Wish]:
    """``count`` items of the order, each with a wish for a different replacement; [] when it has too few."""
    by_item = {i.variant_id: [w for w in wishes(pool, i, order) if keep(w)] for i in order.items}
    items = [i for i in order.items if by_item[i.variant_id]]
    if len(items) < count:
        return []
    chosen: list[Wish] = []
    for item in sorted(pool.rng.sample(items, count), key=order.items.index):
        options = [w for w in by_item[item.variant_id] if w.variant.id not in {c.variant.id for c in chosen}]
        if not options:
            return []
        chosen.append(pool.rng.choice(options))
    return chosen


def wishful(pool: Pool, order: Order, count: int = 1) -> bool:
    """Whether ``count`` items of the order can each be asked for as a wish."""
    return sum(bool(wishes(pool, i, order)) for i in order.items) >= count


# --- payment methods ---------------------------------------------------------------------------------


def method_wish(customer: Customer, method: PaymentMethod) -> str | None:
    """How the customer names a payment method by what it is, when that names only one of theirs:
    "my gift card", "my PayPal", "my Visa"; None when it would be ambiguous."""
    methods = list(customer.payment_methods.values())
    if isinstance(method, GiftCard):
        return "my gift card" if sum(isinstance(m, GiftCard) for m in methods) == 1 else None
    if isinstance(method, Card):
        same = [m for m in methods if isinstance(m, Card) and m.brand == method.brand]
        if len(same) == 1:
            cards = sum(isinstance(m, Card) for m in methods)
            return "my credit card" if cards == 1 else f"my {method.brand}"
        return None
    same = [m for m in methods if m.kind == "wallet" and m.provider == method.provider]
    return f"my {method.provider}" if len(same) == 1 else None


# --- orders ----------------------------------------------------------------------------------------


def telltale_item(pool: Pool, customer: Customer, order: Order) -> OrderItem | None:
    """An item of ``order`` whose product is in no other order of the customer: "the order with the
    Hoodie in it" then names one order."""
    others = [pool.db.orders[i] for i in customer.order_ids if i != order.id]
    held = {i.product_id for o in others for i in o.items}
    unique = [i for i in order.items if i.product_id not in held]
    return unique[0] if unique else None


def wish_instruction(wanted: list[Wish], verb: str = "swap", where: str = "") -> str:
    """What the customer wants, in the words they use, with what to check the agent's proposal against;
    ``where`` (e.g. "In order #R1: ") goes in front."""
    asks = listing([f"{item_phrase(w.item)} for {w.words}" for w in wanted])
    checks = "; ".join(f"for the {w.item.name}, {w.check}" for w in wanted)
    return (
        f"{where}{'y' if where else 'Y'}ou want to {verb} {asks}. Say it in those words: you do not know variant ids, and you do not list "
        f"the replacement's options yourself. The right replacement is ({checks}): accept a proposal only if it "
        "matches, but do not volunteer these details."
    )


def method_words(customer: Customer, method: PaymentMethod, whose: str = "your") -> str:
    """How the customer names a payment method: by what it is when that is enough ("your gift card"),
    else by its label; "my …" in the customer's own words, "your …" in their instructions."""
    words = method_wish(customer, method)
    return f"{whose} {words.removeprefix('my ')}" if words else method_phrase(method, whose)


def take_wished(pool: Pool, family: str, orders: list[Order], count: int) -> tuple[Order, list[Wish]]:
    """An unused order of ``orders`` with ``count`` wishes drawn for it."""
    while True:
        order = pool.take(family, orders)
        wanted = pick_wishes(pool, order, count)
        if wanted:
            return order, wanted
