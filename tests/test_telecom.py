"""The telecom domain's tools, readings and assertions, on crafted states of one customer's phone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from frontdesk.envs import get_domain, merge_patch, state_hash
from frontdesk.envs.telecom.db import TelecomDB
from frontdesk.simulators.scripted_user import requested_device_action
from frontdesk.tools import ToolCall, ToolError, ToolErrorKind, ToolKind, Toolkit

# The caller: customer C1000 with line L1000 and phone D1000, set to known values whatever the seed
# says, so the expectations below follow from this patch alone.
BASE: dict[str, Any] = {
    "caller_device_id": "D1000",
    "lines": {
        "L1000": {
            "plan_id": "standard",
            "data_used_gb": 2.0,
            "data_refill_gb": 0.0,
            "roaming_enabled": False,
            "wifi_calling_enabled": False,
            "sim_puk": "12345678",
        }
    },
    "devices": {
        "D1000": {
            "model": "Pixel 8",
            "supports_5g": True,
            "supports_wifi_calling": True,
            "location": {"country": "US", "signal_bars": 4, "wifi_available": True},
            "settings": {"network_mode": "5g", "wifi_calling": False, "wifi": True, "sim_pin": "1234"},
        }
    },
}
SUSPENDED_UNPAID = {
    "lines": {"L1000": {"status": "suspended", "suspension_reason": "unpaid_bill"}},
    "bills": {"B1000-05": {"status": "overdue"}},
}
ABROAD = {"devices": {"D1000": {"location": {"country": "FR", "signal_bars": 4}}}}
INDOORS = {"devices": {"D1000": {"location": {"signal_bars": 0, "wifi_available": True}}}}


@pytest.fixture(scope="module")
def telecom():
    return get_domain("telecom")


@pytest.fixture(scope="module")
def tools(telecom) -> dict[str, dict[str, Any]]:
    return {"agent": {t.name: t for t in telecom.agent_tools}, "user": {t.name: t for t in telecom.user_tools}}


@pytest.fixture(scope="module")
def state(telecom):
    def build(*patches: dict[str, Any]) -> TelecomDB:
        patch = BASE
        for p in patches:
            patch = merge_patch(patch, p)
        return telecom.build_db(patch)

    return build


@pytest.fixture
def db(state) -> TelecomDB:
    return state()


def device(**settings: Any) -> dict[str, Any]:
    return {"devices": {"D1000": {"settings": settings}}}


def line(**fields: Any) -> dict[str, Any]:
    return {"lines": {"L1000": fields}}


@pytest.fixture(scope="module")
def act(tools):
    """Call a tool the way the toolkit would; return its plain result."""

    def call(db: TelecomDB, side: str, name: str, **arguments: Any) -> Any:
        return tools[side][name].fn(db, **arguments)

    return call


@pytest.fixture(scope="module")
def refused(tools):
    """A call a rule refuses: ToolError raised *before* anything changed (no rollback needed)."""

    def call(db: TelecomDB, side: str, name: str, **arguments: Any) -> str:
        before = state_hash(db)
        with pytest.raises(ToolError) as info:
            tools[side][name].fn(db, **arguments)
        assert state_hash(db) == before, f"{name} changed the state before refusing"
        return str(info.value)

    return call


# --- the tool sets -----------------------------------------------------------------------------------


def test_tool_counts_and_sides(telecom) -> None:
    agent_names = {t.name for t in telecom.agent_tools}
    user_names = {t.name for t in telecom.user_tools}
    assert len(agent_names) >= 10 and len(user_names) >= 15
    assert not agent_names & user_names
    assert "transfer_to_human_agents" in agent_names


def test_policy_names_every_customer_action(telecom) -> None:
    # The agent never gets the user tools' schemas; the policy is how it learns what to ask for.
    for t in telecom.user_tools:
        assert f"`{t.name}`" in telecom.policy


def test_scripted_user_recognises_each_action_the_oracle_asks_for(telecom) -> None:
    names = [t.name for t in telecom.user_tools]
    for name in names:
        text = f"Could you please do this on your side: {name} ({json.dumps({'on': True})})?"
        assert requested_device_action(text, names).name == name


def test_agent_tool_names_never_read_as_a_customer_action(telecom) -> None:
    names = [t.name for t in telecom.user_tools]
    for t in telecom.agent_tools:
        assert requested_device_action(f'I\'m about to run {t.name} with line_id "L1000".', names) is None


def test_read_user_tools_change_nothing(state, tools) -> None:
    apn_pending = device(apn={"name": "x"}, restart_pending=True)
    states = [state(), state(SUSPENDED_UNPAID), state(ABROAD, apn_pending), state(INDOORS)]
    for db in states:
        before = state_hash(db)
        for t in tools["user"].values():
            if t.kind is ToolKind.READ:
                arguments = {"app": "messages"} if t.name == "check_app_permissions" else {}
                t.fn(db, **arguments)
        assert state_hash(db) == before


def test_user_tools_need_a_phone_in_hand(telecom) -> None:
    db = telecom.build_db()
    with pytest.raises(ToolError, match="no phone"):
        next(t for t in telecom.user_tools if t.name == "check_status_bar").fn(db)


def test_toolkit_reports_a_refusal_as_a_rule_error(telecom, db) -> None:
    result = Toolkit(telecom.agent_tools, db).call(ToolCall(id="1", name="resume_line", arguments={"line_id": "L1000"}))
    assert result.error is ToolErrorKind.RULE and "not suspended" in result.content


# --- agent tools: reads ------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["646-555-1278", "(646) 555 1278", "6465551278"])
def test_find_customer_by_phone(db, act, number: str) -> None:
    assert act(db, "agent", "find_customer_by_phone", phone_number=number) == {
        "customer_id": "C1000",
        "line_id": "L1000",
    }


@pytest.mark.parametrize("number", ["000-555-0000", "", "call me"])
def test_find_customer_by_unknown_phone(db, refused, number: str) -> None:
    assert "no line has the phone number" in refused(db, "agent", "find_customer_by_phone", phone_number=number)


def test_get_customer_details_lists_lines_and_bills(db, act, refused) -> None:
    details = act(db, "agent", "get_customer_details", customer_id="C1000")
    assert details["line_ids"] == ["L1000"]
    assert [b["id"] for b in details["bills"]] == ["B1000-04", "B1000-05", "B1000-06"]
    assert "not found" in refused(db, "agent", "get_customer_details", customer_id="C9999")


def test_get_line_details_hides_the_puk(db, act, refused) -> None:
    details = act(db, "agent", "get_line_details", line_id="L1000")
    assert details["plan_id"] == "standard" and details["status"] == "active"
    assert "sim_puk" not in details
    assert "not found" in refused(db, "agent", "get_line_details", line_id="L9999")


def test_get_data_usage(state, act) -> None:
    usage = act(state(), "agent", "get_data_usage", line_id="L1000")
    assert (usage["remaining_gb"], usage["allowance_used_up"], usage["speed_cap_mbps"]) == (13.0, False, None)
    used_up = act(state(line(data_used_gb=15.0)), "agent", "get_data_usage", line_id="L1000")
    assert (used_up["remaining_gb"], used_up["allowance_used_up"]) == (0.0, True)
    unlimited = act(state(line(plan_id="unlimited", data_used_gb=90.0)), "agent", "get_data_usage", line_id="L1000")
    assert (unlimited["remaining_gb"], unlimited["allowance_used_up"]) == (None, False)


def test_plan_tools(db, act, refused) -> None:
    assert [p.id for p in act(db, "agent", "list_plans")] == ["basic", "plus", "standard", "unlimited"]
    basic = act(db, "agent", "get_plan_details", plan_id="basic")
    assert (basic.speed_cap_mbps, basic.roaming_allowed) == (5.0, False)
    assert "plans are: basic, plus, standard, unlimited" in refused(db, "agent", "get_plan_details", plan_id="gold")


def test_get_bill_details(db, act, refused) -> None:
    assert act(db, "agent", "get_bill_details", bill_id="B1000-06").status == "open"
    assert "not found" in refused(db, "agent", "get_bill_details", bill_id="B1000-01")


def test_get_device_details_shows_hardware_not_settings(db, act, refused) -> None:
    details = act(db, "agent", "get_device_details", device_id="D1000")
    assert details["model"] == "Pixel 8" and details["supports_5g"] is True
    assert "settings" not in details and "location" not in details
    assert "not found" in refused(db, "agent", "get_device_details", device_id="D9999")


def test_get_sim_puk(db, act) -> None:
    assert act(db, "agent", "get_sim_puk", line_id="L1000") == "12345678"


def test_transfer(db, act) -> None:
    assert "Transfer successful" in act(db, "agent", "transfer_to_human_agents", summary="lost phone found")


# --- agent tools: writes -----------------------------------------------------------------------------


def test_send_payment_request(state, act, refused) -> None:
    db = state(SUSPENDED_UNPAID)
    act(db, "agent", "send_payment_request", customer_id="C1000", bill_id="B1000-05")
    assert db.bills["B1000-05"].payment_requested is True
    assert "already waiting" in refused(db, "agent", "send_payment_request", customer_id="C1000", bill_id="B1000-05")
    assert "already paid" in refused(db, "agent", "send_payment_request", customer_id="C1000", bill_id="B1000-04")
    assert "has no bill" in refused(db, "agent", "send_payment_request", customer_id="C1000", bill_id="B1001-05")
    assert "not found" in refused(db, "agent", "send_payment_request", customer_id="C9999", bill_id="B1000-05")


def test_resume_line_after_payment(state, act, refused) -> None:
    db = state(SUSPENDED_UNPAID)
    assert "overdue bill(s) B1000-05" in refused(db, "agent", "resume_line", line_id="L1000")
    act(db, "agent", "send_payment_request", customer_id="C1000", bill_id="B1000-05")
    act(db, "user", "pay_bill", bill_id="B1000-05")
    act(db, "agent", "resume_line", line_id="L1000")
    assert (db.lines["L1000"].status, db.lines["L1000"].suspension_reason) == ("active", None)
    assert "not suspended" in refused(db, "agent", "resume_line", line_id="L1000")


def test_resume_line_refuses_lost_or_stolen(state, refused) -> None:
    db = state(line(status="suspended", suspension_reason="lost_or_stolen"))
    assert "only a human agent" in refused(db, "agent", "resume_line", line_id="L1000")


def test_change_plan(state, act, refused) -> None:
    db = state()
    act(db, "agent", "change_plan", line_id="L1000", plan_id="plus")
    assert db.lines["L1000"].plan_id == "plus"
    assert "already on plan plus" in refused(db, "agent", "change_plan", line_id="L1000", plan_id="plus")
    assert "not found" in refused(db, "agent", "change_plan", line_id="L1000", plan_id="platinum")
    suspended = state(SUSPENDED_UNPAID)
    assert "needs an active line" in refused(suspended, "agent", "change_plan", line_id="L1000", plan_id="plus")


def test_enable_roaming(state, act, refused) -> None:
    db = state()
    act(db, "agent", "enable_roaming", line_id="L1000")
    assert db.lines["L1000"].roaming_enabled is True
    assert "already enabled" in refused(db, "agent", "enable_roaming", line_id="L1000")
    assert "does not include roaming" in refused(
        state(line(plan_id="basic")), "agent", "enable_roaming", line_id="L1000"
    )
    overdue = state({"bills": {"B1000-05": {"status": "overdue"}}})
    assert "good standing" in refused(overdue, "agent", "enable_roaming", line_id="L1000")
    assert "needs an active line" in refused(state(SUSPENDED_UNPAID), "agent", "enable_roaming", line_id="L1000")


def test_add_data(state, act, refused) -> None:
    db = state()
    assert act(db, "agent", "add_data", line_id="L1000", gb=2)["charge"] == 16.0  # 2 GB x $8
    assert db.lines["L1000"].data_refill_gb == 2.0
    assert "already has 2 GB" in refused(db, "agent", "add_data", line_id="L1000", gb=4)
    assert "1 to 5 GB" in refused(db, "agent", "add_data", line_id="L1000", gb=0)
    assert "no data refills" in refused(state(line(plan_id="unlimited")), "agent", "add_data", line_id="L1000", gb=1)
    assert "needs an active line" in refused(state(SUSPENDED_UNPAID), "agent", "add_data", line_id="L1000", gb=1)


def test_enable_wifi_calling(state, act, refused) -> None:
    db = state()
    act(db, "agent", "enable_wifi_calling", line_id="L1000")
    assert db.lines["L1000"].wifi_calling_enabled is True
    assert "already enabled" in refused(db, "agent", "enable_wifi_calling", line_id="L1000")
    old_phone = state({"devices": {"D1000": {"model": "Nokia G10", "supports_wifi_calling": False}}})
    assert "does not support Wi-Fi calling" in refused(old_phone, "agent", "enable_wifi_calling", line_id="L1000")
    assert "needs an active line" in refused(state(SUSPENDED_UNPAID), "agent", "enable_wifi_calling", line_id="L1000")


# --- user tools --------------------------------------------------------------------------------------


def test_healthy_phone_readings(db, act) -> None:
    assert act(db, "user", "check_status_bar") == (
        "Status bar: Signal: 4 of 4 bars, 5G; Mobile data: connected; Wi-Fi icon: connected."
    )
    assert act(db, "user", "run_speed_test") == "Download speed: 240.0 Mbps over 5G."
    assert act(db, "user", "send_test_mms") == "Picture message sent and received."
    assert act(db, "user", "make_test_call") == "Call connected over the mobile network."
    assert act(db, "user", "check_payment_requests") == "The Parakeet Mobile app shows no payment requests."
    assert act(db, "user", "check_apn_settings") == "APN name: internet.parakeet; MMSC: http://mms.parakeet.example."
    assert act(db, "user", "check_app_permissions", app="messages") == (
        "messages: allowed: contacts, sms, storage; not allowed: nothing."
    )
    settings = act(db, "user", "check_network_settings")
    assert (
        "Mobile data: on" in settings and "Preferred network type: 5G" in settings and "VPN: not connected" in settings
    )


def test_toggle_airplane_mode(db, act) -> None:
    assert "Airplane mode is on" in act(db, "user", "toggle_airplane_mode", on=True)
    assert act(db, "user", "make_test_call") == "Call failed: Airplane mode is on."
    assert "Signal: 4 of 4 bars" in act(db, "user", "toggle_airplane_mode", on=False)
    assert db.devices["D1000"].settings.airplane_mode is False


def test_reseat_sim(state, act) -> None:
    db = state(device(sim_seated=False))
    assert "No SIM card" in act(db, "user", "check_status_bar")
    assert "Signal: 4 of 4 bars" in act(db, "user", "reseat_sim")


def test_unlock_sim_pin(state, act, refused) -> None:
    db = state(device(sim_lock="pin"))
    assert "incorrect PIN" in refused(db, "user", "unlock_sim_pin", pin="0000")
    assert "SIM unlocked" in act(db, "user", "unlock_sim_pin", pin="1234")
    assert "not locked" in refused(db, "user", "unlock_sim_pin", pin="1234")
    assert "PUK" in refused(state(device(sim_lock="puk")), "user", "unlock_sim_pin", pin="1234")
    assert "no SIM card" in refused(
        state(device(sim_lock="pin", sim_seated=False)), "user", "unlock_sim_pin", pin="1234"
    )


def test_unlock_sim_puk(state, act, refused) -> None:
    db = state(device(sim_lock="puk"))
    assert "incorrect PUK" in refused(db, "user", "unlock_sim_puk", puk="87654321", new_pin="4321")
    assert "4 to 8 digits" in refused(db, "user", "unlock_sim_puk", puk="12345678", new_pin="12")
    assert "new PIN" in act(db, "user", "unlock_sim_puk", puk="12345678", new_pin="4321")
    assert (db.devices["D1000"].settings.sim_lock, db.devices["D1000"].settings.sim_pin) == ("none", "4321")
    assert "not asking for a PUK" in refused(db, "user", "unlock_sim_puk", puk="12345678", new_pin="4321")


@pytest.mark.parametrize(
    ("name", "setting", "broken", "symptom"),
    [
        ("toggle_mobile_data", "mobile_data", False, "Speed test failed: Mobile data is off."),
        ("toggle_data_saver", "data_saver", True, "Download speed: 1.0 Mbps over 5G."),
        ("toggle_vpn", "vpn", True, "Download speed: 2.0 Mbps over 5G."),
    ],
)
def test_switches_that_change_mobile_data(state, act, name: str, setting: str, broken: bool, symptom: str) -> None:
    db = state(device(**{setting: broken}))
    assert act(db, "user", "run_speed_test") == symptom
    act(db, "user", name, on=not broken)
    assert getattr(db.devices["D1000"].settings, setting) is (not broken)
    assert act(db, "user", "run_speed_test") == "Download speed: 240.0 Mbps over 5G."


def test_toggle_data_roaming(state, act) -> None:
    db = state(ABROAD, line(roaming_enabled=True))
    assert act(db, "user", "run_speed_test") == "Speed test failed: Data roaming is off."
    assert "R (roaming) indicator" in act(db, "user", "toggle_data_roaming", on=True)
    assert act(db, "user", "run_speed_test") == "Download speed: 240.0 Mbps over 5G."


def test_set_network_mode(state, act, refused) -> None:
    db = state(device(network_mode="2g"))
    assert act(db, "user", "run_speed_test") == "Download speed: 0.2 Mbps over 2G."
    act(db, "user", "set_network_mode", mode="5g")
    assert act(db, "user", "run_speed_test") == "Download speed: 240.0 Mbps over 5G."
    old = state({"devices": {"D1000": {"supports_5g": False, "settings": {"network_mode": "3g"}}}})
    assert "fastest choice is 4g" in refused(old, "user", "set_network_mode", mode="5g")
    act(old, "user", "set_network_mode", mode="4g")
    assert act(old, "user", "run_speed_test") == "Download speed: 60.0 Mbps over LTE."


def test_reset_apn_applies_only_after_a_restart(state, act) -> None:
    db = state(device(apn={"name": "wap.parakeet", "mmsc_url": ""}))
    assert act(db, "user", "run_speed_test") == "Speed test failed: No internet connection."
    assert "Restart the phone" in act(db, "user", "reset_apn_settings")
    assert "after the phone restarts" in act(db, "user", "check_apn_settings")
    assert act(db, "user", "run_speed_test") == "Speed test failed: No internet connection."
    assert "Mobile data: connected" in act(db, "user", "reboot_phone")
    assert act(db, "user", "send_test_mms") == "Picture message sent and received."


def test_wifi_and_wifi_calling(state, act, refused) -> None:
    db = state(INDOORS, line(wifi_calling_enabled=True), device(wifi=False))
    assert act(db, "user", "make_test_call") == "Call failed: No service."
    act(db, "user", "toggle_wifi", on=True)
    act(db, "user", "toggle_wifi_calling", on=True)
    assert act(db, "user", "make_test_call") == "Call connected over Wi-Fi calling."
    assert "Wi-Fi calling icon" in act(db, "user", "check_status_bar")
    no_setting = state({"devices": {"D1000": {"supports_wifi_calling": False}}})
    assert "no Wi-Fi calling setting" in refused(no_setting, "user", "toggle_wifi_calling", on=True)


def test_grant_app_permission(state, act, refused) -> None:
    db = state(device(app_permissions={"messages": ["contacts"]}))
    assert act(db, "user", "send_test_mms") == "Messages needs permission to use: sms, storage."
    act(db, "user", "grant_app_permission", app="messages", permission="storage")
    act(db, "user", "grant_app_permission", app="messages", permission="sms")
    assert db.devices["D1000"].settings.app_permissions["messages"] == ["contacts", "sms", "storage"]
    assert act(db, "user", "send_test_mms") == "Picture message sent and received."
    message = refused(db, "user", "grant_app_permission", app="camera", permission="sms")
    assert "does not ask for the sms permission" in message


def test_pay_bill(state, act, refused) -> None:
    db = state(SUSPENDED_UNPAID)
    assert "carrier must send one first" in refused(db, "user", "pay_bill", bill_id="B1000-05")
    assert "no bill 'B1001-05'" in refused(db, "user", "pay_bill", bill_id="B1001-05")
    assert "already paid" in refused(db, "user", "pay_bill", bill_id="B1000-04")
    act(db, "agent", "send_payment_request", customer_id="C1000", bill_id="B1000-05")
    assert "bill B1000-05" in act(db, "user", "check_payment_requests")
    assert "went through" in act(db, "user", "pay_bill", bill_id="B1000-05")
    assert (db.bills["B1000-05"].status, db.bills["B1000-05"].payment_requested) == ("paid", False)


# --- the phone reacts to the backend ------------------------------------------------------------------


def test_suspension_and_resumption_show_on_the_phone(state, act) -> None:
    db = state()
    db.lines["L1000"].status = "suspended"
    assert "No service" in act(db, "user", "check_status_bar")
    db.lines["L1000"].status = "active"
    assert "Signal: 4 of 4 bars" in act(db, "user", "check_status_bar")


def test_data_refill_shows_on_the_phone(state, act) -> None:
    db = state(line(data_used_gb=15.0))
    assert "data allowance for this cycle is used up" in act(db, "user", "run_speed_test")
    assert "on, no internet connection" in act(db, "user", "check_status_bar")
    act(db, "agent", "add_data", line_id="L1000", gb=1)
    assert act(db, "user", "run_speed_test") == "Download speed: 240.0 Mbps over 5G."


def test_roaming_shows_on_the_phone(state, act) -> None:
    db = state(ABROAD, device(data_roaming=True))
    assert act(db, "user", "make_test_call") == "Call failed: No service."
    act(db, "agent", "enable_roaming", line_id="L1000")
    assert act(db, "user", "make_test_call") == "Call connected over the mobile network."
    assert act(db, "user", "run_speed_test") == "Download speed: 240.0 Mbps over 5G."


def test_plan_speed_cap_shows_on_the_phone(state, act) -> None:
    db = state(line(plan_id="basic"))
    assert act(db, "user", "run_speed_test") == "Download speed: 5.0 Mbps over 5G."
    act(db, "agent", "change_plan", line_id="L1000", plan_id="standard")
    assert act(db, "user", "run_speed_test") == "Download speed: 240.0 Mbps over 5G."


def test_wifi_calling_on_the_line_shows_on_the_phone(state, act) -> None:
    db = state(INDOORS, device(wifi_calling=True))
    assert act(db, "user", "make_test_call") == "Call failed: No service."
    act(db, "agent", "enable_wifi_calling", line_id="L1000")
    assert act(db, "user", "make_test_call") == "Call connected over Wi-Fi calling."


# --- assertions --------------------------------------------------------------------------------------


BROKEN = {
    "has_service": [
        device(airplane_mode=True),
        device(sim_seated=False),
        device(sim_lock="pin"),
        SUSPENDED_UNPAID,
        ABROAD,
        INDOORS,
    ],
    "mobile_data_works": [
        device(mobile_data=False),
        device(restart_pending=True),
        line(data_used_gb=15.0),
        merge_patch(ABROAD, line(roaming_enabled=True)),  # data roaming is off on the phone
    ],
    "mms_works": [
        device(apn={"mmsc_url": ""}),
        device(app_permissions={"messages": ["sms"]}),
        device(mobile_data=False),
    ],
    "calls_work": [device(airplane_mode=True), INDOORS, SUSPENDED_UNPAID],
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_assertions_hold_on_a_healthy_phone_and_fail_on_broken_ones(telecom, state, name: str) -> None:
    check = telecom.assertions[name]
    assert check(state()) is True
    for patch in BROKEN[name]:
        assert check(state(patch)) is False, patch


def test_calls_work_over_wifi_calling_without_signal(telecom, state) -> None:
    ready = state(INDOORS, line(wifi_calling_enabled=True), device(wifi_calling=True))
    assert telecom.assertions["calls_work"](ready) is True
    assert telecom.assertions["has_service"](ready) is False


def test_speed_at_least(telecom, state) -> None:
    speed_at_least = telecom.assertions["speed_at_least"]
    assert speed_at_least(state(), mbps=240.0) is True
    assert speed_at_least(state(), mbps=240.1) is False
    assert speed_at_least(state(device(vpn=True)), mbps=10) is False
    assert speed_at_least(state(device(mobile_data=False)), mbps=0) is False


def test_an_assertion_without_a_phone_in_hand_fails_loudly(telecom) -> None:
    with pytest.raises(ToolError):
        telecom.assertions["has_service"](telecom.build_db())
