"""frontdesk.eval.run_trial with tiny hand-written participants on the mock shop."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from frontdesk.agents import DEFAULT_GREETING, Agent
from frontdesk.envs import Environment, get_domain
from frontdesk.errors import CredentialError
from frontdesk.eval import Limits, TerminationReason, run_trial
from frontdesk.eval.orchestrator import ERROR_CLASS, ErrorClass
from frontdesk.llm import InfraError, ModelOutputError
from frontdesk.redact import register_secret
from frontdesk.simulators import UserSimulator, UserSimulatorError
from frontdesk.tools import ToolCall, ToolErrorKind
from frontdesk.trajectory import AssistantTurn, Role, Trajectory, Usage, UserSignal, UserTurn

Step = Any  # a turn, an exception to raise, or a callable (trajectory snapshot) -> turn


class ScriptAgent(Agent):
    """Plays its steps in order; once out of steps it repeats the last one."""

    def __init__(self, steps: list[Step], greeting: str | None = None) -> None:
        self.steps = list(steps)
        self.seen: list[Trajectory] = []  # a snapshot of what it was shown at each turn
        if greeting is not None:
            self.greeting = greeting

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        self.seen.append([m.model_copy(deep=True) for m in trajectory])
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, BaseException):
            raise step
        if callable(step):
            step = await step(trajectory) if asyncio.iscoroutinefunction(step) else step(trajectory)
        return step


class ScriptUser(UserSimulator):
    def __init__(self, steps: list[Step]) -> None:
        self.steps = list(steps)
        self.seen: list[Trajectory] = []

    async def respond(self, trajectory: Trajectory) -> UserTurn:
        self.seen.append([m.model_copy(deep=True) for m in trajectory])
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, BaseException):
            raise step
        if callable(step):
            step = await step(trajectory) if asyncio.iscoroutinefunction(step) else step(trajectory)
        return step


def env(task_id: str = "cancel-pending-order") -> Environment:
    domain = get_domain("mock")
    return Environment(domain, domain.task(task_id))


def call(name: str, arguments: Any, id: str) -> ToolCall:
    return ToolCall(id=id, name=name, arguments=arguments)


def say(text: str) -> AssistantTurn:
    return AssistantTurn(text=text)


def user(text: str | None = None, signal: UserSignal | None = None) -> UserTurn:
    return UserTurn(text=text, signal=signal)


STOP = user("Thanks, bye.", UserSignal.STOP)


def roles(trajectory: Trajectory) -> list[str]:
    return [m.role.value for m in trajectory]


def order_status(e: Environment, order_id: str = "#O5000") -> str:
    return e.db.orders[order_id].status


# --- termination reasons ---------------------------------------------------------------------


async def test_user_stop_and_greeting_first():
    agent = ScriptAgent([say("Sure, what is your email?")])
    customer = ScriptUser([user("I'd like to cancel #O5000."), STOP])
    out = await run_trial(env(), agent, customer, Limits())
    assert out.termination is TerminationReason.USER_STOP
    assert out.error is None
    traj = out.trajectory
    assert traj[0].role is Role.AGENT and traj[0].content == DEFAULT_GREETING
    assert roles(traj) == ["agent", "user", "agent", "user"]
    assert traj[-1].signal is UserSignal.STOP
    # the customer's first turn already saw the greeting
    assert [m.content for m in customer.seen[0]] == [DEFAULT_GREETING]


async def test_custom_greeting_opens_the_trajectory():
    agent = ScriptAgent([say("ok")], greeting="Welcome to the shop!")
    out = await run_trial(env(), agent, ScriptUser([STOP]), Limits())
    assert out.trajectory[0].role is Role.AGENT
    assert out.trajectory[0].content == "Welcome to the shop!"
    assert out.termination is TerminationReason.USER_STOP
    assert agent.seen == []  # the greeting is not a model turn


async def test_transfer_when_agent_calls_transfer_tool():
    agent = ScriptAgent(
        [
            AssistantTurn(
                text="I'm transferring you to a human.",
                tool_calls=[call("transfer_to_human_agents", {"summary": "refund request"}, "t1")],
            ),
            say("unreachable"),
        ]
    )
    customer = ScriptUser([user("I want a refund."), user("still there?")])
    out = await run_trial(env(), agent, customer, Limits())
    assert out.termination is TerminationReason.TRANSFER
    assert out.trajectory[-1].role is Role.TOOL
    assert out.trajectory[-1].tool_result.ok
    assert len(agent.seen) == 1 and len(customer.seen) == 1  # nobody speaks after the transfer
    assert out.tool_errors == 0


async def test_failed_transfer_call_does_not_end_the_chat():
    agent = ScriptAgent(
        [
            AssistantTurn(tool_calls=[call("transfer_to_human_agents", {}, "t1")]),  # missing summary
            say("Sorry, something went wrong. Anything else?"),
        ]
    )
    out = await run_trial(env(), agent, ScriptUser([user("Refund please."), STOP]), Limits())
    assert out.termination is TerminationReason.USER_STOP
    assert out.tool_errors == 1
    failed = [m for m in out.trajectory if m.role is Role.TOOL]
    assert failed[0].tool_result.error is ToolErrorKind.INVALID_ARGUMENTS


async def test_out_of_scope_user_signal():
    out = await run_trial(
        env(),
        ScriptAgent([say("Would you like to buy a warranty?")]),
        ScriptUser([user("Hello."), user(None, UserSignal.OUT_OF_SCOPE)]),
        Limits(),
    )
    assert out.termination is TerminationReason.OUT_OF_SCOPE
    assert out.trajectory[-1].signal is UserSignal.OUT_OF_SCOPE


async def test_user_transfer_signal_ends_as_transfer():
    out = await run_trial(
        env(),
        ScriptAgent([say("Let me get someone.")]),
        ScriptUser([user("Hi"), user(None, UserSignal.TRANSFER)]),
        Limits(),
    )
    assert out.termination is TerminationReason.TRANSFER


@pytest.mark.parametrize("max_turns", [2, 3, 6, 7])
async def test_max_turns_counts_agent_and_user_messages(max_turns):
    agent = ScriptAgent([AssistantTurn(text="Anything else?", tool_calls=[]), say("Anything else?")])
    customer = ScriptUser([user("More, please.")])
    out = await run_trial(env(), agent, customer, Limits(max_turns=max_turns))
    assert out.termination is TerminationReason.MAX_TURNS
    spoken = [m for m in out.trajectory if m.role is not Role.TOOL]
    assert len(spoken) == max_turns  # the greeting counts; tool results do not


async def test_tool_results_do_not_count_as_turns():
    # Each agent turn is a tool call followed by text: 2 agent messages per round, plus 1 tool message.
    agent = ScriptAgent(
        [
            AssistantTurn(tool_calls=[call("think", {"thought": "hmm"}, "k1")]),
            say("ok?"),
            AssistantTurn(tool_calls=[call("think", {"thought": "hmm"}, "k2")]),
            say("ok?"),
        ]
    )
    out = await run_trial(env(), agent, ScriptUser([user("go on")]), Limits(max_turns=5))
    assert out.termination is TerminationReason.MAX_TURNS
    assert len([m for m in out.trajectory if m.role is not Role.TOOL]) == 5
    assert any(m.role is Role.TOOL for m in out.trajectory)


async def test_max_tool_errors_when_agent_keeps_sending_bad_calls():
    bad = AssistantTurn(tool_calls=[call("no_such_tool", {}, "x")])
    agent = ScriptAgent([bad])
    out = await run_trial(env(), agent, ScriptUser([user("help")]), Limits(max_tool_errors=3))
    assert out.termination is TerminationReason.MAX_TOOL_ERRORS
    assert out.tool_errors == 3
    results = [m.tool_result for m in out.trajectory if m.role is Role.TOOL]
    assert len(results) == 3
    assert all(r.error is ToolErrorKind.UNKNOWN_TOOL for r in results)


async def test_rule_violations_count_as_tool_errors():
    # Cancelling a shipped order is refused by the domain: a tool error, and the DB is unchanged.
    e = env("refuse-cancel-shipped")
    bad = AssistantTurn(tool_calls=[call("cancel_order", {"order_id": "#O5007", "reason": "no longer needed"}, "c")])
    out = await run_trial(e, ScriptAgent([bad]), ScriptUser([user("cancel it")]), Limits(max_tool_errors=2))
    assert out.termination is TerminationReason.MAX_TOOL_ERRORS
    assert out.tool_errors == 2
    assert order_status(e, "#O5007") == "shipped"


async def test_timeout_when_a_participant_is_too_slow():
    async def slow(_: Trajectory) -> AssistantTurn:
        await asyncio.sleep(30)
        return say("too late")

    started = time.monotonic()
    out = await run_trial(env(), ScriptAgent([slow]), ScriptUser([user("hello?")]), Limits(timeout_s=0.2))
    assert out.termination is TerminationReason.TIMEOUT
    assert "0.2" in (out.error or "")
    assert out.trajectory[0].content == DEFAULT_GREETING  # what happened before the timeout is kept
    assert time.monotonic() - started < 10  # bounded wait: the slow agent was cancelled, not awaited


async def test_timeout_when_the_user_is_too_slow():
    async def slow(_: Trajectory) -> UserTurn:
        await asyncio.sleep(30)
        return STOP

    out = await run_trial(env(), ScriptAgent([say("hi")]), ScriptUser([slow]), Limits(timeout_s=0.2))
    assert out.termination is TerminationReason.TIMEOUT


async def test_agent_error_when_agent_raises():
    out = await run_trial(env(), ScriptAgent([ValueError("boom")]), ScriptUser([user("hi")]), Limits())
    assert out.termination is TerminationReason.AGENT_ERROR
    assert "ValueError" in out.error and "boom" in out.error


async def test_agent_error_on_empty_turn():
    out = await run_trial(env(), ScriptAgent([AssistantTurn(text="   ")]), ScriptUser([user("hi")]), Limits())
    assert out.termination is TerminationReason.AGENT_ERROR
    assert "empty" in out.error


@pytest.mark.parametrize("error", [RuntimeError("simulator broke"), UserSimulatorError("empty turn")])
async def test_user_error_when_user_raises(error):
    agent = ScriptAgent([say("hi")])
    out = await run_trial(env(), agent, ScriptUser([error]), Limits())
    assert out.termination is TerminationReason.USER_ERROR
    assert type(error).__name__ in out.error
    assert agent.seen == []


async def test_infra_error_when_agent_raises_infra_error():
    out = await run_trial(env(), ScriptAgent([InfraError("provider down")]), ScriptUser([user("hi")]), Limits())
    assert out.termination is TerminationReason.INFRA_ERROR
    assert "provider down" in out.error
    assert "agent" in out.error


async def test_infra_error_when_user_raises_infra_error():
    out = await run_trial(env(), ScriptAgent([say("hi")]), ScriptUser([InfraError("user provider down")]), Limits())
    assert out.termination is TerminationReason.INFRA_ERROR
    assert "user provider down" in out.error


# --- tool calls --------------------------------------------------------------------------------


async def test_parallel_tool_calls_run_in_order():
    e = env()
    calls = [
        call("get_order_details", {"order_id": "#O5000"}, "p1"),
        call("cancel_order", {"order_id": "#O5000", "reason": "no longer needed"}, "p2"),
        call("get_order_details", {"order_id": "#O5000"}, "p3"),
    ]
    agent = ScriptAgent([AssistantTurn(tool_calls=calls), say("Done. Anything else?")])
    out = await run_trial(e, agent, ScriptUser([user("cancel #O5000"), STOP]), Limits())
    assert out.termination is TerminationReason.USER_STOP
    tools = [m for m in out.trajectory if m.role is Role.TOOL]
    assert [m.tool_result.call_id for m in tools] == ["p1", "p2", "p3"]
    assert all(m.requestor == "agent" for m in tools)
    assert json.loads(tools[0].tool_result.content)["status"] == "pending"
    assert json.loads(tools[2].tool_result.content)["status"] == "cancelled"
    assert order_status(e) == "cancelled"
    # the agent's message carries all three calls, and the results follow it directly
    i = next(i for i, m in enumerate(out.trajectory) if m.tool_calls)
    assert [c.id for c in out.trajectory[i].tool_calls] == ["p1", "p2", "p3"]
    assert roles(out.trajectory[i : i + 4]) == ["agent", "tool", "tool", "tool"]
    # the agent sees every result before it speaks again
    assert [m.tool_result.call_id for m in agent.seen[1] if m.role is Role.TOOL] == ["p1", "p2", "p3"]


async def test_malformed_json_call_is_an_error_result_the_agent_can_recover_from():
    e = env()
    bad_args = '{"email": "ana.silva@example.com"'  # truncated JSON

    def recover(trajectory: Trajectory) -> AssistantTurn:
        last = trajectory[-1]
        assert last.role is Role.TOOL and last.tool_result.error is ToolErrorKind.BAD_JSON
        return AssistantTurn(tool_calls=[call("find_customer_by_email", '{"email": "ana.silva@example.com"}', "good")])

    agent = ScriptAgent(
        [
            AssistantTurn(tool_calls=[call("find_customer_by_email", bad_args, "bad")]),
            recover,
            say("Found you. Anything else?"),
        ]
    )
    out = await run_trial(e, agent, ScriptUser([user("my email is ana.silva@example.com"), STOP]), Limits())
    assert out.termination is TerminationReason.USER_STOP
    assert out.error is None
    assert out.tool_errors == 1
    tools = [m.tool_result for m in out.trajectory if m.role is Role.TOOL]
    assert [(t.call_id, t.error) for t in tools] == [("bad", ToolErrorKind.BAD_JSON), ("good", None)]
    assert tools[0].content.startswith("Error:") and "JSON" in tools[0].content
    assert tools[1].content == "C1000"
    # the raw arguments are kept verbatim in the trajectory
    sent = next(m for m in out.trajectory if m.tool_calls)
    assert sent.tool_calls[0].arguments == bad_args


async def test_agent_usage_and_user_usage_are_summed():
    u = Usage(calls=1, prompt_tokens=10, completion_tokens=2, cost_usd=0.5)
    agent = ScriptAgent([AssistantTurn(text="a", usage=u), AssistantTurn(text="b", usage=u)])
    customer = ScriptUser(
        [UserTurn(text="x", usage=u), UserTurn(text="y", usage=u), UserTurn(signal=UserSignal.STOP, usage=u)]
    )
    out = await run_trial(env(), agent, customer, Limits())
    assert out.agent_usage == Usage(calls=2, prompt_tokens=20, completion_tokens=4, cost_usd=1.0)
    assert out.user_usage == Usage(calls=3, prompt_tokens=30, completion_tokens=6, cost_usd=1.5)
    assert [m.usage.calls for m in out.trajectory[1:]] == [1, 1, 1, 1, 1]


async def test_user_cannot_call_agent_tools():
    e = env()
    customer = ScriptUser(
        [
            UserTurn(
                text="let me do it",
                tool_calls=[call("cancel_order", {"order_id": "#O5000", "reason": "no longer needed"}, "u1")],
            ),
            STOP,
        ]
    )
    out = await run_trial(e, ScriptAgent([say("ok")]), customer, Limits())
    tool_msgs = [m for m in out.trajectory if m.role is Role.TOOL]
    assert tool_msgs and tool_msgs[0].requestor == "user"
    assert tool_msgs[0].tool_result.error is ToolErrorKind.UNKNOWN_TOOL
    assert order_status(e) == "pending"
    assert out.tool_errors == 0  # the user's failures are not the agent's tool errors


async def test_the_tool_error_limit_holds_inside_one_batch_of_parallel_calls():
    # 500 parallel calls: ten fail, then a write. The limit is reached at the tenth failure, so the
    # write and everything after it never run.
    e = env()
    failing = [call("no_such_tool", {}, f"bad{i}") for i in range(10)]
    write = call("cancel_order", {"order_id": "#O5000", "reason": "no longer needed"}, "write")
    rest = [call("think", {"thought": "more"}, f"k{i}") for i in range(489)]
    agent = ScriptAgent([AssistantTurn(tool_calls=[*failing, write, *rest]), say("unreachable")])
    out = await run_trial(e, agent, ScriptUser([user("cancel #O5000")]), Limits(max_tool_errors=10))
    assert out.termination is TerminationReason.MAX_TOOL_ERRORS
    assert out.tool_errors == 10
    results = [m.tool_result for m in out.trajectory if m.role is Role.TOOL]
    assert [r.call_id for r in results] == [f"bad{i}" for i in range(10)]  # nothing after the limit ran
    assert order_status(e) == "pending"
    assert "490 later call(s) of the same turn were not run" in out.error
    assert len(next(m for m in out.trajectory if m.tool_calls).tool_calls) == 500  # what the agent asked is kept


async def test_the_tool_error_limit_counts_failures_of_earlier_turns():
    e = env()
    agent = ScriptAgent(
        [
            AssistantTurn(tool_calls=[call("no_such_tool", {}, "a1"), call("no_such_tool", {}, "a2")]),
            AssistantTurn(tool_calls=[call("no_such_tool", {}, "b1"), call("think", {"thought": "x"}, "b2")]),
        ]
    )
    out = await run_trial(e, agent, ScriptUser([user("hi")]), Limits(max_tool_errors=3))
    assert out.termination is TerminationReason.MAX_TOOL_ERRORS and out.tool_errors == 3
    assert [m.tool_result.call_id for m in out.trajectory if m.role is Role.TOOL] == ["a1", "a2", "b1"]


async def test_successful_calls_in_a_batch_under_the_limit_all_run():
    calls = [call("no_such_tool", {}, "bad"), *[call("think", {"thought": "x"}, f"k{i}") for i in range(5)]]
    agent = ScriptAgent([AssistantTurn(tool_calls=calls), say("Done. Anything else?")])
    out = await run_trial(env(), agent, ScriptUser([user("hi"), STOP]), Limits(max_tool_errors=2))
    assert out.termination is TerminationReason.USER_STOP and out.tool_errors == 1
    assert len([m for m in out.trajectory if m.role is Role.TOOL]) == 6


# --- whose fault: credentials, unusable model output, secrets in error text ----------------------


@pytest.mark.parametrize("side", ["agent", "user"])
async def test_a_credential_error_is_nobodys_trial_result_it_stops_the_run(side):
    error = CredentialError("openai/gpt-4o-mini: no credentials for provider 'openai': set OPENAI_API_KEY")
    agent = ScriptAgent([error if side == "agent" else say("hi")])
    customer = ScriptUser([user("hi") if side == "agent" else error])
    with pytest.raises(CredentialError, match="set OPENAI_API_KEY"):
        await run_trial(env(), agent, customer, Limits())


async def test_an_unusable_model_response_is_the_agents_error_and_its_cost_is_charged():
    paid = Usage(calls=1, prompt_tokens=100, completion_tokens=5, cost_usd=0.25)
    error = ModelOutputError("openai/x: the response has no choices", paid)
    out = await run_trial(env(), ScriptAgent([error]), ScriptUser([user("hi")]), Limits())
    assert out.termination is TerminationReason.AGENT_ERROR and ERROR_CLASS[out.termination] is ErrorClass.AGENT
    assert "ModelOutputError" in out.error and "no choices" in out.error
    assert out.agent_usage == paid and out.user_usage == Usage()


async def test_an_unusable_response_of_the_customers_model_is_a_user_error():
    error = ModelOutputError("openai/x: the response is not JSON")
    out = await run_trial(env(), ScriptAgent([say("hi")]), ScriptUser([error]), Limits())
    assert out.termination is TerminationReason.USER_ERROR and ERROR_CLASS[out.termination] is ErrorClass.USER
    assert out.user_usage.calls == 1 and out.agent_usage == Usage()


async def test_error_text_from_a_participant_is_scrubbed_and_valid_unicode():
    secret = "sk-plugin-agent-secret-0042"
    register_secret(secret)
    boom = RuntimeError(f"my plug-in failed with key {secret} \ud800")
    out = await run_trial(env(), ScriptAgent([boom]), ScriptUser([user("hi")]), Limits())
    assert secret not in out.error and "***" in out.error and "\ufffd" in out.error
