"""The retail domain in figures: the table in its README, between the figures markers.

``python -m authoring retail`` rewrites it; tests/test_authoring.py fails when the README's table is stale.
"""

from __future__ import annotations

from collections import Counter

from frontdesk.envs.domain import Domain
from frontdesk.envs.profile import profile_table
from frontdesk.envs.retail.db import ORDER_STATUSES
from frontdesk.eval.validate import profiles_with_floor
from frontdesk.tools import ToolKind

# Task tags shown in the table, in this order (a task may carry several).
SHOWN_TAGS = [
    "read-only",
    "single-write",
    "multi-write",
    "multi-intent",
    "must-refuse",
    "pressure",
    "preference",
    "transfer",
    "change-of-mind",
    "returning-customer",
    "computed-output",
    "identity-email",
    "identity-name-zip",
]


def _counts(counter: Counter, keys: list[str]) -> str:
    return ", ".join(f"{counter[k]:,} {k}" for k in keys if counter[k])


def table(domain: Domain) -> str:
    db = domain.build_db()
    tasks = domain.tasks
    statuses = Counter(o.status for o in db.orders.values())
    variants = [v for p in db.products.values() for v in p.variants.values()]
    methods = Counter(m.kind for c in db.customers.values() for m in c.payment_methods.values())
    kinds = Counter(t.kind.value for t in domain.agent_tools)
    splits = Counter(t.split for t in tasks)
    tags = Counter(tag for t in tasks for tag in t.tags)
    actions = [len(t.gold_actions) for t in tasks]
    writes = domain.write_tool_names()
    rows = [
        ("customers", f"{len(db.customers):,} ({_counts(methods, ['card', 'gift_card', 'wallet'])} payment methods)"),
        ("orders", f"{len(db.orders):,} ({_counts(statuses, list(ORDER_STATUSES))})"),
        ("product types", f"{len(db.products):,}"),
        ("variants", f"{len(variants):,} ({sum(v.available for v in variants):,} available)"),
        ("agent tools", f"{len(domain.agent_tools)} ({_counts(kinds, [k.value for k in ToolKind])})"),
        ("tasks", f"{len(tasks)} ({_counts(splits, ['train', 'test'])})"),
        ("tasks by kind", _counts(tags, SHOWN_TAGS)),
        ("tasks with required outputs", f"{sum(bool(t.required_outputs) for t in tasks)}"),
        ("tasks with no write", f"{sum(not any(a.name in writes for a in t.gold_actions) for t in tasks)}"),
        ("gold actions per task", f"min {min(actions)}, mean {sum(actions) / len(actions):.2f}, max {max(actions)}"),
    ]
    lines = ["| figure | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    return (
        "\n".join(lines)
        + "\n\nDifficulty profile (`frontdesk tasks --stats`):\n\n"
        + profile_table(profiles_with_floor(domain))
    )
