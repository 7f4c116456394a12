"""End to end with LLM participants, served offline by the replay provider."""

from __future__ import annotations

import json
from pathlib import Path

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

from frontdesk.envs import get_domain
from frontdesk.errors import CredentialError
from frontdesk.eval import RunConfig, TerminationReason, load_run, run, trial_seed
from frontdesk.eval.store import INFRA_ERRORS, TRIALS
from frontdesk.simulators import DEFAULT_PERSONA_NAME, get_persona
from frontdesk.trajectory import Role

TASK = "cancel-pending-order"
EMAIL = "ana.silva@example.com"
FIND = Call("find_customer_by_email", json.dumps({"email": EMAIL}))
GET = Call("get_order_details", json.dumps({"order_id": "#O5000"}))
CANCEL = Call("cancel_order", json.dumps({"order_id": "#O5000", "reason": "no longer needed"}))
ASK_EMAIL = Say("Sure. What is the email address on your account?")
CONFIRM = Say("Order #O5000 is pending. Shall I cancel it with the reason 'no longer needed'? (yes/no)")
DONE = Say("Your order #O5000 is now cancelled. Is there anything else I can help you with?")

USER_SCRIPT = [
    Say("I'd like to cancel my order #O5000, please."),
    Say(f"It's {EMAIL}."),
    Say("Yes, please go ahead."),
    Say("No, that's all, thanks! ###STOP###"),
]
AGENT_SCRIPT = [ASK_EMAIL, FIND, GET, CONFIRM, CANCEL, DONE]


def config(**kw) -> RunConfig:
    # ratings off: these scripts hold every customer call; tests/test_ratings.py covers the rating call
    base = dict(
        domain="mock", agent="replay/agent", user="replay/user", task_ids=[TASK], max_retries=0, concurrency=1,
        ratings=False,
    )  # fmt: skip
    base.update(kw)
    return RunConfig(**base)


def lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_scripted_llm_agent_and_user_pass_the_task(replay, tmp_path):
    replay.script("agent", AGENT_SCRIPT)
    replay.script("user", USER_SCRIPT)
    folder = tmp_path / "run"
    run(config(), folder)

    view = load_run(folder)
    assert len(view.records) == 1
    record = view.records[0]
    assert record.termination is TerminationReason.USER_STOP, record.error
    assert record.reward == 1.0, record.verdict
    assert record.tool_errors == 0
    assert view.summary.rows[0].pass_hat_k == 1.0
    assert not (folder / INFRA_ERRORS).exists() or lines(folder / INFRA_ERRORS) == []

    # usage and cost, per message and per participant, as stored on disk
    stored = lines(folder / TRIALS)[0]
    messages = stored["messages"]
    model_messages = [m for m in messages if m["role"] in ("agent", "user")][1:]  # all but the greeting
    assert len(model_messages) == len(AGENT_SCRIPT) + len(USER_SCRIPT)
    for m in model_messages:
        assert m["usage"]["calls"] == 1
        assert m["usage"]["prompt_tokens"] == PROMPT_TOKENS
        assert m["usage"]["completion_tokens"] == COMPLETION_TOKENS
        assert m["usage"]["cost_usd"] == pytest.approx(COST_PER_CALL)
    assert messages[0]["role"] == "agent" and messages[0]["usage"] is None  # the greeting costs nothing
    assert stored["agent_usage"]["calls"] == len(AGENT_SCRIPT)
    assert stored["user_usage"]["calls"] == len(USER_SCRIPT)
    assert stored["agent_usage"]["cost_usd"] == pytest.approx(len(AGENT_SCRIPT) * COST_PER_CALL)
    assert stored["user_usage"]["prompt_tokens"] == len(USER_SCRIPT) * PROMPT_TOKENS
    assert view.agent_usage.calls == len(AGENT_SCRIPT)

    # the signal token is stripped from what the agent reads
    last = messages[-1]
    assert last["role"] == "user" and last["signal"] == "stop"
    assert "###" not in (last["content"] or "")

    # every request carried the trial's seed and the configured temperature
    seed = trial_seed(0, TASK, 0)
    assert record.seed == seed
    assert all(r.optional_params.get("seed") == seed for r in replay.requests)
    assert all(r.optional_params.get("temperature") == 0.0 for r in replay.requests)
    assert replay.remaining("agent") == [] and replay.remaining("user") == []


def test_agent_sees_policy_not_scenario_and_user_sees_no_tools(replay, tmp_path):
    replay.script("agent", AGENT_SCRIPT)
    replay.script("user", USER_SCRIPT)
    run(config(), tmp_path / "run")
    domain = get_domain("mock")
    scenario = domain.task(TASK).user_scenario

    agent_requests = replay.requests_for("agent")
    assert len(agent_requests) == len(AGENT_SCRIPT)
    for r in agent_requests:
        system = r.messages[0]
        assert system["role"] == "system"
        assert domain.policy.strip() in system["content"]
        assert sum(m["role"] == "system" for m in r.messages) == 1
        assert r.optional_params["tools"] == [t.openai_schema() for t in domain.agent_tools]
        text = json.dumps(r.messages)
        for secret in [
            *scenario.instructions,
            "# What you know",
            "# Your instructions",
            get_persona(DEFAULT_PERSONA_NAME).style,
            "###STOP###",
        ]:
            assert secret not in text
    # the agent does see its own tool calls and their results
    final = agent_requests[-1].messages
    assert any(m["role"] == "tool" and m["content"] == "C1000" for m in final)
    assert any(m["role"] == "assistant" and m.get("tool_calls") for m in final)
    assert [m["content"] for m in final if m["role"] == "user"] == [
        "I'd like to cancel my order #O5000, please.",
        f"It's {EMAIL}.",
        "Yes, please go ahead.",
    ]

    user_requests = replay.requests_for("user")
    assert len(user_requests) == len(USER_SCRIPT)
    for r in user_requests:
        assert r.messages[0]["role"] == "system"
        assert scenario.reason_for_contact in r.messages[0]["content"]
        assert all(i in r.messages[0]["content"] for i in scenario.instructions)
        assert domain.policy.strip() not in json.dumps(r.messages)
        assert "tools" not in r.optional_params  # the mock shop gives the customer no device tools
        for m in r.messages[1:]:
            assert m["role"] in ("user", "assistant")
            assert not m.get("tool_calls")
            assert m.get("content")
        text = json.dumps(r.messages)
        assert "C1000" not in text  # a tool result
        assert "cancel_order" not in text and "find_customer_by_email" not in text  # tool names
        assert '"status"' not in text
    # roles are flipped: the agent speaks as "user", the customer as "assistant"
    final = user_requests[-1].messages
    assert [m["content"] for m in final if m["role"] == "user"] == [
        "Hi! How can I help you today?",
        ASK_EMAIL.text,
        CONFIRM.text,
        DONE.text,
    ]
    assert [m["role"] for m in final[1:3]] == ["user", "assistant"]


def test_malformed_tool_call_then_correct_one_still_passes(replay, tmp_path):
    bad = Call("find_customer_by_email", '{"email": "ana.silva@example.com"')  # truncated JSON
    replay.script("agent", [ASK_EMAIL, bad, FIND, GET, CONFIRM, CANCEL, DONE])
    replay.script("user", USER_SCRIPT)
    folder = tmp_path / "run"
    run(config(), folder)

    [record] = load_run(folder).records
    assert record.termination is TerminationReason.USER_STOP
    assert record.reward == 1.0
    assert record.tool_errors == 1
    assert record.error_class is None
    assert lines(folder / INFRA_ERRORS) == []
    # the raw arguments are stored as sent, and the agent's next request shows it the error
    sent = [c for m in record.messages if m.role is Role.AGENT for c in m.tool_calls]
    assert sent[0].arguments == bad.arguments
    after_bad = replay.requests_for("agent")[2].messages
    assert after_bad[-1]["role"] == "tool"
    assert after_bad[-1]["content"].startswith("Error:") and "JSON" in after_bad[-1]["content"]
    assert after_bad[-2]["tool_calls"][0]["function"]["arguments"] == bad.arguments


def test_persistent_rate_limit_is_an_infra_failure_and_a_rerun_completes_it(replay, tmp_path):
    folder = tmp_path / "run"
    replay.script("user", [USER_SCRIPT[0]])
    replay.script("agent", [Repeat(rate_limit("too many requests"))])
    cfg = config(max_retries=0)
    plan = run(cfg, folder)
    assert len(plan.pending) == 1

    assert lines(folder / TRIALS) == []
    infra = lines(folder / INFRA_ERRORS)
    assert len(infra) == 1
    assert infra[0]["task_id"] == TASK and infra[0]["trial"] == 0
    assert infra[0]["termination"] == "infra_error"
    assert "RateLimitError" in infra[0]["error"]
    assert infra[0]["user_usage"]["calls"] == 1
    assert len(replay.requests_for("agent")) == 1  # max_retries=0: a single attempt

    view = load_run(folder)
    assert view.records == []
    assert view.summary.trials_pending == 1
    assert view.summary.infra_failures == 1
    assert view.pending_infra == 1
    assert view.summary.rows[0].pass_hat_k is None  # nothing scored: not a zero

    # the provider recovers; the same configuration resumes and completes the trial
    replay.script("agent", AGENT_SCRIPT)
    replay.script("user", USER_SCRIPT)
    plan = run(cfg, folder)
    assert plan.already_done == 0 and len(plan.pending) == 1
    view = load_run(folder)
    assert [(r.task_id, r.trial, r.reward) for r in view.records] == [(TASK, 0, 1.0)]
    assert view.pending_infra == 0
    assert view.summary.trials_pending == 0
    assert len(lines(folder / TRIALS)) == 1
    assert len(lines(folder / INFRA_ERRORS)) == 1  # the log of the lost attempt is kept

    # a third run has nothing left to do and asks the provider nothing
    before = len(replay.requests)
    plan = run(cfg, folder)
    assert plan.pending == [] and plan.already_done == 1
    assert len(replay.requests) == before


def test_user_model_failure_is_an_infra_failure_too(replay, tmp_path):
    folder = tmp_path / "run"
    replay.script("user", [Repeat(server_error("upstream exploded"))])
    replay.script("agent", [])
    run(config(max_retries=0), folder)
    assert lines(folder / TRIALS) == []
    [failure] = lines(folder / INFRA_ERRORS)
    assert "user model" in failure["error"] and "upstream exploded" in failure["error"]
    assert replay.requests_for("agent") == []


def test_a_refused_credential_stops_the_run_at_once_and_is_never_retried(replay, tmp_path):
    folder = tmp_path / "run"
    replay.script("user", [auth_error("bad key")])
    replay.script("agent", [])
    with pytest.raises(CredentialError, match="rejected the credentials"):
        run(config(), folder)
    assert len(replay.requests_for("user")) == 1  # not retried
    assert lines(folder / TRIALS) == [] and lines(folder / INFRA_ERRORS) == []


def test_max_retries_from_run_config_reaches_the_model_layer(replay, tmp_path):
    # max_retries=1: one rate-limited attempt is retried (the wait is at most 1 s of jitter).
    folder = tmp_path / "run"
    replay.script("agent", [rate_limit(), *AGENT_SCRIPT])
    replay.script("user", USER_SCRIPT)
    run(config(max_retries=1), folder)
    [record] = load_run(folder).records
    assert record.reward == 1.0
    assert len(replay.requests_for("agent")) == len(AGENT_SCRIPT) + 1


def test_empty_user_reply_is_a_user_error_excluded_from_scoring(replay, tmp_path):
    folder = tmp_path / "run"
    replay.script("user", [Say("   ")] * 3)  # the first try and both regenerations are empty
    replay.script("agent", [])
    run(config(), folder)
    [record] = load_run(folder).records
    assert record.termination is TerminationReason.USER_ERROR
    assert record.reward is None
    assert "failed the turn guards 3 times" in record.error and "empty" in record.error
    assert record.user_usage.calls == 3  # the lost attempts' spend is still recorded
    summary = load_run(folder).summary
    assert summary.trials_user_excluded == 1
    assert summary.trials_valid == 0


def test_user_transfer_signal_without_a_transfer_call_is_not_a_successful_transfer(replay, tmp_path):
    # The policy sends refunds to a human via `transfer_to_human_agents`. Here the agent only *says*
    # it transfers; the customer model, believing it, answers ###TRANSFER###. No transfer happened,
    # so the task (whose gold actions include the transfer call) must not pass.
    folder = tmp_path / "run"
    replay.script(
        "agent",
        [
            Say("Sure. What is the email address on your account?"),
            Call("find_customer_by_email", json.dumps({"email": "chen.li@example.com"})),
            Call("get_order_details", json.dumps({"order_id": "#O5002"})),
            Say("Refunds are handled by our human team. I'm transferring you to a human agent now."),
        ],
    )
    replay.script(
        "user",
        [Say("My order #O5002 arrived but I want my money back."), Say("chen.li@example.com"), Say("###TRANSFER###")],
    )
    run(config(task_ids=["transfer-refund-request"]), folder)
    [record] = load_run(folder).records
    assert record.termination is TerminationReason.TRANSFER
    called = [c.name for m in record.messages if m.role is Role.AGENT for c in m.tool_calls]
    assert "transfer_to_human_agents" not in called
    assert record.reward == 0.0, record.verdict


def test_requests_are_in_the_form_open_model_servers_accept(replay, tmp_path):
    # The agent's calls carry tool_choice with their tools, the customer's carry neither, even with
    # --llm-param tool_choice=auto; a tool-call turn goes back with content "" (llama.cpp: 500 on null).
    replay.script("agent", AGENT_SCRIPT)
    replay.script("user", USER_SCRIPT)
    run(config(llm_params={"tool_choice": "auto"}), tmp_path / "run")
    for r in replay.requests_for("agent"):
        assert r.optional_params["tool_choice"] == "auto" and r.optional_params["tools"]
    for r in replay.requests_for("user"):
        assert "tool_choice" not in r.optional_params and "tools" not in r.optional_params
    final = replay.requests_for("agent")[-1].messages
    calls = [m for m in final if m["role"] == "assistant" and m.get("tool_calls")]
    assert calls and all(m["content"] == "" for m in calls)
    results = [m for m in final if m["role"] == "tool"]
    assert results and all(isinstance(m["content"], str) and m["tool_call_id"] for m in results)
    assert {m["tool_call_id"] for m in results} == {c["id"] for m in calls for c in m["tool_calls"]}
