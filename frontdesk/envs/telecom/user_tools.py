"""The customer's tools: what a person can see and do on the phone in their hand.

Only the simulated customer gets these; the agent has to ask for each one by name. Readings are
computed from the phone's settings and the backend at the moment they are taken (``device.py``).
Tools that only look are kind "read" and change nothing; anything that changes a setting is "write".
"""

from __future__ import annotations

import re

from frontdesk.envs.cow import scan
from frontdesk.envs.telecom.db import App, NetworkMode, Permission, TelecomDB
from frontdesk.envs.telecom.device import (
    CARRIER,
    CARRIER_APN_NAME,
    CARRIER_MMSC_URL,
    NETWORK_LABEL,
    Phone,
    call_route,
    caller_phone,
    data_problem,
    download_mbps,
    mms_problem,
    network_generation,
    service_problem,
    wifi_connected,
)
from frontdesk.tools import ToolError, tool

# What each app asks for; an app cannot be granted a permission it never requests.
APP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "messages": ("contacts", "sms", "storage"),
    "camera": ("camera", "location", "microphone", "storage"),
    "maps": ("location",),
}
_PIN = re.compile(r"^\d{4,8}$")


def _on_off(value: bool) -> str:
    return "on" if value else "off"


def _data_indicator(problem: str | None) -> str:
    if problem is None:
        return "Mobile data: connected"
    if problem == "Mobile data is off":
        return "Mobile data: off"
    if problem == "Data roaming is off":
        return "Mobile data: off (data roaming is off)"
    return "Mobile data: on, no internet connection"  # the phone cannot tell a bad APN from a used-up allowance


def status_bar(phone: Phone) -> str:
    settings = phone.device.settings
    problem = service_problem(phone)
    if problem is None:
        parts = [f"Signal: {phone.device.location.signal_bars} of 4 bars, {NETWORK_LABEL[network_generation(phone)]}"]
        if phone.abroad:
            parts.append("R (roaming) indicator")
        parts.append(_data_indicator(data_problem(phone)))
    else:
        parts = ["No signal bars", problem]
    if wifi_connected(phone):
        parts.append("Wi-Fi icon: connected")
    if problem is not None and call_route(phone) == "Wi-Fi calling":
        parts.append("Wi-Fi calling icon")
    if settings.vpn:
        parts.append("VPN key icon")
    if settings.data_saver:
        parts.append("Data Saver icon")
    return "Status bar: " + "; ".join(parts) + "."


@tool(kind="read")
def check_status_bar(db: TelecomDB) -> str:
    """Look at the phone's status bar: signal, network type, mobile data, Wi-Fi and other icons.

    Args:
    """
    return status_bar(caller_phone(db))


@tool(kind="read")
def check_network_settings(db: TelecomDB) -> str:
    """Open the phone's network settings: mobile data, data roaming, Data Saver, network type, Wi-Fi, Wi-Fi calling, VPN.

    Args:
    """
    phone = caller_phone(db)
    s = phone.device.settings
    wifi = "off" if not s.wifi else "on, connected" if wifi_connected(phone) else "on, no network nearby"
    return (
        f"Airplane mode: {_on_off(s.airplane_mode)}; Mobile data: {_on_off(s.mobile_data)}; "
        f"Data roaming: {_on_off(s.data_roaming)}; Data Saver: {_on_off(s.data_saver)}; "
        f"Preferred network type: {NETWORK_LABEL[s.network_mode]}; Wi-Fi: {wifi}; "
        f"Wi-Fi calling: {_on_off(s.wifi_calling)}; VPN: {'connected' if s.vpn else 'not connected'}."
    )


@tool(kind="read")
def check_apn_settings(db: TelecomDB) -> str:
    """Open the phone's access point (APN) settings.

    Args:
    """
    s = caller_phone(db).device.settings
    pending = " Changes apply after the phone restarts." if s.restart_pending else ""
    return f"APN name: {s.apn.name or '(empty)'}; MMSC: {s.apn.mmsc_url or '(empty)'}.{pending}"


@tool(kind="read")
def check_app_permissions(db: TelecomDB, app: App) -> str:
    """See which permissions an app has been granted.

    Args:
        app: The app: "messages", "camera" or "maps".
    """
    granted = caller_phone(db).device.settings.app_permissions.get(app, [])
    allowed = [p for p in APP_PERMISSIONS[app] if p in granted]
    denied = [p for p in APP_PERMISSIONS[app] if p not in granted]
    return f"{app}: allowed: {', '.join(allowed) or 'nothing'}; not allowed: {', '.join(denied) or 'nothing'}."


@tool(kind="read")
def run_speed_test(db: TelecomDB) -> str:
    """Run the speed test app, which measures the mobile data connection (not Wi-Fi).

    Args:
    """
    phone = caller_phone(db)
    problem = data_problem(phone)
    if problem == "Data allowance used up":
        return (
            f"Speed test failed: no internet. A text from {CARRIER} says the data allowance for this cycle is used up."
        )
    if problem is not None:
        return f"Speed test failed: {problem}."
    return f"Download speed: {download_mbps(phone):.1f} Mbps over {NETWORK_LABEL[network_generation(phone)]}."


@tool(kind="read")
def send_test_mms(db: TelecomDB) -> str:
    """Send a picture message to yourself with the Messages app and see whether it goes out.

    Args:
    """
    problem = mms_problem(caller_phone(db))
    return "Picture message sent and received." if problem is None else f"{problem}."


@tool(kind="read")
def make_test_call(db: TelecomDB) -> str:
    """Place a short test call and see whether it connects.

    Args:
    """
    phone = caller_phone(db)
    route = call_route(phone)
    if route is None:
        return f"Call failed: {service_problem(phone)}."
    return f"Call connected over {route}."


@tool(kind="read")
def check_payment_requests(db: TelecomDB) -> str:
    """Open the carrier app and see the payment requests waiting there.

    Args:
    """
    customer_id = caller_phone(db).line.customer_id
    bills = sorted(scan(db.bills), key=lambda b: b.id)
    waiting = [b for b in bills if b.customer_id == customer_id and b.payment_requested]
    if not waiting:
        return f"The {CARRIER} app shows no payment requests."
    return "Payment requests: " + "; ".join(f"bill {b.id} ({b.period}): ${b.amount:.2f}" for b in waiting) + "."


@tool(kind="write")
def toggle_airplane_mode(db: TelecomDB, on: bool) -> str:
    """Turn airplane mode on or off.

    Args:
        on: True to turn airplane mode on, False to turn it off.
    """
    phone = caller_phone(db)
    phone.device.settings.airplane_mode = on
    return f"Airplane mode is {_on_off(on)}. {status_bar(phone)}"


@tool(kind="write")
def reseat_sim(db: TelecomDB) -> str:
    """Take the SIM card out of its tray, put it back firmly and close the tray.

    Args:
    """
    phone = caller_phone(db)
    phone.device.settings.sim_seated = True
    return f"The SIM card is reseated. {status_bar(phone)}"


@tool(kind="write")
def unlock_sim_pin(db: TelecomDB, pin: str) -> str:
    """Enter the SIM PIN when the phone asks for it.

    Args:
        pin: The SIM card's PIN, 4 to 8 digits.
    """
    phone = caller_phone(db)
    s = phone.device.settings
    if not s.sim_seated:
        raise ToolError("the phone shows no SIM card, so there is nothing to unlock")
    if s.sim_lock == "none":
        raise ToolError("the SIM card is not locked; the phone is not asking for a PIN")
    if s.sim_lock == "puk":
        raise ToolError("the SIM card is locked with a PUK; the phone asks for the PUK code, not the PIN")
    if pin != s.sim_pin:
        raise ToolError("incorrect PIN; the SIM card stays locked (too many wrong PINs lock it with a PUK)")
    s.sim_lock = "none"
    return f"SIM unlocked. {status_bar(phone)}"


@tool(kind="write")
def unlock_sim_puk(db: TelecomDB, puk: str, new_pin: str) -> str:
    """Enter the PUK code from the carrier and choose a new SIM PIN when the phone asks for the PUK.

    Args:
        puk: The 8-digit PUK code the carrier gives.
        new_pin: The new SIM PIN to set, 4 to 8 digits.
    """
    phone = caller_phone(db)
    s = phone.device.settings
    if s.sim_lock != "puk":
        raise ToolError("the phone is not asking for a PUK code")
    if puk != phone.line.sim_puk:
        raise ToolError("incorrect PUK code; the SIM card stays locked")
    if not _PIN.match(new_pin):
        raise ToolError("the new PIN must be 4 to 8 digits")
    s.sim_lock = "none"
    s.sim_pin = new_pin
    return f"SIM unlocked with the new PIN. {status_bar(phone)}"


@tool(kind="write")
def toggle_mobile_data(db: TelecomDB, on: bool) -> str:
    """Turn mobile data on or off.

    Args:
        on: True to turn mobile data on, False to turn it off.
    """
    phone = caller_phone(db)
    phone.device.settings.mobile_data = on
    return f"Mobile data is {_on_off(on)}. {status_bar(phone)}"


@tool(kind="write")
def toggle_data_roaming(db: TelecomDB, on: bool) -> str:
    """Turn data roaming on or off (mobile data on networks abroad).

    Args:
        on: True to turn data roaming on, False to turn it off.
    """
    phone = caller_phone(db)
    phone.device.settings.data_roaming = on
    return f"Data roaming is {_on_off(on)}. {status_bar(phone)}"


@tool(kind="write")
def toggle_data_saver(db: TelecomDB, on: bool) -> str:
    """Turn Data Saver on or off.

    Args:
        on: True to turn Data Saver on, False to turn it off.
    """
    phone = caller_phone(db)
    phone.device.settings.data_saver = on
    return f"Data Saver is {_on_off(on)}. {status_bar(phone)}"


@tool(kind="write")
def set_network_mode(db: TelecomDB, mode: NetworkMode) -> str:
    """Choose the preferred network type: the fastest generation the phone may use.

    Args:
        mode: "5g", "4g", "3g" or "2g".
    """
    phone = caller_phone(db)
    if mode == "5g" and not phone.device.supports_5g:
        raise ToolError(f"this {phone.device.model} has no 5G option; the fastest choice is 4g")
    phone.device.settings.network_mode = mode
    return f"Preferred network type is {NETWORK_LABEL[mode]}. {status_bar(phone)}"


@tool(kind="write")
def reset_apn_settings(db: TelecomDB) -> str:
    """Reset the access point (APN) settings to the carrier's defaults; they apply after a restart.

    Args:
    """
    s = caller_phone(db).device.settings
    s.apn.name = CARRIER_APN_NAME
    s.apn.mmsc_url = CARRIER_MMSC_URL
    s.restart_pending = True
    return "APN settings reset to defaults. Restart the phone for them to apply."


@tool(kind="write")
def reboot_phone(db: TelecomDB) -> str:
    """Restart the phone; pending network settings apply.

    Args:
    """
    phone = caller_phone(db)
    phone.device.settings.restart_pending = False
    return f"The phone restarted. {status_bar(phone)}"


@tool(kind="write")
def toggle_wifi(db: TelecomDB, on: bool) -> str:
    """Turn Wi-Fi on or off.

    Args:
        on: True to turn Wi-Fi on, False to turn it off.
    """
    phone = caller_phone(db)
    phone.device.settings.wifi = on
    return f"Wi-Fi is {_on_off(on)}. {status_bar(phone)}"


@tool(kind="write")
def toggle_wifi_calling(db: TelecomDB, on: bool) -> str:
    """Turn Wi-Fi calling on or off in the phone's settings.

    Args:
        on: True to turn Wi-Fi calling on, False to turn it off.
    """
    phone = caller_phone(db)
    if not phone.device.supports_wifi_calling:
        raise ToolError(f"this {phone.device.model} has no Wi-Fi calling setting")
    phone.device.settings.wifi_calling = on
    return f"Wi-Fi calling is {_on_off(on)}. {status_bar(phone)}"


@tool(kind="write")
def toggle_vpn(db: TelecomDB, on: bool) -> str:
    """Connect or disconnect the VPN app.

    Args:
        on: True to connect the VPN, False to disconnect it.
    """
    phone = caller_phone(db)
    phone.device.settings.vpn = on
    return f"VPN {'connected' if on else 'disconnected'}. {status_bar(phone)}"


@tool(kind="write")
def grant_app_permission(db: TelecomDB, app: App, permission: Permission) -> str:
    """Allow an app to use a permission it asks for.

    Args:
        app: The app: "messages", "camera" or "maps".
        permission: The permission: "sms", "storage", "contacts", "camera", "microphone" or "location".
    """
    if permission not in APP_PERMISSIONS[app]:
        asks_for = ", ".join(APP_PERMISSIONS[app])
        raise ToolError(f"{app} does not ask for the {permission} permission; it asks for: {asks_for}")
    permissions = caller_phone(db).device.settings.app_permissions
    granted = set(permissions.get(app, [])) | {permission}
    permissions[app] = sorted(granted)  # sorted: the same permissions always look the same in the state
    return f"{app} may now use: {', '.join(permissions[app])}."


@tool(kind="write")
def pay_bill(db: TelecomDB, bill_id: str) -> str:
    """Pay a bill in the carrier app; only a bill with a payment request waiting there can be paid.

    Args:
        bill_id: The bill's id as the app shows it, e.g. "B1000-05".
    """
    customer_id = caller_phone(db).line.customer_id
    bill = db.bills.get(bill_id)
    if bill is None or bill.customer_id != customer_id:
        raise ToolError(f"the {CARRIER} app shows no bill {bill_id!r} for you")
    if bill.status == "paid":
        raise ToolError(f"bill {bill_id} is already paid")
    if not bill.payment_requested:
        raise ToolError(f"there is no payment request for bill {bill_id} in the app; the carrier must send one first")
    bill.status = "paid"
    bill.payment_requested = False
    return f"Payment of ${bill.amount:.2f} for bill {bill_id} went through."


USER_TOOLS = [
    check_status_bar,
    check_network_settings,
    check_apn_settings,
    check_app_permissions,
    run_speed_test,
    send_test_mms,
    make_test_call,
    check_payment_requests,
    toggle_airplane_mode,
    reseat_sim,
    unlock_sim_pin,
    unlock_sim_puk,
    toggle_mobile_data,
    toggle_data_roaming,
    toggle_data_saver,
    set_network_mode,
    reset_apn_settings,
    reboot_phone,
    toggle_wifi,
    toggle_wifi_calling,
    toggle_vpn,
    grant_app_permission,
    pay_bill,
]
