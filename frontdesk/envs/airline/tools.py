"""The airline agent's tools: look-ups, writes, and the generic calculate / think / transfer."""

from __future__ import annotations

from frontdesk.envs.airline.read_tools import (
    get_flight_status,
    get_reservation_details,
    get_user_details,
    list_airports,
    search_direct_flights,
    search_onestop_flights,
)
from frontdesk.envs.airline.write_tools import (
    book_reservation,
    cancel_reservation,
    send_compensation_certificate,
    update_reservation_baggages,
    update_reservation_cabin,
    update_reservation_flights,
    update_reservation_passengers,
)
from frontdesk.tools import AGENT_GENERIC_TOOLS

AGENT_TOOLS = [
    get_user_details,
    get_reservation_details,
    list_airports,
    search_direct_flights,
    search_onestop_flights,
    get_flight_status,
    book_reservation,
    cancel_reservation,
    update_reservation_flights,
    update_reservation_cabin,
    update_reservation_passengers,
    update_reservation_baggages,
    send_compensation_certificate,
    *AGENT_GENERIC_TOOLS,
]
