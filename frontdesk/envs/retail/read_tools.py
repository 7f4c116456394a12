"""Look-ups: find a customer, read a profile, an order, the catalogue. None of them changes anything."""

from __future__ import annotations

from typing import Any

from frontdesk.envs.cow import scan
from frontdesk.envs.retail.db import Customer, Order, Product, RetailDB
from frontdesk.envs.retail.lookups import find_customer, find_order, find_product
from frontdesk.tools import ToolError, tool


def order_view(order: Order) -> dict[str, Any]:
    """An order as tools show it: every field plus its total."""
    return {**order.model_dump(mode="json"), "total": order.total}


@tool(kind="read")
def find_customer_id_by_email(db: RetailDB, email: str) -> str:
    """Find a customer's id from their email address.

    Args:
        email: The customer's email address, e.g. "maya.patel12@example.com".
    """
    wanted = email.strip().lower()
    for customer in scan(db.customers):
        if customer.email == wanted:
            return customer.id
    raise ToolError(f"no customer has the email {email!r}; check the spelling, or find them by name and zip code")


@tool(kind="read")
def find_customer_id_by_name_zip(db: RetailDB, first_name: str, last_name: str, zip_code: str) -> str:
    """Find a customer's id from their first name, last name and the zip code of their address.

    Args:
        first_name: The customer's first name, e.g. "Maya".
        last_name: The customer's last name, e.g. "Patel".
        zip_code: The five-digit zip code of the customer's address, e.g. "97214".
    """
    wanted = (first_name.strip().lower(), last_name.strip().lower(), zip_code.strip())
    for customer in scan(db.customers):
        if (customer.first_name.lower(), customer.last_name.lower(), customer.address.zip_code) == wanted:
            return customer.id
    raise ToolError(
        f"no customer named {first_name} {last_name} has the zip code {zip_code!r}; "
        "check the spelling, or find them by email"
    )


@tool(kind="read")
def get_customer_details(db: RetailDB, customer_id: str) -> Customer:
    """Get a customer's profile: name, email, address, payment methods (gift card balances) and order ids.

    Args:
        customer_id: The customer's id, e.g. "C123456".
    """
    return find_customer(db, customer_id)


@tool(kind="read")
def get_order_details(db: RetailDB, order_id: str) -> dict:
    """Get an order's status, items (with the price paid for each), payments, address, tracking and total.

    Args:
        order_id: The order id, e.g. "#R123456".
    """
    return order_view(find_order(db, order_id))


@tool(kind="read")
def get_product_details(db: RetailDB, product_id: str) -> Product:
    """Get a product type and all its variants: options, current price and availability.

    Args:
        product_id: The product's id, e.g. "P1234".
    """
    return find_product(db, product_id)


@tool(kind="read")
def list_product_types(db: RetailDB) -> dict:
    """List every product type the store sells, as {product name: product id}."""
    return {p.name: p.id for p in sorted(scan(db.products), key=lambda p: p.name)}


READ_TOOLS = [
    find_customer_id_by_email,
    find_customer_id_by_name_zip,
    get_customer_details,
    get_order_details,
    get_product_details,
    list_product_types,
]
