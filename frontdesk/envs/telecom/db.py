"""The telecom database: the carrier's backend and the customers' phones, in one model.

Both toolkits are bound to the same object: agent tools read and change the backend (customers,
plans, lines, bills); user tools read and change the phone the customer holds
(``caller_device_id``). What a phone *shows* (signal, speed, whether MMS goes out) is never stored:
it is computed from both halves when read (see ``device.py``), so it always reflects both.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NetworkMode = Literal["5g", "4g", "3g", "2g"]
SimLock = Literal["none", "pin", "puk"]
App = Literal["messages", "camera", "maps"]
Permission = Literal["sms", "storage", "contacts", "camera", "microphone", "location"]
LineStatus = Literal["active", "suspended"]
SuspensionReason = Literal["unpaid_bill", "lost_or_stolen"]
BillStatus = Literal["paid", "open", "overdue"]


class Strict(BaseModel):
    # A typo in a task's initial_state must fail loudly, not add a field nobody reads.
    model_config = ConfigDict(extra="forbid")


# --- backend -------------------------------------------------------------------------------------


class Customer(Strict):
    id: str
    name: str
    date_of_birth: str
    email: str


class Plan(Strict):
    id: str
    name: str
    monthly_fee: float
    data_gb: float | None = Field(description="High-speed data per billing cycle; None is unlimited.")
    speed_cap_mbps: float | None = Field(description="Download speed limit of the plan; None is no limit.")
    roaming_allowed: bool
    refill_price_per_gb: float | None = Field(description="Price of one extra GB; None where refills are not sold.")


class Line(Strict):
    id: str
    customer_id: str
    phone_number: str
    plan_id: str
    device_id: str
    status: LineStatus
    suspension_reason: SuspensionReason | None = None
    data_used_gb: float
    data_refill_gb: float = 0.0
    roaming_enabled: bool
    wifi_calling_enabled: bool
    sim_puk: str


class Bill(Strict):
    id: str
    customer_id: str
    period: str
    amount: float
    due_date: str
    status: BillStatus
    payment_requested: bool = False


# --- the phone -------------------------------------------------------------------------------------


class Apn(Strict):
    name: str
    mmsc_url: str


class Location(Strict):
    """Where the phone is; the customer cannot change it during a chat."""

    country: str = Field(description="ISO code; anything but the home country means roaming.")
    signal_bars: int = Field(ge=0, le=4, description="Mobile coverage at this spot; 0 is none.")
    wifi_available: bool


class PhoneSettings(Strict):
    """Everything on the handset that the customer can see or change, and nobody else."""

    airplane_mode: bool
    sim_seated: bool
    sim_lock: SimLock
    sim_pin: str
    mobile_data: bool
    data_roaming: bool
    data_saver: bool
    network_mode: NetworkMode = Field(description="The fastest network generation the phone may use.")
    apn: Apn
    restart_pending: bool = Field(description="Network settings changed; they apply after a restart.")
    wifi: bool
    wifi_calling: bool
    vpn: bool
    app_permissions: dict[App, list[Permission]]


class Device(Strict):
    id: str
    line_id: str
    model: str
    imei: str
    supports_5g: bool
    supports_wifi_calling: bool
    settings: PhoneSettings
    location: Location


class TelecomDB(Strict):
    customers: dict[str, Customer]
    plans: dict[str, Plan]
    lines: dict[str, Line]
    bills: dict[str, Bill]
    devices: dict[str, Device]
    caller_device_id: str | None = Field(
        default=None, description="The phone the customer in the conversation holds; tasks set it."
    )
