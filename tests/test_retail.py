"""Retail tools: each one's happy path, and every rule a write enforces (refused, nothing changed).

The tools run against a small hand-made store so every amount below can be checked by hand; the
seed data and the task file are tested in test_retail_data.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from frontdesk.envs import state_hash
from frontdesk.envs.retail import domain
from frontdesk.envs.retail.db import RetailDB
from frontdesk.tools import ToolCall, ToolErrorKind, ToolKind, Toolkit, ToolResult


def _address(street: str, city: str, state: str, zip_code: str, unit: str = "") -> dict[str, str]:
    return {"street": street, "unit": unit, "city": city, "state": state, "zip_code": zip_code}


HOME = _address("12 Pine St", "Portland", "OR", "97214", unit="Apt 4B")
BEN_HOME = _address("5 Bay Rd", "Boston", "MA", "02110")
T_SHIRT = {
    "V11": ({"size": "S", "colour": "red"}, 20.0, True),
    "V12": ({"size": "M", "colour": "red"}, 22.0, True),
    "V13": ({"size": "L", "colour": "red"}, 22.0, False),
    "V14": ({"size": "M", "colour": "blue"}, 25.5, True),
    "V15": ({"size": "XS", "colour": "red"}, 18.0, True),
}
MUG = {"V21": ({"colour": "white"}, 10.0, True), "V22": ({"colour": "black"}, 12.5, True)}


def _product(product_id: str, name: str, variants: dict) -> dict[str, Any]:
    return {
        "id": product_id,
        "name": name,
        "variants": {v: {"id": v, "options": o, "price": p, "available": a} for v, (o, p, a) in variants.items()},
    }


def _item(variant_id: str, price: float) -> dict[str, Any]:
    product_id, name, variants = ("P1", "T-Shirt", T_SHIRT) if variant_id in T_SHIRT else ("P2", "Mug", MUG)
    return {
        "product_id": product_id,
        "variant_id": variant_id,
        "name": name,
        "options": variants[variant_id][0],
        "price": price,
    }


def _order(order_id: str, customer_id: str, status: str, items: list, payments: list, **extra: Any) -> dict[str, Any]:
    return {
        "id": order_id,
        "customer_id": customer_id,
        "status": status,
        "address": BEN_HOME if customer_id == "C2" else HOME,
        "items": [_item(v, p) for v, p in items],
        "payments": [{"kind": k, "payment_method_id": m, "amount": a} for k, m, a in payments],
        **extra,
    }


def _store() -> dict[str, Any]:
    """Ana (C1) has an order in every status; Ben (C2) has two; a second Ana Silva (C3) lives elsewhere."""
    card1, gift1, wallet1 = "card_1", "gift_card_1", "wallet_1"
    orders = [
        _order("#R1", "C1", "pending", [("V11", 20.0), ("V21", 10.0)], [("payment", card1, 30.0)]),
        _order("#R2", "C1", "processed", [("V12", 22.0)], [("payment", card1, 22.0)]),
        _order("#R3", "C1", "shipped", [("V22", 12.5)], [("payment", card1, 12.5)], tracking_number="123456789012"),
        # The T-shirt cost 21.00 when ordered; it costs 22.00 now. Refunds use what was paid.
        _order(
            "#R4", "C1", "delivered", [("V12", 21.0), ("V21", 10.0)], [("payment", card1, 31.0)], tracking_number="2"
        ),
        _order(
            "#R5",
            "C1",
            "cancelled",
            [("V21", 10.0)],
            [("payment", card1, 10.0), ("refund", card1, 10.0)],
            cancel_reason="ordered by mistake",
        ),
        _order(
            "#R6",
            "C1",
            "return_requested",
            [("V21", 10.0)],
            [("payment", card1, 10.0), ("refund", card1, 10.0)],
            returned_variant_ids=["V21"],
            tracking_number="3",
        ),
        _order(
            "#R7",
            "C1",
            "exchange_requested",
            [("V11", 20.0)],
            [("payment", card1, 20.0), ("payment", card1, 2.0)],
            exchanges=[{"variant_id": "V11", "new_variant_id": "V12"}],
            tracking_number="4",
        ),
        _order("#R8", "C1", "pending", [("V14", 25.5)], [("payment", gift1, 25.5)], items_modified=True),
        _order(
            "#R9", "C1", "pending", [("V11", 20.0), ("V22", 12.5)], [("payment", card1, 20.0), ("payment", gift1, 12.5)]
        ),
        _order("#R10", "C1", "pending", [("V21", 10.0)], [("payment", wallet1, 10.0)]),
        _order("#R11", "C1", "pending", [("V11", 20.0), ("V12", 22.0)], [("payment", card1, 42.0)]),
        _order("#R20", "C2", "pending", [("V22", 12.5)], [("payment", "card_2", 12.5)]),
        _order("#R21", "C2", "delivered", [("V11", 20.0)], [("payment", "card_2", 20.0)], tracking_number="5"),
    ]
    customers = [
        {
            "id": "C1",
            "first_name": "Ana",
            "last_name": "Silva",
            "email": "ana.silva@example.com",
            "address": HOME,
            "payment_methods": {
                card1: {"kind": "card", "id": card1, "brand": "Visa", "last_four": "1111"},
                gift1: {"kind": "gift_card", "id": gift1, "balance": 30.0},
                wallet1: {"kind": "wallet", "id": wallet1, "provider": "PayPal"},
            },
        },
        {
            "id": "C2",
            "first_name": "Ben",
            "last_name": "Okafor",
            "email": "ben@example.org",
            "address": BEN_HOME,
            "payment_methods": {
                "card_2": {"kind": "card", "id": "card_2", "brand": "Mastercard", "last_four": "2222"},
                "gift_card_2": {"kind": "gift_card", "id": "gift_card_2", "balance": 500.0},
            },
        },
        {
            "id": "C3",
            "first_name": "Ana",
            "last_name": "Silva",
            "email": "ana.s@example.net",
            "address": _address("9 Elm Ct", "Chicago", "IL", "60601"),
            "payment_methods": {"card_3": {"kind": "card", "id": "card_3", "brand": "Visa", "last_four": "3333"}},
        },
    ]
    for c in customers:
        c["order_ids"] = [o["id"] for o in orders if o["customer_id"] == c["id"]]
    return {
        "customers": {c["id"]: c for c in customers},
        "products": {"P1": _product("P1", "T-Shirt", T_SHIRT), "P2": _product("P2", "Mug", MUG)},
        "orders": {o["id"]: o for o in orders},
    }


@pytest.fixture
def db() -> RetailDB:
    return RetailDB.model_validate(_store())


@pytest.fixture
def toolkit(db: RetailDB) -> Toolkit:
    return Toolkit(domain.agent_tools, db)


def run(toolkit: Toolkit, name: str, **arguments: Any) -> ToolResult:
    return toolkit.call(ToolCall(id="t", name=name, arguments=arguments))


def ok(toolkit: Toolkit, name: str, **arguments: Any) -> Any:
    result = run(toolkit, name, **arguments)
    assert result.ok, result.content
    try:
        return json.loads(result.content)
    except json.JSONDecodeError:
        return result.content


def refused(toolkit: Toolkit, name: str, kind: ToolErrorKind = ToolErrorKind.RULE, **arguments: Any) -> str:
    """Call a tool that must be refused; check the whole database is untouched; return the message."""
    before = state_hash(toolkit.db)
    result = run(toolkit, name, **arguments)
    assert result.error is kind, result.content
    assert state_hash(toolkit.db) == before
    return result.content


def payments(db: RetailDB, order_id: str) -> list[tuple[str, str, float]]:
    return [(p.kind, p.payment_method_id, p.amount) for p in db.orders[order_id].payments]


ELSEWHERE = {"street": "77 Quay St", "city": "Seattle", "state": "WA", "zip_code": "98101"}


# --- the tool set ---------------------------------------------------------------------------------


def test_tool_set() -> None:
    kinds = {t.name: t.kind for t in domain.agent_tools}
    assert len(kinds) >= 15
    assert {n for n, k in kinds.items() if k is ToolKind.WRITE} == {
        "cancel_pending_order",
        "modify_pending_order_address",
        "modify_pending_order_payment",
        "modify_pending_order_items",
        "modify_customer_address",
        "return_delivered_order_items",
        "exchange_delivered_order_items",
    }
    assert kinds["transfer_to_human_agents"] is ToolKind.GENERIC
    assert domain.transfer_tool == "transfer_to_human_agents"
    assert kinds["think"] is ToolKind.THINK


# --- finding the customer -----------------------------------------------------------------------------


def test_find_by_email_ignores_case_and_spaces(toolkit: Toolkit) -> None:
    assert ok(toolkit, "find_customer_id_by_email", email="  Ana.Silva@EXAMPLE.com ") == "C1"


def test_find_by_unknown_email(toolkit: Toolkit) -> None:
    message = refused(toolkit, "find_customer_id_by_email", email="nobody@example.com")
    assert "nobody@example.com" in message and "name and zip code" in message


def test_find_by_name_and_zip_tells_namesakes_apart(toolkit: Toolkit) -> None:
    assert ok(toolkit, "find_customer_id_by_name_zip", first_name="ana", last_name="SILVA", zip_code="97214") == "C1"
    assert ok(toolkit, "find_customer_id_by_name_zip", first_name="Ana", last_name="Silva", zip_code=" 60601 ") == "C3"


def test_find_by_name_with_wrong_zip(toolkit: Toolkit) -> None:
    message = refused(toolkit, "find_customer_id_by_name_zip", first_name="Ana", last_name="Silva", zip_code="10001")
    assert "Ana Silva" in message and "'10001'" in message and "by email" in message


# --- reading ----------------------------------------------------------------------------------------


def test_customer_details(toolkit: Toolkit) -> None:
    details = ok(toolkit, "get_customer_details", customer_id="C1")
    assert details["email"] == "ana.silva@example.com"
    assert details["payment_methods"]["gift_card_1"] == {"kind": "gift_card", "id": "gift_card_1", "balance": 30.0}
    assert details["order_ids"][:2] == ["#R1", "#R2"]


def test_unknown_customer(toolkit: Toolkit) -> None:
    assert "'C999' not found" in refused(toolkit, "get_customer_details", customer_id="C999")


def test_order_details_with_total(toolkit: Toolkit) -> None:
    details = ok(toolkit, "get_order_details", order_id="#R4")
    assert details["status"] == "delivered"
    assert details["total"] == 31.0
    assert [i["variant_id"] for i in details["items"]] == ["V12", "V21"]


def test_order_id_without_hash_is_accepted(toolkit: Toolkit) -> None:
    assert ok(toolkit, "get_order_details", order_id="R3")["tracking_number"] == "123456789012"


@pytest.mark.parametrize("order_id", ["#R999", "", "W1"])
def test_unknown_order(toolkit: Toolkit, order_id: str) -> None:
    assert "not found; order ids look like '#R123456'" in refused(toolkit, "get_order_details", order_id=order_id)


def test_product_details_and_types(toolkit: Toolkit) -> None:
    product = ok(toolkit, "get_product_details", product_id="P1")
    assert product["variants"]["V13"] == {
        "id": "V13",
        "options": {"size": "L", "colour": "red"},
        "price": 22.0,
        "available": False,
    }
    assert ok(toolkit, "list_product_types") == {"Mug": "P2", "T-Shirt": "P1"}
    assert "'P9' not found" in refused(toolkit, "get_product_details", product_id="P9")


def test_reads_change_nothing(toolkit: Toolkit) -> None:
    before = state_hash(toolkit.db)
    ok(toolkit, "find_customer_id_by_email", email="ben@example.org")
    ok(toolkit, "get_customer_details", customer_id="C2")
    ok(toolkit, "get_order_details", order_id="#R20")
    ok(toolkit, "get_product_details", product_id="P2")
    ok(toolkit, "list_product_types")
    ok(toolkit, "think", thought="The order is pending, so it can be cancelled.")
    assert state_hash(toolkit.db) == before


# --- arguments the schema refuses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        (
            "cancel_pending_order",
            {"order_id": "#R1", "reason": "too expensive"},
            '"no longer needed", "ordered by mistake"',
        ),
        ("cancel_pending_order", {"order_id": 1, "reason": "no longer needed"}, "must be of type string"),
        ("cancel_pending_order", {"order_id": "#R1"}, "missing required argument 'reason'"),
        (
            "return_delivered_order_items",
            {"order_id": "#R4", "variant_ids": "V12", "refund_method_id": "card_1"},
            "must be of type array",
        ),
        (
            "modify_pending_order_payment",
            {"order_id": "#R1", "payment_method_id": "card_1", "amount": 3},
            "unexpected argument(s) 'amount'",
        ),
    ],
)
def test_schema_refuses_bad_arguments(toolkit: Toolkit, name: str, arguments: dict, expected: str) -> None:
    assert expected in refused(toolkit, name, kind=ToolErrorKind.INVALID_ARGUMENTS, **arguments)


# --- cancel_pending_order -------------------------------------------------------------------------------


def test_cancel_refunds_the_card(toolkit: Toolkit, db: RetailDB) -> None:
    result = ok(toolkit, "cancel_pending_order", order_id="#R1", reason="ordered by mistake")
    assert result["status"] == "cancelled" and result["cancel_reason"] == "ordered by mistake"
    assert payments(db, "#R1")[-1] == ("refund", "card_1", 30.0)


def test_cancel_refunds_each_method_and_restores_gift_card(toolkit: Toolkit, db: RetailDB) -> None:
    ok(toolkit, "cancel_pending_order", order_id="#R9", reason="no longer needed")
    assert payments(db, "#R9")[2:] == [("refund", "card_1", 20.0), ("refund", "gift_card_1", 12.5)]
    assert db.customers["C1"].payment_methods["gift_card_1"].balance == 42.5


def test_cancel_after_a_refunded_swap_refunds_only_what_is_left(toolkit: Toolkit, db: RetailDB) -> None:
    ok(
        toolkit,
        "modify_pending_order_items",
        order_id="#R1",
        variant_ids=["V11"],
        new_variant_ids=["V15"],
        payment_method_id="gift_card_1",
    )
    assert db.orders["#R1"].net_paid() == {"card_1": 30.0, "gift_card_1": -2.0}
    ok(toolkit, "cancel_pending_order", order_id="#R1", reason="no longer needed")
    assert payments(db, "#R1")[-1] == ("refund", "card_1", 28.0)  # 30.00 paid, 2.00 already back on the gift card
    assert sum(db.orders["#R1"].net_paid().values()) == 0


@pytest.mark.parametrize(
    ("order_id", "status"),
    [("#R2", "processed"), ("#R3", "shipped"), ("#R4", "delivered"), ("#R5", "cancelled"), ("#R6", "return_requested")],
)
def test_cancel_only_pending(toolkit: Toolkit, order_id: str, status: str) -> None:
    message = refused(toolkit, "cancel_pending_order", order_id=order_id, reason="no longer needed")
    assert f"is {status}" in message and "only pending orders can be cancelled" in message


def test_cancel_unknown_order(toolkit: Toolkit) -> None:
    assert "not found" in refused(toolkit, "cancel_pending_order", order_id="#R404", reason="no longer needed")


# --- modify_pending_order_address -----------------------------------------------------------------------


def test_modify_order_address_normalises(toolkit: Toolkit, db: RetailDB) -> None:
    ok(
        toolkit,
        "modify_pending_order_address",
        order_id="#R1",
        street=" 77  Quay St",
        city="Seattle",
        state="wa",
        zip_code="98101",
    )
    assert db.orders["#R1"].address.model_dump() == {**ELSEWHERE, "unit": ""}
    assert db.customers["C1"].address.street == "12 Pine St"  # the profile keeps its address


def test_modify_order_address_only_pending(toolkit: Toolkit) -> None:
    message = refused(toolkit, "modify_pending_order_address", order_id="#R3", **ELSEWHERE)
    assert "is shipped" in message and "only pending orders can change their address" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"state": "Washington"}, "not a US state code"),
        ({"state": "XX"}, "not a US state code"),
        ({"zip_code": "9810"}, "five-digit zip code"),
        ({"zip_code": "SW1A 1AA"}, "five-digit zip code"),
        ({"street": "  "}, "neither may be empty"),
        ({"city": ""}, "neither may be empty"),
    ],
)
def test_modify_order_address_refuses_bad_addresses(toolkit: Toolkit, change: dict, expected: str) -> None:
    assert expected in refused(toolkit, "modify_pending_order_address", order_id="#R1", **{**ELSEWHERE, **change})


def test_modify_order_address_to_the_same_address(toolkit: Toolkit) -> None:
    message = refused(toolkit, "modify_pending_order_address", order_id="#R1", **{k: v for k, v in HOME.items()})
    assert "already ships to that address" in message


# --- modify_pending_order_payment -----------------------------------------------------------------------


def test_modify_payment_to_wallet(toolkit: Toolkit, db: RetailDB) -> None:
    ok(toolkit, "modify_pending_order_payment", order_id="#R1", payment_method_id="wallet_1")
    assert payments(db, "#R1") == [
        ("payment", "card_1", 30.0),
        ("refund", "card_1", 30.0),
        ("payment", "wallet_1", 30.0),
    ]
    assert db.orders["#R1"].net_paid() == {"wallet_1": 30.0}


def test_modify_payment_to_gift_card_spends_its_balance(toolkit: Toolkit, db: RetailDB) -> None:
    ok(toolkit, "modify_pending_order_payment", order_id="#R10", payment_method_id="gift_card_1")
    assert db.customers["C1"].payment_methods["gift_card_1"].balance == 20.0


def test_modify_payment_from_gift_card_refunds_it(toolkit: Toolkit, db: RetailDB) -> None:
    ok(toolkit, "modify_pending_order_payment", order_id="#R8", payment_method_id="card_1")
    assert db.customers["C1"].payment_methods["gift_card_1"].balance == 55.5


def test_modify_payment_gift_card_without_enough_balance(toolkit: Toolkit, db: RetailDB) -> None:
    db.customers["C1"].payment_methods["gift_card_1"].balance = 29.99
    message = refused(toolkit, "modify_pending_order_payment", order_id="#R1", payment_method_id="gift_card_1")
    assert "balance $29.99" in message and "cannot pay $30.00" in message


@pytest.mark.parametrize(
    ("order_id", "method", "expected"),
    [
        ("#R1", "card_1", "already paid with card_1"),
        ("#R1", "card_2", "not one of customer C1's payment methods; theirs are: card_1, gift_card_1, wallet_1"),
        ("#R9", "wallet_1", "paid with more than one payment method (card_1, gift_card_1)"),
        ("#R2", "wallet_1", "only pending orders can change their payment method"),
    ],
)
def test_modify_payment_rules(toolkit: Toolkit, order_id: str, method: str, expected: str) -> None:
    assert expected in refused(toolkit, "modify_pending_order_payment", order_id=order_id, payment_method_id=method)


# --- modify_pending_order_items -------------------------------------------------------------------------


def test_modify_items_charges_the_difference(toolkit: Toolkit, db: RetailDB) -> None:
    result = ok(
        toolkit,
        "modify_pending_order_items",
        order_id="#R1",
        variant_ids=["V11", "V21"],
        new_variant_ids=["V14", "V22"],
        payment_method_id="card_1",
    )
    assert result["price_difference"] == 8.0  # (25.50 + 12.50) - (20.00 + 10.00)
    order = db.orders["#R1"]
    assert [(i.variant_id, i.price, i.options) for i in order.items] == [
        ("V14", 25.5, {"size": "M", "colour": "blue"}),
        ("V22", 12.5, {"colour": "black"}),
    ]
    assert order.items_modified and order.total == 38.0
    assert payments(db, "#R1")[-1] == ("payment", "card_1", 8.0)


def test_modify_items_refunds_a_lower_price_to_a_gift_card(toolkit: Toolkit, db: RetailDB) -> None:
    result = ok(
        toolkit,
        "modify_pending_order_items",
        order_id="#R9",
        variant_ids=["V22"],
        new_variant_ids=["V21"],
        payment_method_id="gift_card_1",
    )
    assert result["price_difference"] == -2.5
    assert payments(db, "#R9")[-1] == ("refund", "gift_card_1", 2.5)
    assert db.customers["C1"].payment_methods["gift_card_1"].balance == 32.5


def test_modify_items_refund_goes_only_to_a_paying_method_or_gift_card(toolkit: Toolkit) -> None:
    message = refused(
        toolkit,
        "modify_pending_order_items",
        order_id="#R9",
        variant_ids=["V22"],
        new_variant_ids=["V21"],
        payment_method_id="wallet_1",
    )
    assert "can go only to the payment method it was paid with (card_1, gift_card_1)" in message
    assert "not to wallet_1" in message


def test_modify_items_gift_card_must_cover_the_difference(toolkit: Toolkit, db: RetailDB) -> None:
    db.customers["C1"].payment_methods["gift_card_1"].balance = 5.0
    message = refused(
        toolkit,
        "modify_pending_order_items",
        order_id="#R1",
        variant_ids=["V11"],
        new_variant_ids=["V14"],
        payment_method_id="gift_card_1",
    )
    assert "cannot pay $5.50" in message and "enough balance" in message


def test_modify_items_only_once(toolkit: Toolkit) -> None:
    ok(
        toolkit,
        "modify_pending_order_items",
        order_id="#R1",
        variant_ids=["V11"],
        new_variant_ids=["V12"],
        payment_method_id="card_1",
    )
    message = refused(
        toolkit,
        "modify_pending_order_items",
        order_id="#R1",
        variant_ids=["V21"],
        new_variant_ids=["V22"],
        payment_method_id="card_1",
    )
    assert "already modified once" in message and "only once" in message


def test_modify_items_already_modified_in_the_seed(toolkit: Toolkit) -> None:
    message = refused(
        toolkit,
        "modify_pending_order_items",
        order_id="#R8",
        variant_ids=["V14"],
        new_variant_ids=["V12"],
        payment_method_id="card_1",
    )
    assert "already modified once" in message


def test_modify_items_only_pending(toolkit: Toolkit) -> None:
    message = refused(
        toolkit,
        "modify_pending_order_items",
        order_id="#R4",
        variant_ids=["V12"],
        new_variant_ids=["V14"],
        payment_method_id="card_1",
    )
    assert "is delivered" in message and "only pending orders can have their items modified" in message


@pytest.mark.parametrize(
    ("order_id", "variant_ids", "new_variant_ids", "method", "expected"),
    [
        ("#R1", ["V11"], ["V13"], "card_1", "variant V13 of T-Shirt (size L, colour red) is not available"),
        ("#R1", ["V11"], ["V22"], "card_1", "another variant of the same product (P1); V22 is a Mug (P2)"),
        ("#R1", ["V11"], ["V11"], "card_1", "V11 is the variant already in the order"),
        ("#R11", ["V11"], ["V12"], "card_1", "order #R11 already holds variant V12"),
        (
            "#R1",
            ["V12"],
            ["V14"],
            "card_1",
            "order #R1 has no item with variant id V12; its items are: V11 (T-Shirt), V21 (Mug)",
        ),
        ("#R1", ["V11", "V21"], ["V14"], "card_1", "2 item(s) but 1 new variant(s)"),
        ("#R1", ["V11", "V11"], ["V12", "V14"], "card_1", "each item may be named only once"),
        ("#R11", ["V11", "V12"], ["V14", "V14"], "card_1", "each new variant may be named only once"),
        ("#R1", [], [], "card_1", "name at least one item to modify"),
        ("#R1", ["V11"], ["V99"], "card_1", "variant 'V99' not found"),
        ("#R1", ["V11"], ["V14"], "card_2", "not one of customer C1's payment methods"),
        ("#R1", ["V11"], ["V14"], "gift_card_2", "not one of customer C1's payment methods"),
    ],
)
def test_modify_items_rules(
    toolkit: Toolkit, order_id: str, variant_ids: list, new_variant_ids: list, method: str, expected: str
) -> None:
    message = refused(
        toolkit,
        "modify_pending_order_items",
        order_id=order_id,
        variant_ids=variant_ids,
        new_variant_ids=new_variant_ids,
        payment_method_id=method,
    )
    assert expected in message


# --- modify_customer_address ----------------------------------------------------------------------------


def test_modify_customer_address(toolkit: Toolkit, db: RetailDB) -> None:
    result = ok(toolkit, "modify_customer_address", customer_id="C1", unit="Unit 2", **ELSEWHERE)
    assert result["address"] == {**ELSEWHERE, "unit": "Unit 2"}
    assert db.orders["#R1"].address.street == "12 Pine St"  # orders keep their own address


def test_modify_customer_address_rules(toolkit: Toolkit) -> None:
    assert "already that address" in refused(toolkit, "modify_customer_address", customer_id="C1", **HOME)
    assert "'C9' not found" in refused(toolkit, "modify_customer_address", customer_id="C9", **ELSEWHERE)
    assert "five-digit zip code" in refused(
        toolkit, "modify_customer_address", customer_id="C1", **{**ELSEWHERE, "zip_code": "981"}
    )


# --- return_delivered_order_items -----------------------------------------------------------------------


def test_return_refunds_what_was_paid(toolkit: Toolkit, db: RetailDB) -> None:
    result = ok(
        toolkit, "return_delivered_order_items", order_id="#R4", variant_ids=["V21", "V12"], refund_method_id="card_1"
    )
    assert result["refund_amount"] == 31.0  # the T-shirt was 21.00 then, though it is 22.00 now
    order = db.orders["#R4"]
    assert order.status == "return_requested" and order.returned_variant_ids == ["V12", "V21"]
    assert payments(db, "#R4")[-1] == ("refund", "card_1", 31.0)


def test_return_to_a_gift_card(toolkit: Toolkit, db: RetailDB) -> None:
    ok(toolkit, "return_delivered_order_items", order_id="#R4", variant_ids=["V12"], refund_method_id="gift_card_1")
    assert db.customers["C1"].payment_methods["gift_card_1"].balance == 51.0


@pytest.mark.parametrize(
    ("order_id", "variant_ids", "method", "expected"),
    [
        (
            "#R4",
            ["V12"],
            "wallet_1",
            "can go only to the payment method it was paid with (card_1) or to one of the customer's gift cards (gift_card_1)",
        ),
        ("#R4", ["V12"], "gift_card_2", "not one of customer C1's payment methods"),
        ("#R4", ["V11"], "card_1", "order #R4 has no item with variant id V11"),
        ("#R4", ["V12", "V12"], "card_1", "each item may be named only once"),
        ("#R4", [], "card_1", "name at least one item to return"),
        ("#R1", ["V11"], "card_1", "is pending; only delivered orders can have items returned"),
        ("#R3", ["V22"], "card_1", "is shipped; only delivered orders"),
        (
            "#R6",
            ["V21"],
            "card_1",
            "is return_requested; only delivered orders can have items returned, and only once per order",
        ),
    ],
)
def test_return_rules(toolkit: Toolkit, order_id: str, variant_ids: list, method: str, expected: str) -> None:
    message = refused(
        toolkit, "return_delivered_order_items", order_id=order_id, variant_ids=variant_ids, refund_method_id=method
    )
    assert expected in message


# --- exchange_delivered_order_items ---------------------------------------------------------------------


def test_exchange(toolkit: Toolkit, db: RetailDB) -> None:
    result = ok(
        toolkit,
        "exchange_delivered_order_items",
        order_id="#R4",
        variant_ids=["V12"],
        new_variant_ids=["V14"],
        payment_method_id="card_1",
    )
    assert result["price_difference"] == 4.5  # 25.50 now, 21.00 paid
    order = db.orders["#R4"]
    assert order.status == "exchange_requested"
    assert [(e.variant_id, e.new_variant_id) for e in order.exchanges] == [("V12", "V14")]
    assert [i.variant_id for i in order.items] == ["V12", "V21"]  # the items stay as delivered until they come back
    assert payments(db, "#R4")[-1] == ("payment", "card_1", 4.5)


@pytest.mark.parametrize(
    ("order_id", "variant_ids", "new_variant_ids", "expected"),
    [
        ("#R4", ["V12"], ["V13"], "is not available"),
        ("#R4", ["V21"], ["V14"], "same product"),
        ("#R4", ["V12"], ["V12"], "already in the order"),
        ("#R7", ["V11"], ["V14"], "is exchange_requested; only delivered orders can have items exchanged"),
        ("#R1", ["V11"], ["V14"], "is pending; only delivered orders"),
        ("#R21", ["V11"], ["V14"], "not one of customer C2's payment methods"),
    ],
)
def test_exchange_rules(
    toolkit: Toolkit, order_id: str, variant_ids: list, new_variant_ids: list, expected: str
) -> None:
    message = refused(
        toolkit,
        "exchange_delivered_order_items",
        order_id=order_id,
        variant_ids=variant_ids,
        new_variant_ids=new_variant_ids,
        payment_method_id="card_1",
    )
    assert expected in message


# --- calculate, think, transfer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0.1 + 0.2", "0.30"),
        ("(25.5 + 12.5) - (20 + 10)", "8.00"),
        ("-2.5 * 3", "-7.50"),
        ("10 / 3", "3.33"),
        ("2.675 + 0", "2.68"),
    ],
)
def test_calculate(toolkit: Toolkit, expression: str, expected: str) -> None:
    assert run(toolkit, "calculate", expression=expression).content == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("__import__('os')", "only numbers, + - * / and parentheses"),
        ("2 ** 8", "only numbers, + - * / and parentheses"),
        ("True + 1", "only numbers, + - * / and parentheses"),
        ("1 / 0", "division by zero"),
        ("3 +", "cannot parse"),
    ],
)
def test_calculate_refuses(toolkit: Toolkit, expression: str, expected: str) -> None:
    assert expected in refused(toolkit, "calculate", expression=expression)


def test_think_and_transfer(toolkit: Toolkit) -> None:
    assert ok(toolkit, "think", thought="check the status first") == "Noted."
    assert "Transfer successful" in ok(toolkit, "transfer_to_human_agents", summary="lost package")
