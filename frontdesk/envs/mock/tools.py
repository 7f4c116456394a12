"""The mock shop's tools. Each write checks its rules before it changes anything."""

from __future__ import annotations

import re
from typing import Literal

from frontdesk.envs.cow import scan
from frontdesk.envs.mock.db import Customer, MockDB, Order, Product
from frontdesk.tools import AGENT_GENERIC_TOOLS, ToolError, tool

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _order(db: MockDB, order_id: str) -> Order:
    order = db.orders.get(order_id)
    if order is None:
        raise ToolError(f"order {order_id!r} not found; order ids look like '#O5000'")
    return order


def _customer(db: MockDB, customer_id: str) -> Customer:
    customer = db.customers.get(customer_id)
    if customer is None:
        raise ToolError(f"customer {customer_id!r} not found; customer ids look like 'C1000'")
    return customer


@tool(kind="read")
def find_customer_by_email(db: MockDB, email: str) -> str:
    """Find a customer's id from their email address.

    Args:
        email: The customer's email address, e.g. "ana.silva@example.com".
    """
    for customer in scan(db.customers):  # a search reads, it does not take a copy of every customer
        if customer.email.lower() == email.strip().lower():
            return customer.id
    raise ToolError(f"no customer has the email {email!r}")


@tool(kind="read")
def get_customer_details(db: MockDB, customer_id: str) -> dict:
    """Get a customer's profile and the ids of their orders.

    Args:
        customer_id: The customer's id, e.g. "C1000".
    """
    customer = _customer(db, customer_id)
    orders = sorted(o.id for o in scan(db.orders) if o.customer_id == customer_id)
    return {**customer.model_dump(), "order_ids": orders}


@tool(kind="read")
def get_order_details(db: MockDB, order_id: str) -> dict:
    """Get an order's status, items, total and shipping address.

    Args:
        order_id: The order id, including the leading '#', e.g. "#O5000".
    """
    order = _order(db, order_id)
    return {**order.model_dump(), "total": order.total}


@tool(kind="read")
def get_product_details(db: MockDB, sku: str) -> Product:
    """Get a product's name, price and stock.

    Args:
        sku: The product's SKU, e.g. "P100".
    """
    product = db.products.get(sku)
    if product is None:
        raise ToolError(f"product {sku!r} not found; SKUs look like 'P100'")
    return product


@tool(kind="write")
def cancel_order(db: MockDB, order_id: str, reason: Literal["no longer needed", "ordered by mistake"]) -> dict:
    """Cancel a pending order. Only orders with status 'pending' can be cancelled.

    Args:
        order_id: The order id, including the leading '#', e.g. "#O5000".
        reason: Why the customer cancels: "no longer needed" or "ordered by mistake".
    """
    order = _order(db, order_id)
    if order.status != "pending":
        raise ToolError(f"order {order_id} is {order.status}; only pending orders can be cancelled")
    order.status = "cancelled"
    order.cancel_reason = reason
    return {**order.model_dump(), "total": order.total}


@tool(kind="write")
def update_shipping_address(db: MockDB, order_id: str, address: str) -> dict:
    """Change where a pending order will be shipped.

    Args:
        order_id: The order id, including the leading '#', e.g. "#O5000".
        address: The new street address, e.g. "12 Pine St".
    """
    order = _order(db, order_id)
    if order.status != "pending":
        raise ToolError(f"order {order_id} is {order.status}; only a pending order's address can change")
    if not address.strip():
        raise ToolError("the new address is empty")
    order.shipping_address = address.strip()
    return {**order.model_dump(), "total": order.total}


@tool(kind="write")
def update_customer_email(db: MockDB, customer_id: str, email: str) -> Customer:
    """Change the email address on a customer's profile.

    Args:
        customer_id: The customer's id, e.g. "C1000".
        email: The new email address.
    """
    customer = _customer(db, customer_id)
    if not _EMAIL.match(email):
        raise ToolError(f"{email!r} is not a valid email address")
    if any(c.email.lower() == email.lower() for c in scan(db.customers) if c.id != customer_id):
        raise ToolError(f"{email!r} already belongs to another customer")
    customer.email = email
    return customer


AGENT_TOOLS = [
    find_customer_by_email,
    get_customer_details,
    get_order_details,
    get_product_details,
    cancel_order,
    update_shipping_address,
    update_customer_email,
    *AGENT_GENERIC_TOOLS,
]
