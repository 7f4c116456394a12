"""The retail store's database: customers with payment methods, a product catalogue, orders."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.envs.retail.money import money_sum

OrderStatus = Literal[
    "pending",  # placed, not yet picked: the only status in which an order can change
    "processed",  # being packed in the warehouse
    "shipped",
    "delivered",
    "cancelled",
    "return_requested",
    "exchange_requested",
]
ORDER_STATUSES: tuple[str, ...] = OrderStatus.__args__  # type: ignore[attr-defined]

CancelReason = Literal["no longer needed", "ordered by mistake"]
CANCEL_REASONS: tuple[str, ...] = CancelReason.__args__  # type: ignore[attr-defined]


class Record(BaseModel):
    """Every table row refuses unknown fields, so a typo in a task's initial state fails loudly."""

    model_config = ConfigDict(extra="forbid")


class Address(Record):
    street: str
    unit: str = ""  # apartment, suite…; empty when there is none
    city: str
    state: str  # two-letter US state code
    zip_code: str  # five digits


class Card(Record):
    kind: Literal["card"] = "card"
    id: str
    brand: str
    last_four: str


class GiftCard(Record):
    kind: Literal["gift_card"] = "gift_card"
    id: str
    balance: float


class Wallet(Record):
    kind: Literal["wallet"] = "wallet"
    id: str
    provider: str


PaymentMethod = Annotated[Card | GiftCard | Wallet, Field(discriminator="kind")]


class Customer(Record):
    id: str
    first_name: str
    last_name: str
    email: str
    address: Address
    payment_methods: dict[str, PaymentMethod]
    order_ids: list[str]


class Variant(Record):
    id: str
    options: dict[str, str]  # option name -> value, e.g. {"size": "M", "colour": "navy"}
    price: float
    available: bool


class Product(Record):
    id: str
    name: str
    variants: dict[str, Variant]


class OrderItem(Record):
    """One unit of one variant. An order never holds the same variant twice."""

    product_id: str
    variant_id: str
    name: str
    options: dict[str, str]
    price: float  # what the customer paid for it


class Payment(Record):
    """One money movement on an order, in the order it happened."""

    kind: Literal["payment", "refund"]
    payment_method_id: str
    amount: float


class Exchange(Record):
    variant_id: str
    new_variant_id: str


class Order(Record):
    id: str
    customer_id: str
    status: OrderStatus
    address: Address
    items: list[OrderItem]
    payments: list[Payment]
    tracking_number: str | None = None
    cancel_reason: CancelReason | None = None
    items_modified: bool = False  # a pending order's items may be modified once
    returned_variant_ids: list[str] = Field(default_factory=list)
    exchanges: list[Exchange] = Field(default_factory=list)

    @property
    def total(self) -> float:
        return money_sum(item.price for item in self.items)

    def net_paid(self) -> dict[str, float]:
        """What each payment method has paid so far, refunds subtracted; methods at zero left out."""
        movements: dict[str, list[float]] = {}
        for p in self.payments:
            movements.setdefault(p.payment_method_id, []).append(p.amount if p.kind == "payment" else -p.amount)
        net = {method: money_sum(amounts) for method, amounts in movements.items()}
        return {method: amount for method, amount in net.items() if amount != 0}


class RetailDB(Record):
    customers: dict[str, Customer]
    products: dict[str, Product]
    orders: dict[str, Order]
