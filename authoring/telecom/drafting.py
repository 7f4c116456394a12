"""What the telecom issues are written with: a target line and the records around it, an issue and its
fix, and the records a fix is made of (gold actions of either side, merge patches, assertions)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from frontdesk.envs.telecom.db import Bill, Customer, Device, Line, Plan, TelecomDB


@dataclass(frozen=True)
class Target:
    """One line of the seed data and the records around it."""

    customer: Customer
    line: Line
    plan: Plan
    device: Device
    bills: list[Bill]
    catalog: dict[str, Plan]  # every plan, for customers who move to another

    @classmethod
    def all(cls, db: TelecomDB) -> list[Target]:
        targets = []
        for line in db.lines.values():
            bills = sorted((b for b in db.bills.values() if b.customer_id == line.customer_id), key=lambda b: b.id)
            customer, plan, device = db.customers[line.customer_id], db.plans[line.plan_id], db.devices[line.device_id]
            targets.append(cls(customer, line, plan, device, bills, db.plans))
        return targets


@dataclass
class Fix:
    """An issue made concrete for one target."""

    patch: dict[str, Any]
    actions: list[dict[str, Any]]
    assertions: list[dict[str, Any]]
    known_facts: dict[str, str] = field(default_factory=dict)
    instructions: list[str] = field(default_factory=list)
    required_outputs: list[str] = field(default_factory=list)
    will_not_accept: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Issue:
    name: str
    symptom: str  # what the customer notices; the README counts tasks by it
    scenes: frozenset[str]
    # What the issue breaks or its fix changes; two issues that share one cannot be combined. A plan
    # change also changes the data allowance, so it would quietly fix a used-up allowance too.
    touches: frozenset[str]
    eligible: Callable[[Target], bool]
    build: Callable[[Target, random.Random], Fix]
    combinable: bool = True


# --- the records a fix is made of ----------------------------------------------------------------------


def agent(name: str, **arguments: Any) -> dict[str, Any]:
    """A gold action the agent takes."""
    return {"name": name, "arguments": arguments}


def user(name: str, **arguments: Any) -> dict[str, Any]:
    """A gold action the customer takes on the phone."""
    return {**agent(name, **arguments), "requestor": "user"}


def check(name: str, **arguments: Any) -> dict[str, Any]:
    """An assertion the final state must pass: written like an agent's action, a name and its arguments."""
    return agent(name, **arguments)


def settings_patch(t: Target, **settings: Any) -> dict[str, Any]:
    return {"devices": {t.device.id: {"settings": settings}}}


def line_patch(t: Target, **fields: Any) -> dict[str, Any]:
    return {"lines": {t.line.id: fields}}
