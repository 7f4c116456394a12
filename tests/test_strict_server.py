"""Requests real open-model servers accept, against the mock server's strict mode.

The strict mode (benchmarks/mock_server.py) refuses what llama.cpp, llama-cpp-python and strict
chat templates refuse: null content next to tool calls (500, llama.cpp's words), tools without
``tool_choice`` (silently dropped), ``tool_choice`` without tools, unknown roles, a late system
message, a tool result answering no call. First the strict mode itself is held to that, then the
whole mock domain runs against it with HTTP agent and customer on both transports.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ServerThread

from benchmarks.mock_server import MockModelServer
from frontdesk.envs import get_domain
from frontdesk.eval import RunConfig, load_run, run
from frontdesk.llm import ModelConfig, aclose, complete
from frontdesk.trajectory import Role

THINK = [{"type": "function", "function": {"name": "think", "parameters": {"type": "object", "properties": {}}}}]
CALL = {"id": "c1", "type": "function", "function": {"name": "think", "arguments": "{}"}}
WITH_TOOL_CALL = [
    {"role": "system", "content": "policy"},
    {"role": "user", "content": "My order is late."},
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "c1", "content": "noted"},
]


@pytest.fixture
def strict() -> Iterator[MockModelServer]:
    with ServerThread(MockModelServer(strict=True)) as server:
        yield server


def post(server: MockModelServer, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{server.api_base}/chat/completions",
        data=json.dumps({"model": "mock-agent", **body}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


# --- the strict mode refuses what strict servers refuse ----------------------------------------


def test_strict_mode_answers_null_content_with_llama_cpps_500(strict):
    status, body = post(strict, {"messages": WITH_TOOL_CALL, "tools": THINK, "tool_choice": "auto"})
    assert status == 500 and body["error"]["message"] == "Expected 'content' to be a string or an array"
    missing = [*WITH_TOOL_CALL[:2], {"role": "assistant", "tool_calls": [CALL]}, WITH_TOOL_CALL[3]]
    assert post(strict, {"messages": missing, "tools": THINK, "tool_choice": "auto"})[0] == 500  # litellm's way
    fixed = [*WITH_TOOL_CALL[:2], {**WITH_TOOL_CALL[2], "content": ""}, WITH_TOOL_CALL[3]]
    assert post(strict, {"messages": fixed, "tools": THINK, "tool_choice": "auto"})[0] == 200
    assert strict.stats.rejected == {"null_content": 2}


def test_strict_mode_ignores_tools_sent_without_tool_choice(strict):
    opening = [{"role": "system", "content": "policy"}, {"role": "user", "content": "My order is late."}]
    _, without = post(strict, {"messages": opening, "tools": THINK})
    _, with_choice = post(strict, {"messages": opening, "tools": THINK, "tool_choice": "auto"})
    assert "tool_calls" not in without["choices"][0]["message"]  # as llama-cpp-python: the tools were dropped
    assert with_choice["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "think"
    assert strict.stats.tools_ignored == 1


@pytest.mark.parametrize(
    "messages, extra, kind, status",
    [
        ([{"role": "user", "content": "hi"}], {"tool_choice": "auto"}, "tool_choice_without_tools", 400),
        ([{"role": "customer", "content": "hi"}], {}, "unknown_role", 400),
        ([{"role": "user", "content": "hi"}, {"role": "system", "content": "late"}], {}, "late_system", 500),
        (
            [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "x", "content": "r"}],
            {},
            "tool_call_id",
            400,
        ),
        (
            [*WITH_TOOL_CALL[:2], {**WITH_TOOL_CALL[2], "content": ""}, {**WITH_TOOL_CALL[3], "content": {"a": 1}}],
            {},
            "tool_content",
            400,
        ),
    ],
    ids=["tool_choice-without-tools", "unknown-role", "late-system", "orphan-tool-result", "tool-result-not-text"],
)
def test_strict_mode_refuses_malformed_conversations(strict, messages, extra, kind, status):
    assert post(strict, {"messages": messages, **extra})[0] == status
    assert strict.stats.rejected == {kind: 1}


def test_the_lenient_mock_accepts_all_of_it():
    with ServerThread(MockModelServer()) as server:
        assert post(server, {"messages": WITH_TOOL_CALL, "tools": THINK})[0] == 200


# --- what frontdesk sends passes it, on both transports -----------------------------------------


@pytest.fixture(params=["litellm", "openai-http"])
def transport(request) -> str:
    return request.param


def test_a_tool_call_conversation_passes_strict_mode(strict, transport):
    model = ModelConfig(
        model="openai/mock-agent", params={"api_base": strict.api_base}, transport=transport, max_retries=0
    )

    async def go() -> Any:
        try:
            return await complete(model, WITH_TOOL_CALL, tools=THINK)
        finally:
            await aclose()

    assert asyncio.run(go()).text  # null content went out as "", and tool_choice came with the tools
    assert strict.stats.rejected == {} and strict.stats.tools_ignored == 0


def test_a_run_wide_tool_choice_does_not_break_tool_less_calls(strict, transport):
    # --llm-param tool_choice=auto reaches the customer's calls too, which carry no tools.
    params = {"api_base": strict.api_base, "tool_choice": "auto"}
    model = ModelConfig(model="openai/mock-user", params=params, transport=transport, max_retries=0)

    async def go() -> Any:
        try:
            return await complete(model, [{"role": "user", "content": "hi"}])
        finally:
            await aclose()

    assert asyncio.run(go()).text
    assert strict.stats.rejected == {}


def test_the_whole_mock_domain_runs_clean_against_a_strict_server(strict, transport, tmp_path):
    domain = get_domain("mock")

    def config(server: MockModelServer) -> RunConfig:
        return RunConfig(
            transport=transport,
            domain="mock",
            agent="openai/mock-agent",
            user="openai/mock-user",
            trials=1,
            concurrency=8,
            llm_params={"api_base": server.api_base},  # no key: a self-hosted server needs none
            max_retries=0,  # one refusal would show as an infra error at once
            call_timeout_s=5.0,
        )

    run(config(strict), tmp_path / "strict")
    with ServerThread(MockModelServer()) as lenient:
        run(config(lenient), tmp_path / "lenient")
    view, reference = load_run(tmp_path / "strict"), load_run(tmp_path / "lenient")
    assert strict.stats.rejected == {} and strict.stats.tools_ignored == 0
    assert view.summary.trials_pending == 0 and len(view.records) == len(domain.tasks)
    assert {r.key: (r.termination, r.reward) for r in view.records} == {
        r.key: (r.termination, r.reward) for r in reference.records
    }
    for record in view.records:
        assert record.termination.value == "user_stop", record.error
        # the agent really called its tool (tool_choice was honoured) and got the result back
        assert any(m.role is Role.TOOL and m.tool_result.name == "think" for m in record.messages)
    # 7 model calls a conversation (a customer with an opening message says it without one), then the rating
    assert strict.stats.requests == sum(7 if t.user_scenario.opening_message else 8 for t in domain.tasks)
    assert all(r.experience is not None and r.experience.overall.score == 5 for r in view.records)


def test_a_sequential_run_with_memory_tools_runs_clean_against_a_strict_server(strict, transport, tmp_path):
    """Queues give an HTTP agent the memory tools beside the domain's: a strict server takes every request."""
    from frontdesk.eval.config import Sequential

    ids = ["update-email", "read-order-status", "cancel-pending-order"]
    config = RunConfig(
        transport=transport,
        domain="mock",
        agent="openai/mock-agent",
        user="openai/mock-user",
        task_ids=ids,
        llm_params={"api_base": strict.api_base},
        max_retries=0,
        call_timeout_s=5.0,
        sequential=Sequential(order="file", orders=[ids]),
    )
    run(config, tmp_path / "run")
    view = load_run(tmp_path / "run")
    assert strict.stats.rejected == {} and strict.stats.tools_ignored == 0
    assert view.summary.trials_pending == 0 and len(view.records) == len(ids)
    for record in view.records:
        assert record.termination.value == "user_stop", record.error
        assert record.queue is not None and record.queue.memory is not None  # the notes it could read
    assert [r.queue.position for r in sorted(view.records, key=lambda r: r.queue.position)] == [0, 1, 2]
