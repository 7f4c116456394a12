"""One change each: every write tool, on its own."""

from __future__ import annotations

from authoring.kit import listing
from authoring.retail.drafting import Draft, Pool, can_pay, original_method
from authoring.retail.gold import gold_return, gold_swap, price_difference
from authoring.retail.phrases import address_arguments, address_phrase, item_phrase
from authoring.retail.wishes import method_wish, method_words, take_wished, wish_instruction, wishful
from frontdesk.envs.retail.db import Customer, Order

CANCEL_REASONS = ["no longer needed", "ordered by mistake"]
CANCEL_WHY = {"no longer needed": "you no longer need it", "ordered by mistake": "you ordered it by mistake"}


def single_method(order: Order) -> bool:
    return len(order.net_paid()) == 1


def cancel_pending(pool: Pool, n: int) -> Draft:
    reason = CANCEL_REASONS[n % 2]
    order = pool.take("cancel-pending", pool.orders("pending"))
    tell_refund = n % 3 == 0
    draft = pool.new_draft("cancel-pending", f"Single write: cancel a pending order ({reason}).")
    draft.tags.append("single-write")
    draft.reason = pool.rng.choice(
        [f"I'd like to cancel my order {order.id}, please.", f"Please cancel order {order.id}."]
    )
    draft.facts["order id"] = order.id
    draft.instructions += [f"Cancel order {order.id}: {CANCEL_WHY[reason]}.", "Confirm when the agent asks."]
    if tell_refund:
        draft.instructions.append("Ask how much money you will get back.")
        draft.tags.append("computed-output")
    details = pool.open_order(draft, order)
    draft.run("cancel_pending_order", order_id=order.id, reason=reason)
    if tell_refund:
        draft.say_refund(details["total"])
    return draft


def readdress_order(pool: Pool, n: int) -> Draft:
    order = pool.take("readdress-order", pool.orders("pending"))
    address = pool.new_address(avoid=order.address)
    draft = pool.new_draft("readdress-order", "Single write: ship a pending order to a new address.")
    draft.tags.append("single-write")
    draft.reason = f"Can you send my order {order.id} to a different address?"
    draft.facts.update({"order id": order.id, "new address": address_phrase(address)})
    draft.instructions += [
        f"Order {order.id} should be shipped to {address_phrase(address)} instead.",
        "Only this order; leave your account's address as it is.",
    ]
    pool.open_order(draft, order)
    draft.run("modify_pending_order_address", order_id=order.id, **address_arguments(address))
    return draft


def readdress_to_profile(pool: Pool, n: int) -> Draft:
    """The customer says "my home address"; the agent reads it from the profile."""
    order = pool.take(
        "readdress-to-profile", pool.orders("pending", where=lambda o: o.address != pool.customer(o).address)
    )
    customer = pool.customer(order)
    draft = pool.new_draft("readdress-to-profile", "Single write: ship a pending order to the address on the profile.")
    draft.tags += ["single-write", "preference"]
    draft.reason = f"I put the wrong address on order {order.id}. Could you send it to my home address instead?"
    draft.facts.update({"order id": order.id, "home address": address_phrase(customer.address)})
    draft.instructions += [
        f"Order {order.id} should go to your home address, {address_phrase(customer.address)}, the one on your account.",
        "Confirm when the agent asks.",
    ]
    draft.identify(customer, pool.identity(customer))
    draft.run("get_customer_details", customer_id=customer.id)
    draft.run("get_order_details", order_id=order.id)
    draft.run("modify_pending_order_address", order_id=order.id, **address_arguments(customer.address))
    return draft


def other_payment_methods(customer: Customer, order: Order) -> list[str]:
    """Methods that could take over a single-method pending order: not the current one, able to pay it all."""
    ((current, amount),) = order.net_paid().items()
    return [m for m in sorted(customer.payment_methods) if m != current and can_pay(customer, m, amount)]


def change_payment(pool: Pool, n: int) -> Draft:
    order = pool.take(
        "change-payment",
        pool.orders("pending", where=lambda o: single_method(o) and bool(other_payment_methods(pool.customer(o), o))),
    )
    customer = pool.customer(order)
    new = customer.payment_methods[pool.rng.choice(other_payment_methods(customer, order))]
    draft = pool.new_draft("change-payment", f"Single write: pay a pending order with another method ({new.kind}).")
    draft.tags.append("single-write")
    if method_wish(customer, new):
        draft.tags.append("preference")
    draft.reason = f"I'd like to pay for order {order.id} with {method_words(customer, new, 'my')} instead."
    draft.facts.update({"order id": order.id, "new payment method": method_words(customer, new, "my")})
    draft.instructions += [
        f"Order {order.id} should be paid with {method_words(customer, new)} instead of what you used; that is "
        "how you name it.",
        "Confirm when the agent asks.",
    ]
    draft.identify(customer, pool.identity(customer))
    draft.run("get_customer_details", customer_id=customer.id)
    draft.run("get_order_details", order_id=order.id)
    draft.run("modify_pending_order_payment", order_id=order.id, payment_method_id=new.id)
    return draft


def settling_method(customer: Customer, order: Order, difference: float) -> str:
    """Who pays (or gets back) a price difference: the order's own method when it can, else the first that can."""
    first = original_method(order)
    if can_pay(customer, first, difference):
        return first
    return next(m for m in sorted(customer.payment_methods) if can_pay(customer, m, difference))


def settle_instruction(customer: Customer, method_id: str, difference: float) -> str:
    phrase = method_words(customer, customer.payment_methods[method_id])
    if difference == 0:
        return f"If there is any price difference, settle it with {phrase}."
    if difference > 0:
        return f"Pay the price difference with {phrase}."
    return f"Any money back should go to {phrase}."


def modify_items(pool: Pool, n: int) -> Draft:
    count = 2 if n % 3 == 2 else 1
    order, wanted = take_wished(
        pool,
        "modify-items",
        pool.orders("pending", where=lambda o: not o.items_modified and wishful(pool, o, count)),
        count,
    )
    customer = pool.customer(order)
    plan = [(w.item, w.variant) for w in wanted]
    difference = price_difference(plan)
    method_id = settling_method(customer, order, difference)
    tell_difference = n % 2 == 0 and difference != 0
    draft = pool.new_draft(
        "modify-items",
        f"Single write: swap {'two items' if count > 1 else 'an item'} of a pending order as the customer describes.",
    )
    draft.tags += ["single-write", "preference"]
    draft.reason = f"Before my order {order.id} ships, can I change something in it?"
    draft.facts["order id"] = order.id
    draft.instructions += [
        wish_instruction(wanted, "swap", f"In order {order.id}: "),
        "Ask for all the changes at once." if count > 1 else "That is the only change you want.",
        settle_instruction(customer, method_id, difference),
    ]
    if tell_difference:
        draft.instructions.append("Ask how much the change costs you, or how much you get back.")
        draft.tags.append("computed-output")
    draft.identify(customer, pool.identity(customer))
    gold_swap(draft, customer, order, plan, method_id, "modify_pending_order_items", quote=tell_difference)
    return draft


def update_profile_address(pool: Pool, n: int) -> Draft:
    customer = pool.take("profile-address", pool.customers(lambda c: True))
    address = pool.new_address(avoid=customer.address)
    draft = pool.new_draft("profile-address", "Single write: change the address on the customer's profile.")
    draft.tags.append("single-write")
    draft.reason = "I've moved. Can you update the address on my account?"
    draft.facts["new address"] = address_phrase(address)
    draft.instructions += [
        f"Your account's address should become {address_phrase(address)}.",
        "Only the account's address: if asked, you do not want any existing order changed.",
    ]
    draft.identify(customer, pool.identity(customer))
    draft.run("get_customer_details", customer_id=customer.id)
    draft.run("modify_customer_address", customer_id=customer.id, **address_arguments(address))
    return draft


def refund_method(pool: Pool, customer: Customer, order: Order, to_gift_card: bool) -> str:
    gift_cards = sorted(m for m, v in customer.payment_methods.items() if v.kind == "gift_card")
    if to_gift_card and len(gift_cards) == 1:  # "my gift card" must name one
        return gift_cards[0]
    return original_method(order)


def return_items(pool: Pool, n: int) -> Draft:
    order = pool.take("return-items", pool.orders("delivered"))
    customer = pool.customer(order)
    items = sorted(pool.rng.sample(order.items, pool.rng.randint(1, len(order.items))), key=order.items.index)
    method_id = refund_method(pool, customer, order, to_gift_card=n % 3 == 2)
    tell_refund = n % 4 != 3
    whole = len(items) == len(order.items)
    draft = pool.new_draft(
        "return-items", f"Single write: return {'all' if whole else 'some'} items of a delivered order."
    )
    draft.tags.append("single-write")
    draft.reason = f"I'd like to return {'everything' if whole else 'something'} from my order {order.id}."
    draft.facts["order id"] = order.id
    to_gift_card = method_id != original_method(order)
    if to_gift_card:
        draft.tags.append("preference")
    draft.instructions += [
        f"You want to return {listing([item_phrase(i) for i in items])} from order {order.id}"
        + ("." if whole else "; keep the rest."),
        "The refund should go to your gift card, not back to what you paid with."
        if to_gift_card
        else "The refund goes back to the payment method you paid with.",
    ]
    if tell_refund:
        draft.instructions.append("Ask how much you will get back.")
        draft.tags.append("computed-output")
    pool.open_order(draft, order)
    if method_id != original_method(order):
        draft.run("get_customer_details", customer_id=customer.id)
    gold_return(draft, order, items, method_id, quote=tell_refund)
    return draft


def exchange_items(pool: Pool, n: int) -> Draft:
    count = 2 if n % 3 == 1 else 1
    order, wanted = take_wished(
        pool, "exchange-items", pool.orders("delivered", where=lambda o: wishful(pool, o, count)), count
    )
    customer = pool.customer(order)
    plan = [(w.item, w.variant) for w in wanted]
    difference = price_difference(plan)
    method_id = settling_method(customer, order, difference)
    draft = pool.new_draft(
        "exchange-items",
        f"Single write: exchange {'two delivered items' if count > 1 else 'a delivered item'} as the customer describes.",
    )
    draft.tags += ["single-write", "preference"]
    draft.reason = f"Something from my order {order.id} isn't quite right. Can I exchange it?"
    draft.facts["order id"] = order.id
    draft.instructions += [
        wish_instruction(wanted, "exchange", f"From order {order.id}: "),
        settle_instruction(customer, method_id, difference),
    ]
    if difference:
        draft.instructions.append("Ask how much more you will pay, or how much you will get back.")
        draft.tags.append("computed-output")
    draft.identify(customer, pool.identity(customer))
    gold_swap(draft, customer, order, plan, method_id, "exchange_delivered_order_items", quote=bool(difference))
    return draft
