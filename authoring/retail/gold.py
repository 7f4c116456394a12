"""The gold actions several retail families share: swapping items, returning items, and the sums they
make the agent work out."""

from __future__ import annotations

from authoring.retail.drafting import Draft, original_method
from frontdesk.envs.retail.db import Customer, Order, OrderItem, Variant
from frontdesk.envs.retail.money import money_sum


def price_difference(plan: list[tuple[OrderItem, Variant]]) -> float:
    """What swapping as ``plan`` says costs the customer (negative: what they get back)."""
    return money_sum([v.price for _, v in plan] + [-i.price for i, _ in plan])


def difference_expression(plan: list[tuple[OrderItem, Variant]]) -> str:
    new = " + ".join(f"{v.price:.2f}" for _, v in plan)
    old = " + ".join(f"{i.price:.2f}" for i, _ in plan)
    return f"({new}) - ({old})"


def add_swap_reads(draft: Draft, plan: list[tuple[OrderItem, Variant]]) -> None:
    for product_id in dict.fromkeys(item.product_id for item, _ in plan):
        draft.run("get_product_details", product_id=product_id)


def gold_swap(
    draft: Draft,
    customer: Customer,
    order: Order,
    plan: list[tuple[OrderItem, Variant]],
    method_id: str,
    tool: str,
    *,
    quote: bool = False,
) -> None:
    """Swapping items of one order with ``tool`` (modify or exchange), after the customer is identified: the
    profile when another method settles the difference, the order, each product, the difference when
    the customer asked for it (``quote``), then the swap."""
    if method_id != original_method(order):
        draft.run("get_customer_details", customer_id=customer.id)
    draft.run("get_order_details", order_id=order.id)
    add_swap_reads(draft, plan)
    if quote:
        draft.run("calculate", expression=difference_expression(plan))
        draft.say_difference(price_difference(plan))
    draft.run(
        tool,
        order_id=order.id,
        variant_ids=[i.variant_id for i, _ in plan],
        new_variant_ids=[v.id for _, v in plan],
        payment_method_id=method_id,
    )


def gold_return(draft: Draft, order: Order, items: list[OrderItem], method_id: str, *, quote: bool) -> None:
    """Returning ``items`` once the order is read: the refund worked out when the customer asked for it
    (``quote``), then the return."""
    if quote:
        if len(items) > 1:
            draft.run("calculate", expression=" + ".join(f"{i.price:.2f}" for i in items))
        draft.say_refund(money_sum(i.price for i in items))
    draft.run(
        "return_delivered_order_items",
        order_id=order.id,
        variant_ids=[i.variant_id for i in items],
        refund_method_id=method_id,
    )
