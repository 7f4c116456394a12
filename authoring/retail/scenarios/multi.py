"""Several requests in one conversation: the agent must keep track of all of them."""

from __future__ import annotations

from authoring.retail.drafting import Draft, Pool, can_pay, original_method
from authoring.retail.gold import gold_return, gold_swap, price_difference
from authoring.retail.phrases import address_arguments, address_phrase, item_phrase
from authoring.retail.scenarios.changes import CANCEL_REASONS, CANCEL_WHY, settle_instruction, settling_method
from authoring.retail.wishes import method_words, pick_wishes, take_wished, wish_instruction, wishful
from frontdesk.envs.retail.money import money_sum


def _read_all_orders(draft: Draft, customer_id: str) -> dict[str, dict]:
    """The agent reads the profile, then every order on it, to find the ones a request is about."""
    return {
        i: draft.run("get_order_details", order_id=i)
        for i in draft.run("get_customer_details", customer_id=customer_id)["order_ids"]
    }


def move_house(pool: Pool, n: int) -> Draft:
    """Profile address and every pending order's address: the longest conversations in the set."""
    fewest_pending = 3 if n < 4 else 2

    def fits(customer) -> bool:
        # Every pending order goes to the old home: none is a gift whose address should stay.
        pending = pool.customer_orders(customer, "pending")
        return len(pending) >= fewest_pending and all(o.address == customer.address for o in pending)

    customer = pool.take("move-house", pool.customers(fits))
    address = pool.new_address(avoid=customer.address)
    draft = pool.new_draft("move-house", "Multi-write: new address on the profile and on every pending order.")
    draft.tags += ["multi-write", "search-orders", "preference"]
    draft.reason = (
        "I'm moving house next week. Can you update my address, including for the orders I'm still waiting for?"
    )
    draft.facts["new address"] = address_phrase(address)
    draft.unknown.append("order ids")
    draft.instructions += [
        f"Your new address is {address_phrase(address)}.",
        "Update it on your account, and on every order of yours that has not been processed or shipped yet.",
        "You do not know your order ids. Confirm each change.",
    ]
    draft.identify(customer, pool.identity(customer))
    orders = _read_all_orders(draft, customer.id)
    draft.run("modify_customer_address", customer_id=customer.id, **address_arguments(address))
    for order_id, order in orders.items():
        if order["status"] == "pending":
            draft.run("modify_pending_order_address", order_id=order_id, **address_arguments(address))
    return draft


def cancel_all_pending(pool: Pool, n: int) -> Draft:
    reason = CANCEL_REASONS[n % 2]
    customer = pool.take("cancel-all-pending", pool.customers(lambda c: len(pool.customer_orders(c, "pending")) >= 2))
    draft = pool.new_draft(
        "cancel-all-pending", "Multi-write, computed output: cancel every pending order, tell the refund total."
    )
    draft.tags += ["multi-write", "computed-output", "search-orders", "preference"]
    draft.reason = "Please cancel all my orders that haven't gone out yet."
    draft.unknown.append("order ids")
    draft.instructions += [
        f"Cancel every order of yours that is still pending: {CANCEL_WHY[reason]}.",
        "Orders already processed or shipped stay as they are. Confirm each cancellation.",
        "Ask how much you will get back in total.",
    ]
    draft.identify(customer, pool.identity(customer))
    orders = _read_all_orders(draft, customer.id)
    refunds = []
    for order_id, order in orders.items():
        if order["status"] == "pending":
            draft.run("cancel_pending_order", order_id=order_id, reason=reason)
            refunds.append(order["total"])
    draft.run("calculate", expression=" + ".join(f"{r:.2f}" for r in refunds))
    draft.say_refund(money_sum(refunds))
    return draft


def return_and_exchange(pool: Pool, n: int) -> Draft:
    def exchangeable(order) -> bool:
        return wishful(pool, order)

    customer = pool.take(
        "return-and-exchange",
        pool.customers(
            lambda c: (
                len(pool.customer_orders(c, "delivered")) >= 2
                and any(exchangeable(o) for o in pool.customer_orders(c, "delivered"))
            )
        ),
    )
    delivered = pool.customer_orders(customer, "delivered")
    swap_order = pool.rng.choice([o for o in delivered if exchangeable(o)])
    return_order = pool.rng.choice([o for o in delivered if o.id != swap_order.id])
    wanted = pick_wishes(pool, swap_order, 1)
    plan = [(w.item, w.variant) for w in wanted]
    difference = price_difference(plan)
    method_id = settling_method(customer, swap_order, difference)
    returned = pool.rng.choice(return_order.items)
    draft = pool.new_draft(
        "return-and-exchange", "Multi-write, two intents: return an item from one order, exchange one in another."
    )
    draft.tags += ["multi-write", "multi-intent", "computed-output", "preference"]
    draft.reason = f"Two things: I want to return something from order {return_order.id}, and exchange something from {swap_order.id}."
    draft.facts.update({"order id for the return": return_order.id, "order id for the exchange": swap_order.id})
    draft.instructions += [
        f"Return {item_phrase(returned)} from order {return_order.id}; the refund goes to the payment method you used for it.",
        wish_instruction(wanted, "exchange", f"From order {swap_order.id}: "),
        settle_instruction(customer, method_id, difference),
        "Ask how much you get back for the return.",
    ]
    draft.identify(customer, pool.identity(customer))
    draft.run("get_order_details", order_id=return_order.id)
    gold_return(draft, return_order, [returned], original_method(return_order), quote=True)
    gold_swap(draft, customer, swap_order, plan, method_id, "exchange_delivered_order_items")
    return draft


def cancel_and_readdress(pool: Pool, n: int) -> Draft:
    customer = pool.take("cancel-and-readdress", pool.customers(lambda c: len(pool.customer_orders(c, "pending")) >= 2))
    to_cancel, to_move = pool.rng.sample(pool.customer_orders(customer, "pending"), 2)
    reason = CANCEL_REASONS[n % 2]
    address = pool.new_address(avoid=to_move.address)
    draft = pool.new_draft(
        "cancel-and-readdress", "Multi-write, two intents: cancel one pending order, re-address another."
    )
    draft.tags += ["multi-write", "multi-intent"]
    draft.reason = f"Hi, I need to cancel order {to_cancel.id} and change where {to_move.id} is going."
    draft.facts.update(
        {
            "order id to cancel": to_cancel.id,
            "order id to send elsewhere": to_move.id,
            "new address": address_phrase(address),
        }
    )
    draft.instructions += [
        f"Cancel order {to_cancel.id}: {CANCEL_WHY[reason]}.",
        f"Order {to_move.id} should go to {address_phrase(address)}.",
        "Confirm each change.",
    ]
    draft.identify(customer, pool.identity(customer))
    draft.run("get_order_details", order_id=to_cancel.id)
    draft.run("cancel_pending_order", order_id=to_cancel.id, reason=reason)
    draft.run("get_order_details", order_id=to_move.id)
    draft.run("modify_pending_order_address", order_id=to_move.id, **address_arguments(address))
    return draft


def items_then_payment(pool: Pool, n: int) -> Draft:
    """Two changes to one pending order: its items (once), then the payment method for the new total."""

    def fits(order) -> bool:
        return not order.items_modified and len(order.net_paid()) == 1 and wishful(pool, order)

    order, wanted = take_wished(pool, "items-then-payment", pool.orders("pending", where=fits), 1)
    customer = pool.customer(order)
    plan = [(w.item, w.variant) for w in wanted]
    difference = price_difference(plan)
    current = original_method(order)
    new_total = money_sum([order.total, difference])
    targets = [m for m in sorted(customer.payment_methods) if m != current and can_pay(customer, m, new_total)]
    if not targets or not can_pay(customer, current, difference):
        return items_then_payment(pool, n)  # this order cannot take both changes; the pool moves on
    new = customer.payment_methods[pool.rng.choice(targets)]
    draft = pool.new_draft(
        "items-then-payment", "Multi-write on one order: swap an item, then change the payment method."
    )
    draft.tags += ["multi-write", "multi-intent", "preference"]
    draft.reason = f"I'd like to make a couple of changes to my order {order.id}."
    draft.facts["order id"] = order.id
    draft.instructions += [
        wish_instruction(wanted, "swap", f"First, in order {order.id}: "),
        settle_instruction(customer, current, difference),
        f"Then the whole order should be paid with {method_words(customer, new)} instead.",
        "Confirm each change.",
    ]
    draft.identify(customer, pool.identity(customer))
    gold_swap(draft, customer, order, plan, current, "modify_pending_order_items")
    draft.run("get_customer_details", customer_id=customer.id)
    draft.run("modify_pending_order_payment", order_id=order.id, payment_method_id=new.id)
    return draft


def exchange_with_quote(pool: Pool, n: int) -> Draft:
    """Two swaps in one delivered order, the customer wanting the total difference before agreeing."""
    order, wanted = take_wished(
        pool, "exchange-two-items", pool.orders("delivered", where=lambda o: wishful(pool, o, 2)), 2
    )
    customer = pool.customer(order)
    plan = [(w.item, w.variant) for w in wanted]
    difference = price_difference(plan)
    if difference == 0:
        return exchange_with_quote(pool, n)  # nothing to tell the customer; the pool moves on
    method_id = settling_method(customer, order, difference)
    draft = pool.new_draft(
        "exchange-two-items", "Single write, computed output: exchange two items at once, tell the difference."
    )
    draft.tags += ["single-write", "computed-output", "preference"]
    draft.reason = f"Two things from my order {order.id} don't fit. I'd like to exchange both."
    draft.facts["order id"] = order.id
    draft.instructions += [
        wish_instruction(wanted, "exchange", f"From order {order.id}, in one request: "),
        settle_instruction(customer, method_id, difference),
        "Before agreeing, ask what the exchange costs you or gives you back in total.",
    ]
    draft.identify(customer, pool.identity(customer))
    gold_swap(draft, customer, order, plan, method_id, "exchange_delivered_order_items", quote=True)
    return draft
