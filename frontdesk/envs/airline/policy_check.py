"""Checks a task's gold actions against the order the policy demands (``frontdesk validate`` runs it)."""

from __future__ import annotations

from frontdesk.envs.airline.db import AirlineDB
from frontdesk.envs.airline.tools import AGENT_TOOLS
from frontdesk.envs.cow import scan
from frontdesk.envs.task import Task
from frontdesk.tools import write_tool_names

_WRITES = write_tool_names(AGENT_TOOLS)


def gold_policy_problems(task: Task, db: AirlineDB) -> list[str]:
    """Identity first, a reservation read before it is changed, only the member's own reservations, transfer last."""
    owners = {r.reservation_id: r.user_id for r in scan(db.reservations)}
    problems = []
    users: list[str] = []
    reservations_read: set[str] = set()
    for i, action in enumerate(task.gold_actions):
        args = action.arguments
        where = f"gold action #{i} {action.name}"
        if action.name == "get_user_details":
            users.append(args["user_id"])
        elif action.name == "get_reservation_details":
            reservations_read.add(args["reservation_id"])
        elif action.name == "transfer_to_human_agents" and i != len(task.gold_actions) - 1:
            problems.append(f"{where}: a transfer ends the conversation, so it must be the last action")
        if action.name not in _WRITES:
            continue
        if not users:
            problems.append(f"{where} comes before the member's user id was looked up with get_user_details")
        if "user_id" in args and args["user_id"] not in users:
            problems.append(f"{where} acts for user {args['user_id']!r}, who was never looked up")
        reservation_id = args.get("reservation_id")
        if reservation_id is not None:
            if reservation_id not in reservations_read:
                problems.append(f"{where} changes reservation {reservation_id} before reading it")
            owner = owners.get(reservation_id)
            if owner is not None and owner not in users:
                problems.append(
                    f"{where} changes reservation {reservation_id}, which belongs to {owner}, not the member"
                )
    if len(set(users)) > 1:
        problems.append(f"the gold actions look up more than one member: {sorted(set(users))}")
    return problems
