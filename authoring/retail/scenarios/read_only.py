"""Questions the agent answers from the records without changing anything."""

from __future__ import annotations

from authoring.retail.drafting import Draft, Pool
from authoring.retail.phrases import item_phrase, options_phrase
from frontdesk.envs.retail.money import money_sum

# Cancelled orders are left out: "canceled" is as correct as "cancelled", so the answer would be unfair to check.
STATUS_QUESTIONS = ["shipped", "processed", "delivered", "shipped", "pending", "delivered"]


# How agents say each status: the word the tools use, and the words the policy and people use for it.
STATUS_WORDINGS = {
    "processed": ["being packed", "processed", "processing", "packed", "preparing it for shipment"],
    "pending": [
        "pending",
        "not been processed yet",
        "hasn't been processed yet",
        "not yet processed",
        "not shipped yet",
        "hasn't shipped yet",
        "has not shipped yet",
        "not yet shipped",
        "hasn't been packed",
        "not been packed",
    ],
    "delivered": ["delivered", "has arrived", "was delivered"],
}


def _status_answer(draft: Draft, order: dict) -> None:
    """A shipped order's answer is its tracking number; any other order's, its status in any of the
    wordings that mean it ("being packed" is "processed")."""
    if order["status"] == "shipped":
        draft.say(order["tracking_number"])
    else:
        draft.say_phrases("order status", STATUS_WORDINGS[order["status"]])


def order_status(pool: Pool, n: int) -> Draft:
    status = STATUS_QUESTIONS[n % len(STATUS_QUESTIONS)]
    order = pool.take("order-status", pool.orders(status))
    customer = pool.customer(order)
    draft = pool.new_draft("order-status", f"Read-only: the status of a {status} order (tracking number if shipped).")
    draft.tags.append("read-only")
    draft.reason = pool.rng.choice(
        [f"Hi, what's happening with my order {order.id}?", f"Can you tell me where my order {order.id} is?"]
    )
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"You want to know the status of order {order.id}, and its tracking number if it has shipped.",
        "You do not want to change anything.",
    ]
    draft.identify(customer, pool.identity(customer))
    _status_answer(draft, draft.run("get_order_details", order_id=order.id))
    return draft


def find_order_without_id(pool: Pool, n: int) -> Draft:
    """The customer names a product, not an order: the agent searches the customer's orders."""

    def distinctive(order) -> bool:
        others = [o for o in pool.customer_orders(pool.customer(order)) if o.id != order.id]
        return len(others) >= 1 and any(
            all(i.product_id not in {j.product_id for j in o.items} for o in others) for i in order.items
        )

    order = pool.take("order-without-id", pool.orders("shipped", "processed", "delivered", where=distinctive))
    customer = pool.customer(order)
    others = [o for o in pool.customer_orders(customer) if o.id != order.id]
    item = next(i for i in order.items if all(i.product_id not in {j.product_id for j in o.items} for o in others))
    draft = pool.new_draft("order-without-id", "Read-only: find which order holds a product and report its status.")
    draft.tags += ["read-only", "search-orders"]
    draft.reason = f"Hello, I bought a {item.name} from you a while ago. Has it shipped yet?"
    draft.unknown.append("order id")
    draft.instructions += [
        f"You want to know the status of the order that contains the {item.name}, and its tracking number if it has shipped.",
        "You do not know the order id. You do not want to change anything.",
    ]
    draft.identify(customer, pool.identity(customer))
    profile = draft.run("get_customer_details", customer_id=customer.id)
    for order_id in profile["order_ids"]:
        details = draft.run("get_order_details", order_id=order_id)
        if order_id == order.id:
            _status_answer(draft, details)
            break
    return draft


def gift_card_balance(pool: Pool, n: int) -> Draft:
    customer = pool.take(
        "gift-card-balance",
        pool.customers(lambda c: any(m.kind == "gift_card" and m.balance > 0 for m in c.payment_methods.values())),
    )
    draft = pool.new_draft("gift-card-balance", "Read-only: the balance left on the customer's gift card.")
    draft.tags.append("read-only")
    draft.reason = pool.rng.choice(
        ["How much is left on my gift card?", "Could you check my gift card balance for me?"]
    )
    draft.instructions += ["You want to know the balance of your gift card.", "You do not want to change anything."]
    draft.identify(customer, pool.identity(customer))
    profile = draft.run("get_customer_details", customer_id=customer.id)
    draft.say(next(m["balance"] for m in profile["payment_methods"].values() if m["kind"] == "gift_card"))
    return draft


def catalogue_price(pool: Pool, n: int) -> Draft:
    """No account involved: a price and availability from the catalogue."""
    product = pool.take("catalogue-price", [p for _, p in sorted(pool.db.products.items())])
    variant = pool.rng.choice([v for _, v in sorted(product.variants.items()) if v.available])
    draft = pool.new_draft("catalogue-price", "Read-only, no account: the price of an available product variant.")
    draft.tags += ["read-only", "no-account"]
    draft.reason = (
        f"Hi! Do you have the {product.name} with {options_phrase(variant.options)} in stock, and how much is it?"
    )
    draft.instructions += [
        f"You want to know whether the {product.name} with {options_phrase(variant.options)} is available, and its price.",
        "You are just asking; you do not want to order or change anything.",
    ]
    draft.run("list_product_types")
    draft.run("get_product_details", product_id=product.id)
    draft.say(variant.price)
    return draft


def pending_total(pool: Pool, n: int) -> Draft:
    """A sum the agent must compute: what the customer's pending orders cost together."""
    customer = pool.take(
        "pending-total",
        pool.customers(lambda c: len(pool.customer_orders(c, "pending")) >= 2 and len(c.order_ids) <= 6),
    )
    draft = pool.new_draft("pending-total", "Read-only, computed output: the combined total of all pending orders.")
    draft.tags += ["read-only", "computed-output"]
    draft.reason = "How much do my orders that haven't been sent yet add up to?"
    draft.unknown.append("order ids")
    draft.instructions += [
        "You want the combined total of all your orders that are still pending (not yet processed or shipped).",
        "You do not know your order ids. You do not want to change anything.",
    ]
    draft.identify(customer, pool.identity(customer))
    totals = []
    for order_id in draft.run("get_customer_details", customer_id=customer.id)["order_ids"]:
        order = draft.run("get_order_details", order_id=order_id)
        if order["status"] == "pending":
            totals.append(order["total"])
    draft.run("calculate", expression=" + ".join(f"{t:.2f}" for t in totals))
    draft.say(money_sum(totals))
    return draft


def exchange_quote(pool: Pool, n: int) -> Draft:
    """A price difference the agent must compute, without making the exchange."""

    def priced_differently(item, order) -> list:
        return [v for v in pool.alternatives(item, order) if v.price != item.price]

    order = pool.take(
        "exchange-quote", pool.orders("delivered", where=lambda o: any(priced_differently(i, o) for i in o.items))
    )
    item = pool.rng.choice([i for i in order.items if priced_differently(i, order)])
    new = pool.rng.choice(priced_differently(item, order))
    difference = money_sum([new.price, -item.price])
    draft = pool.new_draft("exchange-quote", "Read-only, computed output: the price difference of a possible exchange.")
    draft.tags += ["read-only", "computed-output"]
    draft.reason = (
        f"If I exchanged {item_phrase(item)} from order {order.id} for another version, what would it cost me?"
    )
    draft.facts["order id"] = order.id
    draft.instructions += [
        f"You are thinking of exchanging {item_phrase(item)} from order {order.id} for the one with "
        f"{options_phrase(new.options)}.",
        "You only want to know how much more you would pay, or how much you would get back. Do not make the "
        "exchange now: you will decide later.",
    ]
    pool.open_order(draft, order)
    draft.run("get_product_details", product_id=item.product_id)
    draft.run("calculate", expression=f"{new.price:.2f} - {item.price:.2f}")
    draft.say_difference(difference)
    return draft
