"""How retail customers say things: items, options, addresses and payment methods, as words and as the
arguments they give the agent."""

from __future__ import annotations

from frontdesk.envs.retail.db import Address, GiftCard, OrderItem, PaymentMethod, Variant


def options_phrase(options: dict[str, str]) -> str:
    return ", ".join(f"{name}: {value}" for name, value in sorted(options.items()))


def item_phrase(item: OrderItem) -> str:
    return f"the {item.name} ({options_phrase(item.options)})"


def address_phrase(address: Address) -> str:
    unit = f", {address.unit}" if address.unit else ""
    return f"{address.street}{unit}, {address.city}, {address.state} {address.zip_code}"


def address_arguments(address: Address) -> dict[str, str]:
    """The address tools' arguments for ``address``; ``unit`` only when there is one, as a person would."""
    arguments = {"street": address.street, "city": address.city, "state": address.state, "zip_code": address.zip_code}
    if address.unit:
        arguments["unit"] = address.unit
    return arguments


def method_phrase(method: PaymentMethod, whose: str = "your") -> str:
    """How the customer names a payment method: "my gift card" in their own words, "your …" in instructions."""
    if isinstance(method, GiftCard):
        return f"{whose} gift card"
    if method.kind == "card":
        return f"{whose} {method.brand} card ending in {method.last_four}"
    return f"{whose} {method.provider} account"


def swap_phrase(item: OrderItem, new: Variant) -> str:
    return f"{item_phrase(item)} for the one with {options_phrase(new.options)}"
