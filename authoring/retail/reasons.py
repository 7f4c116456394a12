"""The policy reasons an agent gives when it turns a request down, as ``phrases`` outputs: each group
is one thing the agent must say, in any of the wordings people use for it. The first wording of each
group is what the oracle says, so it reads naturally; at least one wording of each group is in
policy.md or the tools' answers (``frontdesk validate`` checks that grounding).
"""

from __future__ import annotations

CANCEL = ["cancel", "cancelled", "canceled", "cancelling", "canceling", "cancellation"]
RETURN = ["return", "returned", "returning", "returns"]
EXCHANGE = ["exchange", "exchanged", "exchanging", "exchanges", "swap", "swapped"]
REFUND = ["refund", "refunded", "refunds", "money back"]
MODIFY = ["modified", "modify", "changed", "change", "modification", "modifications"]

# Why an order in each status can no longer be changed, in the words agents use.
NOT_PENDING = {
    "processed": ["already being packed", "being packed", "processed", "already processed"],
    "shipped": ["has already shipped", "already shipped", "has shipped", "shipped", "in transit"],
    "delivered": ["has already been delivered", "already been delivered", "been delivered", "delivered"],
}
NOT_PENDING_COMMON = ["only pending orders", "not pending", "no longer pending", "can no longer be cancelled"]

NOT_DELIVERED = [
    "only delivered orders",
    "not been delivered",
    "hasn't been delivered",
    "has not been delivered",
    "not delivered",
    "not yet delivered",
    "once it is delivered",
    "once it has been delivered",
    "once it's delivered",
    "after it is delivered",
    "after it arrives",
    "once it arrives",
    "until it arrives",
    "until it is delivered",
    "delivered orders only",
]


def _reason(*groups: list[str]) -> dict:
    return {"kind": "phrases", "what": "policy reason", "all_of": [list(g) for g in groups]}


def cancel_refused(status: str) -> dict:
    """A processed, shipped or delivered order cannot be cancelled; a delivered one can be returned."""
    groups = [NOT_PENDING[status] + NOT_PENDING_COMMON, CANCEL]
    if status == "delivered":
        groups.append(RETURN)
    return _reason(*groups)


def return_refused() -> dict:
    return _reason(NOT_DELIVERED, RETURN)


def unavailable() -> dict:
    return _reason(
        [
            "not available",
            "unavailable",
            "out of stock",
            "sold out",
            "no longer available",
            "isn't available",
            "available variant",
        ],
        EXCHANGE,
    )


def other_product() -> dict:
    """An exchange stays within one product; a different product is a new order."""
    return _reason(
        ["same product", "different product", "another product", "other product", "same item"],
        ["new order", "order it separately", "place an order", "buy it separately", "purchase it separately"],
    )


def modified_once() -> dict:
    return _reason(
        [
            "only once",
            "modified once",
            "already been modified",
            "already modified",
            "already been changed",
            "one modification",
            "second modification",
            "can't be modified again",
            "cannot be modified again",
        ],
    )


def returned_once() -> dict:
    """A delivered order takes one return or exchange request; once made, nothing more can be added."""
    return _reason(
        [
            "once per order",
            "one request per order",
            "only once",
            "already been returned",
            "already returned",
            "already requested",
            "already been requested",
            "already has a return",
            "a return was already",
            "return is already",
            "already in progress",
        ],
    )


def gift_card_short() -> dict:
    return _reason(
        [
            "not enough balance",
            "enough balance",
            "not enough",
            "insufficient",
            "doesn't cover",
            "does not cover",
            "isn't enough",
            "is not enough",
            "only up to its balance",
            "more than its balance",
            "less than the total",
            "too low",
        ]
    )


def someone_elses() -> dict:
    return _reason(
        [
            "someone else",
            "another customer",
            "not on your account",
            "isn't on your account",
            "not your order",
            "not associated with your account",
            "different account",
            "belongs to another",
            "their account",
            "their own account",
        ],
        ["themselves", "they can contact", "they will need to", "they need to", "account holder", "the owner"],
    )


def not_identified() -> dict:
    return _reason(
        [
            "identify",
            "verify",
            "couldn't find",
            "could not find",
            "can't find",
            "cannot find",
            "unable to find",
            "not able to find",
            "no account",
            "not find an account",
        ]
    )


def refund_route() -> dict:
    """A refund goes only to the method that paid, or a gift card."""
    return _reason(
        [
            "the payment method the order was paid with",
            "paid with",
            "original payment method",
            "original method",
            "original card",
            "method you paid with",
            "method used to pay",
            "used for the order",
        ],
        REFUND,
    )


def compensation_is_for_people() -> dict:
    """Compensation, a discount or a price match is handled by a human agent."""
    return _reason(
        ["human agent", "a human", "a person", "colleague", "specialist", "team", "transfer"],
    )
