"""The customer changes their mind part-way: only the final decision may reach the database.

``will_not_accept`` holds what they gave up on, so an agent that still proposes it is turned down.
"""

from __future__ import annotations

from authoring.kit import listing
from authoring.retail.drafting import Draft, Pool, can_pay, original_method, swap_plan
from authoring.retail.gold import add_swap_reads, gold_return, price_difference
from authoring.retail.phrases import address_arguments, address_phrase, item_phrase, method_phrase, swap_phrase
from authoring.retail.scenarios.changes import CANCEL_REASONS, CANCEL_WHY, other_payment_methods, single_method
from authoring.retail.wishes import method_words, pick_wishes, wish_instruction
from frontdesk.envs.retail.money import money_sum


def _change_of_mind(pool: Pool, family: str, description: str, writes: bool = True) -> Draft:
    draft = pool.new_draft(family, f"Change of mind: {description}.")
    draft.tags += ["change-of-mind", "single-write" if writes else "customer-declines"]
    return draft


def cancel_then_readdress(pool: Pool, n: int) -> Draft:
    order = pool.take("mind-cancel-to-readdress", pool.orders("pending"))
    address = pool.new_address(avoid=order.address)
    draft = _change_of_mind(
        pool, "mind-cancel-to-readdress", "asks to cancel, then keeps the order and changes its address"
    )
    draft.reason = f"I want to cancel my order {order.id}, I won't be home to receive it."
    draft.facts.update({"order id": order.id, "new address": address_phrase(address)})
    draft.instructions += [
        f"You start by asking to cancel order {order.id} because you will not be home.",
        f"Once the agent has found the order, change your mind: keep it, but have it shipped to {address_phrase(address)}, "
        "where someone can receive it.",
        "From then on you do not want the order cancelled.",
    ]
    draft.will_not_accept += ["cancel"]
    pool.open_order(draft, order)
    draft.run("modify_pending_order_address", order_id=order.id, **address_arguments(address))
    return draft


def return_fewer(pool: Pool, n: int) -> Draft:
    order = pool.take("mind-return-fewer", pool.orders("delivered", where=lambda o: len(o.items) >= 2))
    first, kept = pool.rng.sample(order.items, 2)
    draft = _change_of_mind(pool, "mind-return-fewer", "asks to return two items, then keeps one of them")
    draft.reason = f"I'd like to return {item_phrase(first)} and {item_phrase(kept)} from order {order.id}."
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"You start by asking to return {item_phrase(first)} and {item_phrase(kept)} from order {order.id}.",
        f"Before anything is done, change your mind about {item_phrase(kept)}: you keep it. Return only {item_phrase(first)}.",
        "The refund goes to the payment method you paid with. Ask how much you will get back.",
    ]
    draft.will_not_accept.append(f"returning {item_phrase(kept)}")
    draft.tags.append("computed-output")
    pool.open_order(draft, order)
    gold_return(draft, order, [first], original_method(order), quote=True)
    return draft


def exchange_then_return(pool: Pool, n: int) -> Draft:
    order = pool.take(
        "mind-exchange-to-return",
        pool.orders("delivered", where=lambda o: any(pool.alternatives(i, o) for i in o.items)),
    )
    customer = pool.customer(order)
    ((item, new),) = swap_plan(pool, order, 1)
    method_id = original_method(order)
    draft = _change_of_mind(pool, "mind-exchange-to-return", "asks for an exchange, then returns the item instead")
    draft.reason = f"Can I exchange {item_phrase(item)} from my order {order.id}?"
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"You start by asking to exchange {swap_phrase(item, new)}.",
        f"After the agent has looked into it, change your mind: you would rather return {item_phrase(item)} "
        f"for a refund to {method_phrase(customer.payment_methods[method_id])}, the method you paid with.",
        "From then on you do not want an exchange.",
    ]
    draft.will_not_accept.append("exchange")
    pool.open_order(draft, order)
    draft.run("get_product_details", product_id=item.product_id)
    gold_return(draft, order, [item], method_id, quote=False)
    return draft


def payment_switch(pool: Pool, n: int) -> Draft:
    order = pool.take(
        "mind-payment",
        pool.orders(
            "pending", where=lambda o: single_method(o) and len(other_payment_methods(pool.customer(o), o)) >= 2
        ),
    )
    customer = pool.customer(order)
    first, final = (customer.payment_methods[m] for m in pool.rng.sample(other_payment_methods(customer, order), 2))
    draft = _change_of_mind(pool, "mind-payment", "picks one new payment method, then another")
    draft.reason = f"I want to change how I pay for order {order.id}, to {method_words(customer, first)}."
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"You start by asking to pay order {order.id} with {method_words(customer, first)}.",
        f"Before the agent makes the change, change your mind: you want to pay with {method_words(customer, final)} "
        "instead.",
    ]
    draft.will_not_accept.append(f"paying with {method_phrase(first)}")
    draft.identify(customer, pool.identity(customer))
    draft.run("get_customer_details", customer_id=customer.id)
    draft.run("get_order_details", order_id=order.id)
    draft.run("modify_pending_order_payment", order_id=order.id, payment_method_id=final.id)
    return draft


def keep_after_all(pool: Pool, n: int) -> Draft:
    """Asks to cancel, hears the refund amount, decides to keep the order: nothing changes."""
    order = pool.take("mind-keep-order", pool.orders("pending"))
    reason = CANCEL_REASONS[n % 2]
    draft = _change_of_mind(pool, "mind-keep-order", "asks to cancel, hears the refund, keeps the order", writes=False)
    draft.reason = f"I'm thinking of cancelling my order {order.id}. How much would I get back?"
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"You consider cancelling order {order.id} ({CANCEL_WHY[reason]}) and ask how much would be refunded.",
        "Once you hear the amount, decide to keep the order after all. Nothing should be changed.",
    ]
    draft.will_not_accept.append("cancel")
    draft.tags.append("computed-output")
    details = pool.open_order(draft, order)
    draft.say_refund(money_sum(p["amount"] if p["kind"] == "payment" else -p["amount"] for p in details["payments"]))
    return draft


def modify_fewer_items(pool: Pool, n: int) -> Draft:
    """Asks to swap two items of a pending order, then only one: the single allowed modification."""
    order = pool.take(
        "mind-modify-fewer",
        pool.orders(
            "pending",
            where=lambda o: not o.items_modified and len([i for i in o.items if pool.alternatives(i, o)]) >= 2,
        ),
    )
    customer = pool.customer(order)
    plan = swap_plan(pool, order, 2)
    kept, changed = (plan[0], plan[1]) if n % 2 else (plan[1], plan[0])
    difference = price_difference([changed])
    method_id = original_method(order)
    if difference > 0 and customer.payment_methods[method_id].kind == "gift_card":
        return modify_fewer_items(pool, n)  # the gift card may not cover it; the pool moves on
    draft = _change_of_mind(pool, "mind-modify-fewer", "asks to swap two items of a pending order, then only one")
    draft.reason = f"I'd like to change two things in my order {order.id}."
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"You start by asking to swap {listing([swap_phrase(*kept), swap_phrase(*changed)])}.",
        f"Before the agent makes any change, decide to keep {item_phrase(kept[0])} as it is; swap only "
        f"{swap_phrase(*changed)}.",
        f"Settle any price difference with {method_phrase(customer.payment_methods[method_id])}, the method you paid with.",
    ]
    draft.will_not_accept.append(f"swapping {item_phrase(kept[0])}")
    pool.open_order(draft, order)
    add_swap_reads(draft, plan)
    draft.run(
        "modify_pending_order_items",
        order_id=order.id,
        variant_ids=[changed[0].variant_id],
        new_variant_ids=[changed[1].id],
        payment_method_id=method_id,
    )
    return draft


def cancel_to_changes(pool: Pool, n: int) -> Draft:
    """Asks to cancel a pending order, then keeps it with an item swapped (as a wish) and another payment
    method; and returns an item of a delivered order. Only the final decisions reach the database."""
    from authoring.retail.scenarios.bundles import _new_payment, _settle_words, _swap, _swappable

    def fits(customer) -> bool:
        return bool(pool.customer_orders(customer, "delivered")) and any(
            _swappable(pool, o) and len(o.net_paid()) == 1 for o in pool.customer_orders(customer, "pending")
        )

    while True:
        customer = pool.take("mind-cancel-to-changes", pool.customers(fits))
        pending = pool.rng.choice(
            [o for o in pool.customer_orders(customer, "pending") if _swappable(pool, o) and len(o.net_paid()) == 1]
        )
        wanted = pick_wishes(pool, pending, 1)
        if not wanted:
            continue
        difference = price_difference([(w.item, w.variant) for w in wanted])
        current = original_method(pending)
        new_method = _new_payment(customer, pending, money_sum([pending.total, difference]))
        if new_method and can_pay(customer, current, difference):
            break
    delivered = pool.rng.choice(pool.customer_orders(customer, "delivered"))
    returned = pool.rng.choice(delivered.items)
    draft = _change_of_mind(
        pool, "mind-cancel-to-changes", "asks to cancel a pending order, then keeps it changed; also a return"
    )
    draft.tags.remove("single-write")
    draft.tags += ["multi-write", "multi-intent", "preference", "computed-output"]
    draft.facts.update({"order id on its way": pending.id, "order id of the delivered order": delivered.id})
    draft.instructions += [
        f"You start by asking to cancel order {pending.id}, because of the item you are unhappy with in it.",
        "Once the agent has looked at the order, change your mind: keep it, with a change instead. "
        + wish_instruction(wanted),
        _settle_words(customer, current, difference),
        f"Then the order should be paid with {method_words(customer, customer.payment_methods[new_method])} "
        "instead of what it is paid with now. From then on you do not want it cancelled.",
        f"Also return {item_phrase(returned)} from order {delivered.id}, refunded to what you paid with; ask how "
        "much you get back.",
    ]
    draft.will_not_accept.append("cancel")
    draft.identify(customer, pool.identity(customer))
    _swap(draft, customer, pending, wanted, "modify_pending_order_items", current)
    draft.run("get_customer_details", customer_id=customer.id)
    draft.run("modify_pending_order_payment", order_id=pending.id, payment_method_id=new_method)
    draft.run("get_order_details", order_id=delivered.id)
    gold_return(draft, delivered, [returned], original_method(delivered), quote=True)
    draft.forbid("cancel_pending_order", order_id=pending.id)
    return draft
