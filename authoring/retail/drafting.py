"""What the retail scenarios are written with: drafts that run their gold actions as they are added,
and a pool that hands out customers and orders without repeats.

A draft executes every gold action on its own copy of the database the moment it is added, so a
task can only state amounts the tools really produce, and a gold action that fails stops the script.
How customers say things is in phrases.py; the gold actions several families share, in gold.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from authoring.kit import Gold, Picker, task_record, user_scenario
from authoring.kit import state_after as kit_state_after
from authoring.retail.catalog import CITIES, STREET_NAMES, STREET_TYPES, UNITS
from frontdesk.envs.domain import Domain
from frontdesk.envs.retail.db import (
    Address,
    Customer,
    GiftCard,
    Order,
    OrderItem,
    Product,
    RetailDB,
    Variant,
)
from frontdesk.envs.retail.money import dollars
from frontdesk.envs.retail.write_tools import WRITE_TOOLS

R = TypeVar("R", Customer, Order, Product)
WRITE_TOOL_NAMES = frozenset(t.name for t in WRITE_TOOLS)
Identity = Literal["email", "name_zip"]


# --- a task being written --------------------------------------------------------------------------


@dataclass
class Draft:
    family: str
    description: str
    gold: Gold
    tags: list[str] = field(default_factory=list)
    reason: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    instructions: list[str] = field(default_factory=list)
    will_not_accept: list[str] = field(default_factory=list)
    outputs: list[Any] = field(default_factory=list)
    forbidden_outputs: list[Any] = field(default_factory=list)
    required_actions: list[dict[str, Any]] = field(default_factory=list)
    forbidden_actions: list[dict[str, Any]] = field(default_factory=list)
    follows: str | None = None  # the id of the task whose outcome this one starts from

    def run(self, name: str, **arguments: Any) -> Any:
        """Add a gold action and return what the tool returned (parsed JSON when it is JSON)."""
        return self.gold(name, **arguments)

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
        """Values the agent must tell the customer that have no direction (a price, a balance, a total
        ordered); amounts are written as dollars."""
        self.outputs.extend(o if isinstance(o, str) else dollars(o) for o in outputs)

    def say_refund(self, amount: float) -> None:
        """Money the customer gets back (a cancellation, a return): an amount with its direction."""
        self.outputs.append(money_back(amount))

    def say_difference(self, difference: float) -> None:
        """A price difference as the tools give it (new minus old): a charge when positive, a refund when
        negative, so "$9.51 more" for a refund of 9.51 is not taken as right."""
        self.outputs.append(signed_amount(difference))

    def say_phrases(self, what: str, *groups: list[str]) -> None:
        """Words the agent must use, in any one wording per group (a status, a policy reason)."""
        self.outputs.append({"kind": "phrases", "what": what, "all_of": [list(g) for g in groups]})

    def require(self, name: str, **arguments: Any) -> None:
        """A look-up (or write) a good agent must have made successfully."""
        self.required_actions.append({"name": name, "arguments": arguments})

    def require_gold(self, *names: str) -> None:
        """Every gold action with one of these names becomes a required action, with its arguments."""
        for action in self.gold.actions:
            if action["name"] in names:
                self.require(action["name"], **action["arguments"])

    def forbid(self, name: str, **arguments: Any) -> None:
        """A call the agent must never attempt in this task (the write a pressing customer pushes for)."""
        self.forbidden_actions.append({"name": name, "arguments": arguments})

    def task(self, task_id: str, split: str) -> dict[str, Any]:
        if not self.instructions:
            raise ValueError(f"{self.family}: a task needs instructions")
        # What the customer says is written by hand (texts/*.yaml) and replaces this draft's reason.
        scenario = user_scenario(
            self.reason or "(written in texts/)", self.facts, self.instructions, self.unknown, self.will_not_accept
        )
        record = {
            "id": task_id,
            "split": split,
            **task_record(self.description, sorted(set(self.tags)), scenario, self.gold, self.outputs),
        }
        if self.follows is not None:
            # Where the task files have it: after the scenario, before the gold actions.
            head = ("id", "split", "description", "tags", "user_scenario")
            record = {
                **{k: record[k] for k in head},
                "follows": self.follows,
                **{k: v for k, v in record.items() if k not in head},
            }
        for key in ("forbidden_outputs", "required_actions", "forbidden_actions"):
            if getattr(self, key):
                record[key] = getattr(self, key)
        return record


def money_back(amount: float) -> dict[str, Any]:
    if amount < 0:
        raise ValueError(f"a refund is a magnitude, got {amount}")
    return {"kind": "amount", "value": amount, "direction": "refund"}


def signed_amount(difference: float) -> dict[str, Any]:
    if difference == 0:
        raise ValueError("a zero difference has no direction; say it as $0.00")
    return {"kind": "amount", "value": abs(difference), "direction": "charge" if difference > 0 else "refund"}


@dataclass(frozen=True)
class Earlier:
    """A task drafted earlier in this run, as a returning customer's task starts from it: the state its
    gold actions leave (a patch on the seed, what ``follows`` resolves to) and that state to read."""

    id: str
    draft: Draft
    state: dict[str, Any] | None
    db: RetailDB

    def written(self) -> list[tuple[str, str]]:
        """(tool, order or customer id) of each write its gold made, in order."""
        return [
            (a["name"], a["arguments"].get("order_id") or a["arguments"]["customer_id"])
            for a in self.draft.gold.actions
            if a["name"] in WRITE_TOOL_NAMES
        ]

    @property
    def customer(self) -> Customer:
        """The customer that conversation served, as they are now."""
        _, target = self.written()[0]
        return self.db.customers[self.db.orders[target].customer_id if target in self.db.orders else target]

    @property
    def identity(self) -> Identity:
        """How the customer identified themselves then; they do it the same way when they come back."""
        return "email" if "email" in self.draft.facts else "name_zip"


def state_after(domain: Domain, draft: Draft) -> dict[str, Any] | None:
    """The state ``draft``'s gold actions leave, as the domain resolves ``follows``."""
    return kit_state_after(domain, draft.gold.env.initial_state, draft.gold.actions)


# --- choosing customers and orders ---------------------------------------------------------------


class Pool:
    """The seed database, read-only, with a seeded random source and memory of what was used."""

    def __init__(self, domain: Domain, rng: random.Random) -> None:
        self.domain = domain
        self.db: RetailDB = domain.build_db()
        self.rng = rng
        self.picker = Picker(rng)
        self.drafted: dict[str, Draft] = {}  # every task drafted so far, by id (tasks.py records them)
        self._earlier: dict[str, Earlier] = {}

    def new_draft(self, family: str, description: str) -> Draft:
        """A draft with its own fresh copy of the seed database."""
        return Draft(family=family, description=description, gold=Gold(self.domain, family))

    def earlier(self, task_id: str) -> Earlier:
        """A task drafted earlier in this run, with the state its gold actions leave."""
        if task_id not in self._earlier:
            draft = self.drafted[task_id]
            state = state_after(self.domain, draft)
            self._earlier[task_id] = Earlier(task_id, draft, state, self.domain.build_db(state))
        return self._earlier[task_id]

    def follow(self, family: str, description: str, earlier: Earlier) -> Draft:
        """A draft for a customer who comes back after ``earlier``: its gold runs on the state that left."""
        gold = Gold(self.domain, family, initial_state=earlier.state)
        return Draft(family=family, description=description, gold=gold, follows=earlier.id)

    def take_earlier(self, family: str, fits: Callable[[Earlier], bool]) -> Earlier:
        """A task drafted earlier whose gold writes and whose outcome ``fits`` (a seeded choice). Only a task
        that follows none is followed (no chains), and each customer comes back once: two returning
        tasks never serve one customer, so they never follow one task either."""
        drafted = [i for i, d in self.drafted.items() if d.follows is None]
        candidates = [e for e in map(self.earlier, drafted) if e.written() and fits(e)]
        return self.picker.take(candidates, key=lambda e: ("returning", e.customer.id), label=family)

    def take(self, family: str, candidates: Iterable[R]) -> R:
        """A random record (customer, order, product) not yet used by ``family``, marked as used."""
        return self.picker.take(candidates, key=lambda c: (family, c.id), label=family)

    def customer(self, order: Order) -> Customer:
        return self.db.customers[order.customer_id]

    def open_order(self, draft: Draft, order: Order) -> dict[str, Any]:
        """How most conversations about an order start: its customer identifies themselves (by email or by
        name and zip code, as ``identity`` picks), then the agent reads the order; returns what it read."""
        customer = self.customer(order)
        draft.identify(customer, self.identity(customer))
        return draft.run("get_order_details", order_id=order.id)

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
