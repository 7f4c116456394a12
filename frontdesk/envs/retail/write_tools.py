"""Changes to orders and profiles. Each checks every rule before it touches anything it keeps.

A tool that raises ToolError half-way is rolled back by the Toolkit, but the rules are checked
first anyway so that the error names the first thing that is wrong, not a side effect.
"""

from __future__ import annotations

from frontdesk.envs.retail.db import CancelReason, Customer, Exchange, Order, RetailDB
from frontdesk.envs.retail.ledger import charge, check_can_pay, check_refund_route, refund, settle_difference
from frontdesk.envs.retail.lookups import customer_payment_method, find_customer, find_order
from frontdesk.envs.retail.money import money_sum
from frontdesk.envs.retail.read_tools import order_view
from frontdesk.envs.retail.rules import make_address, order_items, plan_swaps, price_difference
from frontdesk.tools import ToolError, tool

_NOT_PENDING = {
    "processed": "it is already being packed",
    "shipped": "it has shipped",
    "delivered": "it has been delivered",
    "cancelled": "it is cancelled",
    "return_requested": "a return was already requested",
    "exchange_requested": "an exchange was already requested",
}


def _pending_order(db: RetailDB, order_id: str, change: str) -> tuple[Order, Customer]:
    order = find_order(db, order_id)
    if order.status != "pending":
        raise ToolError(
            f"order {order.id} is {order.status} ({_NOT_PENDING[order.status]}); only pending orders can {change}"
        )
    return order, db.customers[order.customer_id]


def _delivered_order(db: RetailDB, order_id: str, change: str) -> tuple[Order, Customer]:
    order = find_order(db, order_id)
    if order.status != "delivered":
        raise ToolError(
            f"order {order.id} is {order.status}; only delivered orders can {change}, "
            "and only once per order (put every item in one request)"
        )
    return order, db.customers[order.customer_id]


@tool(kind="write")
def cancel_pending_order(db: RetailDB, order_id: str, reason: CancelReason) -> dict:
    """Cancel a pending order and refund everything paid to the payment methods that paid it.

    Args:
        order_id: The order id, e.g. "#R123456".
        reason: Why the customer cancels: "no longer needed" or "ordered by mistake".
    """
    order, customer = _pending_order(db, order_id, "be cancelled")
    net = order.net_paid()
    # A method may already have received money back (a cheaper swap refunded to a gift card), so
    # what is left to refund is the net total, taken from the methods that are still owed.
    left = money_sum(net.values())
    for method_id, amount in sorted(net.items()):
        give_back = min(amount, left)
        if give_back > 0:
            refund(customer, order, method_id, give_back)
            left = money_sum([left, -give_back])
    order.status = "cancelled"
    order.cancel_reason = reason
    return order_view(order)


@tool(kind="write")
def modify_pending_order_address(
    db: RetailDB, order_id: str, street: str, city: str, state: str, zip_code: str, unit: str = ""
) -> dict:
    """Change the shipping address of a pending order.

    Args:
        order_id: The order id, e.g. "#R123456".
        street: House number and street, e.g. "12 Pine St".
        city: The city, e.g. "Portland".
        state: The two-letter US state code, e.g. "OR".
        zip_code: The five-digit zip code, e.g. "97214".
        unit: Apartment, suite or unit, e.g. "Apt 4B"; empty if there is none.
    """
    order, _ = _pending_order(db, order_id, "change their address")
    address = make_address(street, unit, city, state, zip_code)
    if address == order.address:
        raise ToolError(f"order {order.id} already ships to that address; nothing to change")
    order.address = address
    return order_view(order)


@tool(kind="write")
def modify_pending_order_payment(db: RetailDB, order_id: str, payment_method_id: str) -> dict:
    """Pay a pending order with another of the customer's payment methods; the old one is refunded.

    Args:
        order_id: The order id, e.g. "#R123456".
        payment_method_id: The new payment method's id from the customer's profile, e.g. "card_12345".
    """
    order, customer = _pending_order(db, order_id, "change their payment method")
    new = customer_payment_method(customer, payment_method_id)
    paid = order.net_paid()
    if len(paid) != 1:
        raise ToolError(
            f"order {order.id} was paid with more than one payment method ({', '.join(sorted(paid))}); "
            "its payment method cannot be changed"
        )
    ((old_id, amount),) = paid.items()
    if new.id == old_id:
        raise ToolError(f"order {order.id} is already paid with {new.id}; choose a different payment method")
    check_can_pay(new, amount)
    refund(customer, order, old_id, amount)
    charge(customer, order, new.id, amount)
    return order_view(order)


@tool(kind="write")
def modify_pending_order_items(
    db: RetailDB, order_id: str, variant_ids: list[str], new_variant_ids: list[str], payment_method_id: str
) -> dict:
    """Swap items of a pending order for other variants of the same products. Allowed once per order.

    Args:
        order_id: The order id, e.g. "#R123456".
        variant_ids: The variant ids of the items to swap, as shown in the order's items.
        new_variant_ids: The replacement variant ids, in the same order: each an available variant of the same product.
        payment_method_id: The customer's payment method that pays a higher price or receives the refund of a
            lower one (a refund goes only to the method the order was paid with or to a gift card).
    """
    order, customer = _pending_order(db, order_id, "have their items modified")
    if order.items_modified:
        raise ToolError(
            f"the items of order {order.id} were already modified once; a pending order's items can be modified "
            "only once (the order can still be cancelled, or its address or payment method changed)"
        )
    swaps = plan_swaps(db, order, variant_ids, new_variant_ids, "modify")
    method = customer_payment_method(customer, payment_method_id)
    difference = price_difference(swaps)
    settle_difference(customer, order, method.id, difference)
    for swap in swaps:
        swap.item.variant_id = swap.new.id
        swap.item.options = dict(swap.new.options)
        swap.item.price = swap.new.price
    order.items_modified = True
    return {**order_view(order), "price_difference": difference}


@tool(kind="write")
def modify_customer_address(
    db: RetailDB, customer_id: str, street: str, city: str, state: str, zip_code: str, unit: str = ""
) -> Customer:
    """Change the default address on a customer's profile. Orders already placed keep their own address.

    Args:
        customer_id: The customer's id, e.g. "C123456".
        street: House number and street, e.g. "12 Pine St".
        city: The city, e.g. "Portland".
        state: The two-letter US state code, e.g. "OR".
        zip_code: The five-digit zip code, e.g. "97214".
        unit: Apartment, suite or unit, e.g. "Apt 4B"; empty if there is none.
    """
    customer = find_customer(db, customer_id)
    address = make_address(street, unit, city, state, zip_code)
    if address == customer.address:
        raise ToolError(f"customer {customer.id}'s address is already that address; nothing to change")
    customer.address = address
    return customer


@tool(kind="write")
def return_delivered_order_items(db: RetailDB, order_id: str, variant_ids: list[str], refund_method_id: str) -> dict:
    """Request the return of some or all items of a delivered order; the price paid is refunded now.

    Args:
        order_id: The order id, e.g. "#R123456".
        variant_ids: The variant ids of the items to return, as shown in the order's items.
        refund_method_id: Where the refund goes: the payment method the order was paid with, or one of the
            customer's gift cards.
    """
    order, customer = _delivered_order(db, order_id, "have items returned")
    items = order_items(order, variant_ids, "return")
    method = customer_payment_method(customer, refund_method_id)
    check_refund_route(customer, order, method.id)
    amount = money_sum(item.price for item in items)
    refund(customer, order, method.id, amount)
    order.status = "return_requested"
    order.returned_variant_ids = sorted(item.variant_id for item in items)
    return {**order_view(order), "refund_amount": amount}


@tool(kind="write")
def exchange_delivered_order_items(
    db: RetailDB, order_id: str, variant_ids: list[str], new_variant_ids: list[str], payment_method_id: str
) -> dict:
    """Request the exchange of delivered items for other variants of the same products (once per order).

    Args:
        order_id: The order id, e.g. "#R123456".
        variant_ids: The variant ids of the items to send back, as shown in the order's items.
        new_variant_ids: The replacement variant ids, in the same order: each an available variant of the same product.
        payment_method_id: The customer's payment method that pays a higher price or receives the refund of a
            lower one (a refund goes only to the method the order was paid with or to a gift card).
    """
    order, customer = _delivered_order(db, order_id, "have items exchanged")
    swaps = plan_swaps(db, order, variant_ids, new_variant_ids, "exchange")
    method = customer_payment_method(customer, payment_method_id)
    difference = price_difference(swaps)
    settle_difference(customer, order, method.id, difference)
    order.status = "exchange_requested"
    order.exchanges = [Exchange(variant_id=s.item.variant_id, new_variant_id=s.new.id) for s in swaps]
    return {**order_view(order), "price_difference": difference}


WRITE_TOOLS = [
    cancel_pending_order,
    modify_pending_order_address,
    modify_pending_order_payment,
    modify_pending_order_items,
    modify_customer_address,
    return_delivered_order_items,
    exchange_delivered_order_items,
]
