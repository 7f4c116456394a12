"""Plug-in agents and customers: ``py:module:factory``, entry points of an installed package, and
one line for every way a plug-in can be wrong, before a run writes anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Call, Say

from frontdesk.agents import AgentContext, agent_provenance, build_agent, check_agent_spec, is_agent_model
from frontdesk.agents.factory import BrokenAgent
from frontdesk.errors import ConfigError
from frontdesk.eval import RunConfig, TerminationReason, load_run, run
from frontdesk.llm import ModelConfig
from frontdesk.simulators.factory import check_user_spec, is_user_model, user_provenance

ROOT = Path(__file__).resolve().parents[1]

PLUGIN = '''
from frontdesk.agents import Agent, ToolCallingAgent
from frontdesk.simulators import UserSimulator
from frontdesk.trajectory import AssistantTurn, Role, UserSignal, UserTurn


class Polite(Agent):
    """Answers every message kindly and calls nothing."""

    def __init__(self, model, context):
        self.model, self.context = model, context

    async def respond(self, trajectory):
        return AssistantTurn(text="Thanks for writing in! Is there anything else I can help you with?")


class Quick(UserSimulator):
    """States the reason for contact, then says goodbye."""

    def __init__(self, model, context):
        self.context = context

    async def respond(self, trajectory):
        if not any(m.role is Role.USER for m in trajectory):
            return UserTurn(text=self.context.scenario.reason_for_contact)
        return UserTurn(text="Thanks, bye.", signal=UserSignal.STOP)


def build(model, context):
    return Polite(model, context)


def build_customer(model, context):
    return Quick(model, context)


def strategy(model, context):  # a plug-in strategy: drives the configured model
    assert model is not None and model.model
    return ToolCallingAgent(model, context)


def raises(model, context):
    raise ValueError("no licence key configured")


def wrong_type(model, context):
    return "not an agent"


def picky(model, context):  # builds for the probe, fails for a real trial
    if context.seed != 0:
        raise RuntimeError("cannot reach the licence server")
    return Polite(model, context)


NOT_CALLABLE = 42
'''

ENTRY_POINTS = """
[frontdesk.agents]
demo/polite = fd_plugin_demo.agents:build
demo/missing = fd_plugin_demo.agents:nothere

[frontdesk.users]
demo/quick = fd_plugin_demo.agents:build_customer
"""


@pytest.fixture
def plugin_site(tmp_path, monkeypatch) -> Path:
    """A package 'installed' the way pip leaves it: the module and a dist-info with entry points."""
    site = tmp_path / "site"
    package = site / "fd_plugin_demo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "agents.py").write_text(PLUGIN)
    (package / "broken.py").write_text('raise RuntimeError("this module cannot be imported")\n')
    info = site / "fd_plugin_demo-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fd-plugin-demo\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    (info / "top_level.txt").write_text("fd_plugin_demo\n")
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in [m for m in sys.modules if m.startswith("fd_plugin_demo")]:
        del sys.modules[name]


def test_an_entry_point_agent_and_customer_run_without_touching_frontdesk(plugin_site, tmp_path):
    assert not is_agent_model("demo/polite") and not is_user_model("demo/quick")
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", agent="demo/polite", user="demo/quick", task_ids=["update-email"]), folder)
    record = load_run(folder).records[0]
    assert record.termination is TerminationReason.USER_STOP, record.error
    assert record.reward == 0.0  # it never changed the email
    assert record.messages[2].content.startswith("Thanks for writing in!")


def test_the_manifest_stamp_names_the_import_path_and_the_package_version(plugin_site):
    assert agent_provenance("demo/polite", "tool-calling") == {
        "agent": {
            "spec": "demo/polite",
            "import_path": "fd_plugin_demo.agents:build",
            "distribution": "fd-plugin-demo",
            "version": "1.2.3",
        }
    }
    stamp = agent_provenance("openai/gpt-4o-mini", "py:fd_plugin_demo.agents:strategy")["agent_strategy"]
    assert (stamp["import_path"], stamp["distribution"], stamp["version"]) == (
        "fd_plugin_demo.agents:strategy",
        "fd-plugin-demo",
        "1.2.3",
    )
    assert user_provenance("demo/quick", "plain")["user"]["version"] == "1.2.3"
    assert agent_provenance("openai/gpt-4o-mini", "tool-calling") == {}  # built-ins: nothing to stamp


def test_a_plugin_strategy_drives_the_configured_model(plugin_site, replay, tmp_path):
    replay.script(
        "agent",
        [
            Call("find_customer_by_email", json.dumps({"email": "ana.silva@example.com"})),
            Say("I found your account. Is there anything else I can help you with?"),
        ],
    )
    folder = tmp_path / "run"
    config = RunConfig(
        domain="mock",
        agent="replay/agent",
        agent_strategy="py:fd_plugin_demo.agents:strategy",
        user="demo/quick",
        task_ids=["update-email"],
        max_retries=0,
    )
    run(config, folder)
    record = load_run(folder).records[0]
    assert record.termination is TerminationReason.USER_STOP, record.error
    assert [m.tool_calls[0].name for m in record.messages if m.tool_calls] == ["find_customer_by_email"]


BAD_AGENTS = [
    (
        "py:nowhere_to_be_found.agents:build",
        r"agent plug-in 'py:nowhere_to_be_found.agents:build': cannot import module 'nowhere_to_be_found.agents' \(ModuleNotFoundError",
    ),
    ("py:fd_plugin_demo.agents:nothere", r"module 'fd_plugin_demo.agents' \(.*agents.py\) has no attribute 'nothere'"),
    ("py:fd_plugin_demo.agents:NOT_CALLABLE", r"fd_plugin_demo.agents:NOT_CALLABLE is a int, not a callable"),
    (
        "py:fd_plugin_demo.agents:raises",
        r"fd_plugin_demo.agents:raises \(.*agents.py:\d+\) raised ValueError: no licence key configured at .*agents.py:\d+",
    ),
    ("py:fd_plugin_demo.agents:wrong_type", r"returned a str, not a frontdesk.agents.base.Agent"),
    (
        "py:fd_plugin_demo.broken:build",
        r"importing module 'fd_plugin_demo.broken' failed: RuntimeError: this module cannot be imported at .*broken.py:1",
    ),
    ("py:fd_plugin_demo", r"'fd_plugin_demo' must look like package.module:factory"),
    (
        "demo/missing",
        r"agent 'demo/missing' \(entry point in group 'frontdesk.agents' of fd-plugin-demo 1.2.3\): loading 'fd_plugin_demo.agents:nothere' failed: AttributeError",
    ),
    ("a2a:ftp://agents.example", r"agent 'a2a:ftp://agents.example': .*must look like a2a:http://HOST:PORT"),
    ("a2a:http://127.0.0.1:notaport", r"the port is not a number"),
]


@pytest.mark.parametrize(("spec", "message"), BAD_AGENTS, ids=[s for s, _ in BAD_AGENTS])
def test_each_bad_agent_plugin_is_one_line_naming_which_and_where(plugin_site, spec, message):
    with pytest.raises(ConfigError, match=message) as error:
        check_agent_spec(spec, "tool-calling")
    assert "\n" not in str(error.value)


def test_bad_strategy_and_customer_plugins_are_refused_too(plugin_site):
    with pytest.raises(ConfigError, match="agent strategy plug-in 'py:fd_plugin_demo.agents:nothere'.*no attribute"):
        check_agent_spec("openai/gpt-4o-mini", "py:fd_plugin_demo.agents:nothere")
    with pytest.raises(ConfigError, match="unknown agent strategy 'reactt'; choose one of: tool-calling, react"):
        check_agent_spec("openai/gpt-4o-mini", "reactt")
    with pytest.raises(ConfigError, match="returned a Polite, not a frontdesk.simulators.base.UserSimulator"):
        check_user_spec("py:fd_plugin_demo.agents:build", "plain")
    with pytest.raises(ConfigError, match="user plug-in 'py:fd_plugin_demo.agents:raises'.*raised ValueError"):
        check_user_spec("py:fd_plugin_demo.agents:raises", "plain")
    check_user_spec("demo/quick", "plain")
    check_agent_spec("demo/polite", "tool-calling")


def test_a_plugin_that_fails_in_a_trial_is_that_trials_agent_error(plugin_site):
    check_agent_spec("py:fd_plugin_demo.agents:picky", "tool-calling")  # the probe builds it
    context = AgentContext(policy="p", tools=[], tool_kinds={}, seed=7)
    agent = build_agent(ModelConfig(model="py:fd_plugin_demo.agents:picky"), "tool-calling", context)
    assert isinstance(agent, BrokenAgent)
    assert "raised RuntimeError: cannot reach the licence server" in agent.reason


def test_the_cli_refuses_a_bad_plugin_in_one_line_before_writing_anything(plugin_site, tmp_path):
    folder = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_site), str(ROOT)])}
    result = subprocess.run(
        [sys.executable, "-m", "frontdesk", "run", "--domain", "mock", "--agent", "py:fd_plugin_demo.agents:raises"]
        + ["--out", str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: agent plug-in 'py:fd_plugin_demo.agents:raises'")
    assert "no licence key configured" in lines[0]
    assert not folder.exists()


def test_an_installed_plugin_runs_from_the_cli(plugin_site, tmp_path):
    folder = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_site), str(ROOT)])}
    command = [sys.executable, "-m", "frontdesk", "run", "--domain", "mock", "--agent", "demo/polite"]
    command += ["--user", "demo/quick", "--task", "update-email", "--task", "read-order-status", "--out", str(folder)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in (folder / "trials.jsonl").read_text().splitlines()]
    assert sorted(r["task_id"] for r in records) == ["read-order-status", "update-email"]
    assert all(r["termination"] == "user_stop" for r in records)
