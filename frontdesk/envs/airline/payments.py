"""Money rules: what can pay for what, balances, and where refunds go."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from frontdesk.envs.airline import rules
from frontdesk.envs.airline.db import Certificate, CreditCard, GiftCard, Payment, PaymentPurpose, Reservation, User
from frontdesk.tools import ToolError

# A cancellation fee is kept from the card refund first: balances on gift cards and
# certificates are the customer's prepaid money and come back whole whenever possible.
_FEE_ORDER = {"credit_card": 0, "gift_card": 1, "certificate": 2}


class PaymentPart(BaseModel):
    """One payment method's share of a new booking."""

    model_config = ConfigDict(extra="forbid")

    payment_id: str
    amount: float


def method(user: User, payment_id: str) -> CreditCard | GiftCard | Certificate:
    found = user.payment_methods.get(payment_id.strip())
    if found is None:
        on_file = ", ".join(sorted(user.payment_methods)) or "none"
        raise ToolError(f"payment method {payment_id!r} is not on {user.user_id}'s profile; on file: {on_file}")
    return found


def pay_booking(user: User, parts: list[PaymentPart], total: float) -> list[Payment]:
    """Check a booking's payment split against the rules, take it, and return the history entries."""
    if not parts:
        raise ToolError(f"a booking needs a payment; the total is ${total:.2f}")
    seen_ids: set[str] = set()
    seen_kinds: set[str] = set()
    for part in parts:
        paid_with = method(user, part.payment_id)
        if paid_with.id in seen_ids:
            raise ToolError(f"payment method {paid_with.id} is listed twice; give each method once with its amount")
        if paid_with.kind in seen_kinds:
            raise ToolError(f"a booking can use at most one {paid_with.kind.replace('_', ' ')}")
        seen_ids.add(paid_with.id)
        seen_kinds.add(paid_with.kind)
        if rules.money(part.amount) <= 0:
            raise ToolError(f"payment amounts must be positive; {paid_with.id} has {part.amount}")
        if isinstance(paid_with, Certificate) and paid_with.expires < rules.TODAY.isoformat():
            raise ToolError(f"certificate {paid_with.id} expired on {paid_with.expires} and can no longer be used")
        if isinstance(paid_with, (GiftCard, Certificate)) and rules.money(part.amount) > paid_with.balance:
            raise ToolError(
                f"{paid_with.id} has a balance of ${paid_with.balance:.2f}, "
                f"less than the ${part.amount:.2f} asked of it"
            )
    paid = rules.money(sum(p.amount for p in parts))
    if paid < total:
        raise ToolError(f"the payments add up to ${paid:.2f}, which does not cover the total of ${total:.2f}")
    if paid > total:
        raise ToolError(
            f"the payments add up to ${paid:.2f}, more than the total of ${total:.2f}; they must match it exactly"
        )
    history = []
    for part in parts:
        paid_with = method(user, part.payment_id)
        if isinstance(paid_with, (GiftCard, Certificate)):
            paid_with.balance = rules.money(paid_with.balance - part.amount)
        history.append(Payment(payment_id=paid_with.id, amount=rules.money(part.amount), purpose="booking"))
    return history


def settle(user: User, res: Reservation, amount: float, payment_id: str | None, purpose: PaymentPurpose) -> None:
    """Charge (amount > 0) or refund (amount < 0) one card or gift card for a change to a reservation."""
    amount = rules.money(amount)
    if amount == 0:
        return
    doing = "charge" if amount > 0 else "refund"
    if payment_id is None:
        raise ToolError(
            f"this change needs a {doing} of ${abs(amount):.2f}: give a credit card or gift card as payment_id"
        )
    paid_with = method(user, payment_id)
    if isinstance(paid_with, Certificate):
        raise ToolError("certificates can only pay for new bookings; use a credit card or gift card")
    if isinstance(paid_with, GiftCard):
        if amount > paid_with.balance:
            raise ToolError(
                f"{paid_with.id} has a balance of ${paid_with.balance:.2f}, less than the ${amount:.2f} due"
            )
        paid_with.balance = rules.money(paid_with.balance - amount)
    res.payment_history.append(Payment(payment_id=paid_with.id, amount=amount, purpose=purpose))


def refund_all(user: User, res: Reservation, fee: float) -> list[Payment]:
    """Give back what each method paid, less ``fee`` (taken from cards, then gift cards, then certificates)."""
    net: dict[str, float] = {}
    for payment in res.payment_history:
        net[payment.payment_id] = net.get(payment.payment_id, 0.0) + payment.amount
    owed = sorted((pid for pid in net if rules.money(net[pid]) > 0), key=lambda pid: _FEE_ORDER[method(user, pid).kind])
    refunds = []
    # A method a change already refunded to (a negative net) has had that money back: it comes off
    # what the others get, so the reservation never returns more than was paid for it net.
    to_keep = fee + sum(-amount for amount in net.values() if rules.money(amount) < 0)
    for pid in owed:
        kept = min(to_keep, net[pid])
        to_keep -= kept
        amount = rules.money(net[pid] - kept)
        if amount <= 0:
            continue
        paid_with = method(user, pid)
        if isinstance(paid_with, (GiftCard, Certificate)):
            paid_with.balance = rules.money(paid_with.balance + amount)
        refunds.append(Payment(payment_id=pid, amount=-amount, purpose="cancellation_refund"))
    res.payment_history.extend(refunds)
    return refunds
