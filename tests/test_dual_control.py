"""Dual control: the customer acts on their own device with user tools the agent never sees."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from frontdesk.agents import to_openai_messages
from frontdesk.envs import Domain, Environment
from frontdesk.eval import RunConfig, TerminationReason, build_goal, check, execute_trial
from frontdesk.simulators import UserContext
from frontdesk.simulators.scripted_user import ScriptedUser, requested_device_action
from frontdesk.tools import ToolCall, ToolError, ToolErrorKind, tool
from frontdesk.trajectory import Message, Role


class PhoneDB(BaseModel):
    line_active: bool
    airplane_mode: bool


@tool(kind="write")
def resume_line(db: PhoneDB) -> str:
    """Resume the customer's suspended line.

    Args:
    """
    if db.line_active:
        raise ToolError("the line is already active")
    db.line_active = True
    return "line resumed"


@tool(kind="write")
def toggle_airplane_mode(db: PhoneDB, on: bool) -> str:
    """Turn airplane mode on or off on the phone.

    Args:
        on: True to turn airplane mode on, False to turn it off.
    """
    db.airplane_mode = on
    return f"airplane mode {'on' if on else 'off'}"


@tool(kind="read")
def check_status_bar(db: PhoneDB) -> str:
    """Look at the phone's status bar.

    Args:
    """
    if db.airplane_mode:
        return "airplane icon, no signal"
    return "4 bars, LTE" if db.line_active else "no service"


def has_service(db: PhoneDB) -> bool:
    return db.line_active and not db.airplane_mode


TASK = {
    "id": "no-service",
    "user_scenario": {
        "reason_for_contact": "My phone says no service.",
        "known_facts": {"phone number": "555-0100"},
        "instructions": ["Do what the agent asks on your phone and report what you see."],
    },
    "gold_actions": [
        {"name": "resume_line", "arguments": {}},
        {"name": "toggle_airplane_mode", "arguments": {"on": False}, "requestor": "user"},
    ],
    "assertions": [{"name": "has_service"}],
}


@pytest.fixture()
def phone_domain(tmp_path: Path) -> Domain:
    data = tmp_path / "phone" / "data"
    data.mkdir(parents=True)
    (data / "db.json").write_text(json.dumps({"line_active": False, "airplane_mode": True}))
    (data / "tasks.json").write_text(json.dumps({"tasks": [TASK]}))
    (data.parent / "policy.md").write_text("Help the customer get service back.")
    return Domain(
        name="phone",
        description="a phone",
        db_model=PhoneDB,
        agent_tools=[resume_line],
        user_tools=[toggle_airplane_mode, check_status_bar],
        data_dir=data,
        assertions={"has_service": has_service},
    )


def run_one(domain: Domain, agent: str):
    task = domain.tasks[0]
    return asyncio.run(
        execute_trial(domain, task, 0, RunConfig(domain=domain.name, agent=agent), build_goal(domain, task))
    )


def test_oracle_guides_the_customer_and_passes(phone_domain: Domain) -> None:
    record = run_one(phone_domain, "scripted/oracle")
    assert record.reward == 1.0
    assertions = record.verdict.component("assertions")
    assert assertions.passed and assertions.detail[0]["actual"] is True
    user_calls = [c for m in record.messages if m.role is Role.USER for c in m.tool_calls]
    assert [(c.name, c.requestor, c.arguments) for c in user_calls] == [("toggle_airplane_mode", "user", {"on": False})]
    user_results = [m for m in record.messages if m.role is Role.TOOL and m.requestor == "user"]
    assert user_results[0].tool_result.content == "airplane mode off"
    # The customer reports what the device showed.
    reply = record.messages[record.messages.index(user_results[0]) + 1]
    assert reply.role is Role.USER and "airplane mode off" in reply.content


def test_agent_never_sees_user_tools_or_their_results(phone_domain: Domain) -> None:
    record = run_one(phone_domain, "scripted/oracle")
    view = to_openai_messages("policy", record.messages)
    assert not any(m["role"] == "tool" and m["name"] == "toggle_airplane_mode" for m in view)
    assert not any(c["function"]["name"] == "toggle_airplane_mode" for m in view for c in m.get("tool_calls") or [])


def test_backend_fix_alone_fails_when_the_device_still_needs_fixing(phone_domain: Domain) -> None:
    task = phone_domain.tasks[0]
    backend_only = task.model_copy(update={"gold_actions": task.gold_actions[:1]})
    env = Environment(phone_domain, backend_only)
    assert env.execute(ToolCall(id="1", name="resume_line", arguments={})).ok
    verdict = check(env, task, [], TerminationReason.USER_STOP, build_goal(phone_domain, task))
    assert verdict.reward == 0.0
    assert not verdict.component("assertions").passed
    assert not verdict.component("db_state").passed


def test_null_agent_fails_the_device_task(phone_domain: Domain) -> None:
    record = run_one(phone_domain, "scripted/null")
    assert record.reward == 0.0
    assert not record.verdict.component("assertions").passed


def test_agent_cannot_call_user_tools(phone_domain: Domain) -> None:
    env = Environment(phone_domain, phone_domain.tasks[0])
    result = env.execute(ToolCall(id="x", name="toggle_airplane_mode", arguments={"on": False}, requestor="agent"))
    assert result.error is ToolErrorKind.UNKNOWN_TOOL
    assert env.db.airplane_mode is True


def test_requested_device_action_parses_name_and_arguments() -> None:
    names = ["toggle_data", "toggle_data_roaming", "reboot"]
    call = requested_device_action('Please run toggle_data_roaming ({"on": true}) now', names)
    assert (call.name, call.arguments, call.requestor) == ("toggle_data_roaming", {"on": True}, "user")
    assert requested_device_action("Could you reboot your phone?", names).arguments == {}
    assert requested_device_action("Could you toggle data roaming, please?", names).name == "toggle_data_roaming"
    assert requested_device_action("How are you today?", names) is None
    # a device tool name inside another word (an agent tool's name) is not a request
    assert requested_device_action('I will run enable_reboot_timer ({"on": true}). Confirm?', names) is None


def test_scripted_user_reports_its_tool_result() -> None:
    from frontdesk.envs import UserScenario
    from frontdesk.tools import ToolResult

    user = ScriptedUser(
        UserContext(scenario=UserScenario(reason_for_contact="hi"), tools=[check_status_bar.openai_schema()])
    )
    trajectory = [
        Message(role=Role.AGENT, content="Hello"),
        Message(role=Role.USER, content="hi"),
        Message(role=Role.AGENT, content="Please check_status_bar and tell me what it shows."),
    ]
    turn = asyncio.run(user.respond(trajectory))
    assert [c.name for c in turn.tool_calls] == ["check_status_bar"] and turn.text is None
    trajectory.append(Message(role=Role.USER, tool_calls=turn.tool_calls))
    trajectory.append(
        Message(
            role=Role.TOOL,
            requestor="user",
            tool_result=ToolResult(call_id="1", name="check_status_bar", content="no service"),
        )
    )
    turn = asyncio.run(user.respond(trajectory))
    assert turn.text == "I did that. My phone shows: no service"


def test_unknown_assertion_name_is_a_task_file_error(phone_domain: Domain, tmp_path: Path) -> None:
    from frontdesk.errors import TaskFileError

    bad = dict(TASK, assertions=[{"name": "has_wifi"}])
    (phone_domain.data_dir / "tasks.json").write_text(json.dumps({"tasks": [bad]}))
    phone_domain.__dict__.pop("tasks", None)
    with pytest.raises(
        TaskFileError, match=r"task 'no-service', field 'assertions.0.name': unknown assertion 'has_wifi'"
    ):
        _ = phone_domain.tasks
