"""frontdesk.gym: both seats as Gymnasium environments over the real orchestrator, checker and run folder."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

gymnasium = pytest.importorskip("gymnasium")

from frontdesk.agents import to_openai_messages  # noqa: E402
from frontdesk.agents.tool_calling import SYSTEM_TEMPLATE  # noqa: E402
from frontdesk.envs import domain_names, get_domain  # noqa: E402
from frontdesk.errors import ConfigError, RunFolderError  # noqa: E402
from frontdesk.eval import load_run  # noqa: E402
from frontdesk.eval.compare import compare_runs  # noqa: E402
from frontdesk.eval.export import export_trials  # noqa: E402
from frontdesk.gym import AgentEnv, ScriptedPolicy, UserEnv, arollout, rollout  # noqa: E402

MOCK = get_domain("mock")
WRITES = MOCK.write_tool_names()
ALL_TASKS = [(t.split, t.id) for t in MOCK.tasks]


def play(env, policy, **reset):
    """One episode: (observations, final reward, terminated, truncated, final info)."""
    observation, info = env.reset(**reset)
    observations = [observation]
    while True:
        observation, reward, terminated, truncated, info = env.step(policy(observation))
        observations.append(observation)
        if terminated or truncated:
            return observations, reward, terminated, truncated, info


def conversation(messages):
    """A trajectory without its timestamps: what happened, comparable across runs."""
    return [m.model_dump(mode="json", exclude={"timestamp"}) for m in messages]


@pytest.fixture(scope="module")
def envs():
    made = {split: AgentEnv("mock", split=split) for split in ("train", "test")}
    yield made
    for env in made.values():
        env.close()


def test_import_frontdesk_does_not_import_gymnasium():
    code = (
        "import sys, frontdesk, frontdesk.seats, frontdesk.play; frontdesk.RunConfig; "
        "assert 'gymnasium' not in sys.modules, 'gymnasium imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(("split", "task_id"), ALL_TASKS)
def test_oracle_policy_gets_reward_one_on_every_mock_task(envs, split, task_id):
    env = envs[split]
    oracle = ScriptedPolicy(env, "scripted/oracle")
    # Actions as JSON text, the form a model's reply takes.
    _, reward, terminated, truncated, info = play(
        env, lambda o: json.dumps(oracle(o)), seed=3, options={"task_id": task_id}
    )
    assert (reward, terminated, truncated) == (1.0, True, False), info
    assert info["scored"] and info["failed"] == [] and info["error_class"] is None
    assert env.record.reward == 1.0 and env.record.task_id == task_id


@pytest.mark.parametrize(
    ("split", "task_id"), [(t.split, t.id) for t in MOCK.tasks if any(a.name in WRITES for a in t.gold_actions)]
)
def test_null_policy_gets_zero_on_every_write_task(envs, split, task_id):
    env = envs[split]
    _, reward, terminated, truncated, info = play(
        env, ScriptedPolicy(env, "scripted/null"), seed=3, options={"task_id": task_id}
    )
    assert reward == 0.0 and terminated and not truncated
    assert "db_state" in info["failed"] or "transfer" in info["failed"], info["failed"]


def test_the_same_seed_gives_the_same_episode_twice(envs):
    env = envs["train"]
    oracle = ScriptedPolicy(env)
    first = play(env, oracle, seed=11)  # no task id: the seed picks the task and the run seed
    record_1 = env.record
    other = play(env, oracle, seed=12)
    second = play(env, oracle, seed=11)
    record_2 = env.record
    assert first[0] == second[0]  # every observation, character for character
    assert first[1:] == second[1:]
    assert (record_1.task_id, record_1.seed) == (record_2.task_id, record_2.seed)
    assert conversation(record_1.messages) == conversation(record_2.messages)
    assert other[0][0] != first[0][0] or env.record.seed != record_1.seed


def test_an_episode_is_the_trial_a_run_plays(tmp_path):
    """Same task, trial index and run seed: the gym episode and `frontdesk run`'s trial are the same trial."""
    import frontdesk

    run = frontdesk.evaluate("mock", trials=2, out=tmp_path / "run", seed=5, split="train")
    env = AgentEnv("mock")
    oracle = ScriptedPolicy(env)
    for record in run.records:
        play(env, oracle, seed=5, options={"task_id": record.task_id, "trial": record.trial})
        mine = env.record
        assert (mine.seed, mine.reward, mine.termination) == (record.seed, record.reward, record.termination)
        assert conversation(mine.messages) == conversation(record.messages)
        assert mine.verdict.model_dump() == record.verdict.model_dump()
    env.close()


def test_the_observation_is_what_the_tool_calling_agent_is_sent(envs):
    env = envs["train"]
    observation, info = env.reset(seed=0, options={"task_id": "cancel-pending-order"})
    request = json.loads(observation)
    assert observation.isascii() and observation in env.observation_space
    assert request["tools"] == [t.openai_schema() for t in MOCK.agent_tools]
    system = SYSTEM_TEMPLATE.format(policy=MOCK.policy)
    assert request["messages"] == to_openai_messages(system, env.trajectory)
    assert request["messages"][-1] == {
        "role": "user",
        "content": MOCK.task("cancel-pending-order").user_scenario.reason_for_contact,
    }
    assert info["policy"] == MOCK.policy and info["task_id"] == "cancel-pending-order"
    call = {
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "find_customer_by_email", "arguments": '{"email": "ana.silva@example.com"}'},
            }
        ]
    }
    observation, reward, terminated, truncated, _ = env.step(call)
    messages = json.loads(observation)["messages"]
    assert messages[-2]["tool_calls"][0]["function"]["name"] == "find_customer_by_email"
    assert messages[-1] == {"role": "tool", "tool_call_id": "c1", "name": "find_customer_by_email", "content": "C1000"}
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert messages == to_openai_messages(system, env.trajectory)


@pytest.mark.parametrize(
    "action",
    [
        "not json at all",
        "[1, 2]",
        '{"content": 5}',
        {"tool_calls": "find_customer_by_email"},
        {"tool_calls": [{"function": {"arguments": "{}"}}]},
        {"role": "user", "content": "hi"},
        "[" * 5000,
        None,
    ],
)
def test_a_malformed_action_ends_the_turn_as_an_unusable_model_reply_would(envs, action):
    env = envs["train"]
    env.reset(seed=0, options={"task_id": "cancel-pending-order"})
    observation, reward, terminated, truncated, info = env.step(action)  # never raises
    assert (reward, terminated, truncated) == (0.0, True, False)
    assert info["termination"] == "agent_error" and info["error_class"] == "agent" and info["scored"]
    assert info["error"].startswith("MalformedAction: ")
    assert json.loads(observation)["messages"]  # still an observation


def test_bad_tool_arguments_and_unknown_tools_get_the_error_results_a_model_gets(envs):
    env = envs["train"]
    env.reset(seed=0, options={"task_id": "cancel-pending-order"})
    observation, reward, terminated, _, _ = env.step(
        {"tool_calls": [{"name": "get_order_details", "arguments": "{not json"}]}
    )
    last = json.loads(observation)["messages"][-1]
    assert (
        not terminated
        and last["role"] == "tool"
        and last["content"].startswith("Error: arguments for 'get_order_details'")
    )
    observation, _, terminated, _, _ = env.step({"tool_calls": [{"name": "refund_everything", "arguments": {}}]})
    assert not terminated and "unknown tool 'refund_everything'" in json.loads(observation)["messages"][-1]["content"]
    observation, _, terminated, _, _ = env.step(
        {"tool_calls": [{"name": "get_order_details", "arguments": {"order_id": 7}}]}
    )
    assert not terminated and "must be of type string" in json.loads(observation)["messages"][-1]["content"]
    assert env.trajectory[-1].tool_result.error is not None


def test_limits_behave_as_in_a_run():
    env = AgentEnv("mock", limits={"max_turns": 6})
    read = {"tool_calls": [{"name": "get_product_details", "arguments": {"sku": "P104"}}]}
    _, reward, terminated, truncated, info = play(env, lambda o: read, seed=0, options={"task_id": "product-price"})
    assert (reward, terminated, truncated) == (0.0, False, True)
    assert info["termination"] == "max_turns" and info["error_class"] == "agent" and info["scored"]
    env.close()

    env = AgentEnv("mock", limits={"max_tool_errors": 3})
    bad = {"tool_calls": [{"name": "no_such_tool"}]}
    _, reward, terminated, truncated, info = play(env, lambda o: bad, seed=0, options={"task_id": "product-price"})
    assert (reward, terminated, truncated) == (0.0, True, False)
    assert info["termination"] == "max_tool_errors" and env.record.tool_errors == 3
    env.close()


def test_the_test_split_is_served_only_when_named(envs):
    train = envs["train"]
    assert {t.split for t in train.tasks} == {"train"}
    for seed in range(20):
        train.reset(seed=seed)
        assert train.task.split == "train"
    test_task = next(t.id for t in MOCK.tasks if t.split == "test")
    with pytest.raises(ConfigError, match="split='test'"):
        train.reset(options={"task_id": test_task})
    with pytest.raises(ConfigError, match="'train' or 'test'"):
        AgentEnv("mock", split=None)
    assert {t.split for t in envs["test"].tasks} == {"test"}
    assert gymnasium.make("frontdesk/mock-v0").unwrapped.config.split == "train"


def test_the_other_seat_is_checked_as_a_run_checks_it(monkeypatch):
    from frontdesk.errors import CredentialError

    with pytest.raises(ConfigError, match="scripted/nobody"):
        AgentEnv("mock", user="scripted/nobody")
    with pytest.raises(ConfigError, match="strategy"):
        UserEnv("mock", agent="openai/gpt-4o-mini", agent_strategy="no-such-strategy")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(CredentialError, match="OPENAI_API_KEY"):
        AgentEnv("mock", user="openai/gpt-4o-mini")
    env = AgentEnv("mock", user="openai/gpt-4o-mini", allow_missing_keys=True)
    assert "OPENAI_API_KEY" in env.warnings[0]
    env.close()


def test_every_domain_is_registered_and_makes():
    for name in domain_names():
        assert f"frontdesk/{name}-v0" in gymnasium.registry
        assert f"frontdesk/{name}-customer-v0" in gymnasium.registry
    env = gymnasium.make("frontdesk/retail-v0")
    observation, info = env.reset(seed=0)
    assert json.loads(observation)["messages"][0]["role"] == "system" and info["task_id"]
    env.close()


@pytest.mark.parametrize("env_id", ["frontdesk/mock-v0", "frontdesk/mock-customer-v0"])
def test_gymnasium_env_checker_passes(env_id):
    from gymnasium.utils.env_checker import check_env

    env = gymnasium.make(env_id)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*render fps.*")  # a text env has no frame rate
        check_env(env.unwrapped)
    env.close()


def test_render_ansi_is_the_transcript():
    env = AgentEnv("mock", render_mode="ansi")
    env.reset(seed=0, options={"task_id": "product-price"})
    assert env.render().startswith("AGENT: Hi! How can I help you today?\nCUSTOMER: ")
    env.close()


def test_step_before_reset_and_after_the_end_are_usage_errors():
    env = AgentEnv("mock")
    with pytest.raises(RuntimeError, match="reset"):
        env.step({"content": "hi"})
    play(env, ScriptedPolicy(env), seed=0, options={"task_id": "product-price"})
    with pytest.raises(RuntimeError, match="ended"):
        env.step({"content": "hi"})
    env.close()


def test_astep_runs_episodes_side_by_side():
    envs = [AgentEnv("mock") for _ in range(3)]
    policies = [ScriptedPolicy(e) for e in envs]

    async def together():
        observations = await asyncio.gather(
            *(
                e.areset(seed=0, options={"task_id": t})
                for e, t in zip(envs, ["product-price", "update-email", "cancel-pending-order"], strict=True)
            )
        )
        live = {i: o for i, (o, _) in enumerate(observations)}
        rewards = {}
        while live:  # one step of every live episode at a time: a batch
            steps = await asyncio.gather(*(envs[i].astep(policies[i](o)) for i, o in live.items()))
            for i, (o, r, term, trunc, _) in zip(list(live), steps, strict=True):
                if term or trunc:
                    rewards[i] = r
                    del live[i]
                else:
                    live[i] = o
        return rewards

    assert asyncio.run(together()) == {0: 1.0, 1: 1.0, 2: 1.0}
    with pytest.raises(RuntimeError, match="running event loop"):

        async def sync_inside_a_loop():
            envs[0].reset(seed=0)

        asyncio.run(sync_inside_a_loop())
    for e in envs:
        e.close()


def test_rollout_writes_a_run_folder_that_report_compare_and_export_read(tmp_path):
    import frontdesk

    env = AgentEnv("mock")
    records = rollout(ScriptedPolicy(env), env, n=2 * len(env.tasks), out=tmp_path / "gym", seed=5)
    assert len(records) == 12 and all(r.reward == 1.0 for r in records)
    assert {(r.task_id, r.trial) for r in records} == {(t.id, i) for t in env.tasks for i in range(2)}
    view = load_run(tmp_path / "gym")
    assert view.manifest["config"]["agent"] == "scripted/oracle" and view.manifest["config"]["agent_strategy"] == "gym"
    assert [(row.k, row.pass_hat_k) for row in view.summary.rows] == [(1, 1.0), (2, 1.0)]
    assert view.summary.trials_pending == 0
    assert export_trials(view, "csv").exists()
    report = subprocess.run(
        [sys.executable, "-m", "frontdesk", "report", str(tmp_path / "gym")], capture_output=True, text=True, timeout=60
    )
    assert report.returncode == 0 and "pass^" in report.stdout

    baseline = frontdesk.evaluate(
        "mock",
        agent="scripted/null",
        trials=2,
        out=tmp_path / "null",
        seed=5,
        task_ids=[t.id for t in env.tasks],
        split="train",
    )
    comparison = compare_runs(baseline, view)
    assert comparison.rows[0].difference > 0

    again = rollout(ScriptedPolicy(env), env, n=12, out=tmp_path / "gym", seed=5)  # resumed: nothing replayed
    assert [r.started_at for r in again] == [r.started_at for r in records]
    assert len((tmp_path / "gym" / "trials.jsonl").read_text().splitlines()) == 12
    with pytest.raises(RunFolderError, match="different configuration"):
        rollout(ScriptedPolicy(env), env, n=12, out=tmp_path / "gym", seed=6)
    env.close()


def test_arollout_over_several_envs_matches_one_env():
    envs = [AgentEnv("mock") for _ in range(3)]
    together = asyncio.run(arollout([ScriptedPolicy(e) for e in envs], envs, n=8, seed=2))
    alone = rollout(ScriptedPolicy(envs[0]), envs[0], n=8, seed=2)
    assert [(r.task_id, r.trial, r.seed, r.reward) for r in together] == [
        (r.task_id, r.trial, r.seed, r.reward) for r in alone
    ]
    assert [conversation(r.messages) for r in together] == [conversation(r.messages) for r in alone]
    for e in envs:
        e.close()


# --- the customer's seat --------------------------------------------------------------------------


@pytest.mark.parametrize(("split", "task_id"), ALL_TASKS)
def test_scripted_customer_policy_is_fully_faithful_with_the_oracle(split, task_id):
    env = UserEnv("mock", split=split)
    _, reward, terminated, truncated, info = play(
        env, ScriptedPolicy(env, "scripted/user"), seed=1, options={"task_id": task_id}
    )
    assert (reward, terminated, truncated) == (1.0, True, False), info
    assert info["fidelity"] == {"guards": 1.0, "scenario": 1.0, "verdict": 1.0}
    env.close()


def test_the_customer_seat_sees_its_brief_and_is_held_to_the_turn_guards():
    env = UserEnv("mock")
    observation, _ = env.reset(seed=0, options={"task_id": "cancel-pending-order"})
    request = json.loads(observation)
    system = request["messages"][0]["content"]
    assert "ana.silva@example.com" in system and request["tools"] == []  # its scenario; no device tools in mock
    assert "# Now: your first message" in system  # the LLM customer's first-turn note
    assert request["messages"][1:] == [{"role": "user", "content": "Hi! How can I help you today?"}]

    invented = {"content": "Please cancel order #O7777 for me."}  # an id the customer was never given
    observation, reward, terminated, _, info = env.step(invented)
    messages = json.loads(observation)["messages"]
    assert not terminated and [m["role"] for m in messages] == ["system", "user"]  # the draft never reached the agent
    assert "# Your last draft was rejected" in messages[0]["content"] and "#O7777" in messages[0]["content"]
    assert "invented_facts" in messages[0]["content"]
    env.step(invented)
    observation, reward, terminated, truncated, info = env.step(invented)  # third refusal: the seat broke
    assert (terminated, truncated) == (True, False) and info["termination"] == "user_error"
    assert not info["scored"] and len(info["guard_failures"]) == 3
    assert info["fidelity"] == {"guards": 0.0, "scenario": 0.0, "verdict": 0.0} and reward == 0.0
    env.close()


def test_the_customer_seat_ends_with_a_signal_token_and_a_guard_stops_a_premature_end():
    env = UserEnv("mock")
    env.reset(seed=0, options={"task_id": "product-price"})
    observation, _, terminated, _, info = env.step({"content": "###STOP###"})  # before the agent tried anything
    assert not terminated and "premature_stop" in json.loads(observation)["messages"][0]["content"]
    env.step({"content": "How much is product P104?"})
    observation, reward, terminated, truncated, info = env.step({"content": "Thanks, that's all. ###STOP###"})
    assert terminated and info["termination"] == "user_stop"
    first = next(m for m in env.record.messages if m.role.value == "user")
    assert [d.reason.split(":")[0] for d in first.rejected_drafts] == ["premature_stop"]
    assert info["fidelity"]["verdict"] == 1.0 and info["fidelity"]["guards"] == 0.5  # 1 of 2 turns passed first time
    assert reward == pytest.approx((0.5 + 1 + 1) / 3)
    env.close()


# --- the README's loop ----------------------------------------------------------------------------


def test_the_readme_rollout_loop_runs(tmp_path, monkeypatch):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Training on frontdesk", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    assert 12 <= len(code.strip().splitlines()) <= 30
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    assert load_run(tmp_path / "runs" / "gym-oracle").summary.rows[0].pass_hat_k == 1.0
