"""``--agent a2a:URL``: a remote agent over A2A, its tools through the trial's MCP endpoint.

The remote agents are ``examples/a2a_agent/replay.py`` (frontdesk's oracle, from outside) and
small fakes served on 127.0.0.1 by this process; nothing leaves loopback, every wait is bounded.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("a2a")

import httpx2  # noqa: E402
import uvicorn  # noqa: E402
from a2a.server.agent_execution import RequestContext  # noqa: E402
from a2a.server.routes import create_agent_card_routes  # noqa: E402
from conftest import ServerThread  # noqa: E402
from mcp import ClientSession  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from examples.a2a_agent import server as example  # noqa: E402
from frontdesk.envs import get_domain  # noqa: E402
from frontdesk.eval import RunConfig, TerminationReason, load_run, run  # noqa: E402
from frontdesk.eval.checker import build_goal  # noqa: E402
from frontdesk.eval.record import InfraFailure, TrialRecord  # noqa: E402
from frontdesk.eval.store import TRIALS  # noqa: E402
from frontdesk.eval.trial import execute_trial  # noqa: E402
from frontdesk.interop.a2a_agent import MCP_METADATA_KEY  # noqa: E402
from frontdesk.interop.endpoints import trial_endpoints  # noqa: E402
from frontdesk.interop.mcp_server import EnvironmentHost  # noqa: E402
from frontdesk.tools import ToolErrorKind  # noqa: E402
from frontdesk.trajectory import Role  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
MOCK = get_domain("mock")
WRITE_TASKS = [t.id for t in MOCK.tasks if any(a.name in MOCK.write_tool_names() for a in t.gold_actions)]


# --- remote agents in their own processes ---


def start_agent(*extra: str) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "examples.a2a_agent.replay", "--domain", "mock", *extra]
    proc = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    if not selector.select(timeout=60):
        proc.kill()
        raise AssertionError("the remote agent did not start")
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    return proc, line.split()[-1]


@pytest.fixture(scope="module")
def replay_agent() -> Iterator[str]:
    proc, url = start_agent()
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def null_agent() -> Iterator[str]:
    proc, url = start_agent("--null")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


async def one_trial(agent: str, task_id: str, trial: int = 0, **options: Any) -> TrialRecord | InfraFailure:
    config = RunConfig(domain="mock", agent=agent, **{"max_retries": 1, "retry_wait_s": 0.01, **options})
    task = MOCK.task(task_id)
    return await execute_trial(MOCK, task, trial, config, build_goal(MOCK, task))


def calls_and_results(record: TrialRecord) -> list[tuple]:
    """The tool calls of a trial in order, with their results: what the checker and report read."""
    calls = {c.id: c for m in record.messages for c in m.tool_calls}
    return [
        (m.tool_result.name, calls[m.tool_result.call_id].arguments, m.tool_result.content, m.tool_result.error)
        for m in record.messages
        if m.role is Role.TOOL
    ]


# --- the whole benchmark, remote ---


def test_a_remote_replay_agent_scores_pass1_of_one_and_a_remote_null_agent_fails_every_write_task(
    replay_agent, null_agent, tmp_path
):
    run(RunConfig(domain="mock", agent=f"a2a:{replay_agent}", concurrency=4), tmp_path / "replay")
    view = load_run(tmp_path / "replay")
    assert view.summary.rows[0].pass_hat_k == 1.0, [(r.task_id, r.error, r.verdict.failed) for r in view.records]
    assert len(view.records) == len(MOCK.tasks)

    run(RunConfig(domain="mock", agent=f"a2a:{null_agent}", concurrency=4), tmp_path / "null")
    records = {r.task_id: r for r in load_run(tmp_path / "null").records}
    assert all(records[t].reward == 0.0 for t in WRITE_TASKS)
    assert all(not r.messages or not any(m.tool_calls for m in r.messages) for r in records.values())


async def test_a_remote_agents_trajectory_is_a_local_agents_trajectory(replay_agent):
    for task_id in ("cancel-two-orders", "sum-of-pending-orders", "change-of-mind-readdress"):
        remote = await one_trial(f"a2a:{replay_agent}", task_id)
        local = await one_trial("scripted/oracle", task_id)
        assert isinstance(remote, TrialRecord) and remote.termination is TerminationReason.USER_STOP, remote.error
        assert calls_and_results(remote) == calls_and_results(local)
        assert [m.content for m in remote.messages if m.role is Role.USER] == [
            m.content for m in local.messages if m.role is Role.USER
        ]
        assert remote.verdict == local.verdict
        assert all(m.tool_calls[0].requestor == "agent" for m in remote.messages if m.tool_calls)
    gc.collect()  # the trials' agents are gone (their frames sit in exception cycles until a collection)
    endpoints = trial_endpoints()
    assert endpoints.open_endpoints == 0  # their endpoints went with them
    for _ in range(100):  # and the server stops once none is open for IDLE_S
        if not endpoints.serving:
            break
        await asyncio.sleep(0.05)
    assert not endpoints.serving


async def test_a_transfer_over_mcp_ends_the_trial_as_a_transfer(replay_agent):
    record = await one_trial(f"a2a:{replay_agent}", "transfer-refund-request")
    assert record.termination is TerminationReason.TRANSFER and record.reward == 1.0, record.error


# --- resume ---


def test_sigkill_mid_run_then_resume_gives_every_trial_exactly_once(tmp_path):
    proc_agent, url = start_agent("--delay", "0.05")
    folder = tmp_path / "run"
    command = [sys.executable, "-m", "frontdesk", "run", "--domain", "mock", "--agent", f"a2a:{url}"]
    command += ["--trials", "3", "--concurrency", "2", "--out", str(folder)]
    trials = folder / TRIALS
    try:
        runner = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 90
        while not (trials.exists() and trials.read_bytes().count(b"\n") >= 3):
            assert runner.poll() is None, runner.communicate()[1]
            assert time.monotonic() < deadline, "no trials were written"
            time.sleep(0.05)
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=10)
        written = trials.read_bytes().count(b"\n")
        assert written < 3 * len(MOCK.tasks)
        resumed = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=180)
        assert resumed.returncode == 0, resumed.stderr
        assert "Resuming" in resumed.stderr
    finally:
        proc_agent.terminate()
        proc_agent.wait(timeout=10)
    keys = Counter((r["task_id"], r["trial"]) for r in map(json.loads, trials.read_text().splitlines()))
    assert set(keys.values()) == {1} and len(keys) == 3 * len(MOCK.tasks)
    assert load_run(folder).summary.rows[0].pass_hat_k == 1.0


# --- whose fault: fakes served by this process ---


class App:
    """An app served by uvicorn on 127.0.0.1 (for ServerThread); ``make(url)`` builds it once the
    port, which the agent card names, is known."""

    def __init__(self, make: Any) -> None:
        self.make = make
        self.url = ""

    async def start(self) -> None:
        sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            self.make(self.url), log_config=None, log_level="critical", lifespan="on", timeout_graceful_shutdown=1
        )
        config.load()
        self.server = uvicorn.Server(config)
        self.server.lifespan = config.lifespan_class(config)
        self.sockets = [sock]
        await self.server.startup(sockets=self.sockets)

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.server.shutdown(sockets=self.sockets)
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:  # what graceful shutdown cancelled (an agent still thinking): let it finish
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)


def card_app(answer: Any) -> tuple[App, list[Any]]:
    """An agent with a valid card whose JSON-RPC endpoint answers every request with ``answer(body)``."""
    from a2a.types import AgentCapabilities, AgentCard, AgentInterface, AgentSkill

    received: list[Any] = []

    async def rpc(request: Any) -> Response:
        body = await request.json()
        received.append(body)
        return answer(body)

    def make(url: str) -> Starlette:
        card = AgentCard(
            name="fake",
            description="fake",
            version="1",
            supported_interfaces=[AgentInterface(url=url, protocol_binding="JSONRPC", protocol_version="1.0")],
            capabilities=AgentCapabilities(streaming=False),
            default_input_modes=["text/plain"],
            default_output_modes=["text/plain"],
            skills=[AgentSkill(id="fake", name="fake", description="fake", tags=["fake"])],
        )
        return Starlette(routes=[*create_agent_card_routes(card), Route("/", rpc, methods=["POST"])])

    return App(make), received


@pytest.mark.parametrize(
    ("status", "kind"), [(404, "agent"), (400, "agent"), (503, "infra"), (500, "infra"), (429, "infra")]
)
async def test_http_errors_4xx_are_the_agents_5xx_are_infra_after_retries(status, kind):
    app, received = card_app(lambda body: JSONResponse({"detail": "no"}, status_code=status))
    with ServerThread(app):
        result = await one_trial(f"a2a:{app.url}", "update-email", max_retries=2)
    if kind == "agent":
        assert isinstance(result, TrialRecord) and result.termination is TerminationReason.AGENT_ERROR
        assert f"HTTP {status}" in result.error and len(received) == 1  # never retried
    else:
        assert isinstance(result, InfraFailure) and result.termination is TerminationReason.INFRA_ERROR
        assert f"HTTP {status}" in result.error and "(3 attempt(s))" in result.error and len(received) == 3


async def test_connection_refused_is_infra():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    result = await one_trial(f"a2a:http://127.0.0.1:{port}", "update-email")
    assert isinstance(result, InfraFailure) and "cannot connect" in result.error


@pytest.mark.parametrize(
    "answer",
    [
        lambda body: Response("<html>not json</html>", media_type="text/html"),
        lambda body: JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": {"neither": "task nor message"}}),
        lambda body: JSONResponse({"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32603, "message": "boom"}}),
        lambda body: JSONResponse(
            {
                "jsonrpc": "2.0",
                "id": body["id"],
                "result": {"task": {"id": "t", "status": {"state": "TASK_STATE_FAILED"}}},
            }
        ),
    ],
    ids=["not-json", "no-task-or-message", "json-rpc-error", "task-failed"],
)
async def test_malformed_or_failed_replies_are_the_agents_error(answer):
    app, received = card_app(answer)
    with ServerThread(app):
        result = await one_trial(f"a2a:{app.url}", "update-email", max_retries=3)
    assert isinstance(result, TrialRecord) and result.termination is TerminationReason.AGENT_ERROR, result
    assert len(received) == 1 and result.error_class.value == "agent"


async def test_the_first_message_hands_over_the_trials_mcp_endpoint():
    def answer(body: Any) -> Response:
        return JSONResponse(
            {
                "jsonrpc": "2.0",
                "id": body["id"],
                "result": {"message": {"messageId": "m", "role": "ROLE_AGENT", "parts": [{"text": "Anything else?"}]}},
            }
        )

    app, received = card_app(answer)
    with ServerThread(app):
        result = await one_trial(f"a2a:{app.url}", "update-email")
    assert result.termination is TerminationReason.USER_STOP
    first = received[0]["params"]["message"]
    endpoint = first["metadata"][MCP_METADATA_KEY]
    assert endpoint["url"].startswith("http://127.0.0.1:") and endpoint["url"].endswith("/mcp")
    assert endpoint["headers"]["Authorization"].startswith("Bearer ") and endpoint["transport"] == "streamable-http"
    assert (
        first["contextId"] and first["parts"][0]["text"] == MOCK.task("update-email").user_scenario.reason_for_contact
    )


class Scripted(example.Conversations):
    """A remote agent whose every turn is ``turn(tools)``."""

    def __init__(self, turn: Any) -> None:
        super().__init__()
        self.script = turn

    async def start(self, context: RequestContext) -> Any:
        tools = await example.open_tools(context)
        script = self.script

        class Conversation:
            def __init__(self) -> None:
                self.tools = tools

            async def turn(self, text: str) -> str:
                return await script(tools)

        return Conversation()


def agent_app(executor: Any) -> App:
    return App(lambda url: example.build_app(executor, "scripted", url))


async def test_an_agent_that_never_answers_within_the_call_timeout_is_the_agents_error():
    async def never(tools: Any) -> str:
        await asyncio.sleep(30)
        return "too late"

    with ServerThread(agent_app(Scripted(never))) as app:
        started = time.monotonic()
        result = await one_trial(f"a2a:{app.url}", "update-email", call_timeout_s=0.5)
    assert isinstance(result, TrialRecord) and result.termination is TerminationReason.AGENT_ERROR
    assert "did not answer or call a tool within 0.5 s" in result.error
    assert time.monotonic() - started < 10


async def test_tool_errors_through_mcp_are_recorded_in_order_and_count_toward_max_tool_errors():
    async def fumble(tools: Any) -> str:
        for order_id in (5000, 5001, 5002, 5003):  # not strings: each call fails validation
            text = await tools.call("get_order_details", {"order_id": order_id})
            assert text.startswith("Error: invalid arguments")
        return "done"

    with ServerThread(agent_app(Scripted(fumble))) as app:
        result = await one_trial(f"a2a:{app.url}", "update-email", limits={"max_tool_errors": 3})
    assert result.termination is TerminationReason.MAX_TOOL_ERRORS
    assert result.tool_errors == 3
    failed = calls_and_results(result)
    assert [(name, args) for name, args, _, _ in failed] == [
        ("get_order_details", {"order_id": n}) for n in (5000, 5001, 5002)
    ]
    assert all(error is ToolErrorKind.INVALID_ARGUMENTS for *_, error in failed)
    local = EnvironmentHost(MOCK, MOCK.task("update-email"))
    assert failed[0][2] == (await local.call("get_order_details", {"order_id": 5000})).content


async def test_a_5xx_after_a_tool_call_is_infra_and_never_resent():
    calls: list[str] = []

    async def call_then_fail(tools: Any) -> str:
        calls.append(await tools.call("find_customer_by_email", {"email": "ana.silva@example.com"}))
        raise RuntimeError("the agent's server crashed")  # the A2A server answers 500

    class Crashing(Scripted):
        async def execute(self, context: RequestContext, event_queue: Any) -> None:
            conversation = self.open.get(context.context_id) or await self.start(context)
            self.open[context.context_id] = conversation
            await conversation.turn("")

    with ServerThread(agent_app(Crashing(call_then_fail))) as app:
        result = await one_trial(f"a2a:{app.url}", "update-email", max_retries=3)
    # The A2A SDK reports an executor's crash as a failed task (an agent error) or an HTTP 500
    # (infra, not resent once a call ran); either way the turn is never sent twice.
    assert len(calls) == 1
    if isinstance(result, InfraFailure):
        assert "not resent" in result.error
    else:
        assert result.termination is TerminationReason.AGENT_ERROR


# --- the endpoint itself, through the official client ---


async def test_a_trials_endpoint_opens_only_with_its_own_token():
    endpoints = trial_endpoints()
    a = await endpoints.open(EnvironmentHost(MOCK, MOCK.task("update-email")))
    b = await endpoints.open(EnvironmentHost(MOCK, MOCK.task("update-email")))
    try:
        async with (
            httpx2.AsyncClient(headers=a.headers, timeout=httpx2.Timeout(10)) as http,
            streamable_http_client(a.url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            assert len((await session.list_tools()).tools) == len(MOCK.agent_tools)
        initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        accept = {"Accept": "application/json, text/event-stream"}
        async with httpx2.AsyncClient(timeout=10) as http:  # the server runs on this loop: no sync client
            assert (await http.post(a.url, json=initialize, headers=accept)).status_code == 401
        with pytest.raises(BaseException) as refused:  # noqa: PT011 - raised out of the SDK's task group
            async with (
                httpx2.AsyncClient(headers=a.headers, timeout=httpx2.Timeout(10)) as http,
                streamable_http_client(b.url, http_client=http) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                await session.list_tools()
        assert "this token does not open this trial's endpoint" in repr(refused.value)
    finally:
        endpoints.close(a)
        endpoints.close(b)
    assert endpoints.open_endpoints == 0
    await asyncio.sleep(0.8)  # IDLE_S with nothing open: the server stops
    assert not endpoints.serving


async def test_the_reference_agent_runs_a_model_on_the_tools_it_is_handed(replay):
    """examples/a2a_agent/server.py with a scripted litellm model (the replay provider)."""
    from conftest import Call, Say

    email = "ana.silva@example.com"
    replay.script(
        "agent",
        [
            Say("Sure. What is the email address on your account?"),
            Call("find_customer_by_email", json.dumps({"email": email})),
            Call("update_customer_email", json.dumps({"customer_id": "C1000", "new_email": 7})),  # a bad call
            Say("Your account is C1000. Is there anything else I can help you with?"),
        ],
    )
    with ServerThread(agent_app(example.ModelAgent("replay/agent"))) as app:
        result = await one_trial(f"a2a:{app.url}", "update-email")
    assert result.termination is TerminationReason.USER_STOP, result.error
    assert [(name, error) for name, _, _, error in calls_and_results(result)] == [
        ("find_customer_by_email", None),
        ("update_customer_email", ToolErrorKind.INVALID_ARGUMENTS),
    ]
    first = replay.requests_for("agent")[0]
    assert first.messages[0] == {"role": "system", "content": MOCK.policy}  # the policy, read as the MCP prompt
    assert [t["function"]["name"] for t in first.optional_params["tools"]] == [t.name for t in MOCK.agent_tools]
    # the model read the toolkit's own error message
    tool_messages = [m for m in replay.requests_for("agent")[-1].messages if m["role"] == "tool"]
    assert tool_messages[-1]["content"].startswith("Error: invalid arguments for 'update_customer_email'")
