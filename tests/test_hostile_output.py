"""Hostile model output never crashes a run and is never infra: it is the agent's fault, recorded.

Whole runs go through both transports against the mock model server (benchmarks/mock_server.py) on
127.0.0.1, which serves each hostile shape to every agent request: tool arguments nested 100,000
deep, a lone surrogate in the text or in the arguments, a 5 MiB reply, a body that is not JSON, a
completion without choices. Each run must finish with the trial in trials.jsonl, charged to the
agent, nothing in infra_errors.jsonl, and no request retried.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ServerThread

from benchmarks.mock_server import FaultPlan, MockModelServer
from frontdesk.eval import RunConfig, load_run, run
from frontdesk.eval.store import INFRA_ERRORS, TRIALS
from frontdesk.tools import ToolCall, ToolResult
from frontdesk.trajectory import AssistantTurn, Message, Role, UserTurn, valid_text, valid_value

TASK = "product-price"
REPLACEMENT = "\ufffd"


@pytest.fixture(params=["litellm", "openai-http"])
def transport(request) -> str:
    return request.param


@pytest.fixture
def mock_server() -> Iterator[MockModelServer]:
    with ServerThread(MockModelServer()) as server:
        yield server


def run_with(server: MockModelServer, transport: str, fault: str, folder: Path, **limits):
    server.faults = FaultPlan(rate=1.0, kinds=(fault,), seed=0)
    config = RunConfig(
        transport=transport,
        ratings=False,
        domain="mock",
        agent="openai/mock-agent",
        user="openai/mock-user",
        task_ids=[TASK],
        trials=1,
        llm_params={"api_base": server.api_base, "api_key": "sk-mock-not-secret"},
        max_retries=5,  # a retry would show as extra requests: none may happen
        retry_wait_s=0.01,
        call_timeout_s=10.0,
        limits={"max_tool_errors": 3, **limits},
    )
    run(config, folder)
    [record] = load_run(folder).records
    assert not (folder / INFRA_ERRORS).exists() or (folder / INFRA_ERRORS).read_text() == ""
    assert len((folder / TRIALS).read_text().splitlines()) == 1
    return record


@pytest.mark.parametrize("fault", ["oversize", "not_json", "no_choices"])
def test_an_unusable_response_ends_the_trial_as_the_agents_error(mock_server, transport, fault, tmp_path):
    record = run_with(mock_server, transport, fault, tmp_path / "run")
    assert record.termination.value == "agent_error" and record.error_class.value == "agent"
    assert record.reward == 0.0 and "ModelOutputError" in record.error
    # the customer opened (1 request), the agent answered once (1 request): nothing was re-asked
    assert mock_server.stats.requests == 2
    assert record.agent_usage.calls == 1


def test_an_oversize_reply_names_the_limit(mock_server, transport, tmp_path):
    record = run_with(mock_server, transport, "oversize", tmp_path / "run")
    assert "may be at most 4,194,304" in record.error


def test_arguments_nested_100000_deep_are_the_agents_fault(mock_server, transport, tmp_path):
    record = run_with(mock_server, transport, "deep_tool_args", tmp_path / "run")
    assert record.error_class.value == "agent" and record.reward == 0.0
    if transport == "openai-http":
        # The raw argument text reaches the toolkit, which answers each call with an error result.
        assert record.termination.value == "max_tool_errors" and record.tool_errors == 3
        results = [m.tool_result for m in record.messages if m.role is Role.TOOL]
        assert len(results) == 3 and all(not r.ok and "nest" in r.content for r in results)
    else:
        # litellm decodes tool arguments itself and cannot read these: the whole response is unusable.
        assert record.termination.value == "agent_error" and "RecursionError" in record.error
        assert mock_server.stats.requests == 2


def test_a_lone_surrogate_in_the_reply_is_replaced_and_the_trial_is_scored(mock_server, transport, tmp_path):
    record = run_with(mock_server, transport, "surrogate_content", tmp_path / "run")
    assert record.termination.value == "user_stop" and record.reward is not None
    agent_text = [m.content for m in record.messages if m.role is Role.AGENT and m.content]
    assert any(text.endswith(" " + REPLACEMENT) for text in agent_text)
    raw = (tmp_path / "run" / TRIALS).read_bytes().decode("utf-8")  # valid UTF-8 on disk
    assert "\\ud800" not in raw


def test_a_lone_surrogate_in_tool_arguments_is_replaced_and_the_call_runs(mock_server, transport, tmp_path):
    record = run_with(mock_server, transport, "surrogate_tool_args", tmp_path / "run")
    assert record.termination.value == "user_stop" and record.tool_errors == 0
    calls = [c for m in record.messages for c in m.tool_calls]
    assert calls and all(c.arguments == '{"thought": "odd ' + REPLACEMENT + ' text"}' for c in calls)
    assert all(m.tool_result.ok for m in record.messages if m.role is Role.TOOL)


# --- trajectory models clean text from any source -------------------------------------------------


def test_valid_text_replaces_lone_surrogates_and_joins_pairs():
    assert valid_text("plain") == "plain"
    assert valid_text("caf\u00e9") == "caf\u00e9"
    assert valid_text("a\ud800b\udfff") == f"a{REPLACEMENT}b{REPLACEMENT}"
    assert valid_text("\ud83d\ude00") == "\U0001f600"  # a pair held as two code points is one character


def test_valid_value_cleans_keys_and_values_and_keeps_clean_data_as_is():
    clean = {"a": [1, "b", {"c": None}]}
    assert valid_value(clean) is clean
    assert valid_value({"k\ud800": ["v\udc00", 2]}) == {f"k{REPLACEMENT}": [f"v{REPLACEMENT}", 2]}


def test_messages_and_turns_from_any_source_can_always_be_serialised():
    message = Message(
        role=Role.AGENT,
        content="hello \ud800",
        reasoning="\udfff",
        guard_failures=["draft \ud800"],
        tool_calls=[
            ToolCall(id="c\ud800", name="think\ud800", arguments={"thought": "x\ud800"}),
            ToolCall(id="d", name="think", arguments='{"thought": "\udc00"}'),
        ],
    )
    tool = Message(role=Role.TOOL, tool_result=ToolResult(call_id="c", name="think", content="Noted \ud800"))
    for model in (
        message,
        tool,
        AssistantTurn(text="\ud800", tool_calls=[ToolCall(id="e", name="n", arguments="\ud800")]),
        UserTurn(text="\ud800", reasoning="\ud800", guard_failures=["\ud800"]),
    ):
        dumped = model.model_dump_json()
        assert "\\ud800" not in dumped and REPLACEMENT in json.loads(dumped).__repr__()
    assert message.tool_calls[0].arguments == {"thought": f"x{REPLACEMENT}"}
    assert message.tool_calls[1].arguments == f'{{"thought": "{REPLACEMENT}"}}'
    assert tool.tool_result.content == f"Noted {REPLACEMENT}"


def test_clean_tool_calls_are_not_copied():
    call = ToolCall(id="c", name="think", arguments={"thought": "fine"})
    assert Message(role=Role.AGENT, tool_calls=[call]).tool_calls[0] is call
