"""The customer changes their mind part-way: only the final decision may reach the database.

``will_not_accept`` holds what they gave up on, so an agent that still proposes it is turned down.
"""

from __future__ import annotations

from authoring.kit import listing
from authoring.retail.drafting import Draft, Pool, original_method, swap_plan
from authoring.retail.gold import add_swap_reads, gold_return, price_difference
from authoring.retail.phrases import address_arguments, address_phrase, item_phrase, method_phrase, swap_phrase
from authoring.retail.scenarios.changes import CANCEL_REASONS, CANCEL_WHY, other_payment_methods, single_method
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
    draft.reason = f"I want to change how I pay for order {order.id}, to {method_phrase(first, 'my')}."
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"You start by asking to pay order {order.id} with {method_phrase(first)}.",
        f"Before the agent makes the change, change your mind: you want to pay with {method_phrase(final)} instead.",
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
    draft.say(money_sum(p["amount"] if p["kind"] == "payment" else -p["amount"] for p in details["payments"]))
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
