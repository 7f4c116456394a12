"""The airline in figures: the table in its README, between the figures markers.

``python -m authoring airline`` rewrites it; tests/test_authoring.py fails when the README's table is stale.
"""

from __future__ import annotations

from collections import Counter
from statistics import mean

from frontdesk.envs.domain import Domain
from frontdesk.envs.profile import profile_table
from frontdesk.eval.validate import profiles_with_floor
from frontdesk.tools import ToolKind


def rows(domain: Domain) -> list[tuple[str, str]]:
    data = domain.seed_data
    flights = data["flights"].values()
    days = sorted({day for f in flights for day in f["dates"]})
    per_flight = {len(f["dates"]) for f in flights}
    statuses = Counter(state["status"] for f in flights for state in f["dates"].values())
    reservations = Counter(r["status"] for r in data["reservations"].values())
    trips = Counter(r["trip_type"] for r in data["reservations"].values())
    tiers = Counter(u["membership"] for u in data["users"].values())
    kinds = Counter(t.kind.value for t in domain.agent_tools)
    splits = Counter(t.split for t in domain.tasks)
    actions = [len(t.gold_actions) for t in domain.tasks]
    writes = domain.write_tool_names()
    write_tasks = sum(any(a.name in writes for a in t.gold_actions) for t in domain.tasks)
    return [
        ("airports", str(len(data["airports"]))),
        ("flight numbers", str(len(data["flights"]))),
        (
            "days scheduled",
            f"{len(days)} ({days[0]} to {days[-1]}), every flight daily" if per_flight == {len(days)} else "uneven",
        ),
        ("flight-days by status", ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))),
        (
            "members",
            f"{len(data['users'])} ("
            + ", ".join(f"{tier} {tiers[tier]}" for tier in ("regular", "silver", "gold"))
            + ")",
        ),
        (
            "reservations",
            f"{sum(reservations.values())} (active {reservations['active']}, cancelled {reservations['cancelled']}; "
            f"one way {trips['one_way']}, round trip {trips['round_trip']})",
        ),
        (
            "agent tools",
            f"{len(domain.agent_tools)} ("
            + ", ".join(f"{k.value} {kinds[k.value]}" for k in ToolKind if kinds[k.value])
            + ")",
        ),
        ("tasks", f"{len(domain.tasks)} (train {splits['train']}, test {splits['test']}; {write_tasks} with writes)"),
        ("gold actions per task", f"min {min(actions)}, mean {mean(actions):.2f}, max {max(actions)}"),
    ]


def table(domain: Domain) -> str:
    """The domain in figures, then the tasks' difficulty profile (frontdesk.envs.profile)."""
    lines = ["| | airline |", "|---|---|"] + [f"| {name} | {value} |" for name, value in rows(domain)]
    return (
        "\n".join(lines) + "\n\nHow hard and how varied the tasks are:\n\n" + profile_table(profiles_with_floor(domain))
    )
