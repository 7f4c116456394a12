"""Retail seed data and task file: big enough, consistent, and the gold follows the policy.

That the generators still write the shipped files and README figures byte for byte is in test_authoring.py.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from authoring.retail import data
from frontdesk.envs import Action, get_domain, state_hash
from frontdesk.envs.retail.db import ORDER_STATUSES, RetailDB
from frontdesk.envs.retail.policy_check import gold_policy_problems
from frontdesk.envs.task import Task, UserScenario


@pytest.fixture(scope="module")
def retail():
    return get_domain("retail")


@pytest.fixture(scope="module")
def seed(retail) -> RetailDB:
    return retail.build_db()


# --- seed data ------------------------------------------------------------------------------------


def test_generator_depends_on_seed(retail) -> None:
    assert data.generate(seed=1)["orders"].keys() != retail.seed_data["orders"].keys()


def test_db_json_stays_small(retail) -> None:
    assert (retail.data_dir / "db.json").stat().st_size < 4_000_000


def test_seed_sizes(retail, seed: RetailDB) -> None:
    assert len(seed.customers) >= 500
    assert len(seed.products) >= 50
    assert sum(len(p.variants) for p in seed.products.values()) >= 500
    assert len(seed.orders) >= 1000
    assert set(Counter(o.status for o in seed.orders.values())) == set(ORDER_STATUSES)
    assert {m.kind for c in seed.customers.values() for m in c.payment_methods.values()} == {
        "card",
        "gift_card",
        "wallet",
    }
    assert state_hash(seed) == state_hash(retail.seed_data)  # nothing is lost or defaulted on the way in


def test_customers_can_be_told_apart(seed: RetailDB) -> None:
    customers = list(seed.customers.values())
    assert len({c.email for c in customers}) == len(customers)
    assert len({(c.first_name, c.last_name, c.address.zip_code) for c in customers}) == len(customers)
    assert len({(c.first_name, c.last_name) for c in customers}) < len(customers), "some namesakes need a zip code"
    assert all(re.fullmatch(r"\d{5}", c.address.zip_code) for c in customers)


def test_orders_are_consistent(seed: RetailDB) -> None:
    variants = {v.id: (p.id, v) for p in seed.products.values() for v in p.variants.values()}
    for order in seed.orders.values():
        customer = seed.customers[order.customer_id]
        assert order.id in customer.order_ids
        assert len({i.variant_id for i in order.items}) == len(order.items) >= 1
        for item in order.items:
            product_id, variant = variants[item.variant_id]
            assert item.product_id == product_id and item.options == variant.options
        assert {p.payment_method_id for p in order.payments} <= set(customer.payment_methods)
        assert order.payments[0].kind == "payment" and order.payments[0].amount == order.total
        if order.status == "cancelled":
            assert order.net_paid() == {} and order.cancel_reason
        if order.status == "return_requested":
            assert set(order.returned_variant_ids) <= {i.variant_id for i in order.items}
        if order.status == "exchange_requested":
            assert order.exchanges and all(
                variants[e.new_variant_id][0] == variants[e.variant_id][0] for e in order.exchanges
            )
        assert (order.tracking_number is not None) == (
            order.status in ("shipped", "delivered", "return_requested", "exchange_requested")
        )
    assert sum(len(c.order_ids) for c in seed.customers.values()) == len(seed.orders)


def test_money_has_two_decimals(seed: RetailDB) -> None:
    amounts = [v.price for p in seed.products.values() for v in p.variants.values()]
    amounts += [i.price for o in seed.orders.values() for i in o.items] + [
        p.amount for o in seed.orders.values() for p in o.payments
    ]
    amounts += [m.balance for c in seed.customers.values() for m in c.payment_methods.values() if m.kind == "gift_card"]
    assert all(round(a, 2) == a and a >= 0 for a in amounts)


# --- task file ------------------------------------------------------------------------------------------


def test_task_file_facts(retail) -> None:
    tasks = retail.tasks
    writes = retail.write_tool_names()
    assert len(tasks) >= 120
    assert {t.split for t in tasks} == {"train", "test"}
    assert writes <= {a.name for t in tasks for a in t.gold_actions}, "every write tool appears in some gold sequence"
    assert max(len(t.gold_actions) for t in tasks) >= 10
    assert min(len(t.gold_actions) for t in tasks) <= 1
    assert sum(bool(t.required_outputs) for t in tasks) >= 30
    assert sum(not any(a.name in writes for a in t.gold_actions) for t in tasks) >= 30
    assert sum(sum(a.name in writes for a in t.gold_actions) >= 2 for t in tasks) >= 10
    tags = Counter(tag for t in tasks for tag in t.tags)
    for tag in (
        "identity-email",
        "identity-name-zip",
        "must-refuse",
        "transfer",
        "change-of-mind",
        "multi-intent",
        "computed-output",
    ):
        assert tags[tag] >= 3, tag


def test_scenarios_read_naturally(retail) -> None:
    tool_names = {t.name for t in retail.agent_tools if "_" in t.name}  # "think" is also an English word
    for task in retail.tasks:
        s = task.user_scenario
        texts = [
            s.reason_for_contact,
            *s.known_facts,
            *s.known_facts.values(),
            *s.unknown_facts,
            *s.instructions,
            *s.will_not_accept,
        ]
        for text in texts:
            assert not any(re.search(rf"\b{name}\b", text) for name in tool_names), (task.id, text)
            assert not re.search(r"\b(?:V\d{6}|P\d{4}|C\d{6}|card_\d+|wallet_\d+)\b", text), (task.id, text)
        assert all("_" not in key for key in s.known_facts), task.id


def test_computed_outputs_are_amounts(retail) -> None:
    for task in retail.tasks:
        if "computed-output" in task.tags:
            assert any(re.fullmatch(r"\$\d[\d,]*\.\d\d", o) for o in task.required_outputs), task.id


def test_every_gold_sequence_follows_the_policy(retail, seed: RetailDB) -> None:
    writes = retail.write_tool_names()
    assert all(t.initial_state is None for t in retail.tasks)  # so one seed database serves every check
    problems = {t.id: gold_policy_problems(t, seed, writes, retail.transfer_tool) for t in retail.tasks}
    assert {k: v for k, v in problems.items() if v} == {}


def test_domain_runs_the_policy_check(retail) -> None:
    task = retail.task("cancel-pending-01")
    assert retail.gold_policy_problems(task) == []
    backwards = task.model_copy(update={"gold_actions": list(reversed(task.gold_actions))})
    assert retail.gold_policy_problems(backwards)[0].endswith("comes before the customer is identified")


def test_policy_check_finds_each_kind_of_problem(retail, seed: RetailDB) -> None:
    customer = seed.customers[sorted(c.id for c in seed.customers.values() if c.order_ids)[0]]
    own = customer.order_ids[0]
    foreign = next(o for _, o in sorted(seed.orders.items()) if o.customer_id != customer.id)
    identify = Action(name="find_customer_id_by_email", arguments={"email": customer.email})
    read = Action(name="get_order_details", arguments={"order_id": own})
    cancel = Action(name="cancel_pending_order", arguments={"order_id": own, "reason": "no longer needed"})
    move = Action(name="modify_customer_address", arguments={"customer_id": customer.id})
    transfer = Action(name="transfer_to_human_agents", arguments={"summary": "lost parcel"})

    def problems(*actions: Action) -> list[str]:
        task = Task(id="t", user_scenario=UserScenario(reason_for_contact="Hi"), gold_actions=list(actions))
        return gold_policy_problems(task, seed, retail.write_tool_names(), retail.transfer_tool)

    assert problems(identify, read, cancel, transfer) == []
    assert problems() == []
    assert problems(read, identify) == ["gold action #0 get_order_details comes before the customer is identified"]
    assert problems(cancel) == ["gold action #0 cancel_pending_order comes before the customer is identified"]
    assert problems(identify, cancel) == [
        f"gold action #1 cancel_pending_order changes {own} without looking it up first"
    ]
    assert problems(identify, move) == [
        f"gold action #1 modify_customer_address changes {customer.id} without looking it up first"
    ]
    assert problems(identify, Action(name="get_order_details", arguments={"order_id": foreign.id})) == [
        f"gold action #1 get_order_details touches {foreign.id}, which is not the identified customer {customer.id}'s"
    ]
    assert problems(identify, transfer, read) == [
        "gold action #1 transfer_to_human_agents is not the last action, but a transfer ends the conversation"
    ]
    assert problems(identify, identify) == [
        "gold action #1 find_customer_id_by_email: a second identity look-up; one conversation serves one customer"
    ]
    assert problems(Action(name="find_customer_id_by_email", arguments={"email": "nobody@example.com"})) == [
        "gold action #0 find_customer_id_by_email finds no customer"
    ]
    # The catalogue is public: no identity needed.
    assert (
        problems(Action(name="list_product_types"), Action(name="get_product_details", arguments={"product_id": "P1"}))
        == []
    )
