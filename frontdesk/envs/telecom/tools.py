"""The agent's tools: the carrier's backend. The agent never sees the phone; it asks the customer.

Each write checks its rules before it changes anything (the toolkit also rolls back on ToolError).
"""

from __future__ import annotations

import re

from frontdesk.envs.cow import scan
from frontdesk.envs.telecom.db import Bill, Customer, Line, Plan, TelecomDB
from frontdesk.envs.telecom.device import allowance_used_up
from frontdesk.tools import ToolError, tool
from frontdesk.tools.generic import transfer_to_human_agents

MAX_REFILL_GB_PER_CYCLE = 5


def digits(phone_number: str) -> str:
    return re.sub(r"\D", "", phone_number)


def _customer(db: TelecomDB, customer_id: str) -> Customer:
    customer = db.customers.get(customer_id)
    if customer is None:
        raise ToolError(f"customer {customer_id!r} not found; customer ids look like 'C1000'")
    return customer


def _line(db: TelecomDB, line_id: str) -> Line:
    line = db.lines.get(line_id)
    if line is None:
        raise ToolError(f"line {line_id!r} not found; line ids look like 'L1000'")
    return line


def _plan(db: TelecomDB, plan_id: str) -> Plan:
    plan = db.plans.get(plan_id)
    if plan is None:
        raise ToolError(f"plan {plan_id!r} not found; plans are: {', '.join(sorted(db.plans))}")
    return plan


def _active(line: Line, doing: str) -> None:
    if line.status != "active":
        raise ToolError(f"line {line.id} is suspended ({line.suspension_reason}); {doing} needs an active line")


def _overdue_bills(db: TelecomDB, customer_id: str) -> list[Bill]:
    return [b for b in scan(db.bills) if b.customer_id == customer_id and b.status == "overdue"]


@tool(kind="read")
def find_customer_by_phone(db: TelecomDB, phone_number: str) -> dict:
    """Find the customer and line that own a phone number.

    Args:
        phone_number: The phone number, in any format, e.g. "415-555-0142".
    """
    wanted = digits(phone_number)
    for line in scan(db.lines):
        if wanted and digits(line.phone_number) == wanted:
            return {"customer_id": line.customer_id, "line_id": line.id}
    raise ToolError(f"no line has the phone number {phone_number!r}")


@tool(kind="read")
def get_customer_details(db: TelecomDB, customer_id: str) -> dict:
    """Get a customer's profile, their line ids and their bills.

    Args:
        customer_id: The customer's id, e.g. "C1000".
    """
    customer = _customer(db, customer_id)
    lines = sorted(line.id for line in scan(db.lines) if line.customer_id == customer_id)
    bills = [b.model_dump() for b in sorted(scan(db.bills), key=lambda b: b.id) if b.customer_id == customer_id]
    return {**customer.model_dump(), "line_ids": lines, "bills": bills}


@tool(kind="read")
def get_line_details(db: TelecomDB, line_id: str) -> dict:
    """Get a line's status, plan, device, roaming and Wi-Fi calling settings and data use.

    Args:
        line_id: The line's id, e.g. "L1000".
    """
    line = _line(db, line_id)
    return line.model_dump(exclude={"sim_puk"})  # the PUK is only given out through get_sim_puk


@tool(kind="read")
def get_data_usage(db: TelecomDB, line_id: str) -> dict:
    """Get a line's data use this billing cycle against its plan's allowance and refills.

    Args:
        line_id: The line's id, e.g. "L1000".
    """
    line = _line(db, line_id)
    plan = db.plans[line.plan_id]
    allowance = None if plan.data_gb is None else plan.data_gb + line.data_refill_gb
    return {
        "line_id": line.id,
        "plan_id": plan.id,
        "data_used_gb": line.data_used_gb,
        "plan_data_gb": plan.data_gb,
        "data_refill_gb": line.data_refill_gb,
        "remaining_gb": None if allowance is None else round(max(allowance - line.data_used_gb, 0.0), 2),
        "allowance_used_up": allowance_used_up(line, plan),
        "speed_cap_mbps": plan.speed_cap_mbps,
    }


@tool(kind="read")
def get_plan_details(db: TelecomDB, plan_id: str) -> Plan:
    """Get a plan's fee, data allowance, speed limit, roaming and refill price.

    Args:
        plan_id: The plan's id, e.g. "standard".
    """
    return _plan(db, plan_id)


@tool(kind="read")
def list_plans(db: TelecomDB) -> list[Plan]:
    """List every plan a line can be moved to.

    Args:
    """
    return [db.plans[k] for k in sorted(db.plans)]


@tool(kind="read")
def get_bill_details(db: TelecomDB, bill_id: str) -> Bill:
    """Get a bill's period, amount, due date, status and whether a payment request is pending.

    Args:
        bill_id: The bill's id, e.g. "B1000-05".
    """
    bill = db.bills.get(bill_id)
    if bill is None:
        raise ToolError(f"bill {bill_id!r} not found; bill ids look like 'B1000-05'")
    return bill


@tool(kind="read")
def get_device_details(db: TelecomDB, device_id: str) -> dict:
    """Get the registered model of a line's phone and what its hardware supports (not its settings).

    Args:
        device_id: The device's id, e.g. "D1000".
    """
    device = db.devices.get(device_id)
    if device is None:
        raise ToolError(f"device {device_id!r} not found; device ids look like 'D1000'")
    # The carrier knows the hardware, not how the customer has set the phone up.
    return device.model_dump(include={"id", "line_id", "model", "imei", "supports_5g", "supports_wifi_calling"})


@tool(kind="read")
def get_sim_puk(db: TelecomDB, line_id: str) -> str:
    """Get the PUK code that unlocks a line's SIM card after too many wrong PIN entries.

    Args:
        line_id: The line's id, e.g. "L1000".
    """
    return _line(db, line_id).sim_puk


@tool(kind="write")
def send_payment_request(db: TelecomDB, customer_id: str, bill_id: str) -> Bill:
    """Send a payment request for an unpaid bill to the customer's carrier app, where they can pay it.

    Args:
        customer_id: The customer's id, e.g. "C1000".
        bill_id: The bill's id, e.g. "B1000-05".
    """
    _customer(db, customer_id)
    bill = db.bills.get(bill_id)
    if bill is None or bill.customer_id != customer_id:
        raise ToolError(f"customer {customer_id} has no bill {bill_id!r}")
    if bill.status == "paid":
        raise ToolError(f"bill {bill_id} is already paid")
    if bill.payment_requested:
        raise ToolError(f"a payment request for bill {bill_id} is already waiting in the customer's app")
    bill.payment_requested = True
    return bill


@tool(kind="write")
def resume_line(db: TelecomDB, line_id: str) -> Line:
    """Resume a line suspended for an unpaid bill, once the customer has no overdue bills.

    Args:
        line_id: The line's id, e.g. "L1000".
    """
    line = _line(db, line_id)
    if line.status != "suspended":
        raise ToolError(f"line {line_id} is not suspended")
    if line.suspension_reason != "unpaid_bill":
        raise ToolError(f"line {line_id} is suspended as {line.suspension_reason}; only a human agent can resume it")
    overdue = _overdue_bills(db, line.customer_id)
    if overdue:
        ids = ", ".join(b.id for b in overdue)
        raise ToolError(f"customer {line.customer_id} still has overdue bill(s) {ids}; they must be paid first")
    line.status = "active"
    line.suspension_reason = None
    return line


@tool(kind="write")
def change_plan(db: TelecomDB, line_id: str, plan_id: str) -> Line:
    """Move an active line to another plan, starting now.

    Args:
        line_id: The line's id, e.g. "L1000".
        plan_id: The new plan's id, e.g. "plus".
    """
    line = _line(db, line_id)
    plan = _plan(db, plan_id)
    _active(line, "a plan change")
    if line.plan_id == plan.id:
        raise ToolError(f"line {line_id} is already on plan {plan_id}")
    line.plan_id = plan.id
    return line


@tool(kind="write")
def enable_roaming(db: TelecomDB, line_id: str) -> Line:
    """Turn on international roaming for a line, so it gets service on networks abroad.

    Args:
        line_id: The line's id, e.g. "L1000".
    """
    line = _line(db, line_id)
    plan = db.plans[line.plan_id]
    _active(line, "roaming")
    if line.roaming_enabled:
        raise ToolError(f"roaming is already enabled on line {line_id}")
    if not plan.roaming_allowed:
        raise ToolError(f"plan {plan.id} does not include roaming; the line must move to a plan that does")
    if _overdue_bills(db, line.customer_id):
        raise ToolError(f"customer {line.customer_id} has an overdue bill; roaming needs an account in good standing")
    line.roaming_enabled = True
    return line


@tool(kind="write")
def add_data(db: TelecomDB, line_id: str, gb: int) -> dict:
    """Add extra high-speed data to a line for the rest of this billing cycle; it is charged on the next bill.

    Args:
        line_id: The line's id, e.g. "L1000".
        gb: Whole gigabytes to add, 1 to 5 (at most 5 GB per cycle in total).
    """
    line = _line(db, line_id)
    plan = db.plans[line.plan_id]
    _active(line, "a data refill")
    if plan.refill_price_per_gb is None:
        raise ToolError(f"plan {plan.id} has no data refills")
    if gb < 1 or line.data_refill_gb + gb > MAX_REFILL_GB_PER_CYCLE:
        raise ToolError(
            f"refills are 1 to {MAX_REFILL_GB_PER_CYCLE} GB per cycle in total; "
            f"line {line_id} already has {line.data_refill_gb:g} GB this cycle"
        )
    line.data_refill_gb += gb
    return {
        "line_id": line.id,
        "data_refill_gb": line.data_refill_gb,
        "charge": round(gb * plan.refill_price_per_gb, 2),
    }


@tool(kind="write")
def enable_wifi_calling(db: TelecomDB, line_id: str) -> Line:
    """Turn on Wi-Fi calling for a line, so its phone can call over Wi-Fi where there is no signal.

    Args:
        line_id: The line's id, e.g. "L1000".
    """
    line = _line(db, line_id)
    _active(line, "Wi-Fi calling")
    if line.wifi_calling_enabled:
        raise ToolError(f"Wi-Fi calling is already enabled on line {line_id}")
    device = db.devices[line.device_id]
    if not device.supports_wifi_calling:
        raise ToolError(f"the {device.model} on line {line_id} does not support Wi-Fi calling")
    line.wifi_calling_enabled = True
    return line


AGENT_TOOLS = [
    find_customer_by_phone,
    get_customer_details,
    get_line_details,
    get_data_usage,
    get_plan_details,
    list_plans,
    get_bill_details,
    get_device_details,
    get_sim_puk,
    send_payment_request,
    resume_line,
    change_plan,
    enable_roaming,
    add_data,
    enable_wifi_calling,
    transfer_to_human_agents,
]
