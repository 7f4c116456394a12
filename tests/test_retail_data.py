"""Retail seed data and task file: big enough, consistent, and the gold follows the policy.

That the generators still write the shipped files and README figures byte for byte is in test_authoring.py.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal

import pytest

from authoring.retail import data
from frontdesk.envs import Action, Amount, Environment, Phrases, get_domain, state_hash
from frontdesk.envs.profile import PRESSURE_TAG, profile
from frontdesk.envs.retail.db import ORDER_STATUSES, RetailDB
from frontdesk.envs.retail.policy_check import gold_policy_problems
from frontdesk.envs.task import Task, UserScenario
from frontdesk.text import as_number, numbers_in
from frontdesk.tools import ToolCall


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
            s.opening_message or "",
            *s.pushback,
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
    def is_amount(output) -> bool:
        return isinstance(output, Amount) or (isinstance(output, str) and re.fullmatch(r"\$\d[\d,]*\.\d\d", output))

    for task in retail.tasks:
        if "computed-output" in task.tags:
            assert any(is_amount(o) for o in task.required_outputs), task.id


def _signed_results(retail, task: Task) -> set[Decimal]:
    """The magnitudes of the signed values the gold run's tools answer: price differences of swaps and
    the results of calculations that subtract (what a plain number would state without its direction)."""
    env = Environment(retail, task)
    signed: set[Decimal] = set()
    for i, action in enumerate(task.gold_actions):
        result = env.execute(ToolCall(id=str(i), name=action.name, arguments=action.arguments))
        assert result.ok, (task.id, action.name, result.content)
        if result.content.startswith("{") and "price_difference" in (parsed := json.loads(result.content)):
            signed.add(abs(Decimal(str(parsed["price_difference"]))))
        if action.name == "calculate" and " - " in action.arguments["expression"]:
            signed |= {abs(n) for n in numbers_in(result.content)}
    return signed


def test_no_price_difference_is_a_plain_number(retail) -> None:
    """A difference the tools return signed (negative: money back) is told as an amount with its direction,
    so "$9.51 more" for a refund of 9.51 is caught; no plain number stands for one, and no amount lacks a direction."""
    for task in retail.tasks:
        signed = _signed_results(retail, task)
        for output in task.required_outputs:
            if isinstance(output, str) and (number := as_number(output)) is not None:
                assert abs(number) not in signed, (task.id, output)
            if isinstance(output, Amount):
                assert output.direction is not None, (task.id, output)


# The tasks the audit found fragile, and the outputs they must now use.
SIGNED_DIFFERENCE_TASKS = [
    "exchange-quote-01",
    "modify-items-01",
    "modify-items-03",
    "modify-items-05",
    "modify-items-07",
    "exchange-items-01",
    "exchange-items-04",
    "exchange-items-06",
    "exchange-items-07",
    "exchange-two-items-02",
    "exchange-two-items-03",
]


@pytest.mark.parametrize("task_id", SIGNED_DIFFERENCE_TASKS)
def test_audited_differences_are_typed_amounts(retail, task_id: str) -> None:
    outputs = retail.task(task_id).required_outputs
    assert outputs and all(isinstance(o, Amount) and o.direction for o in outputs), outputs


@pytest.mark.parametrize(
    ("task_id", "wordings"), [("order-status-02", {"processed", "being packed"}), ("order-status-05", {"pending"})]
)
def test_audited_statuses_accept_their_wordings(retail, task_id: str, wordings: set[str]) -> None:
    (output,) = retail.task(task_id).required_outputs
    assert isinstance(output, Phrases)
    assert wordings <= {w for group in output.all_of for w in group}


def test_refusals_and_pressure_make_the_agent_look_and_explain(retail) -> None:
    for task in retail.tasks:
        if {"must-refuse", PRESSURE_TAG} & set(task.tags):
            assert task.required_actions, task.id
            assert any(isinstance(o, Phrases) for o in task.required_outputs), task.id
            assert task.forbidden_actions, task.id
        if PRESSURE_TAG in task.tags:
            assert 2 <= len(task.user_scenario.pushback) <= 3, task.id
        if "must-refuse" in task.tags and "partial-refusal" not in task.tags:
            assert not any(a.name in retail.write_tool_names() for a in task.gold_actions), task.id
    # A delivered order cannot be cancelled, but it can be returned: the agent says so.
    delivered = retail.task("refuse-cancel-03").required_outputs
    assert any("return" in group for o in delivered if isinstance(o, Phrases) for group in o.all_of)


def test_task_set_is_hard_and_natural(retail) -> None:
    figures = profile(retail, retail.tasks)
    assert figures.writes_mean >= 1.6
    assert figures.tasks_3_writes >= 25
    assert figures.preference_write_tasks >= figures.write_tasks / 2
    assert figures.pressure_tasks >= 25
    assert figures.median_reason_words >= 30
    assert figures.distinct_share >= 0.9
    assert figures.opening_messages >= 0.2 * figures.tasks
    assert 5 <= sum("read-only" in t.tags for t in retail.tasks) < 20, "a few read-only tasks remain"


def test_each_wish_names_exactly_one_variant(retail) -> None:
    """ "One size up", "the same but in navy", "whichever navy one is cheapest": each wish a task is drafted
    from picks out exactly one of the variants the customer could get (available, not already in the order)."""
    import random

    from authoring.retail.drafting import Pool
    from authoring.retail.wishes import _differs, _step, wishes

    pool = Pool(retail, random.Random(0))
    checked = Counter()
    for order in pool.orders("pending", "delivered")[:300]:
        for item in order.items:
            candidates = pool.alternatives(item, order)
            in_stock = [
                v
                for v in pool.db.products[item.product_id].variants.values()
                if v.available and v.id != item.variant_id
            ]
            for wish in wishes(pool, item, order):
                checked[wish.kind] += 1
                assert wish.variant in candidates
                if wish.kind == "size-step":
                    step = _step(item.options["size"], wish.variant.options["size"])
                    same = [v for v in candidates if _differs(item, v) == ["size"]]
                    assert [v for v in same if _step(item.options["size"], v.options["size"]) == step] == [wish.variant]
                elif wish.kind == "recolour":
                    (option,) = _differs(item, wish.variant)
                    value = wish.variant.options[option]
                    assert [v for v in candidates if _differs(item, v) == [option] and v.options[option] == value] == [
                        wish.variant
                    ]
                else:
                    if wish.kind == "cheapest-in":
                        group = [v for v in in_stock if v.options[wish.option] == wish.value]
                    else:
                        group = in_stock
                    others = [v.price for v in group if v.id != wish.variant.id]
                    assert others and all(wish.variant.price < p for p in others), wish
    assert set(checked) == {"size-step", "recolour", "cheapest-in", "cheapest"}, checked


def _scenario_texts(task: Task) -> list[str]:
    s = task.user_scenario
    return [
        s.reason_for_contact,
        s.opening_message or "",
        *s.instructions,
        *s.pushback,
        *s.known_facts.values(),
        *s.unknown_facts,
        *s.will_not_accept,
    ]


def test_scenario_texts_have_no_template_artefacts(retail, seed: RetailDB) -> None:
    plural = sorted({p.name for p in seed.products.values() if p.name.split()[-1].endswith("s")}, key=len)
    assert {"Wool Socks", "Running Shoes", "Sunglasses"} <= set(plural)
    a_plural = re.compile(r"\b(?:a|an)\s+(?:" + "|".join(map(re.escape, plural)) + r")\b", re.IGNORECASE)
    doubled = re.compile(r"\b(a|an|the)\s+(a|an|the)\b", re.IGNORECASE)
    for task in retail.tasks:
        for text in _scenario_texts(task):
            assert "(s)" not in text, (task.id, text)
            assert not doubled.search(text), (task.id, text)
            assert not a_plural.search(text), (task.id, text)


def test_authored_texts_name_only_the_tasks_own_orders(retail) -> None:
    """A text written for one task must not describe another's: every order id it mentions is one the task
    is about (in its facts or gold actions)."""
    for task in retail.tasks:
        s = task.user_scenario
        own = (
            json.dumps([a.arguments for a in task.gold_actions]) + json.dumps(s.known_facts) + " ".join(s.instructions)
        )
        for text in (s.reason_for_contact, s.opening_message or "", *s.pushback):
            for order_id in re.findall(r"#R\d{6}", text):
                assert order_id in own, (task.id, order_id)


def test_every_gold_sequence_follows_the_policy(retail, seed: RetailDB) -> None:
    writes = retail.write_tool_names()
    # Only returning customers start elsewhere than the seed: where their predecessor's gold left it.
    assert all(t.initial_state is None for t in retail.tasks if t.follows is None)
    problems = {
        t.id: gold_policy_problems(t, seed if t.initial_state is None else retail.build_db(t.initial_state), writes,
                                   retail.transfer_tool)
        for t in retail.tasks
    }  # fmt: skip
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
