"""Write the planted triage corpus: failed mock-domain trials whose cause is known.

``python -m authoring.triage_corpus`` rewrites ``frontdesk/eval/triage_corpus/{agent,simulator,task}.json``;
``--check`` only compares. Every conversation is played on a real ``Environment`` of the mock domain
(tool results are what the tools return) and scored by the real checker, so each case is a trial
frontdesk could have recorded: an agent that broke a rule or did the wrong thing with a customer on
script; a customer that invented a fact, stopped early or ignored an instruction with an agent that
did its job; or a task whose scenario does not say what its reference expects (ambiguous) or whose
reference is wrong (wrong gold), played by an agent that did what the scenario asked.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from frontdesk.envs import Environment, Task, get_domain
from frontdesk.eval.checker import build_goal, check
from frontdesk.eval.orchestrator import ERROR_CLASS, ErrorClass, TerminationReason
from frontdesk.eval.triage import CORPUS_DIR, KINDS, load_corpus
from frontdesk.tools import ToolCall
from frontdesk.trajectory import Message, Role, UserSignal

MOCK = get_domain("mock")
GREETING = "Hi! How can I help you today?"
ASK_EMAIL = "Could you give me the email address on your account?"
CLOSING = "All done. Is there anything else I can help you with?"
BYE = "No, that's all. Thanks!"

Case = dict[str, Any]


def task(task_id: str, **changes: Any) -> Task:
    """A mock task, or a broken copy of it (``changes`` replace fields; ``scenario`` those of its scenario)."""
    data = MOCK.task(task_id).model_dump(mode="json")
    data["user_scenario"] |= changes.pop("scenario", {})
    return Task.model_validate(data | changes)


class Conversation:
    """A trial played by hand: each agent tool call runs on the task's environment as it would in a run."""

    def __init__(self, t: Task) -> None:
        self.task = t
        self.env = Environment(MOCK, t)
        self.messages = [Message(role=Role.AGENT, content=GREETING)]
        self.calls = 0

    def agent(self, text: str) -> Conversation:
        self.messages.append(Message(role=Role.AGENT, content=text))
        return self

    def user(self, text: str, stop: bool = False) -> Conversation:
        self.messages.append(Message(role=Role.USER, content=text, signal=UserSignal.STOP if stop else None))
        return self

    def call(self, name: str, text: str | None = None, **arguments: Any) -> Conversation:
        self.calls += 1
        call = ToolCall(id=f"call_{self.calls}", name=name, arguments=arguments, requestor="agent")
        self.messages.append(Message(role=Role.AGENT, content=text, tool_calls=[call]))
        self.messages.append(Message(role=Role.TOOL, tool_result=self.env.execute(call), requestor="agent"))
        return self

    # --- the usual steps ---
    def opening(self) -> Conversation:
        s = self.task.user_scenario
        return self.user(s.reason_for_contact)

    def identify(self, email: str | None = None) -> Conversation:
        email = email or self.task.user_scenario.known_facts["email"]
        return self.agent(ASK_EMAIL).user(f"It's {email}.").call("find_customer_by_email", email=email)

    def write(self, name: str, what: str, reply: str = "Yes, please.", **arguments: Any) -> Conversation:
        self.agent(f"I'm about to {what}. Do you confirm I should proceed? (yes/no)").user(reply)
        if reply.lower().startswith("yes"):
            self.call(name, **arguments)
        return self

    def close(self, text: str = CLOSING, reply: str = BYE) -> Conversation:
        return self.agent(text).user(reply, stop=True)

    def trial(self, termination: TerminationReason = TerminationReason.USER_STOP, error: str | None = None) -> Case:
        error_class = ERROR_CLASS.get(termination)
        verdict = None
        if error_class is not ErrorClass.USER:
            verdict = check(self.env, self.task, self.messages, termination, build_goal(MOCK, self.task))
            assert verdict.reward == 0.0, f"{self.task.id}: a planted failure passed"
        return {
            "termination": termination.value,
            **({"error": error} if error else {}),
            "error_class": error_class.value if error_class else None,
            "reward": verdict.reward if verdict else None,
            "verdict": verdict.model_dump(mode="json") if verdict else None,
            "messages": [_message(m) for m in self.messages],
        }


def _message(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role.value}
    if m.content is not None:
        out["content"] = m.content
    if m.tool_calls:
        out["tool_calls"] = [c.model_dump(mode="json") for c in m.tool_calls]
    if m.tool_result is not None:
        out["tool_result"] = m.tool_result.model_dump(mode="json")
    if m.requestor:
        out["requestor"] = m.requestor
    if m.signal:
        out["signal"] = m.signal.value
    return out


def case(case_id: str, fault: str, kind: str, why: str, convo: Conversation, trial: Case | None = None) -> Case:
    assert kind in KINDS[fault]
    return {
        "id": case_id,
        "domain": MOCK.name,
        "label": {"fault": fault, "kind": kind},
        "why": why,
        "task": convo.task.model_dump(mode="json", exclude_defaults=True)
        | {"id": convo.task.id, "user_scenario": convo.task.user_scenario.model_dump(mode="json")},
        "trial": trial or convo.trial(),
    }


def cancel_text(order: str, reason: str) -> str:
    return f'cancel order {order} with reason "{reason}"'


# --- agent mistakes, the customer on script ---------------------------------------------------------


def agent_cases() -> Iterator[Case]:
    for n, (said, reason) in enumerate(
        [("I no longer need it.", "no longer needed"), ("I ordered it by mistake.", "ordered by mistake")]
    ):
        c = Conversation(task("refuse-other-customers-order")).opening().identify().user(said)
        c.call("get_order_details", order_id="#O5005").write(
            "cancel_order", cancel_text("#O5005", reason), order_id="#O5005", reason=reason
        ).close()
        yield case(
            f"agent-other-customers-order-{n + 1}",
            "agent",
            "policy_violation",
            "Cancels an order of another customer after looking it up.",
            c,
        )

    lookups: dict[str, Callable[[Conversation], Conversation]] = {
        "cancel-pending-order": lambda c: c.identify().call("get_order_details", order_id="#O5000"),
        "update-shipping-address": lambda c: c.identify().call("get_order_details", order_id="#O5011"),
        "update-email": lambda c: c.identify(),
        "read-order-status": lambda c: c.identify().call("get_order_details", order_id="#O5001"),
        "read-order-total": lambda c: c.identify().call("get_order_details", order_id="#O5003"),
        "product-price": lambda c: c.call("get_product_details", sku="P104"),
    }
    for task_id, lookup in lookups.items():
        c = lookup(Conversation(task(task_id)).opening())
        c.call(
            "transfer_to_human_agents",
            "I'm transferring you to a human agent who can help with this.",
            summary="Customer needs help.",
        )
        yield case(
            f"agent-unneeded-transfer-{task_id}",
            "agent",
            "policy_violation",
            "Hands a case it could solve to a human.",
            c,
            c.trial(TerminationReason.TRANSFER),
        )

    for n, answer in enumerate(
        ["I've issued a full refund for order #O5002; you will see it in a few days. Is there anything else I can help you with?",
         "I can't help with refunds here; please email our billing team. Is there anything else I can help you with?"]
    ):  # fmt: skip
        c = (
            Conversation(task("transfer-refund-request"))
            .opening()
            .identify()
            .call("get_order_details", order_id="#O5002")
        )
        yield case(
            f"agent-no-refund-transfer-{n + 1}",
            "agent",
            "policy_violation",
            "Handles a refund itself instead of transferring.",
            c.agent(answer).user(BYE, stop=True),
        )

    wrong_reasons = [
        ("cancel-pending-order", [("#O5000", "ordered by mistake")], "I no longer need it."),
        (
            "cancel-two-orders",
            [("#O5003", "no longer needed"), ("#O5009", "no longer needed")],
            "Yes, I ordered them by mistake.",
        ),
        ("cancel-after-initial-state", [("#O5001", "no longer needed")], "I ordered it by mistake."),
    ]
    for task_id, cancels, said in wrong_reasons:
        c = Conversation(task(task_id)).opening().identify().user(said)
        for order, reason in cancels:
            c.call("get_order_details", order_id=order).write(
                "cancel_order", cancel_text(order, reason), order_id=order, reason=reason
            )
        yield case(
            f"agent-wrong-reason-{task_id}",
            "agent",
            "wrong_action",
            "Cancels with a reason the customer did not give.",
            c.close(),
        )

    wrong_addresses = [
        ("update-shipping-address", "#O5011", "18 Birch Road", "It should go to 18 Birch Way."),
        (
            "change-of-mind-readdress",
            "#O5005",
            "77 Quay Street",
            "Actually I'll keep it; please ship it to 77 Quay St instead.",
        ),
        ("cancel-and-readdress", "#O5000", "9 Linden Place", "And #O5000 should go to 9 Linden Pl."),
    ]
    for task_id, order, address, said in wrong_addresses:
        c = Conversation(task(task_id)).opening().identify()
        if task_id == "cancel-and-readdress":
            c.call("get_order_details", order_id="#O5006").write(
                "cancel_order",
                cancel_text("#O5006", "ordered by mistake"),
                order_id="#O5006",
                reason="ordered by mistake",
            )
        c.user(said).call("get_order_details", order_id=order)
        c.write("update_shipping_address", f"ship order {order} to {address}", order_id=order, address=address)
        yield case(
            f"agent-wrong-address-{task_id}",
            "agent",
            "wrong_action",
            "Types an address the customer did not give.",
            c.close(),
        )

    for task_id, right, wrong, write in [
        ("cancel-pending-order", "#O5000", "#O5006", ("cancel_order", {"reason": "no longer needed"})),
        ("update-shipping-address", "#O5011", "#O5005", ("update_shipping_address", {"address": "18 Birch Way"})),
    ]:
        c = Conversation(task(task_id)).opening().identify().call("get_order_details", order_id=right)
        name, extra = write
        what = (
            cancel_text(wrong, extra["reason"])
            if name == "cancel_order"
            else f"ship order {wrong} to {extra['address']}"
        )
        c.write(name, what, order_id=wrong, **extra)
        yield case(
            f"agent-wrong-order-{task_id}",
            "agent",
            "wrong_action",
            "Acts on the customer's other pending order.",
            c.close(),
        )

    c = Conversation(task("cancel-two-orders")).opening().identify().call("get_order_details", order_id="#O5003")
    c.write("cancel_order", cancel_text("#O5003", "ordered by mistake"), order_id="#O5003", reason="ordered by mistake")
    yield case(
        "agent-missed-second-cancel", "agent", "wrong_action", "Cancels one of the two orders and closes.", c.close()
    )
    c = Conversation(task("cancel-and-readdress")).opening().identify().call("get_order_details", order_id="#O5006")
    c.write("cancel_order", cancel_text("#O5006", "ordered by mistake"), order_id="#O5006", reason="ordered by mistake")
    yield case("agent-missed-readdress", "agent", "wrong_action", "Forgets the second request.", c.close())

    outputs = [
        (
            "read-order-status",
            "#O5001",
            "Your order #O5001 has been delivered. Is there anything else I can help you with?",
        ),
        (
            "read-order-status",
            "#O5001",
            "Your order #O5001 is still pending. Is there anything else I can help you with?",
        ),
        (
            "read-order-total",
            "#O5003",
            "Order #O5003 came to $82.00 in total. Is there anything else I can help you with?",
        ),
        (
            "read-order-total",
            "#O5003",
            "Order #O5003 holds a desk lamp, a water bottle and a yoga mat. Is there anything else I can help you with?",
        ),
    ]
    for n, (task_id, order, answer) in enumerate(outputs):
        c = Conversation(task(task_id)).opening().identify().call("get_order_details", order_id=order)
        yield case(
            f"agent-wrong-output-{n + 1}",
            "agent",
            "wrong_output",
            "Tells the customer something the data does not say.",
            c.agent(answer).user(BYE, stop=True),
        )
    c = Conversation(task("product-price")).opening().call("get_product_details", sku="P104")
    yield case(
        "agent-wrong-price",
        "agent",
        "wrong_output",
        "Misreads the price.",
        c.agent("The yoga mat costs $14.00. Is there anything else I can help you with?").user(BYE, stop=True),
    )
    c = (
        Conversation(task("sum-of-pending-orders"))
        .opening()
        .identify()
        .call("get_customer_details", customer_id="C1005")
    )
    c.call("get_order_details", order_id="#O5005").call("get_order_details", order_id="#O5011").call(
        "calculate", expression="414.97 + 135.5"
    )
    yield case(
        "agent-wrong-sum",
        "agent",
        "wrong_output",
        "Adds a mistyped amount.",
        c.agent("Together they come to $550.47. Is there anything else I can help you with?").user(BYE, stop=True),
    )


# --- the customer off script, the agent doing its job -----------------------------------------------


def _guard_error(guard: str, reason: str) -> str:
    return f"UserSimulatorError: the simulated customer failed the turn guards 3 times: {guard}: {reason}"


def simulator_cases() -> Iterator[Case]:
    c = Conversation(task("cancel-pending-order")).opening().identify("ana.silva@example.org")
    c.agent("I couldn't find an account with that email. Could you check it?").user(
        "Sorry, that's the only one I have. Bye.", stop=True
    )
    yield case("sim-invented-email", "simulator", "invented_fact", "Gives an email address not in its scenario.", c)

    c = (
        Conversation(task("update-email"))
        .opening()
        .identify()
        .agent("What should the new email be?")
        .user("Please make it emeka.haddad@example.net.")
    )
    c.write(
        "update_customer_email",
        "change your email to emeka.haddad@example.net",
        customer_id="C1004",
        email="emeka.haddad@example.net",
    )
    yield case("sim-invented-new-email", "simulator", "invented_fact", "Invents the new email address.", c.close())

    c = Conversation(task("update-shipping-address")).opening().identify().call("get_order_details", order_id="#O5011")
    c.agent("Where should it go?").user("Please send it to 18 Birch Road.")
    c.write("update_shipping_address", "ship order #O5011 to 18 Birch Road", order_id="#O5011", address="18 Birch Road")
    yield case(
        "sim-invented-address",
        "simulator",
        "invented_fact",
        "States an address that is not its new address.",
        c.close(),
    )

    c = Conversation(task("cancel-and-readdress")).opening().identify().call("get_order_details", order_id="#O5006")
    c.write("cancel_order", cancel_text("#O5006", "ordered by mistake"), order_id="#O5006", reason="ordered by mistake")
    c.agent("Where should #O5000 go?").user("To 9 Linden Lane, please.").call("get_order_details", order_id="#O5000")
    c.write("update_shipping_address", "ship order #O5000 to 9 Linden Lane", order_id="#O5000", address="9 Linden Lane")
    yield case("sim-invented-address-2", "simulator", "invented_fact", "Misstates its new address.", c.close())

    c = Conversation(task("cancel-two-orders")).opening().identify().user("The second one is #O5008, sorry.")
    c.call("get_order_details", order_id="#O5003").write(
        "cancel_order", cancel_text("#O5003", "ordered by mistake"), order_id="#O5003", reason="ordered by mistake"
    )
    c.call("get_order_details", order_id="#O5008").agent(
        "Order #O5008 is not on your account, so I can't change it. Is there anything else I can help you with?"
    ).user(BYE, stop=True)
    yield case("sim-invented-order", "simulator", "invented_fact", "Names an order id that is not its own.", c)

    c = (
        Conversation(task("read-order-total"))
        .opening()
        .identify()
        .user("Sorry, I meant order #O5009.")
        .call("get_order_details", order_id="#O5009")
    )
    c.agent("Order #O5009 came to $291.97 in total. Is there anything else I can help you with?").user(BYE, stop=True)
    yield case("sim-invented-order-2", "simulator", "invented_fact", "Switches to an order id it was never given.", c)

    for task_id, said in [("transfer-refund-request", "#O5020, $88.50"), ("product-price", "$29.99")]:
        c = Conversation(task(task_id)).opening().agent("Could you tell me a bit more?")
        error = _guard_error("invented_facts", f"mentions facts the customer was never given: {said}")
        yield case(
            f"sim-invented-guard-{task_id}",
            "simulator",
            "invented_fact",
            "Kept inventing facts until the guard gave up.",
            c,
            c.trial(TerminationReason.USER_ERROR, error),
        )

    for task_id, order, what in [
        ("cancel-pending-order", "#O5000", cancel_text("#O5000", "no longer needed")),
        ("update-shipping-address", "#O5011", "ship order #O5011 to 18 Birch Way"),
    ]:
        c = Conversation(task(task_id)).opening().identify().call("get_order_details", order_id=order)
        c.agent(f"I'm about to {what}. Do you confirm I should proceed? (yes/no)").user(
            "Never mind, I have to go. Bye.", stop=True
        )
        yield case(
            f"sim-early-stop-confirm-{task_id}",
            "simulator",
            "early_stop",
            "Leaves at the confirmation it was told to give.",
            c,
        )
    c = (
        Conversation(task("update-email"))
        .opening()
        .identify()
        .agent("What should the new email be?")
        .user("I'll call back later.", stop=True)
    )
    yield case("sim-early-stop-update-email", "simulator", "early_stop", "Leaves before giving its new email.", c)
    c = Conversation(task("cancel-two-orders")).opening().identify().call("get_order_details", order_id="#O5003")
    c.write(
        "cancel_order", cancel_text("#O5003", "ordered by mistake"), order_id="#O5003", reason="ordered by mistake"
    ).call("get_order_details", order_id="#O5009")
    c.agent(
        f"I'm about to {cancel_text('#O5009', 'ordered by mistake')}. Do you confirm I should proceed? (yes/no)"
    ).user("That's enough for today, goodbye.", stop=True)
    yield case(
        "sim-early-stop-second-order", "simulator", "early_stop", "Leaves half-way through two cancellations.", c
    )
    for task_id in ("read-order-total", "read-order-status", "transfer-refund-request"):
        c = Conversation(task(task_id)).opening().agent(ASK_EMAIL).user("Actually, never mind. Bye.", stop=True)
        yield case(f"sim-early-stop-{task_id}", "simulator", "early_stop", "Leaves when asked for its email.", c)
    c = Conversation(task("product-price")).opening().agent("Let me look that up for you.")
    error = _guard_error("premature_stop", "the customer stopped before the agent attempted the request")
    yield case(
        "sim-early-stop-guard",
        "simulator",
        "early_stop",
        "Kept stopping before the agent could act.",
        c,
        c.trial(TerminationReason.USER_ERROR, error),
    )

    declines = [
        ("cancel-pending-order", "#O5000", cancel_text("#O5000", "no longer needed"), "No, please don't do that."),
        ("cancel-pending-order", "#O5000", cancel_text("#O5000", "no longer needed"), "No, leave it as it is."),
        ("update-shipping-address", "#O5011", "ship order #O5011 to 18 Birch Way", "No, please don't do that."),
        ("update-email", None, "change your email to emeka.h@example.net", "No, please don't do that."),
        ("update-email", None, "change your email to emeka.h@example.net", "Don't change anything, thanks."),
        ("cancel-two-orders", "#O5003", cancel_text("#O5003", "ordered by mistake"), "No, leave it as it is."),
    ]
    for n, (task_id, order, what, reply) in enumerate(declines):
        c = Conversation(task(task_id)).opening().identify()
        if order:
            c.call("get_order_details", order_id=order)
        c.agent(f"I'm about to {what}. Do you confirm I should proceed? (yes/no)").user(reply)
        c.close("Okay, I won't make any changes. Is there anything else I can help you with?", "No, thanks.")
        yield case(
            f"sim-declines-confirmation-{n + 1}",
            "simulator",
            "ignored_instruction",
            "Declines the confirmation it was told to give.",
            c,
        )
    for n, said in enumerate(
        ["Actually, please cancel order #O5003 as well.", "Then go ahead and cancel #O5003 for me."]
    ):
        c = Conversation(task("read-order-total")).opening().identify().call("get_order_details", order_id="#O5003")
        c.agent("Order #O5003 came to $90.75 in total. Is there anything else I can help you with?").user(said)
        c.write("cancel_order", cancel_text("#O5003", "no longer needed"), order_id="#O5003", reason="no longer needed")
        yield case(
            f"sim-asks-for-change-{n + 1}",
            "simulator",
            "ignored_instruction",
            "Asks for a change although it wants none.",
            c.close(),
        )


# --- broken tasks, an agent that did what the scenario asked ----------------------------------------


def wrong_gold(task_id: str, suffix: str, index: int, **arguments: Any) -> Task:
    """A copy of a mock task whose gold action ``index`` has ``arguments`` changed: a broken task."""
    gold = [a.model_dump(mode="json") for a in MOCK.task(task_id).gold_actions]
    gold[index] = {**gold[index], "arguments": {**gold[index]["arguments"], **arguments}}
    return task(task_id, id=f"{task_id}.broken-{suffix}", gold_actions=gold)


def task_cases() -> Iterator[Case]:
    broken = [
        ("reason", wrong_gold("cancel-pending-order", "reason", 2, reason="ordered by mistake")),
        ("order", wrong_gold("cancel-pending-order", "order", 2, order_id="#O5006")),
        ("second-reason", wrong_gold("cancel-two-orders", "reason", 4, reason="no longer needed")),
        ("address", wrong_gold("update-shipping-address", "address", 2, address="18 Birch Lane")),
        ("readdress", wrong_gold("cancel-and-readdress", "address", 4, address="9 Linden Way")),
        ("email", wrong_gold("update-email", "email", 1, email="emeka.h@example.com")),
    ]
    plays: dict[str, Callable[[Conversation], Conversation]] = {
        "cancel-pending-order": lambda c: c.identify().call("get_order_details", order_id="#O5000").write("cancel_order", cancel_text("#O5000", "no longer needed"), order_id="#O5000", reason="no longer needed"),
        "cancel-two-orders": lambda c: c.identify().call("get_order_details", order_id="#O5003").write("cancel_order", cancel_text("#O5003", "ordered by mistake"), order_id="#O5003", reason="ordered by mistake").call("get_order_details", order_id="#O5009").write("cancel_order", cancel_text("#O5009", "ordered by mistake"), order_id="#O5009", reason="ordered by mistake"),
        "update-shipping-address": lambda c: c.identify().call("get_order_details", order_id="#O5011").write("update_shipping_address", "ship order #O5011 to 18 Birch Way", order_id="#O5011", address="18 Birch Way"),
        "cancel-and-readdress": lambda c: c.identify().call("get_order_details", order_id="#O5006").write("cancel_order", cancel_text("#O5006", "ordered by mistake"), order_id="#O5006", reason="ordered by mistake").call("get_order_details", order_id="#O5000").write("update_shipping_address", "ship order #O5000 to 9 Linden Pl", order_id="#O5000", address="9 Linden Pl"),
        "update-email": lambda c: c.identify().write("update_customer_email", "change your email to emeka.h@example.net", customer_id="C1004", email="emeka.h@example.net"),
    }  # fmt: skip
    for what, t in broken:
        c = plays[t.id.split(".")[0]](Conversation(t).opening())
        yield case(
            f"task-wrong-gold-{t.id.split('.')[0]}-{what}",
            "task",
            "wrong_gold",
            "The reference action disagrees with the scenario.",
            c.close(),
        )

    outputs = [
        (
            "read-order-status",
            "delivered",
            "#O5001",
            "Your order #O5001 has shipped. Is there anything else I can help you with?",
        ),
        (
            "read-order-total",
            "$92.75",
            "#O5003",
            "Order #O5003 came to $90.75 in total. Is there anything else I can help you with?",
        ),
    ]
    for task_id, required, order, answer in outputs:
        t = task(task_id, id=f"{task_id}.broken-output", required_outputs=[required])
        c = (
            Conversation(t)
            .opening()
            .identify()
            .call("get_order_details", order_id=order)
            .agent(answer)
            .user(BYE, stop=True)
        )
        yield case(
            f"task-wrong-output-{task_id}", "task", "wrong_gold", "The required output is not what the data says.", c
        )
    t = task("product-price", id="product-price.broken-output", required_outputs=["14.00"])
    c = (
        Conversation(t)
        .opening()
        .call("get_product_details", sku="P104")
        .agent("The yoga mat costs $41.00. Is there anything else I can help you with?")
        .user(BYE, stop=True)
    )
    yield case("task-wrong-output-product-price", "task", "wrong_gold", "The required price is not the product's.", c)
    t = task("sum-of-pending-orders", id="sum-of-pending-orders.broken-output", required_outputs=["586.47"])
    c = Conversation(t).opening().identify().call("get_customer_details", customer_id="C1005")
    c.call("get_order_details", order_id="#O5005").call("get_order_details", order_id="#O5011").call(
        "calculate", expression="414.97 + 153.5"
    )
    yield case(
        "task-wrong-output-sum",
        "task",
        "wrong_gold",
        "The required sum is mistyped.",
        c.agent("Together they come to $568.47. Is there anything else I can help you with?").user(BYE, stop=True),
    )

    which_order = {
        "reason_for_contact": "I'd like to cancel my pending order, please.",
        "known_facts": {"email": "ana.silva@example.com"},
        "unknown_facts": ["which order"],
        "instructions": ["Cancel your pending order; you no longer need it.", "Confirm when the agent asks."],
    }
    for n, unsure in enumerate(["I'm not sure which one it is.", "I don't know the order number."]):
        t = task("cancel-pending-order", id=f"cancel-pending-order.ambiguous-{n + 1}", scenario=which_order)
        c = Conversation(t).opening().identify().call("get_customer_details", customer_id="C1000")
        c.agent("You have two pending orders, #O5000 and #O5006. Which one should I cancel?").user(unsure)
        c.close(
            "I can only cancel an order once I know which one. Is there anything else I can help you with?", "No. Bye."
        )
        yield case(
            f"task-ambiguous-which-order-{n + 1}",
            "task",
            "ambiguous",
            "The scenario never says which of two pending orders.",
            c,
        )
    unknown = [
        ("update-shipping-address", {"reason_for_contact": "Can you ship my order #O5011 to my new address?", "known_facts": {"email": "freya.berg@example.com", "order_id": "#O5011"}, "unknown_facts": ["the new address"], "instructions": ["Order #O5011 should go to your new address.", "Confirm when the agent asks."]}, "#O5011", "What is the new address?", "I don't know the exact address yet."),
        ("change-of-mind-readdress", {"known_facts": {"email": "freya.berg@example.com", "order_id": "#O5005"}, "instructions": ["You first think of cancelling #O5005, then decide to keep it.", "Instead, order #O5005 should ship somewhere else."]}, "#O5005", "Where should it ship instead?", "I'm not sure yet where it should go."),
        ("cancel-and-readdress", {"reason_for_contact": "Two things: cancel order #O5006, and send #O5000 to my new place.", "known_facts": {"email": "ana.silva@example.com"}, "unknown_facts": ["the new address"], "instructions": ["Cancel #O5006; you ordered it by mistake.", "Order #O5000 should go to your new place."]}, "#O5000", "What is the address of your new place?", "I don't know it by heart, sorry."),
        ("update-email", {"reason_for_contact": "I have a new email address, can you update my account?", "known_facts": {"email": "emeka.haddad@example.com"}, "unknown_facts": ["the new email"], "instructions": ["Your account's email should change.", "Confirm when asked."]}, None, "What should the new email be?", "I'm not sure what it is, I just set it up."),
    ]  # fmt: skip
    for task_id, scenario, order, question, unsure in unknown:
        t = task(task_id, id=f"{task_id}.ambiguous", scenario=scenario)
        c = Conversation(t).opening().identify()
        if task_id == "cancel-and-readdress":
            c.call("get_order_details", order_id="#O5006").write(
                "cancel_order",
                cancel_text("#O5006", "ordered by mistake"),
                order_id="#O5006",
                reason="ordered by mistake",
            )
        if order:
            c.call("get_order_details", order_id=order)
        c.agent(question).user(unsure)
        c.close("I can only make that change once you have it. Is there anything else I can help you with?", "No. Bye.")
        yield case(
            f"task-ambiguous-{task_id}",
            "task",
            "ambiguous",
            "The scenario never gives the value the reference uses.",
            c,
        )


FILES = {"agent.json": agent_cases, "simulator.json": simulator_cases, "task.json": task_cases}


def outputs() -> dict[Path, str]:
    return {
        CORPUS_DIR / name: json.dumps({"cases": list(make())}, indent=1, ensure_ascii=False) + "\n"
        for name, make in FILES.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m authoring.triage_corpus", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file differs")
    args = parser.parse_args(argv)
    stale = [path for path, text in outputs().items() if not path.is_file() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"DIFFERS     {path}")
        return 1 if stale else 0
    for path, text in outputs().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote       {path}")
    print(f"{len(load_corpus())} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
