"""What a phone shows, computed from its settings and the backend at the moment it is read.

Nothing here is stored: a suspended line shows "No service" on the very next look, a data refill
makes the next speed test pass. The tools that report readings and the task assertions both use
these functions, so what the customer sees and what is scored cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.envs.telecom.db import Device, Line, NetworkMode, Plan, TelecomDB
from frontdesk.tools import ToolError

HOME_COUNTRY = "US"
CARRIER = "Parakeet Mobile"
CARRIER_APN_NAME = "internet.parakeet"
CARRIER_MMSC_URL = "http://mms.parakeet.example"
# Permissions the Messages app needs to send a picture message.
MMS_PERMISSIONS = ("sms", "storage")
# Full-signal download speed by network generation, in Mbps; each missing bar costs a quarter.
PEAK_MBPS: dict[NetworkMode, float] = {"5g": 240.0, "4g": 60.0, "3g": 6.0, "2g": 0.2}
GENERATION_ORDER: list[NetworkMode] = ["2g", "3g", "4g", "5g"]
NETWORK_LABEL: dict[NetworkMode, str] = {"5g": "5G", "4g": "LTE", "3g": "3G", "2g": "2G"}
DATA_SAVER_MBPS = 1.0  # Data Saver holds the connection to this
VPN_MBPS = 2.0  # the VPN app routes traffic through a distant, slow server


@dataclass(frozen=True)
class Phone:
    """A device with the backend records its readings depend on."""

    device: Device
    line: Line
    plan: Plan

    @property
    def abroad(self) -> bool:
        return self.device.location.country != HOME_COUNTRY


def phone_of(db: TelecomDB, device: Device) -> Phone:
    line = db.lines[device.line_id]
    return Phone(device=device, line=line, plan=db.plans[line.plan_id])


def caller_phone(db: TelecomDB) -> Phone:
    """The phone the customer in the conversation holds."""
    if db.caller_device_id is None or db.caller_device_id not in db.devices:
        raise ToolError("there is no phone in the customer's hand in this scenario")
    return phone_of(db, db.devices[db.caller_device_id])


def service_problem(phone: Phone) -> str | None:
    """Why the phone has no mobile service, as the phone would put it; None when it has service."""
    settings = phone.device.settings
    if settings.airplane_mode:
        return "Airplane mode is on"
    if not settings.sim_seated:
        return "No SIM card"
    if settings.sim_lock == "pin":
        return "SIM card locked: enter the SIM PIN"
    if settings.sim_lock == "puk":
        return "SIM card locked: enter the PUK code"
    if phone.line.status != "active" or phone.device.location.signal_bars == 0:
        return "No service"
    if phone.abroad and not phone.line.roaming_enabled:
        return "No service"  # the visited network refuses a line without roaming
    return None


def allowance_used_up(line: Line, plan: Plan) -> bool:
    if plan.data_gb is None:
        return False
    return line.data_used_gb >= plan.data_gb + line.data_refill_gb


def data_problem(phone: Phone) -> str | None:
    """Why mobile data does not work; None when it does."""
    problem = service_problem(phone)
    if problem is not None:
        return problem
    settings = phone.device.settings
    if not settings.mobile_data:
        return "Mobile data is off"
    if phone.abroad and not settings.data_roaming:
        return "Data roaming is off"
    if settings.restart_pending or settings.apn.name != CARRIER_APN_NAME:
        return "No internet connection"
    if allowance_used_up(phone.line, phone.plan):
        return "Data allowance used up"
    return None


def network_generation(phone: Phone) -> NetworkMode:
    """The fastest generation both the setting and the hardware allow."""
    hardware: NetworkMode = "5g" if phone.device.supports_5g else "4g"
    setting = phone.device.settings.network_mode
    return min(setting, hardware, key=GENERATION_ORDER.index)


def download_mbps(phone: Phone) -> float | None:
    """What a speed test measures over mobile data; None when there is no data connection."""
    if data_problem(phone) is not None:
        return None
    settings = phone.device.settings
    speed = PEAK_MBPS[network_generation(phone)] * phone.device.location.signal_bars / 4
    if settings.data_saver:
        speed = min(speed, DATA_SAVER_MBPS)
    if settings.vpn:
        speed = min(speed, VPN_MBPS)
    if phone.plan.speed_cap_mbps is not None:
        speed = min(speed, phone.plan.speed_cap_mbps)
    return round(speed, 1)


def mms_problem(phone: Phone) -> str | None:
    """Why a picture message does not go out; None when it does."""
    if data_problem(phone) is not None:
        return "Message not sent: no mobile data connection"
    missing = [p for p in MMS_PERMISSIONS if p not in phone.device.settings.app_permissions.get("messages", [])]
    if missing:
        return f"Messages needs permission to use: {', '.join(missing)}"
    if phone.device.settings.apn.mmsc_url != CARRIER_MMSC_URL:
        return "Message not sent. Tap to retry"
    return None


def wifi_connected(phone: Phone) -> bool:
    return phone.device.settings.wifi and phone.device.location.wifi_available


def call_route(phone: Phone) -> str | None:
    """How a call goes out: over the mobile network, over Wi-Fi calling, or not at all (None)."""
    if service_problem(phone) is None:
        return "the mobile network"
    wifi_calling_ready = (
        phone.device.supports_wifi_calling
        and phone.device.settings.wifi_calling
        and phone.line.wifi_calling_enabled
        and phone.line.status == "active"
        and wifi_connected(phone)
    )
    return "Wi-Fi calling" if wifi_calling_ready else None
