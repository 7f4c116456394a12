"""frontdesk.llm.complete against the offline replay provider: replies, tool calls, retries, errors."""

from __future__ import annotations

import pytest
from conftest import (
    COMPLETION_TOKENS,
    COST_PER_CALL,
    PROMPT_TOKENS,
    Call,
    Repeat,
    Say,
    auth_error,
    rate_limit,
    server_error,
)

from frontdesk.errors import ConfigError, CredentialError
from frontdesk.llm import InfraError, ModelConfig, ModelOutputError, check_model_string, complete, is_transient
from frontdesk.redact import known_secrets

HELLO = [{"role": "user", "content": "hello"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "find_customer_by_email",
            "description": "Find a customer.",
            "parameters": {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]},
        },
    }
]


def fast(model: str = "replay/agent", **kw) -> ModelConfig:
    return ModelConfig(model=model, retry_wait_s=0, **kw)


def test_replay_provider_is_an_accepted_model_string(replay):
    check_model_string("replay/agent")
    check_model_string("replay/user")


async def test_text_reply_with_usage_and_cost(replay):
    replay.script("agent", [Say("Hi, how can I help?")])
    out = await complete(fast(), HELLO)
    assert out.text == "Hi, how can I help?"
    assert out.tool_calls == []
    assert out.finish_reason == "stop"
    assert out.usage.calls == 1
    assert out.usage.prompt_tokens == PROMPT_TOKENS
    assert out.usage.completion_tokens == COMPLETION_TOKENS
    assert out.usage.cost_usd == pytest.approx(COST_PER_CALL)
    assert len(replay.requests) == 1
    assert replay.requests[0].messages == HELLO


async def test_unpriced_model_cost_is_unknown_not_zero(replay):
    replay.script("unpriced", [Say("ok")])
    out = await complete(fast("replay/unpriced"), HELLO)
    assert out.text == "ok"
    assert out.usage.prompt_tokens == PROMPT_TOKENS
    assert out.usage.cost_usd is None


async def test_tool_calls_pass_through_with_raw_arguments(replay):
    good = '{"email": "ana.silva@example.com"}'
    malformed = '{"email": "ana.silva@example.com"'  # missing brace: the agent's mistake, kept as is
    replay.script(
        "agent",
        [[Call("find_customer_by_email", good, id="c-good"), Call("find_customer_by_email", malformed, id="c-bad")]],
    )
    out = await complete(fast(), HELLO, tools=TOOLS)
    assert out.text is None
    assert out.finish_reason == "tool_calls"
    assert [(c.id, c.name, c.arguments) for c in out.tool_calls] == [
        ("c-good", "find_customer_by_email", good),
        ("c-bad", "find_customer_by_email", malformed),
    ]
    assert all(isinstance(c.arguments, str) for c in out.tool_calls)
    assert replay.requests[0].optional_params["tools"] == TOOLS


async def test_empty_and_non_json_arguments_are_untouched(replay):
    replay.script("agent", [[Call("think", "not json at all", id="a"), Call("think", "[1, 2]", id="b")]])
    out = await complete(fast(), HELLO, tools=TOOLS)
    assert [c.arguments for c in out.tool_calls] == ["not json at all", "[1, 2]"]


@pytest.mark.parametrize("error", [rate_limit, server_error], ids=["rate_limit", "internal_server_error"])
async def test_transient_error_is_retried_then_succeeds(replay, error):
    replay.script("agent", [error(), error(), Say("finally")])
    out = await complete(fast(max_retries=3), HELLO)
    assert out.text == "finally"
    assert len(replay.requests) == 3
    # every attempt is the same request
    assert all(r.messages == HELLO for r in replay.requests)


async def test_persistent_transient_failure_raises_infra_error_after_all_attempts(replay):
    replay.script("agent", [Repeat(rate_limit("quota exhausted"))])
    with pytest.raises(InfraError) as info:
        await complete(fast(max_retries=2), HELLO)
    assert len(replay.requests) == 3  # max_retries + 1
    message = str(info.value)
    assert "RateLimitError" in message
    assert "3 attempts" in message
    assert "replay/agent" in message


async def test_max_retries_zero_means_one_attempt(replay):
    replay.script("agent", [Repeat(server_error())])
    with pytest.raises(InfraError):
        await complete(fast(max_retries=0), HELLO)
    assert len(replay.requests) == 1


async def test_non_transient_error_is_not_retried(replay):
    from conftest import litellm_module

    litellm = litellm_module()
    bad_request = litellm.BadRequestError("unsupported parameter", model="replay", llm_provider="replay")
    replay.script("agent", [bad_request, Say("never reached")])
    with pytest.raises(InfraError) as info:
        await complete(fast(max_retries=4), HELLO)
    assert len(replay.requests) == 1
    assert "BadRequestError" in str(info.value)
    assert "not retried" in str(info.value)
    assert replay.remaining("agent") == [Say("never reached")]


async def test_a_refused_key_is_a_credential_error_at_once_naming_the_provider_and_variable(replay):
    replay.script("agent", [auth_error("invalid api key"), Say("never reached")])
    with pytest.raises(CredentialError) as info:
        await complete(fast(max_retries=4), HELLO)
    message = str(info.value)
    assert len(replay.requests) == 1  # never retried: no retry fixes a wrong key
    assert "'replay'" in message and "REPLAY_API_KEY" in message and "invalid api key" in message
    assert "\n" not in message
    assert not isinstance(info.value, InfraError)  # a rerun cannot fix it either


async def test_permission_denied_is_a_credential_error(replay):
    from conftest import litellm_module

    litellm = litellm_module()
    denied = litellm.PermissionDeniedError(
        "project has no access", llm_provider="replay", model="replay", response=_response(403)
    )
    replay.script("agent", [denied])
    with pytest.raises(CredentialError, match="rejected the credentials"):
        await complete(fast(max_retries=4), HELLO)
    assert len(replay.requests) == 1


async def test_missing_credentials_wrapped_as_a_server_error_are_not_retried(replay):
    # litellm reports the OpenAI SDK's "Missing credentials" as an InternalServerError, which looks transient.
    import openai

    def missing_key() -> Exception:
        try:
            raise openai.OpenAIError("Missing credentials. Please pass an `api_key`, or set OPENAI_API_KEY.")
        except openai.OpenAIError:
            try:
                raise server_error("OpenAIException - Missing credentials. Please pass an `api_key`.")
            except Exception as wrapped:
                return wrapped

    replay.script("agent", [missing_key(), Say("never reached")])
    with pytest.raises(CredentialError, match=r"no credentials for provider 'replay': set REPLAY_API_KEY"):
        await complete(fast(max_retries=4), HELLO)
    assert len(replay.requests) == 1


@pytest.mark.parametrize("api_base", [None, "https://api.openai.com/v1"], ids=["no-api-base", "openai-itself"])
async def test_an_unset_openai_key_fails_at_once_not_after_five_attempts(monkeypatch, api_base):
    # The SDK refuses before sending anything: OpenAI itself needs a real key, none is made up for it.
    import time

    for name in ("OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    params = {"api_base": api_base} if api_base else {}
    config = ModelConfig(model="openai/gpt-4o-mini", params=params, max_retries=4, retry_wait_s=1.0)
    started = time.monotonic()
    with pytest.raises(CredentialError) as info:
        await complete(config, HELLO)
    assert time.monotonic() - started < 1.0  # no backoff: the first attempt was the only one
    assert "OPENAI_API_KEY" in str(info.value) and "'openai'" in str(info.value)


def test_a_self_hosted_server_needs_no_key_through_litellm(monkeypatch):
    # llama.cpp, vLLM or Ollama at an api_base, no key anywhere: a placeholder key lets the SDK send.
    import asyncio

    from conftest import ServerThread

    from benchmarks.mock_server import MockModelServer
    from frontdesk.llm.client import SELF_HOSTED_PLACEHOLDER_KEY, with_self_hosted_key

    for name in ("OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with ServerThread(MockModelServer(authorization=f"Bearer {SELF_HOSTED_PLACEHOLDER_KEY}")) as server:
        config = ModelConfig(
            model="openai/qwen2.5-coder-1.5b", params={"api_base": server.api_base}, max_retries=0, transport="litellm"
        )
        out = asyncio.run(complete(config, [{"role": "user", "content": "hi"}]))
    assert out.text and server.stats.unauthorized == 0
    # a key that is set is never replaced, and other providers are left to litellm
    assert with_self_hosted_key({"model": "openai/x", "api_base": "http://h/v1", "api_key": "k"})["api_key"] == "k"
    assert "api_key" not in with_self_hosted_key({"model": "anthropic/claude-3-haiku", "api_base": "http://h/v1"})
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert "api_key" not in with_self_hosted_key({"model": "openai/x", "api_base": "http://h/v1"})


async def test_tool_choice_is_sent_with_tools_only(replay):
    # llama-cpp-python's server ignores tools without tool_choice; OpenAI refuses tool_choice without tools.
    replay.script("agent", [Say("a"), Say("b"), Say("c")])
    await complete(fast(), HELLO, tools=TOOLS)
    await complete(fast(params={"tool_choice": "required", "parallel_tool_calls": False}), HELLO, tools=TOOLS)
    await complete(fast(params={"tool_choice": "auto", "parallel_tool_calls": False}), HELLO)  # a tool-less call
    with_tools, overridden, without = (r.optional_params for r in replay.requests)
    assert with_tools["tool_choice"] == "auto"
    assert overridden["tool_choice"] == "required"  # --llm-param tool_choice=… wins
    assert "tool_choice" not in without and "parallel_tool_calls" not in without and "tools" not in without


async def test_assistant_tool_call_messages_go_out_with_empty_content_never_null(replay):
    replay.script("agent", [Say("ok")])
    call = {"id": "c1", "type": "function", "function": {"name": "find_customer_by_email", "arguments": "{}"}}
    messages = [
        *HELLO,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": {"customer_id": "C1000"}},
        {"role": "assistant", "tool_calls": [{**call, "id": "c2"}]},  # no content key at all
        {"role": "tool", "tool_call_id": "c2", "content": "C1000"},
    ]
    await complete(fast(), messages, tools=TOOLS)
    sent = replay.requests[0].messages
    assert [m.get("content") for m in sent] == ["hello", "", '{"customer_id": "C1000"}', "", "C1000"]
    assert messages[1]["content"] is None  # the caller's list is not changed


def _response(status: int):
    import httpx

    return httpx.Response(status, request=httpx.Request("POST", "http://replay.invalid/v1/chat/completions"))


def _transient_errors():
    from conftest import litellm_module

    litellm = litellm_module()
    return {
        "rate_limit": rate_limit(),
        "internal_server_error": server_error(),
        "service_unavailable": litellm.ServiceUnavailableError("503", llm_provider="replay", model="replay"),
        "bad_gateway": litellm.BadGatewayError("502", llm_provider="replay", model="replay"),
        "timeout": litellm.Timeout("provider timed out", model="replay", llm_provider="replay"),
        "connection": litellm.APIConnectionError("connection reset", llm_provider="replay", model="replay"),
        # litellm raises its generic APIError for 5xx statuses it has no dedicated class for (e.g. 520, or 500/503 for some providers)
        "api_error_503": litellm.APIError(status_code=503, message="overloaded", llm_provider="replay", model="replay"),
        "api_error_520": litellm.APIError(
            status_code=520, message="unknown origin error", llm_provider="replay", model="replay"
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "rate_limit",
        "internal_server_error",
        "service_unavailable",
        "bad_gateway",
        "timeout",
        "connection",
        "api_error_503",
        "api_error_520",
    ],
)
async def test_every_transient_provider_error_is_retried(replay, name):
    replay.script("agent", [_transient_errors()[name], Say("recovered")])
    out = await complete(fast(max_retries=1), HELLO)
    assert out.text == "recovered"
    assert len(replay.requests) == 2


async def test_client_error_api_error_is_not_retried(replay):
    from conftest import litellm_module

    litellm = litellm_module()
    replay.script("agent", [litellm.APIError(status_code=422, message="bad", llm_provider="replay", model="replay")])
    with pytest.raises(InfraError, match="not retried"):
        await complete(fast(max_retries=3), HELLO)
    assert len(replay.requests) == 1


def test_transient_classification():
    assert is_transient(rate_limit())
    assert is_transient(server_error())
    assert not is_transient(auth_error())
    assert not is_transient(ValueError("x"))
    assert not is_transient(ModelOutputError("the response has no choices"))


async def test_sampling_seed_and_extra_params_reach_the_provider(replay):
    replay.script("agent", [Say("ok")])
    config = fast(temperature=0.7, params={"max_tokens": 55, "top_p": 0.5, "api_base": "http://replay.invalid"})
    await complete(config, HELLO, seed=1234)
    request = replay.requests[0]
    assert request.optional_params["temperature"] == 0.7
    assert request.optional_params["seed"] == 1234
    assert request.optional_params["max_tokens"] == 55
    assert request.optional_params["top_p"] == 0.5
    assert request.api_base == "http://replay.invalid"
    assert "tools" not in request.optional_params  # no tools given, none sent


async def test_temperature_none_and_no_seed_are_not_sent(replay):
    replay.script("agent", [Say("ok")])
    await complete(fast(temperature=None), HELLO)
    params = replay.requests[0].optional_params
    assert "temperature" not in params
    assert "seed" not in params


async def test_api_key_param_reaches_the_provider(replay):
    replay.script("agent", [Say("ok")])
    await complete(fast(params={"api_key": "sk-test-not-real"}), HELLO)
    assert replay.requests[0].api_key == "sk-test-not-real"


@pytest.mark.parametrize(
    "model",
    ["nosuchprovider/some-model", "definitely-not-a-known-model-xyz", "", " replay/agent", "replay/agent "],
)
def test_unknown_or_malformed_model_string_is_a_config_error(replay, model):
    with pytest.raises(ConfigError) as info:
        check_model_string(model)
    assert "\n" not in str(info.value)


def test_custom_provider_is_unregistered_after_the_test():
    # No `replay` fixture here: the provider of other tests must not leak into this one.
    with pytest.raises(ConfigError):
        check_model_string("replay/agent")


@pytest.mark.parametrize("error", [auth_error, server_error], ids=["credential_error", "infra_error"])
async def test_provider_error_text_never_carries_the_api_key(replay, error):
    secret = "sk-test-SECRET-in-error-9911"
    replay.script("agent", [error(f"invalid api key {secret} for this project")])
    config = ModelConfig(model="replay/agent", params={"api_key": secret}, max_retries=0)
    with pytest.raises((InfraError, CredentialError)) as caught:
        await complete(config, [{"role": "user", "content": "hi"}])
    assert secret not in str(caught.value) and "***" in str(caught.value)


@pytest.mark.parametrize("error", [auth_error, server_error], ids=["credential_error", "infra_error"])
async def test_provider_error_text_never_carries_a_key_from_the_environment(replay, monkeypatch, error):
    # Only the environment holds this key (set after the secrets were first read): no parameter names it.
    secret = "sk-env-SECRET-echoed-back-5150"
    known_secrets()  # the process has read its secrets already, as it has in a long run
    monkeypatch.setenv("REPLAY_API_KEY", secret)
    replay.script("agent", [error(f"Incorrect API key provided: {secret}")])  # no "Bearer" to give it away
    with pytest.raises((InfraError, CredentialError)) as caught:
        await complete(fast(max_retries=0), HELLO)
    assert secret not in str(caught.value) and "Incorrect API key provided" in str(caught.value)
