"""The openai-http transport: what it sends, how it reads answers and errors, and that it agrees
with the litellm transport on text, tool calls, usage and cost."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from conftest import ServerThread

from benchmarks.mock_server import MockModelServer
from frontdesk.errors import ConfigError, CredentialError
from frontdesk.llm import InfraError, ModelConfig, ModelOutputError, aclose, check_model_string, complete
from frontdesk.llm.openai_http import DEFAULT_API_BASE, endpoint, proxy_for, request_body

SECRET = "sk-frontdesk-FAKE-7777-do-not-leak"


class CannedApp:
    """A loopback server whose /v1/chat/completions answers with whatever a test sets, counting requests.

    With ``chunked``, the body is streamed without a Content-Length, in 64 KiB pieces."""

    def __init__(self) -> None:
        self.status, self.body, self.requests = 200, b"{}", []
        self.chunked = False
        self.port = 0

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append({"headers": dict(request.headers), "json": await request.json()})
        if not self.chunked:
            return web.Response(status=self.status, body=self.body, content_type="application/json")
        response = web.StreamResponse(status=self.status, headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for start in range(0, len(self.body), 64 * 1024):
                await response.write(self.body[start : start + 64 * 1024])
            await response.write_eof()
        except ConnectionError:  # the client stopped reading, as it should past the limit
            pass
        return response

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


def test_credentials_in_the_url_leave_it_and_become_basic_auth_unless_a_key_is_given(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-not-for-this-host")
    url, headers = endpoint({"api_base": "http://ana:p%40ss@proxy.internal:8443/v1"})
    assert url == "http://proxy.internal:8443/v1/chat/completions"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"ana:p@ss").decode()  # the env key stays home
    url, headers = endpoint({"api_base": "http://ana:pw@proxy.internal/v1", "api_key": "sk-param"})
    assert url == "http://proxy.internal/v1/chat/completions" and headers["Authorization"] == "Bearer sk-param"
    headers = endpoint({"api_base": "http://ana:pw@h/v1", "extra_headers": {"Authorization": "Token t"}})[1]
    assert headers["Authorization"] == "Token t"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://bob:pw@env-host/v1")
    url, headers = endpoint({})
    assert url == "http://env-host/v1/chat/completions" and headers["Authorization"].startswith("Basic ")


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


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_not_retried_name_the_variable_and_hide_the_key(canned, status):
    canned.answer(status, {"error": {"message": f"Incorrect API key provided: {SECRET}"}})
    with pytest.raises(CredentialError) as raised:
        ask(canned.model(max_retries=3))
    message = str(raised.value)
    assert len(canned.requests) == 1 and f"HTTP {status}" in message
    assert "'openai' rejected the credentials" in message and "api_key parameter" in message
    assert "Incorrect API key" in message and SECRET not in message


def test_a_client_error_is_not_retried_and_its_message_hides_the_key(canned):
    canned.answer(400, {"error": {"message": f"unknown parameter for key {SECRET}"}})
    with pytest.raises(InfraError) as raised:
        ask(canned.model(max_retries=3))
    message = str(raised.value)
    assert len(canned.requests) == 1 and "not retried" in message and "HTTP 400" in message
    assert "unknown parameter" in message and SECRET not in message


def test_openai_without_any_key_is_refused_before_a_request(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    model = ModelConfig(model="openai/gpt-4o-mini", transport="openai-http", max_retries=4, retry_wait_s=1.0)
    with pytest.raises(CredentialError, match=r"no credentials for provider 'openai': set OPENAI_API_KEY"):
        ask(model)


def test_a_server_error_is_retried_then_reported(canned):
    canned.answer(503, b"upstream overloaded")
    with pytest.raises(InfraError, match=r"HTTP 503: upstream overloaded \(after 3 attempts\)"):
        ask(canned.model(max_retries=2))
    assert len(canned.requests) == 3


def test_a_complete_answer_that_is_not_json_is_the_models_not_retried(canned):
    canned.answer(200, b"<html>I am not JSON</html>")
    with pytest.raises(ModelOutputError, match="not JSON: '<html>I am not JSON</html>'") as raised:
        ask(canned.model(max_retries=3))
    assert len(canned.requests) == 1
    assert raised.value.usage.calls == 1 and raised.value.usage.cost_usd is None  # paid for, price unknown


@pytest.mark.parametrize("body", [{"id": "x", "choices": []}, {"id": "x"}, [1, 2]], ids=["empty", "absent", "list"])
def test_an_answer_without_choices_is_the_models_not_retried(canned, body):
    canned.answer(200, body)
    with pytest.raises(ModelOutputError, match="no choices|not a chat completion"):
        ask(canned.model(max_retries=3))
    assert len(canned.requests) == 1


def test_an_answer_without_choices_is_still_charged_for_its_usage(canned):
    canned.answer(200, {"choices": [], "usage": {"prompt_tokens": 1000, "completion_tokens": 10}})
    with pytest.raises(ModelOutputError) as raised:
        ask(canned.model())
    usage = raised.value.usage
    assert usage.calls == 1 and usage.prompt_tokens == 1000 and usage.cost_usd > 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversize_body_is_refused_without_reading_it_all(canned, chunked):
    from frontdesk.llm.output import MAX_RESPONSE_BYTES

    text = "x" * (MAX_RESPONSE_BYTES + 1)
    canned.answer(200, {"choices": [{"message": {"content": text}}]})
    canned.chunked = chunked
    with pytest.raises(ModelOutputError, match="may be at most 4,194,304"):
        ask(canned.model(max_retries=3))
    assert len(canned.requests) == 1


def test_a_chunked_body_within_the_limit_is_read_whole(canned):
    canned.answer(200, {"choices": [{"message": {"content": "y" * 300_000}}]})
    canned.chunked = True
    assert ask(canned.model()).text == "y" * 300_000


def test_a_body_nested_past_the_depth_limit_is_refused_before_decoding(canned):
    nested = b"[" * 100_000 + b"]" * 100_000
    canned.answer(
        200,
        b'{"choices": [{"message": {"content": null, "tool_calls": [{"function": {"name": "f", '
        b'"arguments": {"a": ' + nested + b"}}}]}}]}",
    )
    with pytest.raises(ModelOutputError, match="deeper than the limit of 256 levels"):
        ask(canned.model())


def test_arguments_nested_deep_inside_a_string_are_passed_on_untouched(canned):
    # Inside a string brackets are text: the toolkit's argument parser, not this layer, refuses them.
    arguments = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    canned.answer(
        200,
        {"choices": [{"message": {"tool_calls": [{"id": "c", "function": {"name": "f", "arguments": arguments}}]}}]},
    )
    assert ask(canned.model()).tool_calls[0].arguments == arguments


def test_lone_surrogates_become_replacement_characters(canned):
    canned.answer(
        200,
        b'{"choices": [{"message": {"content": "caf\\u00e9 \\ud800 \\ud83d\\ude00", "tool_calls": '
        b'[{"id": "c\\udc00", "function": {"name": "think", "arguments": "{\\"thought\\": \\"\\ud800\\"}"}}]}}]}',
    )
    completion = ask(canned.model())
    assert completion.text == "caf\u00e9 \ufffd \U0001f600"
    assert completion.tool_calls[0].id == "c\ufffd"
    assert completion.tool_calls[0].arguments == '{"thought": "\ufffd"}'
    completion.model_dump_json()  # serialisable: what the store does with it


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
        ({"choices": [{"message": {"tool_calls": [{"id": 7, "function": {"name": "f"}}]}}]}, "id is int, not text"),
        ({"choices": [{"message": {"content": "hi"}}], "usage": {"prompt_tokens": "many"}}, "not a chat completion"),
    ],
)
def test_a_response_in_the_wrong_shape_is_the_models_clear_error(canned, body, what):
    canned.answer(200, body)
    with pytest.raises(ModelOutputError, match=what):
        ask(canned.model(max_retries=2))
    assert len(canned.requests) == 1  # the same server would answer the same way again


def test_tool_call_messages_go_out_with_empty_content_and_tools_with_tool_choice(canned):
    # Servers such as llama.cpp answer 500 to null content; llama-cpp-python drops tools without tool_choice.
    canned.answer(200, {"choices": [{"message": {"content": "ok"}}], "usage": {"prompt_tokens": 1}})
    call = {"id": "c1", "type": "function", "function": {"name": "think", "arguments": "{}"}}
    tools = [{"type": "function", "function": {"name": "think", "parameters": {"type": "object", "properties": {}}}}]
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "name": "think", "content": "noted"},
    ]

    async def go() -> None:
        try:
            await complete(canned.model(), messages, tools=tools)
            run_wide = canned.model()
            run_wide.params["tool_choice"] = "auto"  # --llm-param tool_choice=auto, on a tool-less call
            await complete(run_wide, messages[:1])
        finally:
            await aclose()

    asyncio.run(go())
    with_tools, without = (r["json"] for r in canned.requests)
    assert with_tools["messages"][1] == {"role": "assistant", "content": "", "tool_calls": [call]}
    assert with_tools["messages"][2] == messages[2]  # role tool, tool_call_id, string content
    assert with_tools["tool_choice"] == "auto" and with_tools["tools"] == tools
    assert "tool_choice" not in without and "tools" not in without  # never without tools


def test_request_body_fixes_what_strict_servers_refuse_on_its_own():
    body = request_body(
        {
            "model": "openai/x",
            "messages": [{"role": "assistant", "content": None, "tool_calls": []}, {"role": "tool", "content": None}],
            "tool_choice": "auto",
            "parallel_tool_calls": False,
        }
    )
    assert [m["content"] for m in body["messages"]] == ["", ""]
    assert "tool_choice" not in body and "parallel_tool_calls" not in body
