"""Checks on the final state that a task's ``assertions`` name: f(db, **arguments) -> bool.

They judge the customer's phone as it would behave now, through the same readings the phone shows.
"""

from __future__ import annotations

from collections.abc import Callable

from frontdesk.envs.telecom.db import TelecomDB
from frontdesk.envs.telecom.device import (
    call_route,
    caller_phone,
    data_problem,
    download_mbps,
    mms_problem,
    service_problem,
)


def has_service(db: TelecomDB) -> bool:
    """The phone is registered on a mobile network."""
    return service_problem(caller_phone(db)) is None


def mobile_data_works(db: TelecomDB) -> bool:
    """The phone has a working mobile data connection."""
    return data_problem(caller_phone(db)) is None


def speed_at_least(db: TelecomDB, mbps: float) -> bool:
    """A speed test over mobile data measures at least ``mbps``."""
    speed = download_mbps(caller_phone(db))
    return speed is not None and speed >= mbps


def mms_works(db: TelecomDB) -> bool:
    """A picture message goes out."""
    return mms_problem(caller_phone(db)) is None


def calls_work(db: TelecomDB) -> bool:
    """A call connects, over the mobile network or Wi-Fi calling."""
    return call_route(caller_phone(db)) is not None


ASSERTIONS: dict[str, Callable[..., bool]] = {
    "has_service": has_service,
    "mobile_data_works": mobile_data_works,
    "speed_at_least": speed_at_least,
    "mms_works": mms_works,
    "calls_work": calls_work,
}
