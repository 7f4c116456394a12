"""What the task families are written with: drafts that run their gold actions as they are added,
a pool that hands out customers and orders without repeats, and the phrases customers use.

A draft executes every gold action on its own copy of the database the moment it is added, so a
task can only state amounts the tools really produce, and a gold action that fails stops the script.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from frontdesk.envs.retail.catalog import CITIES, STREET_NAMES, STREET_TYPES, UNITS
from frontdesk.envs.retail.db import Address, Customer, GiftCard, Order, OrderItem, PaymentMethod, RetailDB, Variant
from frontdesk.envs.retail.money import dollars
from frontdesk.envs.task import Action
from frontdesk.tools import Tool, ToolError
from frontdesk.tools.toolkit import to_content

T = TypeVar("T")
Identity = Literal["email", "name_zip"]


class GoldActionFailed(RuntimeError):
    """A family wrote a gold action the tools refuse: a bug in the family, not in the data."""


class PoolExhausted(RuntimeError):
    """No unused candidate is left for a family: ask for fewer tasks or widen the candidates."""


# --- how customers say things -------------------------------------------------------------------


def options_phrase(options: dict[str, str]) -> str:
    return ", ".join(f"{name}: {value}" for name, value in sorted(options.items()))


def item_phrase(item: OrderItem) -> str:
    return f"the {item.name} ({options_phrase(item.options)})"


def variant_phrase(name: str, variant: Variant) -> str:
    return f"the {name} ({options_phrase(variant.options)})"


def address_phrase(address: Address) -> str:
    unit = f", {address.unit}" if address.unit else ""
    return f"{address.street}{unit}, {address.city}, {address.state} {address.zip_code}"


def address_arguments(address: Address) -> dict[str, str]:
    """The address tools' arguments for ``address``; ``unit`` only when there is one, as a person would."""
    arguments = {"street": address.street, "city": address.city, "state": address.state, "zip_code": address.zip_code}
    if address.unit:
        arguments["unit"] = address.unit
    return arguments


def method_phrase(method: PaymentMethod, whose: str = "your") -> str:
    """How the customer names a payment method: "my gift card" in their own words, "your …" in instructions."""
    if isinstance(method, GiftCard):
        return f"{whose} gift card"
    if method.kind == "card":
        return f"{whose} {method.brand} card ending in {method.last_four}"
    return f"{whose} {method.provider} account"


def listing(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


# --- a task being written --------------------------------------------------------------------------


@dataclass
class Draft:
    family: str
    description: str
    db: RetailDB
    tools: dict[str, Tool]
    tags: list[str] = field(default_factory=list)
    reason: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    instructions: list[str] = field(default_factory=list)
    will_not_accept: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def run(self, name: str, **arguments: Any) -> Any:
        """Add a gold action and return what the tool returned (parsed JSON when it is JSON).

        The tool runs as a Toolkit runs it (arguments checked against its schema, rules enforced)
        but without a rollback snapshot before each write: a refused action stops the script, so
        there is never anything to roll back.
        """
        tool = self.tools[name]
        problems = [e.message for e in tool.validator.iter_errors(arguments)]
        if problems:
            raise GoldActionFailed(f"{self.family}: {name}({arguments}) has invalid arguments: {'; '.join(problems)}")
        try:
            content = to_content(tool.fn(self.db, **arguments))
        except ToolError as e:
            raise GoldActionFailed(f"{self.family}: {name}({arguments}) was refused: {e}") from None
        self.actions.append(Action(name=name, arguments=arguments))
        try:
            return json.loads(content)
        except json.JSONDecodeError:
            return content

    def identify(self, customer: Customer, how: Identity) -> None:
        """The customer proves who they are, the way ``how`` says; the agent looks them up."""
        if how == "email":
            self.facts.update({"name": f"{customer.first_name} {customer.last_name}", "email": customer.email})
            self.run("find_customer_id_by_email", email=customer.email)
            self.tags.append("identity-email")
        else:
            self.facts.update(
                {
                    "first name": customer.first_name,
                    "last name": customer.last_name,
                    "zip code": customer.address.zip_code,
                }
            )
            self.unknown.append("email")
            self.instructions.append(
                "You do not remember which email address your account uses; to identify yourself you give your "
                f"name and the zip code on your account, {customer.address.zip_code}."
            )
            self.run(
                "find_customer_id_by_name_zip",
                first_name=customer.first_name,
                last_name=customer.last_name,
                zip_code=customer.address.zip_code,
            )
            self.tags.append("identity-name-zip")

    def say(self, *outputs: float | str) -> None:
        """Values the agent must tell the customer; amounts are written as dollars."""
        self.outputs.extend(o if isinstance(o, str) else dollars(o) for o in outputs)

    def task(self, task_id: str, split: str) -> dict[str, Any]:
        if not self.reason or not self.instructions:
            raise ValueError(f"{self.family}: a task needs a reason for contact and instructions")
        return {
            "id": task_id,
            "split": split,
            "description": self.description,
            "tags": sorted(set(self.tags)),
            "user_scenario": {
                "reason_for_contact": self.reason,
                "known_facts": self.facts,
                "unknown_facts": self.unknown,
                "instructions": self.instructions,
                "will_not_accept": self.will_not_accept,
            },
            "gold_actions": [a.model_dump(exclude={"requestor"}) for a in self.actions],
            "required_outputs": self.outputs,
        }


# --- choosing customers and orders ---------------------------------------------------------------


class Pool:
    """The seed database, read-only, with a seeded random source and memory of what was used."""

    def __init__(self, db: RetailDB, rng: random.Random, new_draft: Callable[..., Draft]) -> None:
        self.db = db
        self.rng = rng
        self.new_draft = new_draft
        self.used: set[tuple[str, str]] = set()

    def take(self, family: str, candidates: Iterable[T], key: Callable[[T], str]) -> T:
        """A random candidate not yet used by ``family`` (by ``key``), marked as used."""
        fresh = [c for c in candidates if (family, key(c)) not in self.used]
        if not fresh:
            raise PoolExhausted(f"{family}: no unused candidate left")
        chosen = self.rng.choice(fresh)
        self.used.add((family, key(chosen)))
        return chosen

    def customer(self, order: Order) -> Customer:
        return self.db.customers[order.customer_id]

    def orders(self, *statuses: str, where: Callable[[Order], bool] = lambda o: True) -> list[Order]:
        return [o for _, o in sorted(self.db.orders.items()) if (not statuses or o.status in statuses) and where(o)]

    def customers(self, where: Callable[[Customer], bool]) -> list[Customer]:
        return [c for _, c in sorted(self.db.customers.items()) if where(c)]

    def customer_orders(self, customer: Customer, *statuses: str) -> list[Order]:
        orders = [self.db.orders[i] for i in customer.order_ids]
        return [o for o in orders if not statuses or o.status in statuses]

    def has_namesake(self, customer: Customer) -> bool:
        return any(
            (c.first_name, c.last_name) == (customer.first_name, customer.last_name) and c.id != customer.id
            for c in self.db.customers.values()
        )

    def identity(self, customer: Customer) -> Identity:
        """Mostly email; by name and zip code a third of the time, and always when a namesake exists."""
        return "name_zip" if self.has_namesake(customer) or self.rng.random() < 0.33 else "email"

    def alternatives(self, item: OrderItem, order: Order, *, available: bool = True) -> list[Variant]:
        """Other variants of the item's product that the order does not hold, by availability."""
        held = {i.variant_id for i in order.items}
        variants = self.db.products[item.product_id].variants.values()
        return [v for v in sorted(variants, key=lambda v: v.id) if v.available == available and v.id not in held]

    def new_address(self, avoid: Address) -> Address:
        while True:
            city, state, zip_prefix = self.rng.choice(CITIES)
            address = Address(
                street=f"{self.rng.randint(1, 999)} {self.rng.choice(STREET_NAMES)} {self.rng.choice(STREET_TYPES)}",
                unit=self.rng.choice(UNITS) if self.rng.random() < 0.4 else "",
                city=city,
                state=state,
                zip_code=f"{zip_prefix}{self.rng.randint(0, 99):02d}",
            )
            if address != avoid:
                return address


# --- facts about orders the families need -----------------------------------------------------------


def original_method(order: Order) -> str:
    """The payment method the order was first paid with."""
    return order.payments[0].payment_method_id


def can_pay(customer: Customer, method_id: str, amount: float) -> bool:
    method = customer.payment_methods[method_id]
    return amount <= 0 or not isinstance(method, GiftCard) or method.balance >= amount


def swap_plan(pool: Pool, order: Order, count: int) -> list[tuple[OrderItem, Variant]]:
    """``count`` items of the order, each with an available replacement that changes as few options as
    possible (the way people exchange: another size, another colour); [] when the order has too few."""
    swappable = [item for item in order.items if pool.alternatives(item, order)]
    if len(swappable) < count:
        return []
    chosen = sorted(pool.rng.sample(swappable, count), key=order.items.index)
    plan: list[tuple[OrderItem, Variant]] = []
    for item in chosen:
        taken = {v.id for _, v in plan}
        candidates = [v for v in pool.alternatives(item, order) if v.id not in taken]
        if not candidates:
            return []
        changed = {v.id: sum(v.options[k] != item.options.get(k) for k in v.options) for v in candidates}
        fewest = min(changed.values())
        plan.append((item, pool.rng.choice([v for v in candidates if changed[v.id] == fewest])))
    return plan


def swap_phrase(item: OrderItem, new: Variant) -> str:
    return f"{item_phrase(item)} for the one with {options_phrase(new.options)}"
