"""Finding records by id for the tools; a missing record is a ToolError that says what ids look like."""

from __future__ import annotations

from frontdesk.envs.cow import scan
from frontdesk.envs.retail.db import Customer, Order, PaymentMethod, Product, RetailDB, Variant
from frontdesk.tools import ToolError


def find_order(db: RetailDB, order_id: str) -> Order:
    key = order_id.strip()
    # Customers often drop the '#'; the id is unambiguous without it.
    order = db.orders.get(key) or db.orders.get(f"#{key}")
    if order is None:
        raise ToolError(f"order {order_id!r} not found; order ids look like '#R123456'")
    return order


def find_customer(db: RetailDB, customer_id: str) -> Customer:
    customer = db.customers.get(customer_id.strip())
    if customer is None:
        raise ToolError(f"customer {customer_id!r} not found; customer ids look like 'C123456'")
    return customer


def find_product(db: RetailDB, product_id: str) -> Product:
    product = db.products.get(product_id.strip())
    if product is None:
        raise ToolError(
            f"product {product_id!r} not found; product ids look like 'P1234' (list_product_types lists them)"
        )
    return product


def find_variant(db: RetailDB, variant_id: str) -> tuple[Product, Variant]:
    for product in scan(db.products):
        variant = product.variants.get(variant_id.strip())
        if variant is not None:
            return product, variant
    raise ToolError(
        f"variant {variant_id!r} not found; variant ids look like 'V123456' (get_product_details lists them)"
    )


def customer_payment_method(customer: Customer, payment_method_id: str) -> PaymentMethod:
    method = customer.payment_methods.get(payment_method_id.strip())
    if method is None:
        owned = ", ".join(sorted(customer.payment_methods)) or "none"
        raise ToolError(
            f"payment method {payment_method_id!r} is not one of customer {customer.id}'s payment methods; "
            f"theirs are: {owned}"
        )
    return method
