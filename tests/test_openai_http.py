"""The openai-http transport: what it sends, how it reads answers and errors, and that it agrees
with the litellm transport on text, tool calls, usage and cost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from conftest import ServerThread

from benchmarks.mock_server import MockModelServer
from frontdesk.errors import ConfigError
from frontdesk.llm import InfraError, ModelConfig, aclose, check_model_string, complete
from frontdesk.llm.openai_http import DEFAULT_API_BASE, endpoint, proxy_for, request_body

SECRET = "sk-frontdesk-FAKE-7777-do-not-leak"


class CannedApp:
    """A loopback server whose /v1/chat/completions answers with whatever a test sets, counting requests."""

    def __init__(self) -> None:
        self.status, self.body, self.requests = 200, b"{}", []
        self.port = 0

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append({"headers": dict(request.headers), "json": await request.json()})
        return web.Response(status=self.status, body=self.body, content_type="application/json")

    async def start(self) -> None:
        application = web.Application()
        application.router.add_post("/v1/chat/completions", self._handle)
        self.runner = web.AppRunner(application, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self.runner.cleanup()

    def answer(self, status: int, body: Any) -> None:
        self.status, self.body = status, body if isinstance(body, bytes) else json.dumps(body).encode()

    def model(self, **kw: Any) -> ModelConfig:
        params = {"api_base": f"http://127.0.0.1:{self.port}/v1", "api_key": SECRET}
        return ModelConfig(model="openai/gpt-4o-mini", params=params, transport="openai-http", retry_wait_s=0.0, **kw)


@pytest.fixture
def canned() -> Iterator[CannedApp]:
    with ServerThread(CannedApp()) as server:
        yield server


def ask(model: ModelConfig, **kw: Any) -> Any:
    async def go() -> Any:
        try:
            return await complete(model, [{"role": "user", "content": "hi"}], **kw)
        finally:
            await aclose()

    return asyncio.run(go())


def test_endpoint_prefers_params_then_litellm_variables_then_openai(monkeypatch):
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert endpoint({}) == (DEFAULT_API_BASE + "/chat/completions", {"Content-Type": "application/json"})
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env-host:9/v1/")
    monkeypatch.setenv("OPENAI_API_KEY", "env-key")
    url, headers = endpoint({})
    assert url == "http://env-host:9/v1/chat/completions" and headers["Authorization"] == "Bearer env-key"
    url, headers = endpoint({"api_base": "http://param-host/v1", "api_key": "k", "extra_headers": {"X-Team": "evals"}})
    assert url == "http://param-host/v1/chat/completions"
    assert headers["Authorization"] == "Bearer k" and headers["X-Team"] == "evals"


def test_proxies_come_from_the_environment_and_no_proxy_is_honoured(monkeypatch):
    for name in (
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    proxy_for.cache_clear()
    try:
        assert proxy_for("https://api.openai.com/v1/chat/completions") == "http://proxy.internal:3128"
        assert proxy_for("http://127.0.0.1:8000/v1/chat/completions") is None
        assert proxy_for("http://gpu-box:8000/v1/chat/completions") is None  # no HTTP_PROXY set
    finally:
        proxy_for.cache_clear()


def test_request_body_keeps_sampling_parameters_and_drops_client_settings():
    body = request_body(
        {
            "model": "openai/llama-3-8b",
            "messages": [],
            "max_tokens": 64,
            "temperature": 0.0,
            "seed": 7,
            "api_key": SECRET,
            "api_base": "http://x",
            "timeout": 5,
            "num_retries": 0,
            "max_retries": 0,
            "drop_params": True,
            "extra_headers": {"A": "b"},
            "extra_body": {"top_k": 5},
        }
    )
    assert body == {"model": "llama-3-8b", "messages": [], "max_tokens": 64, "temperature": 0.0, "seed": 7, "top_k": 5}


def test_both_transports_return_the_same_completion_usage_and_cost():
    async def both(server: MockModelServer) -> list[Any]:
        tools = [
            {"type": "function", "function": {"name": "think", "parameters": {"type": "object", "properties": {}}}}
        ]
        out = []
        for transport in ("litellm", "openai-http"):
            model = ModelConfig(
                model="openai/gpt-4o-mini", transport=transport, params={"api_base": server.api_base, "api_key": "x"}
            )
            out.append(await complete(model, [{"role": "user", "content": "My order is late."}], tools=tools, seed=3))
        await aclose()
        return out

    with ServerThread(MockModelServer()) as server:
        via_litellm, via_http = asyncio.run(both(server))
    assert via_http.tool_calls[0].name == via_litellm.tool_calls[0].name == "think"
    assert via_http.tool_calls[0].arguments == via_litellm.tool_calls[0].arguments
    assert via_http.finish_reason == via_litellm.finish_reason == "tool_calls"
    assert via_http.usage == via_litellm.usage and via_http.usage.cost_usd > 0


def test_a_client_error_is_not_retried_and_its_message_hides_the_key(canned):
    canned.answer(401, {"error": {"message": f"Incorrect API key provided: {SECRET}"}})
    with pytest.raises(InfraError) as raised:
        ask(canned.model(max_retries=3))
    message = str(raised.value)
    assert len(canned.requests) == 1 and "not retried" in message and "HTTP 401" in message
    assert "Incorrect API key" in message and SECRET not in message


def test_a_server_error_is_retried_then_reported(canned):
    canned.answer(503, b"upstream overloaded")
    with pytest.raises(InfraError, match=r"HTTP 503: upstream overloaded \(after 3 attempts\)"):
        ask(canned.model(max_retries=2))
    assert len(canned.requests) == 3


def test_a_body_that_is_not_json_is_a_transient_provider_fault(canned):
    canned.answer(200, b"<html>gateway hiccup</html>")
    with pytest.raises(InfraError, match="not JSON.*after 2 attempts"):
        ask(canned.model(max_retries=1))


def test_an_answer_without_choices_is_an_infra_error(canned):
    canned.answer(200, {"id": "x", "choices": []})
    with pytest.raises(InfraError, match="without choices"):
        ask(canned.model())


def test_what_is_sent_and_what_is_read(canned):
    canned.answer(
        200,
        {
            "choices": [
                {
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "find", "arguments": {"email": "a@b.c"}},
                            },
                        ],
                    },
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 10, "prompt_tokens_details": {"cached_tokens": 800}},
        },
    )
    completion = ask(canned.model(), seed=5)
    [sent] = canned.requests
    assert sent["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert sent["json"] == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.0,
        "seed": 5,
    }
    # a server that sends arguments as an object: the agent sees the same JSON text
    assert completion.tool_calls[0].arguments == '{"email": "a@b.c"}'
    # gpt-4o-mini: 200 fresh prompt tokens at $0.15/M, 800 cached at $0.075/M, 10 out at $0.60/M
    assert completion.usage.cost_usd == pytest.approx(200 * 0.15e-6 + 800 * 0.075e-6 + 10 * 0.6e-6)


def test_an_unpriced_model_has_unknown_cost_not_zero(canned):
    canned.answer(
        200, {"choices": [{"message": {"content": "hi"}}], "usage": {"prompt_tokens": 5, "completion_tokens": 1}}
    )
    model = canned.model().model_copy(update={"model": "openai/my-local-finetune"})
    assert ask(model).usage.cost_usd is None


def test_only_openai_compatible_models_can_use_the_transport():
    check_model_string("openai/my-vllm-model", "openai-http")
    check_model_string("gpt-4o-mini", "openai-http")
    with pytest.raises(ConfigError, match="served by 'anthropic'.*--transport litellm"):
        check_model_string("anthropic/claude-3-5-sonnet-20240620", "openai-http")


@pytest.mark.parametrize(
    "body, what",
    [
        ({"choices": [{"message": "just text"}]}, "not a chat completion"),
        ({"choices": [{"message": {"content": [{"type": "text", "text": "hi"}]}}]}, "content is list, not text"),
        ({"choices": [{"message": {"tool_calls": ["find"]}}]}, "not a chat completion"),
        ({"choices": [{"message": {"content": "hi"}}], "usage": {"prompt_tokens": "many"}}, "not a chat completion"),
    ],
)
def test_a_response_in_the_wrong_shape_is_a_clear_infra_error(canned, body, what):
    canned.answer(200, body)
    with pytest.raises(InfraError, match=what):
        ask(canned.model(max_retries=2))
    assert len(canned.requests) == 1  # the same server would answer the same way again
