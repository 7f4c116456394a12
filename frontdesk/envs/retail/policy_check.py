"""Does a task's gold sequence follow the policy's order? Run by `frontdesk validate` on every task.

Checked: the customer is identified (once) before any account is read or changed; every order or
profile read or changed is the identified customer's; every change is preceded by a look at what it
changes; a transfer, which ends the conversation, comes last.
"""

from __future__ import annotations

from frontdesk.envs.retail.db import RetailDB
from frontdesk.envs.retail.lookups import find_order
from frontdesk.envs.retail.read_tools import find_customer_id_by_email, find_customer_id_by_name_zip
from frontdesk.envs.task import Action, Task
from frontdesk.tools import ToolError

IDENTITY_LOOKUPS = {t.name: t for t in (find_customer_id_by_email, find_customer_id_by_name_zip)}
ACCOUNT_READS = {"get_customer_details", "get_order_details"}


def _identify(db: RetailDB, action: Action) -> str | None:
    try:
        return IDENTITY_LOOKUPS[action.name](db, **action.arguments)
    except (ToolError, TypeError):
        return None


def _target(db: RetailDB, action: Action) -> tuple[str, str | None]:
    """(what the action reads or changes, whose it is)."""
    if "order_id" in action.arguments:
        try:
            order = find_order(db, action.arguments["order_id"])
        except ToolError:
            return action.arguments["order_id"], None
        return order.id, order.customer_id
    customer_id = action.arguments.get("customer_id")
    return str(customer_id), customer_id if customer_id in db.customers else None


def gold_policy_problems(task: Task, db: RetailDB, write_tools: set[str], transfer_tool: str | None) -> list[str]:
    problems: list[str] = []
    customer_id: str | None = None
    looked_at: set[str] = set()
    for i, action in enumerate(task.gold_actions):
        where = f"gold action #{i} {action.name}"
        if action.name in IDENTITY_LOOKUPS:
            if customer_id is not None:
                problems.append(f"{where}: a second identity look-up; one conversation serves one customer")
            customer_id = _identify(db, action)
            if customer_id is None:
                problems.append(f"{where} finds no customer")
            continue
        if action.name == transfer_tool and i != len(task.gold_actions) - 1:
            problems.append(f"{where} is not the last action, but a transfer ends the conversation")
        if action.name not in ACCOUNT_READS and action.name not in write_tools:
            continue  # catalogue reads and generic tools need no identity
        if customer_id is None:
            problems.append(f"{where} comes before the customer is identified")
            continue
        target, owner = _target(db, action)
        if owner != customer_id:
            problems.append(f"{where} touches {target}, which is not the identified customer {customer_id}'s")
        if action.name in ACCOUNT_READS:
            looked_at.add(target)
        elif target not in looked_at:
            problems.append(f"{where} changes {target} without looking it up first")
    return problems
