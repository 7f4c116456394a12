"""Money movements on an order. Gift cards move at once; cards and wallets settle outside the store."""

from __future__ import annotations

from frontdesk.envs.retail.db import Customer, GiftCard, Order, Payment, PaymentMethod
from frontdesk.envs.retail.money import dollars, money, money_sum
from frontdesk.tools import ToolError


def describe(method: PaymentMethod) -> str:
    if isinstance(method, GiftCard):
        return f"gift card {method.id} (balance {dollars(method.balance)})"
    if method.kind == "card":
        return f"{method.brand} card ending {method.last_four} ({method.id})"
    return f"{method.provider} wallet ({method.id})"


def check_can_pay(method: PaymentMethod, amount: float) -> None:
    """A gift card pays only what its balance covers; cards and wallets are not limited here."""
    if isinstance(method, GiftCard) and money(method.balance) < money(amount):
        raise ToolError(
            f"{describe(method)} cannot pay {dollars(amount)}; use a gift card with enough balance, "
            "or a card or wallet of the customer"
        )


def charge(customer: Customer, order: Order, method_id: str, amount: float) -> None:
    method = customer.payment_methods[method_id]
    check_can_pay(method, amount)
    if isinstance(method, GiftCard):
        method.balance = money_sum([method.balance, -amount])
    order.payments.append(Payment(kind="payment", payment_method_id=method_id, amount=money(amount)))


def refund(customer: Customer, order: Order, method_id: str, amount: float) -> None:
    method = customer.payment_methods.get(method_id)
    if isinstance(method, GiftCard):
        method.balance = money_sum([method.balance, amount])
    order.payments.append(Payment(kind="refund", payment_method_id=method_id, amount=money(amount)))


def settle_difference(customer: Customer, order: Order, method_id: str, difference: float) -> None:
    """Charge a positive price difference, refund a negative one, do nothing at zero."""
    if difference > 0:
        charge(customer, order, method_id, difference)
    elif difference < 0:
        check_refund_route(customer, order, method_id)
        refund(customer, order, method_id, -difference)


def check_refund_route(customer: Customer, order: Order, method_id: str) -> None:
    """Refunds go back to a method the order was paid with, or to one of the customer's gift cards."""
    paid_with = sorted({p.payment_method_id for p in order.payments if p.kind == "payment"})
    method = customer.payment_methods.get(method_id)
    if method_id in paid_with or isinstance(method, GiftCard):
        return
    gift_cards = sorted(m.id for m in customer.payment_methods.values() if isinstance(m, GiftCard))
    raise ToolError(
        f"a refund on order {order.id} can go only to the payment method it was paid with "
        f"({', '.join(paid_with)}) or to one of the customer's gift cards ({', '.join(gift_cards) or 'none'}), "
        f"not to {method_id}"
    )
