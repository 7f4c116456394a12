"""The openai-http path never imports litellm (seconds of start-up), and prices calls as litellm does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ServerThread

from benchmarks.mock_server import MockModelServer
from frontdesk.llm.prices import price_openai_call

ROOT = Path(__file__).resolve().parents[1]

RUN = """
import sys, frontdesk
run = frontdesk.evaluate("mock", agent="openai/gpt-4o-mini", user="openai/gpt-4o-mini", out=sys.argv[2],
                         task_ids=["product-price"], transport="openai-http",
                         llm_params={"api_base": sys.argv[1], "api_key": "sk-mock"})
assert len(run.records) == 1, run.summary
assert run.records[0].agent_usage.cost_usd, "priced"
print("litellm imported:", "litellm" in sys.modules)
"""


def test_a_whole_openai_http_run_never_imports_litellm(tmp_path):
    with ServerThread(MockModelServer()) as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, "-c", RUN, server.api_base, str(tmp_path / "run")],
            cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "litellm imported: False" in result.stdout


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4o", "gpt-4.1-nano", "o3-mini"])
@pytest.mark.parametrize(
    "usage",
    [
        {"prompt_tokens": 1000, "completion_tokens": 200},
        {"prompt_tokens": 1000, "completion_tokens": 200, "prompt_tokens_details": {"cached_tokens": 400}},
        {"prompt_tokens": 0, "completion_tokens": 0},
    ],
)
def test_prices_match_litellms_own(model, usage):
    from frontdesk.llm import import_litellm

    litellm = import_litellm()
    prompt, completion = litellm.cost_per_token(
        model=model,
        custom_llm_provider="openai",
        prompt_tokens=usage["prompt_tokens"],
        completion_tokens=usage["completion_tokens"],
        usage_object=litellm.Usage(**{**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}),
    )
    assert price_openai_call(f"openai/{model}", usage) == pytest.approx(prompt + completion, rel=1e-9, abs=1e-15)


def test_an_unknown_model_is_unpriced_not_free():
    assert price_openai_call("openai/mock-agent", {"prompt_tokens": 10, "completion_tokens": 5}) is None
