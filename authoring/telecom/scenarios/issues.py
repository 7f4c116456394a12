"""The issues: each one way a customer's phone or line can be broken, and how the manual fixes it.

``tasks.py`` composes tasks from these, alone and in combinations. An issue is applied to a
*target* (one line of the seed data, with its customer, plan and phone) in a *scene* (where the
phone is). It yields a merge patch that breaks things, the gold actions that repair them in the
order the troubleshooting manual gives, and the assertions that hold once they are repaired.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from authoring.kit import dollars
from authoring.telecom.drafting import Fix, Issue, Target, agent, check, line_patch, settings_patch, user
from frontdesk.envs.telecom.db import Bill

SPEED_GOAL_MBPS = 10.0  # the manual's "healthy mobile data" threshold
# A plan with more data, and one without a speed cap or with roaming, for customers who move up.
BIGGER_PLAN = {"basic": "standard", "standard": "plus", "plus": "unlimited"}
UPGRADE_CHOICES = ["standard", "plus"]

HAS_SERVICE = check("has_service")
DATA_WORKS = check("mobile_data_works")
FAST_DATA = check("speed_at_least", mbps=SPEED_GOAL_MBPS)
MMS_WORKS = check("mms_works")
CALLS_WORK = check("calls_work")


def uncapped(t: Target) -> bool:
    return t.plan.speed_cap_mbps is None


def anyone(t: Target) -> bool:
    return True


def roaming_plan(t: Target) -> bool:
    return t.plan.roaming_allowed


def no_roaming_plan(t: Target) -> bool:
    return not t.plan.roaming_allowed


def sells_refills(t: Target) -> bool:
    return t.plan.refill_price_per_gb is not None


def has_bigger_plan(t: Target) -> bool:
    return t.plan.id in BIGGER_PLAN


def capped(t: Target) -> bool:
    return not uncapped(t)


HOME_OR_ABROAD = frozenset({"home", "abroad"})
ABROAD = frozenset({"abroad"})
INDOORS = frozenset({"indoors"})

# --- no service ------------------------------------------------------------------------------------


def airplane_mode_on(t: Target, rng: random.Random) -> Fix:
    return Fix(settings_patch(t, airplane_mode=True), [user("toggle_airplane_mode", on=False)], [HAS_SERVICE])


def sim_not_seated(t: Target, rng: random.Random) -> Fix:
    return Fix(
        settings_patch(t, sim_seated=False),
        [user("reseat_sim")],
        [HAS_SERVICE],
        instructions=["Your phone was dropped yesterday."],
    )


def sim_pin_locked(t: Target, rng: random.Random) -> Fix:
    pin = t.device.settings.sim_pin
    return Fix(
        settings_patch(t, sim_lock="pin"),
        [user("unlock_sim_pin", pin=pin)],
        [HAS_SERVICE],
        known_facts={"sim_pin": pin},
        instructions=["After a restart your phone asks for a SIM PIN; you remember it."],
    )


def sim_puk_locked(t: Target, rng: random.Random) -> Fix:
    new_pin = f"{rng.randint(0, 9999):04d}"
    return Fix(
        settings_patch(t, sim_lock="puk"),
        [agent("get_sim_puk", line_id=t.line.id), user("unlock_sim_puk", puk=t.line.sim_puk, new_pin=new_pin)],
        [HAS_SERVICE],
        known_facts={"new_sim_pin": new_pin},
        instructions=[
            "You typed the wrong SIM PIN three times and now the phone asks for a PUK code, which you do not have.",
            f"If you must choose a new SIM PIN, choose {new_pin}.",
        ],
    )


def overdue_bill(t: Target) -> Bill:
    return next(b for b in t.bills if b.period == "2025-05")


def suspended_unpaid(t: Target, rng: random.Random) -> Fix:
    bill = overdue_bill(t)
    return Fix(
        {
            **line_patch(t, status="suspended", suspension_reason="unpaid_bill"),
            "bills": {bill.id: {"status": "overdue"}},
        },
        [
            agent("get_customer_details", customer_id=t.customer.id),
            agent("send_payment_request", customer_id=t.customer.id, bill_id=bill.id),
            user("pay_bill", bill_id=bill.id),
            agent("resume_line", line_id=t.line.id),
        ],
        [HAS_SERVICE],
        instructions=[
            "You forgot to pay last month's bill. You are willing to pay it in full in the carrier app if asked.",
            "You want to know how much you are paying.",
        ],
        required_outputs=[dollars(bill.amount)],
    )


def lost_phone_found(t: Target, rng: random.Random) -> Fix:
    return Fix(
        line_patch(t, status="suspended", suspension_reason="lost_or_stolen"),
        [
            agent(
                "transfer_to_human_agents",
                summary=f"Line {t.line.id} is suspended as lost or stolen; the customer found the phone and wants it back on.",
            )
        ],
        [],
        instructions=[
            "Last week you reported this phone lost and the line was suspended. "
            "You have found the phone and want the line working again.",
            "If the agent says a human agent must handle it, accept the transfer.",
        ],
    )


# --- no mobile data --------------------------------------------------------------------------------


def mobile_data_off(t: Target, rng: random.Random) -> Fix:
    return Fix(settings_patch(t, mobile_data=False), [user("toggle_mobile_data", on=True)], [DATA_WORKS])


def apn_misconfigured(t: Target, rng: random.Random) -> Fix:
    wrong = rng.choice(["wap.parakeet", "internet", "parakeet.old"])
    return Fix(
        settings_patch(t, apn={"name": wrong}),
        [user("reset_apn_settings"), user("reboot_phone")],
        [DATA_WORKS],
        instructions=["A friend changed some settings on your phone last week; you do not know which."],
    )


def data_allowance_refill(t: Target, rng: random.Random) -> Fix:
    gb = rng.randint(1, 3)
    price = t.plan.refill_price_per_gb
    assert price is not None
    return Fix(
        line_patch(t, data_used_gb=t.plan.data_gb),
        [agent("get_data_usage", line_id=t.line.id), agent("add_data", line_id=t.line.id, gb=gb)],
        [DATA_WORKS],
        instructions=[
            f"If your data is used up, you want {gb} GB of extra data for the rest of this cycle, not a new plan.",
            "You want to know what the extra data costs.",
        ],
        required_outputs=[dollars(gb * price)],
        will_not_accept=["a plan change"],
    )


def data_allowance_upgrade(t: Target, rng: random.Random) -> Fix:
    bigger = t.catalog[BIGGER_PLAN[t.plan.id]]
    return Fix(
        line_patch(t, data_used_gb=t.plan.data_gb),
        [
            agent("get_data_usage", line_id=t.line.id),
            agent("list_plans"),
            agent("change_plan", line_id=t.line.id, plan_id=bigger.id),
        ],
        [DATA_WORKS],
        instructions=[
            f"If your data is used up, you want to move to the {bigger.name} plan, starting now; "
            "you do not want a one-off refill.",
            "You want to know the new plan's monthly fee.",
        ],
        required_outputs=[dollars(bigger.monthly_fee)],
        will_not_accept=["a data refill"],
    )


# --- slow data -------------------------------------------------------------------------------------


def network_mode_legacy(t: Target, rng: random.Random) -> Fix:
    best = "5g" if t.device.supports_5g else "4g"
    return Fix(
        settings_patch(t, network_mode=rng.choice(["3g", "2g"])),
        [agent("get_device_details", device_id=t.device.id), user("set_network_mode", mode=best)],
        [FAST_DATA],
        instructions=["You changed a battery-saving setting some time ago; you do not remember which."],
    )


def data_saver_on(t: Target, rng: random.Random) -> Fix:
    return Fix(settings_patch(t, data_saver=True), [user("toggle_data_saver", on=False)], [FAST_DATA])


def vpn_on(t: Target, rng: random.Random) -> Fix:
    return Fix(
        settings_patch(t, vpn=True),
        [user("toggle_vpn", on=False)],
        [FAST_DATA],
        instructions=["You installed a free VPN app a while ago; you do not need it."],
    )


def plan_speed_cap(t: Target, rng: random.Random) -> Fix:
    new = t.catalog[rng.choice(UPGRADE_CHOICES)]
    return Fix(
        {},
        [
            agent("get_data_usage", line_id=t.line.id),
            agent("list_plans"),
            agent("change_plan", line_id=t.line.id, plan_id=new.id),
        ],
        [FAST_DATA],
        instructions=[
            f"If your plan limits your speed, you want to move to the {new.name} plan, starting now.",
            "You want to know the new plan's monthly fee.",
        ],
        required_outputs=[dollars(new.monthly_fee)],
    )


# --- MMS -------------------------------------------------------------------------------------------


def messages_permission(t: Target, rng: random.Random) -> Fix:
    missing = rng.choice([["storage"], ["sms"], ["sms", "storage"]])
    kept = [p for p in t.device.settings.app_permissions["messages"] if p not in missing]
    return Fix(
        settings_patch(t, app_permissions={"messages": kept}),
        [user("grant_app_permission", app="messages", permission=p) for p in missing],
        [MMS_WORKS],
        instructions=["You tapped 'Don't allow' on some pop-ups after a recent update."],
    )


def mmsc_misconfigured(t: Target, rng: random.Random) -> Fix:
    wrong = rng.choice(["", "http://mms.old-carrier.example"])
    return Fix(
        settings_patch(t, apn={"mmsc_url": wrong}),
        [user("reset_apn_settings"), user("reboot_phone")],
        [MMS_WORKS],
        instructions=["Text messages without pictures work fine."],
    )


# --- roaming ---------------------------------------------------------------------------------------


def roaming_not_enabled(t: Target, rng: random.Random) -> Fix:
    return Fix(
        line_patch(t, roaming_enabled=False),
        [agent("enable_roaming", line_id=t.line.id)],
        [HAS_SERVICE, DATA_WORKS],
        instructions=["You did not set anything up with the carrier before the trip."],
    )


def data_roaming_off(t: Target, rng: random.Random) -> Fix:
    return Fix(settings_patch(t, data_roaming=False), [user("toggle_data_roaming", on=True)], [DATA_WORKS])


def roaming_plan_change(t: Target, rng: random.Random) -> Fix:
    new = t.catalog[rng.choice(UPGRADE_CHOICES)]
    return Fix(
        line_patch(t, roaming_enabled=False),
        [
            agent("list_plans"),
            agent("change_plan", line_id=t.line.id, plan_id=new.id),
            agent("enable_roaming", line_id=t.line.id),
        ],
        [HAS_SERVICE, DATA_WORKS],
        instructions=[
            f"If your plan does not allow roaming, you agree to move to the {new.name} plan, starting now.",
            "You want to know the new plan's monthly fee.",
        ],
        required_outputs=[dollars(new.monthly_fee)],
    )


# --- calls indoors ---------------------------------------------------------------------------------


def wifi_calling_not_provisioned(t: Target, rng: random.Random) -> Fix:
    return Fix(
        line_patch(t, wifi_calling_enabled=False),
        [agent("get_device_details", device_id=t.device.id), agent("enable_wifi_calling", line_id=t.line.id)],
        [CALLS_WORK],
    )


def wifi_calling_switch_off(t: Target, rng: random.Random) -> Fix:
    return Fix(settings_patch(t, wifi_calling=False), [user("toggle_wifi_calling", on=True)], [CALLS_WORK])


def wifi_off(t: Target, rng: random.Random) -> Fix:
    return Fix(
        settings_patch(t, wifi=False),
        [user("toggle_wifi", on=True)],
        [CALLS_WORK],
        instructions=["You turned Wi-Fi off on your phone to save battery."],
    )


def _issue(
    build: Callable[[Target, random.Random], Fix],
    symptom: str,
    scenes: frozenset[str],
    touches: set[str],
    eligible: Callable[[Target], bool] = anyone,
    combinable: bool = True,
) -> Issue:
    """An issue named after the function that builds it."""
    return Issue(build.__name__, symptom, scenes, frozenset(touches), eligible, build, combinable)


# The order of this list is the order the troubleshooting manual fixes things in.
ISSUES: list[Issue] = [
    _issue(
        lost_phone_found, "line suspended as lost (transfer)", frozenset({"home"}), {"line_status"}, combinable=False
    ),
    _issue(suspended_unpaid, "no service", HOME_OR_ABROAD, {"line_status", "bills"}),
    _issue(airplane_mode_on, "no service", HOME_OR_ABROAD, {"airplane_mode"}),
    _issue(sim_not_seated, "no service", HOME_OR_ABROAD, {"sim_seated"}),
    _issue(sim_pin_locked, "no service", HOME_OR_ABROAD, {"sim_lock"}),
    _issue(sim_puk_locked, "no service", HOME_OR_ABROAD, {"sim_lock"}),
    _issue(roaming_not_enabled, "roaming abroad", ABROAD, {"roaming"}, roaming_plan),
    _issue(roaming_plan_change, "roaming abroad", ABROAD, {"roaming", "plan", "allowance"}, no_roaming_plan),
    _issue(mobile_data_off, "no mobile data", HOME_OR_ABROAD, {"mobile_data"}),
    _issue(data_roaming_off, "roaming abroad", ABROAD, {"data_roaming"}),
    _issue(apn_misconfigured, "no mobile data", HOME_OR_ABROAD, {"apn"}),
    _issue(data_allowance_refill, "no mobile data", HOME_OR_ABROAD, {"allowance"}, sells_refills),
    _issue(data_allowance_upgrade, "no mobile data", HOME_OR_ABROAD, {"allowance", "plan"}, has_bigger_plan),
    _issue(network_mode_legacy, "slow data", HOME_OR_ABROAD, {"network_mode"}, uncapped),
    _issue(data_saver_on, "slow data", HOME_OR_ABROAD, {"data_saver"}, uncapped),
    _issue(vpn_on, "slow data", HOME_OR_ABROAD, {"vpn"}, uncapped),
    _issue(plan_speed_cap, "slow data", frozenset({"home"}), {"plan", "allowance"}, capped),
    _issue(messages_permission, "MMS failing", HOME_OR_ABROAD, {"messages_permissions"}),
    _issue(mmsc_misconfigured, "MMS failing", HOME_OR_ABROAD, {"apn"}),
    _issue(wifi_calling_not_provisioned, "calls failing indoors", INDOORS, {"wifi_calling_line"}),
    _issue(wifi_calling_switch_off, "calls failing indoors", INDOORS, {"wifi_calling_setting"}),
    _issue(wifi_off, "calls failing indoors", INDOORS, {"wifi"}),
]
