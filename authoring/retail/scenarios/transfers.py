"""Cases the policy hands to a human: the gold sequence ends with the transfer."""

from __future__ import annotations

from authoring.retail.drafting import Draft, Pool
from authoring.retail.phrases import options_phrase


def _transfer(pool: Pool, family: str, description: str) -> Draft:
    draft = pool.new_draft(family, f"Transfer: {description}.")
    draft.tags.append("transfer")
    return draft


def lost_package(pool: Pool, n: int) -> Draft:
    order = pool.take("transfer-lost", pool.orders("shipped"))
    customer = pool.customer(order)
    draft = _transfer(pool, "transfer-lost", "a shipped package reported lost goes to a human")
    draft.reason = f"My order {order.id} was shipped ages ago and the tracking hasn't moved. I think it's lost."
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"Order {order.id} shipped but never arrived; the tracking has not changed for two weeks. You believe it is lost.",
        "You want someone to look into it. Accept being transferred to a human agent.",
    ]
    pool.open_order(draft, order)
    draft.run(
        "transfer_to_human_agents",
        summary=f"Customer {customer.id} reports shipped order {order.id} as lost in transit.",
    )
    return draft


def damaged_compensation(pool: Pool, n: int) -> Draft:
    order = pool.take("transfer-damaged", pool.orders("delivered"))
    customer = pool.customer(order)
    item = pool.rng.choice(order.items)
    draft = _transfer(pool, "transfer-damaged", "compensation for a damaged item goes to a human")
    draft.reason = f"The {item.name} in my order {order.id} arrived damaged. I want some compensation."
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"The {item.name} ({options_phrase(item.options)}) from order {order.id} arrived with a crack in it.",
        "You want to keep it and get compensation (a partial refund); you do not want to return or exchange it.",
        "Accept being transferred to a human agent.",
    ]
    draft.will_not_accept += ["a return", "an exchange"]
    pool.open_order(draft, order)
    draft.run(
        "transfer_to_human_agents",
        summary=f"Customer {customer.id}: {item.name} in delivered order {order.id} arrived damaged; asks for compensation.",
    )
    return draft


def asks_for_human(pool: Pool, n: int) -> Draft:
    order = pool.take("transfer-on-request", pool.orders("processed"))
    customer = pool.customer(order)
    draft = _transfer(pool, "transfer-on-request", "the customer explicitly asks for a human")
    draft.reason = f"I need to cancel order {order.id}. It's urgent."
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"You want order {order.id} cancelled.",
        "When the agent says it cannot be cancelled, say you want to speak to a human agent about it.",
    ]
    pool.open_order(draft, order)
    draft.run(
        "transfer_to_human_agents",
        summary=f"Customer {customer.id} wants processed order {order.id} cancelled and asked for a human agent.",
    )
    return draft


def lost_after_changes(pool: Pool, n: int) -> Draft:
    """Changes the agent can make (a pending order re-addressed and paid another way), then a lost parcel,
    which goes to a human: the transfer comes last."""
    from authoring.retail.phrases import address_phrase
    from authoring.retail.scenarios.bundles import gold_redirect, pending_to_redirect, repayable
    from authoring.retail.wishes import method_words

    def fits(customer) -> bool:
        return bool(pool.customer_orders(customer, "shipped")) and any(
            repayable(customer, o) for o in pool.customer_orders(customer, "pending")
        )

    customer = pool.take("transfer-after-changes", pool.customers(fits))
    lost = pool.rng.choice(pool.customer_orders(customer, "shipped"))
    pending, new_method, address = pending_to_redirect(pool, customer)
    draft = _transfer(
        pool, "transfer-after-changes", "two changes to a pending order, then a lost parcel goes to a human"
    )
    draft.tags += ["multi-write", "multi-intent", "preference"]
    draft.facts.update(
        {
            "order id on its way": pending.id,
            "order id of the lost parcel": lost.id,
            "new address": address_phrase(address),
        }
    )
    draft.instructions += [
        f"First: your pending order {pending.id} should go to {address_phrase(address)} and be paid with "
        f"{method_words(customer, customer.payment_methods[new_method])} instead. Confirm each change.",
        f"Then: order {lost.id} shipped two weeks ago and its tracking has not moved since; you believe it is lost. "
        "You want someone to look into it. Accept being transferred to a human agent.",
    ]
    draft.identify(customer, pool.identity(customer))
    gold_redirect(draft, customer, pending, new_method, address)
    draft.run("get_order_details", order_id=lost.id)
    draft.run(
        "transfer_to_human_agents",
        summary=f"Customer {customer.id} reports shipped order {lost.id} as lost in transit.",
    )
    return draft
