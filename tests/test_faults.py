"""Faults, budgets, caching and secrets, against the mock model server on 127.0.0.1.

The server (benchmarks/mock_server.py) runs in a thread with its own event loop; frontdesk reaches
it over real HTTP as `openai/mock-agent` and `openai/mock-user`, through each transport in turn
(litellm and openai-http): both must survive every fault the same way. Everything stays on
loopback and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ServerThread

from benchmarks.mock_server import FaultPlan, MockModelServer
from frontdesk.eval import RunConfig, load_run, run
from frontdesk.eval.store import INFRA_ERRORS, TRIALS

TASKS = ["product-price", "cancel-pending-order", "refuse-cancel-shipped", "update-email"]
SECRET = "sk-frontdesk-FAKE-4242-do-not-leak"


@pytest.fixture(params=["litellm", "openai-http"])
def transport(request) -> str:
    return request.param


@pytest.fixture
def mock_server() -> Iterator[MockModelServer]:
    with ServerThread(MockModelServer()) as server:
        yield server


def config(server: MockModelServer, transport: str, **kw) -> RunConfig:
    base = dict(
        transport=transport,
        domain="mock",
        agent="openai/mock-agent",
        user="openai/mock-user",
        task_ids=TASKS,
        trials=2,
        concurrency=8,
        llm_params={"api_base": server.api_base, "api_key": SECRET},
        max_retries=10,  # 20% faults: ten in a row on one call is a one-in-ten-million event
        retry_wait_s=0.01,
        call_timeout_s=5.0,
        ratings=False,  # request counts here are the conversations'
    )
    base.update(kw)
    return RunConfig(**base)


def keys(folder: Path) -> Counter:
    lines = (folder / TRIALS).read_text().splitlines()
    return Counter((r["task_id"], r["persona"], r["trial"]) for r in map(json.loads, lines))


def rewards(folder: Path) -> dict:
    return {r.key: (r.reward, r.termination) for r in load_run(folder).records}


def test_twenty_percent_transient_faults_lose_nothing_and_change_no_verdict(mock_server, transport, tmp_path):
    run(config(mock_server, transport), tmp_path / "clean")
    clean_requests = mock_server.stats.requests
    mock_server.faults = FaultPlan(rate=0.2, seed=1, retry_after_s=0.01)
    run(config(mock_server, transport), tmp_path / "faulty")
    assert sum(mock_server.stats.faults.values()) > 0
    assert mock_server.stats.requests - clean_requests > clean_requests  # the faults cost extra requests
    assert set(keys(tmp_path / "faulty").values()) == {1} and len(keys(tmp_path / "faulty")) == len(TASKS) * 2
    assert rewards(tmp_path / "faulty") == rewards(tmp_path / "clean")
    assert not (tmp_path / "faulty" / INFRA_ERRORS).exists()


def test_a_hung_provider_costs_a_timeout_and_a_retry_not_a_stuck_run(mock_server, transport, tmp_path):
    mock_server.faults = FaultPlan(rate=0.1, kinds=("hang",), seed=3)
    run(config(mock_server, transport, call_timeout_s=0.5, task_ids=TASKS[:2]), tmp_path / "run")
    assert mock_server.stats.faults.get("hang", 0) > 0
    assert len(keys(tmp_path / "run")) == 4 and all(r.reward is not None for r in load_run(tmp_path / "run").records)


def test_malformed_tool_json_goes_back_to_the_agent_and_is_never_retried(mock_server, transport, tmp_path):
    mock_server.faults = FaultPlan(rate=1.0, kinds=("bad_tool_json",), seed=0)
    run(
        config(mock_server, transport, task_ids=["product-price"], trials=1, limits={"max_tool_errors": 3}),
        tmp_path / "run",
    )
    [record] = load_run(tmp_path / "run").records
    assert record.termination.value == "max_tool_errors" and record.error_class.value == "agent"
    assert record.tool_errors == 3 and record.reward == 0.0
    agent_calls = [m for m in record.messages if m.role.value == "agent" and m.tool_calls]
    assert all(m.tool_calls[0].arguments == '{"thought": "unterminated' for m in agent_calls)
    # one provider request per agent step: the harness did not re-sample the malformed calls
    assert record.agent_usage.calls == len([m for m in record.messages if m.role.value == "agent"]) - 1


def test_faults_that_outlast_retries_are_infra_and_a_rerun_retries_them(mock_server, transport, tmp_path):
    mock_server.faults = FaultPlan(rate=1.0, kinds=("unavailable",), seed=0)
    cfg = config(mock_server, transport, task_ids=TASKS[:2], trials=1, max_retries=1)
    plan = run(cfg, tmp_path / "run")
    assert not (tmp_path / "run" / TRIALS).exists() or (tmp_path / "run" / TRIALS).read_text() == ""
    infra = [json.loads(line) for line in (tmp_path / "run" / INFRA_ERRORS).read_text().splitlines()]
    assert len(infra) == 2 and all("after 2 attempts" in f["error"] for f in infra)
    assert load_run(tmp_path / "run").summary.trials_pending == 2
    mock_server.faults = FaultPlan()
    plan = run(cfg, tmp_path / "run")
    assert len(plan.pending) == 2
    assert set(keys(tmp_path / "run").values()) == {1} and load_run(tmp_path / "run").summary.trials_pending == 0


def test_retry_after_is_honoured(mock_server, transport, tmp_path):
    import time

    from frontdesk.llm import InfraError, ModelConfig, aclose, complete

    mock_server.faults = FaultPlan(rate=1.0, kinds=("rate_limit",), retry_after_s=0.4)
    model = ModelConfig(
        model="openai/mock-user",
        params={"api_base": mock_server.api_base, "api_key": "x"},
        max_retries=1,
        retry_wait_s=0.0,
        transport=transport,
    )

    async def call() -> float:
        start = time.monotonic()
        with pytest.raises(InfraError, match="after 2 attempts"):
            await complete(model, [{"role": "user", "content": "hi"}])
        await aclose()
        return time.monotonic() - start

    elapsed = asyncio.run(call())
    assert mock_server.stats.requests == 2  # one try, one retry: no hidden SDK retries on top
    assert elapsed >= 0.4  # the retry waited for Retry-After although the backoff base is zero


def test_response_cache_replays_a_run_exactly_and_keeps_repeats_independent(mock_server, transport, tmp_path):
    cache = tmp_path / "cache"
    run(config(mock_server, transport, cache_dir=str(cache), task_ids=TASKS[:2]), tmp_path / "first")
    calls_first = mock_server.stats.requests
    cached_entries = list(cache.rglob("*.json"))
    # 2 tasks x 2 trials x 7 calls, each trial keyed by its own seed: nothing shared between repeats
    assert len(cached_entries) == calls_first == 2 * 2 * 7
    run(config(mock_server, transport, cache_dir=str(cache), task_ids=TASKS[:2]), tmp_path / "replay")
    assert mock_server.stats.requests == calls_first  # no new provider calls
    first, replay = load_run(tmp_path / "first"), load_run(tmp_path / "replay")
    assert {r.key: [m.content for m in r.messages] for r in first.records} == {
        r.key: [m.content for m in r.messages] for r in replay.records
    }
    assert replay.agent_usage.calls == 0 and replay.agent_usage.cached_calls == 2 * 2 * 4
    assert replay.agent_usage.cost_usd == 0.0


def test_budget_stops_new_trials_and_a_rerun_continues(replay, tmp_path):
    from conftest import COST_PER_CALL, Repeat, Say

    replay.script("agent", [Repeat(Say("Sorry, I cannot help. Anything else?"))])
    replay.script("user", [Repeat(Say("No thanks. ###STOP###"))])
    # Each trial makes one agent call and one user call; the cap allows about two trials.
    cfg = RunConfig(
        domain="mock",
        agent="replay/agent",
        user="replay/user",
        ratings=False,
        task_ids=TASKS,
        trials=2,
        concurrency=1,
        max_cost_usd=COST_PER_CALL * 2 * 2,
        max_retries=0,
    )
    first = run(cfg, tmp_path / "run")
    done = len(load_run(tmp_path / "run").records)
    assert first.skipped_for_budget == 8 - done and 1 <= done < 8
    assert first.spent_usd >= cfg.max_cost_usd
    while load_run(tmp_path / "run").summary.trials_pending:
        run(cfg, tmp_path / "run")
    assert set(keys(tmp_path / "run").values()) == {1} and len(keys(tmp_path / "run")) == 8


def test_no_api_key_reaches_any_file_the_run_writes(mock_server, transport, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET + "-env")
    folder = tmp_path / "run"
    cache = tmp_path / "cache"
    run(
        config(
            mock_server,
            transport,
            task_ids=TASKS[:1],
            trials=1,
            cache_dir=str(cache),
            llm_params={
                "api_base": mock_server.api_base,
                "api_key": SECRET,
                "extra_headers": {"Authorization": f"Bearer {SECRET}"},
            },
        ),
        folder,
    )
    written = [p for p in [*folder.rglob("*"), *cache.rglob("*")] if p.is_file()]
    assert any(p.name == TRIALS for p in written)
    for path in written:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert SECRET not in text, f"the API key leaked into {path}"
