"""Secrets never leak: redact() for structured data, scrub() for text, and credentials in api_base
that work through both transports (against the mock model server on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ServerThread

from benchmarks.mock_server import MockModelServer
from frontdesk.errors import CredentialError
from frontdesk.eval import RunConfig, load_run, run
from frontdesk.llm import ModelConfig, aclose, complete
from frontdesk.redact import (
    MIN_SECRET_LENGTH,
    REDACTED,
    known_secrets,
    redact,
    refresh_environment,
    register_secret,
    register_secrets_in,
    scrub,
    split_url_credentials,
)

USER, PASSWORD = "evals", "pr0xy-PASSWORD-do-not-leak"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
ENV_KEY = "sk-env-FAKE-31337-do-not-leak"


@pytest.fixture(params=["litellm", "openai-http"])
def transport(request) -> str:
    return request.param


@pytest.fixture
def env_key(monkeypatch) -> str:
    """OPENAI_API_KEY set in the environment only (no parameter names it), read again by scrub()."""
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    refresh_environment()
    return ENV_KEY


def ask(server: MockModelServer, transport: str, params: dict) -> str | None:
    async def go() -> str | None:
        model = ModelConfig(model="openai/mock-user", params=params, transport=transport, max_retries=3)
        try:
            return (await complete(model, [{"role": "user", "content": "hi"}])).text
        finally:
            await aclose()

    return asyncio.run(go())


def with_credentials(server: MockModelServer, user: str = USER, password: str = PASSWORD) -> str:
    return server.api_base.replace("http://", f"http://{user}:{password}@")


# --- redact ------------------------------------------------------------------------------------


def test_redact_masks_secret_keys_and_url_credentials_at_any_depth():
    config = {
        "llm_params": {
            "api_base": f"http://{USER}:{PASSWORD}@gpu-box:8000/v1",
            "api_key": "sk-x",
            "max_tokens": 64,
            "fallbacks": [{"api_base": "https://tok3n-only@host/v1"}, "http://plain-host/v1"],
        }
    }
    out = redact(config)["llm_params"]
    assert out["api_base"] == f"http://{REDACTED}@gpu-box:8000/v1"
    assert out["api_key"] == REDACTED and out["max_tokens"] == 64
    assert out["fallbacks"] == [{"api_base": f"https://{REDACTED}@host/v1"}, "http://plain-host/v1"]
    assert PASSWORD not in str(out) and "tok3n-only" not in str(out)


def test_redact_leaves_text_that_only_looks_like_a_url_alone():
    for text in ["ana@example.com", "see http://host/a@b", "mailto:ana@example.com", "not a url"]:
        assert redact(text) == text


def test_split_url_credentials():
    assert split_url_credentials("http://a:b%40c@h:1/v1") == ("http://h:1/v1", "a", "b@c")
    assert split_url_credentials("https://token@h/v1") == ("https://h/v1", "token", None)
    assert split_url_credentials("http://h/v1") == ("http://h/v1", None, None)


def test_the_manifest_of_a_run_config_holds_no_url_credentials():
    config = RunConfig(domain="mock", llm_params={"api_base": f"http://{USER}:{PASSWORD}@gpu-box/v1"})
    assert PASSWORD not in str(config.public_dict())


# --- scrub -------------------------------------------------------------------------------------


def test_scrub_removes_secret_environment_values_by_variable_name(monkeypatch):
    monkeypatch.setenv("ACME_API_KEY", "acme-key-0123456789")
    monkeypatch.setenv("HF_TOKEN", "hf_abcdefghijkl")
    monkeypatch.setenv("DB_PASSWORD", "hunter2hunter2")
    monkeypatch.setenv("SHORT_TOKEN", "1")  # too short to be a secret: scrubbing it would mangle every "1"
    monkeypatch.setenv("HTTPS_PROXY", "http://proxyuser:proxy-pass-77@proxy:3128")
    monkeypatch.setenv("HARMLESS_SETTING", "acme-not-secret-value")
    refresh_environment()
    text = (
        "got acme-key-0123456789 and hf_abcdefghijkl and hunter2hunter2, order 1 of 1, "
        "proxy-pass-77, acme-not-secret-value"
    )
    scrubbed = scrub(text)
    assert "acme-key" not in scrubbed and "hf_abc" not in scrubbed and "hunter2" not in scrubbed
    assert "proxy-pass-77" not in scrubbed
    assert "order 1 of 1" in scrubbed and "acme-not-secret-value" in scrubbed


def test_scrub_removes_registered_secrets_and_ignores_short_ones():
    register_secret("registered-secret-424242")
    register_secret("abc")
    assert len("abc") < MIN_SECRET_LENGTH
    assert scrub("x registered-secret-424242 y abc") == f"x {REDACTED} y abc"


def test_register_secrets_in_finds_secret_params_and_url_passwords():
    register_secrets_in(
        {"api_key": "param-key-9876543210", "api_base": "http://u:url-password-31@h/v1", "max_tokens": 12345678}
    )
    secrets = known_secrets()
    assert "param-key-9876543210" in secrets and "url-password-31" in secrets
    assert "12345678" not in secrets  # not under a secret key


def test_scrub_strips_credentials_of_any_url_and_bearer_tokens_but_not_words():
    text = (
        "POST http://someone:s3cr3t@gpu-box/v1 failed; header Bearer abcdefghijklmnopqrstuvwxyz012345; "
        "Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==; write to ana@example.com; "
        "the basic unlimited plan; the bearer of bad news"
    )
    out = scrub(text)
    assert "s3cr3t" not in out and f"http://{REDACTED}@gpu-box/v1" in out
    assert "abcdefghijklmnop" not in out and "dXNlcjpw" not in out
    assert "ana@example.com" in out and "the basic unlimited plan" in out and "the bearer of bad news" in out


def test_scrub_is_cheap_on_a_large_text():
    import time

    register_secret("some-registered-secret-1234")
    text = "ana@example.com ordered #O5000 for $1,234.50. " * 20_000  # about 1 MB, no secrets
    started = time.perf_counter()
    for _ in range(10):
        assert scrub(text) is text or scrub(text) == text
    assert (time.perf_counter() - started) / 10 < 0.05


# --- through the LLM layer ---------------------------------------------------------------------


@pytest.fixture
def basic_auth_server() -> Iterator[MockModelServer]:
    with ServerThread(MockModelServer(authorization=BASIC)) as server:
        yield server


def test_credentials_in_api_base_are_sent_as_basic_auth(basic_auth_server, transport, env_key):
    # The environment's OpenAI key must not go to a host that authenticates with the URL's credentials.
    text = ask(basic_auth_server, transport, {"api_base": with_credentials(basic_auth_server)})
    assert text and basic_auth_server.stats.unauthorized == 0


def test_an_api_key_parameter_wins_over_credentials_in_api_base(transport):
    with ServerThread(MockModelServer(authorization="Bearer sk-param-key-123456")) as server:
        params = {"api_base": with_credentials(server), "api_key": "sk-param-key-123456"}
        assert ask(server, transport, params)
        assert server.stats.unauthorized == 0


def test_wrong_url_credentials_are_a_credential_error_that_hides_them(basic_auth_server, transport):
    params = {"api_base": with_credentials(basic_auth_server, password="wrong-password-55")}
    with pytest.raises(CredentialError) as raised:
        ask(basic_auth_server, transport, params)
    message = str(raised.value)
    assert basic_auth_server.stats.requests == 1  # refused credentials are never retried
    assert "user:password in api_base" in message
    assert "wrong-password-55" not in message and "Incorrect API key provided" in message


def test_a_provider_echoing_the_environments_key_never_shows_it(transport, env_key):
    # The server echoes the Authorization header it got, as OpenAI does for a wrong key.
    server = MockModelServer(authorization="Bearer something-else-entirely")
    with ServerThread(server), pytest.raises(CredentialError) as raised:
        ask(server, transport, {"api_base": server.api_base})
    message = str(raised.value)
    assert "Incorrect API key provided" in message and ENV_KEY not in message
    assert "OPENAI_API_KEY" in message and "'openai'" in message


def test_a_run_with_credentials_in_api_base_works_and_writes_them_nowhere(basic_auth_server, transport, tmp_path):
    folder: Path = tmp_path / "run"
    config = RunConfig(
        transport=transport,
        domain="mock",
        agent="openai/mock-agent",
        user="openai/mock-user",
        task_ids=["product-price"],
        trials=1,
        llm_params={"api_base": with_credentials(basic_auth_server)},
        call_timeout_s=10.0,
    )
    run(config, folder)
    [record] = load_run(folder).records
    assert record.termination.value == "user_stop" and basic_auth_server.stats.unauthorized == 0
    for path in folder.rglob("*"):
        if path.is_file():
            assert PASSWORD not in path.read_text(encoding="utf-8", errors="replace"), f"leaked into {path}"


def test_planted_keys_reach_no_file_and_no_console_line(tmp_path):
    """The attack in miniature: a key in the environment, a password in the URL, a provider that
    echoes what it got. Nothing the CLI prints or writes may hold either."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    server = MockModelServer(authorization="Bearer something-else-entirely")
    folder = tmp_path / "run"
    with ServerThread(server):
        env = {**os.environ, "OPENAI_API_KEY": ENV_KEY, "COLUMNS": "300"}
        outputs = []
        for api_base in (server.api_base, with_credentials(server)):
            for transport in ("litellm", "openai-http"):
                result = subprocess.run(
                    [sys.executable, "-m", "frontdesk", "run", "--domain", "mock", "--task", "product-price",
                     "--agent", "openai/mock-agent", "--user", "openai/mock-user", "--transport", transport,
                     "--llm-param", f"api_base={api_base}", "--out", str(folder)],
                    cwd=root, capture_output=True, text=True, timeout=120, env=env,
                )  # fmt: skip
                assert result.returncode == 2, result.stderr  # a refused credential stops the run
                outputs.append(result.stdout + result.stderr)
        report = subprocess.run(
            [sys.executable, "-m", "frontdesk", "report", str(folder), "--html"],
            cwd=root, capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        outputs.append(report.stdout + report.stderr)
    for text in outputs:
        assert ENV_KEY not in text and PASSWORD not in text, text
    assert any("rejected the credentials" in text or "Incorrect API key" in text for text in outputs)
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_text(encoding="utf-8", errors="replace")
            assert ENV_KEY not in content and PASSWORD not in content, f"leaked into {path}"
