"""``frontdesk serve-mcp``: a domain's agent tools through the official MCP client, over stdio and
streamable HTTP; the same schemas and error messages as a local trial, one environment per session."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from frontdesk.envs import Environment, get_domain
from frontdesk.tools import ToolCall

ROOT = Path(__file__).resolve().parents[1]
TASK = "cancel-pending-order"
EMAIL = "ana.silva@example.com"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def local_schemas() -> list[dict]:
    """What the tool-calling agent gets in a local trial."""
    domain = get_domain("mock")
    return Environment(domain, domain.task(TASK)).agent_tools.schemas()


def local_result(name: str, arguments: dict) -> str:
    domain = get_domain("mock")
    return Environment(domain, domain.task(TASK)).execute(ToolCall(id="x", name=name, arguments=arguments)).content


def text(result) -> str:
    return "\n".join(block.text for block in result.content)


async def exercise(session: ClientSession) -> None:
    """List, call, fail validation, read the policy, do the task and read a passing verdict."""
    await session.initialize()
    listed = (await session.list_tools()).tools
    assert [{"name": t.name, "description": t.description, "parameters": t.input_schema} for t in listed] == [
        s["function"] for s in local_schemas()
    ]

    found = await session.call_tool("find_customer_by_email", {"email": EMAIL})
    assert not found.is_error and text(found) == local_result("find_customer_by_email", {"email": EMAIL})

    bad = await session.call_tool("get_order_details", {"order_id": 5000, "extra": True})
    assert bad.is_error
    assert text(bad) == local_result("get_order_details", {"order_id": 5000, "extra": True})
    assert text(bad).startswith("Error: invalid arguments for 'get_order_details'")
    unknown = await session.call_tool("refund_everything", {})
    assert unknown.is_error and text(unknown).startswith("Error: unknown tool 'refund_everything'. Available tools:")

    policy = get_domain("mock").policy
    prompt = await session.get_prompt("policy")
    assert prompt.messages[0].content.text == policy
    assert (await session.read_resource("frontdesk://policy")).contents[0].text == policy

    before = json.loads((await session.read_resource("frontdesk://verdict")).contents[0].text)
    assert before["task_id"] == TASK and before["reward"] == 0.0
    for action in get_domain("mock").task(TASK).gold_actions:
        assert not (await session.call_tool(action.name, action.arguments)).is_error
    after = json.loads((await session.read_resource("frontdesk://verdict")).contents[0].text)
    assert after["reward"] == 1.0, after


async def test_the_official_client_over_stdio():
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "frontdesk", "serve-mcp", "--domain", "mock", "--task", TASK], env=ENV
    )
    async with asyncio.timeout(60), stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await exercise(session)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_http(*extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "frontdesk", "serve-mcp", "--domain", "mock", "--task", TASK]
    command += ["--transport", "http", "--port", str(port), *extra]
    proc = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve-mcp ended: {proc.communicate()[1]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"http://127.0.0.1:{port}/mcp"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("serve-mcp did not start listening")


@pytest.fixture
def http_server() -> Iterator[str]:
    proc, url = serve_http()
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@asynccontextmanager
async def http_session(url: str, headers: dict[str, str] | None = None):
    async with (
        httpx2.AsyncClient(headers=headers or {}, timeout=httpx2.Timeout(30)) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        yield session


async def test_the_official_client_over_streamable_http(http_server):
    async with asyncio.timeout(60), http_session(http_server) as session:
        await exercise(session)


async def test_two_concurrent_sessions_never_see_each_others_state(http_server):
    order = {"order_id": "#O5000"}
    async with asyncio.timeout(60), http_session(http_server) as a, http_session(http_server) as b:
        await asyncio.gather(a.initialize(), b.initialize())
        cancelled = await a.call_tool("cancel_order", {**order, "reason": "no longer needed"})
        assert not cancelled.is_error, text(cancelled)
        seen_by_a, seen_by_b = await asyncio.gather(
            a.call_tool("get_order_details", order), b.call_tool("get_order_details", order)
        )
        assert json.loads(text(seen_by_a))["status"] == "cancelled"
        assert json.loads(text(seen_by_b))["status"] == "pending"
        # and each session's verdict is its own
        verdict_b = json.loads((await b.read_resource("frontdesk://verdict")).contents[0].text)
        assert verdict_b["reward"] == 0.0


async def test_a_token_is_required_when_set_and_a_wide_host_needs_one():
    proc, url = serve_http("--token", "s3cret-token")
    try:
        initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        accept = {"Accept": "application/json, text/event-stream"}
        for headers in ({}, {"Authorization": "Bearer wrong-token"}):
            refused = httpx2.post(url, json=initialize, headers={**accept, **headers}, timeout=10)
            assert refused.status_code == 401
        async with asyncio.timeout(60):
            async with http_session(url, {"Authorization": "Bearer s3cret-token"}) as session:
                await session.initialize()
                assert len((await session.list_tools()).tools) == len(local_schemas())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    wide = subprocess.run(
        [
            sys.executable,
            "-m",
            "frontdesk",
            "serve-mcp",
            "--domain",
            "mock",
            "--transport",
            "http",
            "--host",
            "0.0.0.0",
        ],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wide.returncode == 2
    assert "--host 0.0.0.0 serves the tools beyond this machine: pass --token" in wide.stderr


def test_an_unknown_task_is_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "frontdesk", "serve-mcp", "--domain", "mock", "--task", "no-such-task"],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: domain 'mock' has no task 'no-such-task'; `frontdesk tasks --domain mock` lists them"
    ]


async def test_session_less_requests_are_refused_with_the_way_to_connect(http_server):
    from mcp import Client
    from mcp.shared.exceptions import MCPError

    async with asyncio.timeout(60), Client(http_server) as client:  # 'auto': the 2026-07-28 protocol, no sessions
        with pytest.raises(MCPError, match="one environment per MCP session.*initialize handshake"):
            await client.list_tools()
    async with asyncio.timeout(60), Client(http_server, mode="legacy") as client:
        assert len((await client.list_tools()).tools) == len(local_schemas())
