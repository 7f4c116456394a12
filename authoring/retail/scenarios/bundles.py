"""Busy customers: three or four changes across one or more orders in one conversation, each asked for
as a need ("one size up", "my gift card", "the order with the toaster in it") that the agent must turn
into exact arguments by reading the records."""

from __future__ import annotations

from authoring.kit import listing
from authoring.retail.drafting import Draft, Pool, can_pay, original_method
from authoring.retail.gold import add_swap_reads, gold_return, price_difference
from authoring.retail.phrases import address_arguments, address_phrase, item_phrase
from authoring.retail.scenarios.changes import CANCEL_REASONS, CANCEL_WHY, settling_method
from authoring.retail.wishes import (
    Wish,
    method_wish,
    method_words,
    pick_wishes,
    telltale_item,
    wish_instruction,
    wishful,
)
from frontdesk.envs.retail.db import Address, Customer, Order
from frontdesk.envs.retail.money import money_sum


def _bundle(pool: Pool, family: str, description: str) -> Draft:
    draft = pool.new_draft(family, f"Multi-write, several intents: {description}.")
    draft.tags += ["multi-write", "multi-intent", "preference"]
    return draft


def _swappable(pool: Pool, order: Order) -> bool:
    return not order.items_modified and wishful(pool, order)


def paying_now(order: Order) -> str | None:
    """The one method that pays the order now (after any earlier payment change), None if it is split."""
    paid = order.net_paid()
    return next(iter(paid)) if len(paid) == 1 else None


def _new_payment(customer: Customer, order: Order, amount: float) -> str | None:
    """A payment method the customer can name by what it is ("my gift card"), not the one paying now,
    able to pay ``amount``; the first in id order, so the choice is seeded only by the customer."""
    current = paying_now(order) or original_method(order)
    for method_id in sorted(customer.payment_methods):
        method = customer.payment_methods[method_id]
        if method_id != current and method_wish(customer, method) and can_pay(customer, method_id, amount):
            return method_id
    return None


def repayable(customer: Customer, order: Order) -> bool:
    """Paid with one method, and another the customer can name could pay all of it instead."""
    return len(order.net_paid()) == 1 and _new_payment(customer, order, order.total) is not None


def pending_to_redirect(pool: Pool, customer: Customer) -> tuple[Order, str, Address]:
    """One of the customer's repayable pending orders (a seeded choice), the method to pay it with instead,
    and a new address to send it to."""
    pending = pool.rng.choice([o for o in pool.customer_orders(customer, "pending") if repayable(customer, o)])
    method_id = _new_payment(customer, pending, pending.total)
    assert method_id is not None
    return pending, method_id, pool.new_address(avoid=pending.address)


def gold_redirect(draft: Draft, customer: Customer, order: Order, method_id: str, address: Address) -> None:
    """Sending a pending order to ``address`` and paying it with ``method_id``, once the order and the
    profile (for the method's id) are read."""
    draft.run("get_order_details", order_id=order.id)
    draft.run("get_customer_details", customer_id=customer.id)
    draft.run("modify_pending_order_address", order_id=order.id, **address_arguments(address))
    draft.run("modify_pending_order_payment", order_id=order.id, payment_method_id=method_id)


def gold_moving(draft: Draft, customer: Customer, order: Order, address: Address) -> None:
    """A customer who moved: the profile, then the pending ``order``, get ``address``."""
    draft.run("get_customer_details", customer_id=customer.id)
    draft.run("modify_customer_address", customer_id=customer.id, **address_arguments(address))
    draft.run("get_order_details", order_id=order.id)
    draft.run("modify_pending_order_address", order_id=order.id, **address_arguments(address))


def _swap(draft: Draft, customer: Customer, order: Order, wanted: list[Wish], tool: str, method_id: str) -> float:
    """The swap of ``wanted`` in ``order`` after reading the order and each product; returns the difference."""
    plan = [(w.item, w.variant) for w in wanted]
    draft.run("get_order_details", order_id=order.id)
    add_swap_reads(draft, plan)
    difference = price_difference(plan)
    draft.run(
        tool,
        order_id=order.id,
        variant_ids=[i.variant_id for i, _ in plan],
        new_variant_ids=[v.id for _, v in plan],
        payment_method_id=method_id,
    )
    return difference


def _settle_words(customer: Customer, method_id: str, difference: float) -> str:
    words = method_words(customer, customer.payment_methods[method_id])
    if difference > 0:
        return f"Any extra for it is paid with {words}."
    if difference < 0:
        return f"Any money back for it goes to {words}."
    return f"If it costs anything extra, use {words}."


def _say_difference(draft: Draft, difference: float, what: str) -> None:
    if difference:
        draft.instructions.append(f"Ask how much more you pay, or get back, for {what}.")
        draft.say_difference(difference)


def moving_overhaul(pool: Pool, n: int) -> Draft:
    """Profile address, then one pending order: its address, an item as a wish, its payment method."""

    def fits(order: Order) -> bool:
        customer = pool.customer(order)
        return (
            order.address == customer.address
            and len(order.net_paid()) == 1
            and len(pool.customer_orders(customer, "pending")) == 1
            and _swappable(pool, order)
        )

    while True:
        order = pool.take("moving-overhaul", pool.orders("pending", where=fits))
        customer = pool.customer(order)
        wanted = pick_wishes(pool, order, 1)
        difference = price_difference([(w.item, w.variant) for w in wanted]) if wanted else 0
        current = original_method(order)
        new_method = _new_payment(customer, order, money_sum([order.total, difference]))
        if wanted and new_method and can_pay(customer, current, difference):
            break
    address = pool.new_address(avoid=customer.address)
    draft = _bundle(
        pool,
        "moving-overhaul",
        "new profile address, and on the one pending order: the new address, an item swapped, another payment method",
    )
    draft.facts.update({"order id": order.id, "new address": address_phrase(address)})
    draft.instructions += [
        f"You have moved to {address_phrase(address)}. Your account should have the new address, and your "
        f"pending order {order.id} should be shipped there.",
        wish_instruction(wanted, "swap", "In the same order: "),
        _settle_words(customer, current, difference),
        f"Finally, the order should be paid with {method_words(customer, customer.payment_methods[new_method])} "
        "instead of what it is paid with now.",
        "Confirm each change when the agent asks.",
    ]
    draft.identify(customer, pool.identity(customer))
    gold_moving(draft, customer, order, address)
    difference = _swap(draft, customer, order, wanted, "modify_pending_order_items", current)
    draft.run("modify_pending_order_payment", order_id=order.id, payment_method_id=new_method)
    _say_difference(draft, difference, "the swap")
    return draft


def tidy_pending(pool: Pool, n: int) -> Draft:
    """Two pending orders named by what is in them: cancel one; the other to a new address, paid another way."""

    def fits(customer: Customer) -> bool:
        pending = pool.customer_orders(customer, "pending")
        return len(pending) >= 2 and sum(telltale_item(pool, customer, o) is not None for o in pending) >= 2

    customer = pool.take("tidy-pending", pool.customers(fits))
    pending = [o for o in pool.customer_orders(customer, "pending") if telltale_item(pool, customer, o)]
    to_cancel, to_keep = pool.rng.sample(pending, 2)
    if len(to_keep.net_paid()) != 1 or not _new_payment(customer, to_keep, to_keep.total):
        to_cancel, to_keep = to_keep, to_cancel
    new_method = _new_payment(customer, to_keep, to_keep.total) if len(to_keep.net_paid()) == 1 else None
    cancel_item, keep_item = telltale_item(pool, customer, to_cancel), telltale_item(pool, customer, to_keep)
    address = pool.new_address(avoid=to_keep.address)
    reason = CANCEL_REASONS[n % 2]
    draft = _bundle(
        pool, "tidy-pending", "cancel the pending order with one item, re-address (and re-pay) the one with another"
    )
    draft.tags.append("search-orders")
    draft.facts["new address"] = address_phrase(address)
    draft.unknown.append("order ids")
    draft.instructions += [
        f"You have orders on the way and do not know their ids. Cancel the one with the {cancel_item.name} "
        f"in it: {CANCEL_WHY[reason]}. Ask how much you get back for it.",
        f"The order with the {keep_item.name} in it should go to {address_phrase(address)} instead.",
    ]
    if new_method:
        draft.instructions.append(
            f"That order should also be paid with {method_words(customer, customer.payment_methods[new_method])} "
            "instead of what it is paid with now."
        )
    draft.instructions.append("Confirm each change when the agent asks.")
    draft.identify(customer, pool.identity(customer))
    orders = {
        i: draft.run("get_order_details", order_id=i)
        for i in draft.run("get_customer_details", customer_id=customer.id)["order_ids"]
    }
    draft.run("cancel_pending_order", order_id=to_cancel.id, reason=reason)
    draft.say_refund(net_paid(orders[to_cancel.id]))
    draft.run("modify_pending_order_address", order_id=to_keep.id, **address_arguments(address))
    if new_method:
        draft.run("modify_pending_order_payment", order_id=to_keep.id, payment_method_id=new_method)
    return draft


def net_paid(details: dict) -> float:
    """What cancelling an order gives back: everything paid for it, less what was already refunded."""
    return money_sum(p["amount"] if p["kind"] == "payment" else -p["amount"] for p in details["payments"])


def _gift_card(customer: Customer) -> str | None:
    cards = sorted(m for m, v in customer.payment_methods.items() if v.kind == "gift_card")
    return cards[0] if len(cards) == 1 else None


def return_and_pending(pool: Pool, n: int) -> Draft:
    """Return from a delivered order (refund to the gift card when there is one), then swap an item of a
    pending order as a wish and send that order elsewhere."""

    def fits(customer: Customer) -> bool:
        return bool(pool.customer_orders(customer, "delivered")) and any(
            _swappable(pool, o) for o in pool.customer_orders(customer, "pending")
        )

    while True:
        customer = pool.take("return-and-pending", pool.customers(fits))
        delivered = pool.rng.choice(pool.customer_orders(customer, "delivered"))
        pending = pool.rng.choice([o for o in pool.customer_orders(customer, "pending") if _swappable(pool, o)])
        wanted = pick_wishes(pool, pending, 1)
        if wanted:
            break
    returned = pool.rng.choice(delivered.items)
    refund_to = _gift_card(customer) or original_method(delivered)
    difference = price_difference([(w.item, w.variant) for w in wanted])
    method_id = settling_method(customer, pending, difference)
    address = pool.new_address(avoid=pending.address)
    draft = _bundle(
        pool,
        "return-and-pending",
        "return an item of a delivered order; swap an item of a pending one and re-address it",
    )
    draft.facts.update(
        {"order id of the delivered order": delivered.id, "order id of the order on its way": pending.id,
         "new address": address_phrase(address)}
    )  # fmt: skip
    draft.instructions += [
        f"Return {item_phrase(returned)} from order {delivered.id}; "
        + (
            "the refund should go to your gift card, not back to what you paid with."
            if refund_to != original_method(delivered)
            else "the refund goes back to what you paid with."
        )
        + " Ask how much you get back.",
        wish_instruction(wanted, "swap", f"In your pending order {pending.id}: "),
        _settle_words(customer, method_id, difference),
        f"Order {pending.id} should also go to {address_phrase(address)} instead.",
        "Confirm each change when the agent asks.",
    ]
    draft.identify(customer, pool.identity(customer))
    draft.run("get_order_details", order_id=delivered.id)
    if refund_to != original_method(delivered) or method_id != original_method(pending):
        draft.run("get_customer_details", customer_id=customer.id)
    gold_return(draft, delivered, [returned], refund_to, quote=True)
    _swap(draft, customer, pending, wanted, "modify_pending_order_items", method_id)
    draft.run("modify_pending_order_address", order_id=pending.id, **address_arguments(address))
    return draft


def exchange_readdress_cancel(pool: Pool, n: int) -> Draft:
    """Exchange a delivered item as a wish; send one pending order elsewhere; cancel another."""

    def fits(customer: Customer) -> bool:
        return len(pool.customer_orders(customer, "pending")) >= 2 and any(
            wishful(pool, o) for o in pool.customer_orders(customer, "delivered")
        )

    while True:
        customer = pool.take("exchange-readdress-cancel", pool.customers(fits))
        delivered = pool.rng.choice([o for o in pool.customer_orders(customer, "delivered") if wishful(pool, o)])
        wanted = pick_wishes(pool, delivered, 1)
        if wanted:
            break
    to_move, to_cancel = pool.rng.sample(pool.customer_orders(customer, "pending"), 2)
    difference = price_difference([(w.item, w.variant) for w in wanted])
    method_id = settling_method(customer, delivered, difference)
    address = pool.new_address(avoid=to_move.address)
    reason = CANCEL_REASONS[n % 2]
    draft = _bundle(
        pool, "exchange-readdress-cancel", "exchange a delivered item, re-address one pending order, cancel another"
    )
    draft.facts.update(
        {"order id of the delivered order": delivered.id, "order id to send elsewhere": to_move.id,
         "order id to cancel": to_cancel.id, "new address": address_phrase(address)}
    )  # fmt: skip
    draft.instructions += [
        wish_instruction(wanted, "exchange", f"From your delivered order {delivered.id}: "),
        _settle_words(customer, method_id, difference),
        f"Your pending order {to_move.id} should go to {address_phrase(address)}.",
        f"Cancel your pending order {to_cancel.id}: {CANCEL_WHY[reason]}. Ask how much you get back for it.",
        "Confirm each change when the agent asks.",
    ]
    draft.identify(customer, pool.identity(customer))
    if method_id != original_method(delivered):
        draft.run("get_customer_details", customer_id=customer.id)
    difference = _swap(draft, customer, delivered, wanted, "exchange_delivered_order_items", method_id)
    _say_difference(draft, difference, "the exchange")
    draft.run("get_order_details", order_id=to_move.id)
    draft.run("modify_pending_order_address", order_id=to_move.id, **address_arguments(address))
    details = draft.run("get_order_details", order_id=to_cancel.id)
    draft.run("cancel_pending_order", order_id=to_cancel.id, reason=reason)
    draft.say_refund(net_paid(details))
    return draft


def return_exchange_cancel(pool: Pool, n: int) -> Draft:
    """Return from one delivered order, exchange from another (as a wish), cancel a pending order."""

    def fits(customer: Customer) -> bool:
        delivered = pool.customer_orders(customer, "delivered")
        return (
            len(delivered) >= 2
            and bool(pool.customer_orders(customer, "pending"))
            and any(wishful(pool, o) for o in delivered)
        )

    while True:
        customer = pool.take("return-exchange-cancel", pool.customers(fits))
        delivered = pool.customer_orders(customer, "delivered")
        swap_order = pool.rng.choice([o for o in delivered if wishful(pool, o)])
        wanted = pick_wishes(pool, swap_order, 1)
        if wanted:
            break
    return_order = pool.rng.choice([o for o in delivered if o.id != swap_order.id])
    to_cancel = pool.rng.choice(pool.customer_orders(customer, "pending"))
    returned = sorted(
        pool.rng.sample(return_order.items, min(len(return_order.items), 1 + n % 2)), key=return_order.items.index
    )
    difference = price_difference([(w.item, w.variant) for w in wanted])
    method_id = settling_method(customer, swap_order, difference)
    reason = CANCEL_REASONS[n % 2]
    draft = _bundle(
        pool, "return-exchange-cancel", "return from one delivered order, exchange from another, cancel a pending one"
    )
    draft.tags.append("computed-output")
    draft.facts.update(
        {"order id for the return": return_order.id, "order id for the exchange": swap_order.id,
         "order id to cancel": to_cancel.id}
    )  # fmt: skip
    draft.instructions += [
        f"Return {listing([item_phrase(i) for i in returned])} from order {return_order.id}; the refund goes back "
        "to what you paid with. Ask how much you get back.",
        wish_instruction(wanted, "exchange", f"From order {swap_order.id}: "),
        _settle_words(customer, method_id, difference),
        f"Cancel your pending order {to_cancel.id}: {CANCEL_WHY[reason]}.",
        "Confirm each change when the agent asks.",
    ]
    draft.identify(customer, pool.identity(customer))
    draft.run("get_order_details", order_id=return_order.id)
    gold_return(draft, return_order, returned, original_method(return_order), quote=True)
    if method_id != original_method(swap_order):
        draft.run("get_customer_details", customer_id=customer.id)
    _swap(draft, customer, swap_order, wanted, "exchange_delivered_order_items", method_id)
    draft.run("get_order_details", order_id=to_cancel.id)
    draft.run("cancel_pending_order", order_id=to_cancel.id, reason=reason)
    return draft
