"""Every HTTP request is accounted for: attempts (first tries and retries) per call, per trial and
per run equal what the provider saw, through both transports; and the transport each model takes.

The mock model server (benchmarks/mock_server.py) runs in a thread on 127.0.0.1 and answers a share
of requests with 429 (Retry-After) or 500, so retries happen; its request count is the truth.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import ServerThread

from benchmarks.mock_server import FaultPlan, MockModelServer
from frontdesk.errors import InfraError
from frontdesk.eval import RunConfig, load_run, run
from frontdesk.eval.orchestrator import Limits, TerminationReason
from frontdesk.eval.terminal import run_summary
from frontdesk.llm import ModelConfig, aclose, complete
from frontdesk.llm.ledger import spending
from frontdesk.llm.transport import is_openai_model, resolve_transport
from frontdesk.trajectory import Usage

TASKS = ["product-price", "cancel-pending-order", "refuse-cancel-shipped", "update-email"]
TRANSIENT = ("rate_limit", "server_error")


@pytest.fixture(params=["litellm", "openai-http"])
def transport(request) -> str:
    return request.param


def config(server: MockModelServer, transport: str, **kw) -> RunConfig:
    base = dict(
        transport=transport,
        domain="mock",
        agent="openai/mock-agent",
        user="openai/mock-user",
        task_ids=TASKS,
        trials=2,
        concurrency=8,
        llm_params={"api_base": server.api_base, "api_key": "sk-mock"},
        max_retries=10,  # 25% faults: eleven in a row on one call is a one-in-four-million event
        retry_wait_s=0.01,
        call_timeout_s=5.0,
    )
    return RunConfig(**{**base, **kw})


def recorded_attempts(folder) -> int:
    view = load_run(folder)
    return sum(r.spend.attempts for r in [*view.records, *view.infra_failures])


def test_recorded_attempts_equal_the_requests_the_server_saw_retries_included(transport, tmp_path):
    faults = FaultPlan(rate=0.25, kinds=TRANSIENT, seed=7, retry_after_s=0.01)
    with ServerThread(MockModelServer(faults=faults)) as server:
        run(config(server, transport), tmp_path / "run")
        seen, injected = server.stats.requests, sum(server.stats.faults.values())
    view = load_run(tmp_path / "run")
    total = view.agent_usage + view.user_usage
    assert injected > 0 and total.attempts == total.calls + injected  # each fault cost one retry
    assert recorded_attempts(tmp_path / "run") == seen
    # per message too: an agent turn's attempts are its call's requests
    for r in view.records:
        assert r.agent_usage.attempts == sum(
            m.usage.attempts for m in r.messages if m.role.value == "agent" and m.usage
        )
    shown = _render(view)
    assert f"total: calls: {total.calls:,}, attempts: {total.attempts:,}" in shown


def test_a_call_that_fails_after_its_retries_reports_every_attempt(transport):
    faults = FaultPlan(rate=1.0, kinds=("server_error",))
    with ServerThread(MockModelServer(faults=faults)) as server:
        model = ModelConfig(
            model="openai/mock-agent",
            params={"api_base": server.api_base, "api_key": "k"},
            max_retries=2,
            retry_wait_s=0.0,
            transport=transport,
        )

        async def call() -> tuple[InfraError, Usage]:
            with spending() as spent, pytest.raises(InfraError) as failed:
                await complete(model, [{"role": "user", "content": "hi"}])
            await aclose()  # the openai-http session of this loop
            return failed.value, spent.usage

        error, spent = asyncio.run(call())
        assert server.stats.requests == 3
    assert error.usage.attempts == 3 and error.usage.calls == 0
    assert spent.attempts == 3  # the ledger saw them too


def test_no_llm_param_turns_on_a_retry_below_frontdesks_own(transport):
    # litellm's num_retries and the OpenAI SDK's max_retries would resend unseen: they stay 0.
    with ServerThread(MockModelServer(faults=FaultPlan(rate=1.0, kinds=("server_error",)))) as server:
        params = {"api_base": server.api_base, "api_key": "k", "max_retries": 3, "num_retries": 3}
        model = ModelConfig(model="openai/mock-agent", params=params, max_retries=0, transport=transport)

        async def call() -> InfraError:
            with pytest.raises(InfraError) as failed:
                await complete(model, [{"role": "user", "content": "hi"}])
            await aclose()
            return failed.value

        assert asyncio.run(call()).usage.attempts == 1
        assert server.stats.requests == 1


def test_trials_lost_to_the_provider_still_record_their_attempts(transport, tmp_path):
    with ServerThread(MockModelServer(faults=FaultPlan(rate=1.0, kinds=("server_error",)))) as server:
        run(config(server, transport, max_retries=1, task_ids=TASKS[:2], trials=1), tmp_path / "run")
        seen = server.stats.requests
    view = load_run(tmp_path / "run")
    assert not view.records and len(view.infra_failures) == 2
    assert seen == 4 and recorded_attempts(tmp_path / "run") == seen  # two calls, each tried twice


def test_a_trial_timed_out_mid_call_records_the_request_it_sent(transport, tmp_path):
    with ServerThread(MockModelServer(faults=FaultPlan(rate=1.0, kinds=("hang",)))) as server:
        slow = config(server, transport, task_ids=TASKS[:1], trials=1, call_timeout_s=30.0)
        run(slow.model_copy(update={"limits": Limits(timeout_s=0.5)}), tmp_path / "run")
        seen = server.stats.requests
    [failure] = load_run(tmp_path / "run").infra_failures
    assert failure.termination is TerminationReason.TIMEOUT
    assert seen == 1 and failure.spend.attempts == 1 and failure.spend.calls == 0


def test_usage_written_before_attempts_were_counted_reads_back_one_per_call():
    assert Usage.model_validate({"calls": 3, "prompt_tokens": 5}).attempts == 3
    assert Usage.model_validate({"calls": 3, "attempts": 5}).attempts == 5
    assert (Usage(calls=1) + Usage(attempts=2)).attempts == 3


@pytest.mark.parametrize(
    ("model", "params", "expected"),
    [
        ("openai/gpt-4o-mini", {}, "openai-http"),
        ("gpt-4o", {}, "openai-http"),
        ("ft:gpt-4o-mini-2024-07-18:org::abc", {}, "openai-http"),
        ("openai/llama-3-8b", {"api_base": "http://localhost:8000/v1"}, "openai-http"),
        ("my-local-model", {"api_base": "http://localhost:8000/v1"}, "openai-http"),
        ("my-local-model", {}, "litellm"),
        ("o3-mini", {}, "litellm"),  # a reasoning model: litellm maps its parameters
        ("openai/gpt-5", {}, "litellm"),
        ("anthropic/claude-3-5-sonnet-20240620", {}, "litellm"),
        ("anthropic/claude-3-5-sonnet-20240620", {"api_base": "http://proxy/v1"}, "litellm"),
        ("ollama/llama3", {"api_base": "http://localhost:11434"}, "litellm"),
        ("replay/agent", {}, "litellm"),
    ],
)
def test_auto_picks_openai_http_for_openai_models_and_openai_compatible_servers(model, params, expected):
    assert resolve_transport("auto", model, params) == expected
    assert resolve_transport("litellm", model, params) == "litellm"  # an explicit choice is kept
    assert resolve_transport("openai-http", model, params) == "openai-http"


def test_the_openai_rule_agrees_with_litellm_without_importing_it():
    from frontdesk.llm import import_litellm
    from frontdesk.llm.prices import cost_map

    litellm = import_litellm()
    names = [n for n, e in cost_map().items() if isinstance(e, dict) and "/" not in n and e.get("mode") == "chat"]
    names += ["openai/anything", "ft:gpt-4o-mini:org::abc", "anthropic/claude-3-haiku-20240307", "no-such-model"]
    for name in names:
        try:
            theirs = litellm.get_llm_provider(model=name)[1] == "openai"
        except Exception:
            theirs = False
        assert is_openai_model(name) == theirs, name


def test_the_manifest_records_each_models_transport_and_a_resume_adds_another(tmp_path):
    with ServerThread(MockModelServer()) as server:
        first = config(server, "auto", task_ids=TASKS[:1], trials=1)
        run(first, tmp_path / "run")
        manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
        assert manifest["config"]["transport"] == "auto"
        assert manifest["transports"] == {"openai/mock-agent": ["openai-http"], "openai/mock-user": ["openai-http"]}
        # the transport is not hashed: the same run resumes (and grows) under litellm, which is recorded
        run(first.model_copy(update={"transport": "litellm", "trials": 2}), tmp_path / "run")
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["transports"]["openai/mock-agent"] == ["openai-http", "litellm"]
    assert len(load_run(tmp_path / "run").records) == 2


def _render(view) -> str:
    from rich.console import Console

    console = Console(width=400, record=True)
    console.print(run_summary(view))
    return console.export_text()
