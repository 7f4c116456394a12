"""Customers who come back: each task ``follows`` an earlier one, and starts from the state that
conversation's gold actions left. The customer is the one served then, and says so ("I called earlier
and you moved my order to ..."); what they ask now is about an order that conversation changed, and the
policy's rules apply to the order as it is now (an order whose items were modified once cannot be
modified again, a delivered order allows one return or exchange)."""

from __future__ import annotations

from collections.abc import Callable

from authoring.kit import listing
from authoring.retail import reasons
from authoring.retail.drafting import Draft, Earlier, Pool, can_pay, original_method
from authoring.retail.gold import gold_return, gold_swap, price_difference
from authoring.retail.phrases import address_arguments, address_phrase, item_phrase, swap_phrase
from authoring.retail.scenarios.bundles import _new_payment, gold_redirect, net_paid, paying_now
from authoring.retail.scenarios.changes import CANCEL_REASONS, CANCEL_WHY, settle_instruction, settling_method
from authoring.retail.scenarios.refusals import LOOKUPS, PRESS
from authoring.retail.wishes import method_words, pick_wishes, wish_instruction, wishful
from frontdesk.envs.retail.db import Customer, Order, OrderItem, PaymentMethod
from frontdesk.envs.retail.money import money_sum

TAG = "returning-customer"


def _returning(pool: Pool, family: str, description: str, earlier: Earlier) -> Draft:
    draft = pool.follow(family, f"Returning customer (follows {earlier.id}): {description}.", earlier)
    draft.tags.append(TAG)
    return draft


def _earlier_instruction(what: str) -> str:
    return (
        f"Earlier today you were in touch with the store in another conversation, which is over: {what}. "
        "That was done as you asked and you do not want it undone; it is why you are back."
    )


def _identify(draft: Draft, earlier: Earlier) -> Customer:
    """The customer identifies themselves as they did the first time (their zip code is the one the
    account has now); returns them as they are now."""
    customer = earlier.customer
    draft.identify(customer, earlier.identity)
    if earlier.identity == "name_zip" and _moved(earlier):
        draft.instructions.append(
            f"The zip code on your account is your new one, {customer.address.zip_code}, since your earlier call."
        )
    return customer


def _written_on(earlier: Earlier, order_id: str) -> list[str]:
    return [name for name, target in earlier.written() if target == order_id]


def _orders(earlier: Earlier, *statuses: str, where: Callable[[Order], bool] = lambda o: True) -> list[Order]:
    """The customer's orders as they are now, in their profile's order."""
    orders = [earlier.db.orders[i] for i in earlier.customer.order_ids]
    return [o for o in orders if (not statuses or o.status in statuses) and where(o)]


def _touched(earlier: Earlier, name: str, *statuses: str) -> list[Order]:
    """The customer's orders that the earlier conversation wrote to with ``name``, in a status now."""
    return _orders(earlier, *statuses, where=lambda o: name in _written_on(earlier, o.id))


def _moved(earlier: Earlier) -> bool:
    """Whether the earlier conversation changed the address on the customer's profile (they moved)."""
    return any(name == "modify_customer_address" for name, _ in earlier.written())


def _method_named(method: PaymentMethod) -> dict:
    """Which method money went back to, in the words an agent uses for it."""
    if method.kind == "gift_card":
        words = ["gift card"]
    elif method.kind == "card":
        words = [method.last_four]
    else:
        words = [method.provider]
    return {"kind": "phrases", "what": "refund method", "all_of": [words]}


def _one_payment_one_refund(order: Order) -> bool:
    return [p.kind for p in order.payments] == ["payment", "refund"]


def _refunded(order: Order) -> float:
    return money_sum(p.amount for p in order.payments if p.kind == "refund")


# --- an order's address changed earlier: now its items, then its payment --------------------------------


def readdressed_items(pool: Pool, n: int) -> Draft:
    """The earlier conversation sent a pending order elsewhere; now the customer swaps an item in it (its
    first modification: an address change is not one) and pays the new total another way."""

    def fits(e: Earlier) -> bool:
        return not _moved(e) and any(
            _written_on(e, o.id) == ["modify_pending_order_address"] and not o.items_modified and wishful(pool, o)
            for o in _orders(e, "pending")
        )

    while True:
        earlier = pool.take_earlier("returning-readdressed", fits)
        customer = earlier.customer
        order = pool.rng.choice(
            [
                o
                for o in _touched(earlier, "modify_pending_order_address", "pending")
                if not o.items_modified and wishful(pool, o)
            ]
        )
        wanted = pick_wishes(pool, order, 1)
        if not wanted or paying_now(order) is None:
            continue
        plan = [(w.item, w.variant) for w in wanted]
        difference = price_difference(plan)
        current = original_method(order)
        new = _new_payment(customer, order, money_sum([order.total, difference]))
        if new and can_pay(customer, current, difference):
            break
    tell_difference = n % 2 == 0 and difference != 0
    draft = _returning(
        pool,
        "returning-readdressed",
        "the order re-addressed earlier gets an item swapped (its first modification) and another payment method",
        earlier,
    )
    draft.tags += ["multi-write", "multi-intent", "preference"]
    draft.facts.update({"order id": order.id, "address the order now goes to": address_phrase(order.address)})
    draft.instructions += [
        _earlier_instruction(f"the agent had your order {order.id} shipped to {address_phrase(order.address)}"),
        wish_instruction(wanted, "swap", f"Now, in order {order.id}: "),
        settle_instruction(customer, current, difference),
        f"Then the whole order should be paid with {method_words(customer, customer.payment_methods[new])} "
        "instead of what it is paid with now.",
        "The address stays as it is now. Confirm each change when the agent asks.",
    ]
    if tell_difference:
        draft.instructions.append("Ask how much the swap costs you, or how much you get back, before agreeing.")
        draft.tags.append("computed-output")
    _identify(draft, earlier)
    gold_swap(draft, customer, order, plan, current, "modify_pending_order_items", quote=tell_difference)
    draft.run("get_customer_details", customer_id=customer.id)
    draft.run("modify_pending_order_payment", order_id=order.id, payment_method_id=new)
    return draft


# --- moved house earlier: now one re-addressed order changes, another is cancelled ----------------------


def after_moving(pool: Pool, n: int) -> Draft:
    """The earlier conversation moved the profile and every pending order to a new address; now one of
    those orders gets an item swapped and another is cancelled, with the refund told."""

    def fits(e: Earlier) -> bool:
        moved = _touched(e, "modify_pending_order_address", "pending")
        return _moved(e) and len(moved) >= 2 and any(not o.items_modified and wishful(pool, o) for o in moved)

    while True:
        earlier = pool.take_earlier("returning-moved", fits)
        customer = earlier.customer
        moved = _touched(earlier, "modify_pending_order_address", "pending")
        to_swap = pool.rng.choice([o for o in moved if not o.items_modified and wishful(pool, o)])
        wanted = pick_wishes(pool, to_swap, 1)
        if wanted:
            break
    to_cancel = pool.rng.choice([o for o in moved if o.id != to_swap.id])
    plan = [(w.item, w.variant) for w in wanted]
    difference = price_difference(plan)
    method_id = settling_method(customer, to_swap, difference)
    reason = CANCEL_REASONS[n % 2]
    draft = _returning(
        pool,
        "returning-moved",
        "after a move, one re-addressed pending order gets an item swapped and another is cancelled",
        earlier,
    )
    draft.tags += ["multi-write", "multi-intent", "preference", "computed-output"]
    draft.facts.update(
        {"order id to change": to_swap.id, "order id to cancel": to_cancel.id,
         "new home address": address_phrase(customer.address)}
    )  # fmt: skip
    draft.instructions += [
        _earlier_instruction(
            f"you told an agent you had moved to {address_phrase(customer.address)}, and they put the new address "
            "on your account and on every order of yours still on its way"
        ),
        wish_instruction(wanted, "swap", f"Now, in order {to_swap.id}: "),
        settle_instruction(customer, method_id, difference),
        f"Cancel order {to_cancel.id}: {CANCEL_WHY[reason]} after all. Ask how much you get back for it.",
        "Both orders keep the new address. Confirm each change when the agent asks.",
    ]
    _identify(draft, earlier)
    gold_swap(draft, customer, to_swap, plan, method_id, "modify_pending_order_items")
    details = draft.run("get_order_details", order_id=to_cancel.id)
    draft.run("cancel_pending_order", order_id=to_cancel.id, reason=reason)
    draft.say_refund(net_paid(details))
    return draft


# --- items modified earlier: the new total, paid another way, sent elsewhere ------------------------------


def new_total(pool: Pool, n: int) -> Draft:
    """The earlier conversation swapped items of a pending order; now the customer asks what the order
    comes to, pays that with another method and sends the order to another address."""

    def targets(e: Earlier) -> list[Order]:
        return [
            o
            for o in _orders(e, "pending")
            if _written_on(e, o.id) == ["modify_pending_order_items"]
            and paying_now(o) is not None
            and _new_payment(e.customer, o, o.total) is not None
        ]

    earlier = pool.take_earlier("returning-new-total", lambda e: bool(targets(e)))
    customer = earlier.customer
    order = pool.rng.choice(targets(earlier))
    new = _new_payment(customer, order, order.total)
    assert new is not None
    address = pool.new_address(avoid=order.address)
    draft = _returning(
        pool,
        "returning-new-total",
        "the order whose items were swapped earlier: its new total told, paid another way, sent elsewhere",
        earlier,
    )
    draft.tags += ["multi-write", "multi-intent", "computed-output", "preference"]
    draft.facts.update({"order id": order.id, "new address": address_phrase(address)})
    draft.instructions += [
        _earlier_instruction(f"an agent swapped items in your order {order.id} for you"),
        f"First ask what order {order.id} comes to now, in total, after that change.",
        f"Then the whole order should be paid with {method_words(customer, customer.payment_methods[new])} "
        "instead of what it is paid with now.",
        f"And it should be shipped to {address_phrase(address)} instead.",
        "You want no other change to the items. Confirm each change when the agent asks.",
    ]
    _identify(draft, earlier)
    details = draft.run("get_order_details", order_id=order.id)
    draft.say(details["total"])
    draft.run("get_customer_details", customer_id=customer.id)
    draft.run("modify_pending_order_payment", order_id=order.id, payment_method_id=new)
    draft.run("modify_pending_order_address", order_id=order.id, **address_arguments(address))
    return draft


# --- items modified earlier: a second modification is refused --------------------------------------------


def second_modification(pool: Pool, n: int) -> Draft:
    """The earlier conversation modified a pending order's items; the customer now wants another item
    swapped, which the policy does not allow (once per order) however hard they push. In most tasks
    they also ask for something that is allowed: the address or the payment method of that order."""
    allowed = ["nothing", "address", "payment"][n % 3]

    def fits(e: Earlier) -> bool:
        return any(
            o.items_modified
            and any(pool.alternatives(i, o) for i in o.items)
            and (allowed != "payment" or bool(paying_now(o) and _new_payment(e.customer, o, o.total)))
            for o in _touched(e, "modify_pending_order_items", "pending")
        )

    earlier = pool.take_earlier("returning-second-modification", fits)
    customer = earlier.customer
    order = pool.rng.choice([o for o in _touched(earlier, "modify_pending_order_items", "pending") if o.items_modified])
    item = pool.rng.choice([i for i in order.items if pool.alternatives(i, order)])
    wanted = pool.rng.choice(pool.alternatives(item, order))
    draft = _returning(
        pool,
        "returning-second-modification",
        "an order modified earlier cannot be modified again"
        + {"nothing": "", "address": "; its address can change", "payment": "; its payment method can change"}[allowed],
        earlier,
    )
    draft.tags += ["must-refuse", "pressure"]
    draft.facts["order id"] = order.id
    draft.instructions += [
        _earlier_instruction(f"an agent swapped items in your order {order.id}"),
        f"Now you also want to swap {swap_phrase(item, wanted)} in order {order.id}.",
        "You do not want to cancel the order.",
        PRESS,
    ]
    draft.will_not_accept.append("cancelling the order")
    _identify(draft, earlier)
    draft.run("get_order_details", order_id=order.id)
    method = paying_now(order) or original_method(order)
    draft.gold.refused(
        "already modified once",
        "modify_pending_order_items",
        order_id=order.id,
        variant_ids=[item.variant_id],
        new_variant_ids=[wanted.id],
        payment_method_id=method,
    )
    draft.require_gold(*LOOKUPS)
    if allowed == "address":
        address = pool.new_address(avoid=order.address)
        draft.tags += ["partial-refusal", "single-write"]
        draft.facts["new address"] = address_phrase(address)
        draft.instructions.append(
            f"Whatever happens with the swap, order {order.id} should also be shipped to "
            f"{address_phrase(address)} instead; confirm that change when the agent asks."
        )
        draft.run("modify_pending_order_address", order_id=order.id, **address_arguments(address))
    elif allowed == "payment":
        new = _new_payment(customer, order, order.total)
        assert new is not None
        draft.tags += ["partial-refusal", "single-write", "preference"]
        draft.instructions.append(
            f"Whatever happens with the swap, order {order.id} should also be paid with "
            f"{method_words(customer, customer.payment_methods[new])} instead; confirm that change when asked."
        )
        draft.run("get_customer_details", customer_id=customer.id)
        draft.run("modify_pending_order_payment", order_id=order.id, payment_method_id=new)
    draft.outputs.append(reasons.modified_once())
    draft.forbid("modify_pending_order_items", order_id=order.id)
    draft.forbid("cancel_pending_order", order_id=order.id)
    return draft


# --- an order cancelled earlier: where the money went, and another order cancelled ------------------------


def after_cancel(pool: Pool, n: int) -> Draft:
    """The earlier conversation cancelled a pending order; the customer asks how much came back and to
    which method, then cancels another pending order (and, when there is a third, sends it elsewhere)."""

    def cancelled_orders(e: Earlier) -> list[Order]:
        # Paid once and refunded once, by that cancellation: "how much did I get back" has one answer.
        return [o for o in _touched(e, "cancel_pending_order", "cancelled") if _one_payment_one_refund(o)]

    def fits(e: Earlier) -> bool:
        # Most of these customers have two orders still on the way: one to cancel, one to send elsewhere.
        fewest = 1 if n % 3 == 2 else 2
        return bool(cancelled_orders(e)) and len(_orders(e, "pending")) >= fewest

    earlier = pool.take_earlier("returning-after-cancel", fits)
    customer = earlier.customer
    cancelled = pool.rng.choice(cancelled_orders(earlier))
    pending = _orders(earlier, "pending")
    to_cancel = pool.rng.choice(pending)
    others = [o for o in pending if o.id != to_cancel.id]
    to_move = pool.rng.choice(others) if others and n % 3 != 2 else None
    address = pool.new_address(avoid=to_move.address) if to_move else None
    reason = CANCEL_REASONS[n % 2]
    refund_methods = sorted({p.payment_method_id for p in cancelled.payments if p.kind == "refund"})
    draft = _returning(
        pool,
        "returning-after-cancel",
        "the refund of an order cancelled earlier, and where it went; another pending order cancelled"
        + ("; a third sent elsewhere" if to_move else ""),
        earlier,
    )
    draft.tags += ["computed-output", "multi-intent", "multi-write" if to_move else "single-write"]
    draft.facts.update({"order id cancelled earlier": cancelled.id, "order id to cancel now": to_cancel.id})
    draft.instructions += [
        _earlier_instruction(f"an agent cancelled your order {cancelled.id}"),
        f"Ask how much money you got back for order {cancelled.id}, and to which of your payment methods it went.",
        f"Then cancel order {to_cancel.id} as well: {CANCEL_WHY[reason]}. Ask how much you get back for it.",
    ]
    if to_move and address:
        draft.facts.update({"order id to send elsewhere": to_move.id, "new address": address_phrase(address)})
        draft.instructions.append(f"Your order {to_move.id} should be shipped to {address_phrase(address)} instead.")
    draft.instructions.append("Confirm each change when the agent asks.")
    _identify(draft, earlier)
    draft.run("get_order_details", order_id=cancelled.id)
    draft.run("get_customer_details", customer_id=customer.id)
    draft.say_refund(_refunded(cancelled))
    for method_id in refund_methods:
        draft.outputs.append(_method_named(customer.payment_methods[method_id]))
    draft.run("get_order_details", order_id=to_cancel.id)
    draft.run("cancel_pending_order", order_id=to_cancel.id, reason=reason)
    draft.say_refund(money_sum(to_cancel.net_paid().values()))
    if to_move and address:
        draft.run("get_order_details", order_id=to_move.id)
        draft.run("modify_pending_order_address", order_id=to_move.id, **address_arguments(address))
    return draft


# --- items returned earlier: a second return from that order is refused -----------------------------------


def after_return(pool: Pool, n: int) -> Draft:
    """The earlier conversation returned items of a delivered order; the customer asks what that refund
    came to, wants to return another item of the same order (refused: one request per order), and returns
    an item of another delivered order instead when they have one."""

    def kept(o: Order) -> list[OrderItem]:
        return [i for i in o.items if i.variant_id not in o.returned_variant_ids]

    alone = n % 3 == 1  # the refusal on its own; otherwise another delivered order has an item to return

    def returned_orders(e: Earlier) -> list[Order]:
        return [
            o
            for o in _touched(e, "return_delivered_order_items", "return_requested")
            if kept(o) and _one_payment_one_refund(o)
        ]

    def fits(e: Earlier) -> bool:
        return bool(returned_orders(e)) and (alone or bool(_orders(e, "delivered")))

    earlier = pool.take_earlier("returning-after-return", fits)
    returned_order = pool.rng.choice(returned_orders(earlier))
    item = pool.rng.choice(kept(returned_order))
    returned = [i for i in returned_order.items if i.variant_id in returned_order.returned_variant_ids]
    delivered = _orders(earlier, "delivered")
    other = pool.rng.choice(delivered) if delivered and not alone else None
    draft = _returning(
        pool,
        "returning-after-return",
        "the refund of a return made earlier; a second return from that order cannot be made"
        + ("; an item of another delivered order is returned" if other else ""),
        earlier,
    )
    draft.tags += ["must-refuse", "pressure", "computed-output"]
    draft.facts["order id returned earlier"] = returned_order.id
    draft.instructions += [
        _earlier_instruction(
            f"an agent set up the return of {listing([item_phrase(i) for i in returned])} "
            f"from your order {returned_order.id}"
        ),
        "Ask how much that return refunded you.",
        f"Now you also want to return {item_phrase(item)} from order {returned_order.id}, "
        + ("the item you kept." if len(kept(returned_order)) == 1 else "one of the items you kept."),
        PRESS,
    ]
    _identify(draft, earlier)
    draft.run("get_order_details", order_id=returned_order.id)
    draft.say_refund(_refunded(returned_order))
    draft.gold.refused(
        "only once per order",
        "return_delivered_order_items",
        order_id=returned_order.id,
        variant_ids=[item.variant_id],
        refund_method_id=original_method(returned_order),
    )
    draft.require_gold(*LOOKUPS)
    if other is not None:
        back = pool.rng.choice(other.items)
        draft.tags += ["partial-refusal", "single-write", "multi-intent"]
        draft.facts["order id of another delivered order"] = other.id
        draft.instructions.append(
            f"Whatever happens with that, you also want to return {item_phrase(back)} from your order {other.id}; "
            "the refund goes back to what you paid with. Ask how much you get back for it, and confirm when asked."
        )
        draft.run("get_order_details", order_id=other.id)
        gold_return(draft, other, [back], original_method(other), quote=True)
    draft.outputs.append(reasons.returned_once())
    draft.forbid("return_delivered_order_items", order_id=returned_order.id)
    draft.forbid("exchange_delivered_order_items", order_id=returned_order.id)
    return draft


# --- items exchanged earlier: what it cost, and a pending order changed --------------------------------


def after_exchange(pool: Pool, n: int) -> Draft:
    """The earlier conversation exchanged delivered items at a price difference; the customer asks what
    that came to, then sends a pending order elsewhere and pays it another way."""

    def repayable(e: Earlier, o: Order) -> bool:
        return paying_now(o) is not None and _new_payment(e.customer, o, o.total) is not None

    def fits(e: Earlier) -> bool:
        exchanged = _touched(e, "exchange_delivered_order_items", "exchange_requested")
        return any(_settled(pool, o) for o in exchanged) and any(repayable(e, o) for o in _orders(e, "pending"))

    earlier = pool.take_earlier("returning-after-exchange", fits)
    customer = earlier.customer
    exchanged = pool.rng.choice(
        [o for o in _touched(earlier, "exchange_delivered_order_items", "exchange_requested") if _settled(pool, o)]
    )
    pending = pool.rng.choice([o for o in _orders(earlier, "pending") if repayable(earlier, o)])
    new = _new_payment(customer, pending, pending.total)
    assert new is not None
    address = pool.new_address(avoid=pending.address)
    draft = _returning(
        pool,
        "returning-after-exchange",
        "the price difference of an exchange made earlier; a pending order sent elsewhere and paid another way",
        earlier,
    )
    draft.tags += ["multi-write", "multi-intent", "computed-output", "preference"]
    draft.facts.update(
        {"order id exchanged earlier": exchanged.id, "order id on its way": pending.id,
         "new address": address_phrase(address)}
    )  # fmt: skip
    draft.instructions += [
        _earlier_instruction(f"an agent set up an exchange of items from your order {exchanged.id}"),
        "Ask how much that exchange charged you, or gave you back: you have lost track of which.",
        f"Then your order {pending.id} should be shipped to {address_phrase(address)} and paid with "
        f"{method_words(customer, customer.payment_methods[new])} instead of what it is paid with now.",
        "Confirm each change when the agent asks.",
    ]
    _identify(draft, earlier)
    draft.run("get_order_details", order_id=exchanged.id)
    draft.say_difference(_settled(pool, exchanged))
    gold_redirect(draft, customer, pending, new, address)
    return draft


def _settled(pool: Pool, order: Order) -> float:
    """The price difference an exchange settled (positive: charged, negative: refunded), as the tool worked
    it out: the new variants' prices (which do not change) less what was paid for the items sent back."""
    paid = {i.variant_id: i for i in order.items}
    new = [pool.db.products[paid[e.variant_id].product_id].variants[e.new_variant_id].price for e in order.exchanges]
    return money_sum(new + [-paid[e.variant_id].price for e in order.exchanges])
