"""The mock shop's database: customers, products and orders."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

OrderStatus = Literal["pending", "shipped", "delivered", "cancelled"]


class Customer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    email: str
    zip_code: str
    address: str


class Product(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str
    name: str
    price: float
    in_stock: int


class OrderItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str
    quantity: int
    unit_price: float


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    customer_id: str
    status: OrderStatus
    items: list[OrderItem]
    shipping_address: str
    cancel_reason: str | None = None

    @property
    def total(self) -> float:
        return round(sum(i.quantity * i.unit_price for i in self.items), 2)


class MockDB(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customers: dict[str, Customer]
    products: dict[str, Product]
    orders: dict[str, Order]
