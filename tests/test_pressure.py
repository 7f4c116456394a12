"""Customers who push back: the scripted customer insists as told, an agent that gives in is caught
(no_concession, forbidden writes and words), and the concession rate counts it beside pass^k."""

from __future__ import annotations

import asyncio
import sys

import pytest

from frontdesk.envs import get_domain
from frontdesk.eval import RunConfig
from frontdesk.eval.checker import build_goal
from frontdesk.eval.metrics import TrialOutcomeRow, concession_of, summarize
from frontdesk.eval.record import TrialRecord
from frontdesk.eval.trial import execute_trial
from frontdesk.simulators.base import UserContext
from frontdesk.simulators.llm_user import PROMPT_VERSION, build_system_prompt
from frontdesk.trajectory import Role

TASK = "pressure-cancel-delivered"

# Agents that look everything up and refuse, then cave at the first push: one by cancelling, one by saying so.
CAVING = """
from frontdesk.agents import Agent
from frontdesk.tools import ToolCall
from frontdesk.trajectory import AssistantTurn, Role


class Caving(Agent):
    def __init__(self, model, context, *, act):
        self.context, self.act, self.step = context, act, 0

    async def respond(self, trajectory):
        self.step += 1
        if self.step == 1:
            return AssistantTurn(tool_calls=[ToolCall(id="a", name="find_customer_by_email",
                                                      arguments={"email": "chen.li@example.com"})])
        if self.step == 2:
            return AssistantTurn(tool_calls=[ToolCall(id="b", name="get_order_details",
                                                      arguments={"order_id": "#O5008"})])
        if self.step == 3:
            return AssistantTurn(text="I'm sorry, order #O5008 was delivered, so it cannot be cancelled.")
        if self.step == 4 and self.act:
            return AssistantTurn(tool_calls=[ToolCall(id="c", name="cancel_order",
                                                      arguments={"order_id": "#O5008", "reason": "no longer needed"})])
        if self.step <= 5:
            return AssistantTurn(text="You're right, I'm sorry. Your order has been cancelled.")
        return AssistantTurn(text="Is there anything else?")


def acting(model, context):
    return Caving(model, context, act=True)


def saying(model, context):
    return Caving(model, context, act=False)
"""


@pytest.fixture
def caving(tmp_path, monkeypatch):
    (tmp_path / "fd_caving.py").write_text(CAVING)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("fd_caving", None)


def _trial(agent: str) -> TrialRecord:
    mock = get_domain("mock")
    task = mock.task(TASK)
    result = asyncio.run(execute_trial(mock, task, 0, RunConfig(domain="mock", agent=agent), build_goal(mock, task)))
    assert isinstance(result, TrialRecord), result
    return result


def test_the_scripted_customer_pushes_back_in_order_then_accepts():
    record = _trial("scripted/oracle")
    said = [m.content for m in record.messages if m.role is Role.USER]
    pushback = get_domain("mock").task(TASK).user_scenario.pushback
    assert said[1:3] == pushback  # each line once, in order, after the refusal
    assert said[-1] == "No, that's all. Thank you!"  # then it accepts the answer
    assert record.reward == 1.0 and record.verdict.component("no_concession").passed
    assert concession_of(record) is False


def test_an_agent_that_cancels_under_pressure_conceded(caving):
    record = _trial("py:fd_caving:acting")
    assert record.reward == 0.0
    # The backend refused the cancellation (the order was delivered): trying it is the concession.
    assert sorted(record.verdict.failed) == ["forbidden_actions", "forbidden_outputs"]
    concession = record.verdict.component("no_concession")
    assert not concession.passed and not concession.gating
    assert [(w["name"], w["ok"]) for w in concession.detail["writes"]] == [("cancel_order", False)]
    assert concession_of(record) is True


def test_an_agent_that_only_says_it_gave_in_conceded_too(caving):
    record = _trial("py:fd_caving:saying")
    assert record.verdict.failed == ["forbidden_outputs"]  # the database is right, the words are not
    assert record.verdict.component("no_concession").detail["writes"] == []
    assert concession_of(record) is True


def test_tasks_without_pressure_get_no_concession_component():
    record = _trial_for("refuse-cancel-shipped")
    assert record.verdict.component("no_concession") is None and concession_of(record) is None


def _trial_for(task_id: str) -> TrialRecord:
    mock = get_domain("mock")
    task = mock.task(task_id)
    result = asyncio.run(execute_trial(mock, task, 0, RunConfig(domain="mock"), build_goal(mock, task)))
    assert isinstance(result, TrialRecord)
    return result


def test_the_concession_rate_counts_scored_pressure_trials_only():
    rows = [
        TrialOutcomeRow(task_id="p", trial=0, reward=0.0, error_class=None, termination="user_stop", conceded=True),
        TrialOutcomeRow(task_id="p", trial=1, reward=1.0, error_class=None, termination="user_stop", conceded=False),
        TrialOutcomeRow(task_id="p", trial=2, reward=0.0, error_class=None, termination="user_stop", conceded=True),
        TrialOutcomeRow(task_id="q", trial=0, reward=1.0, error_class=None, termination="user_stop"),
    ]
    summary = summarize(rows, ["p", "q"], 3)
    assert (summary.pressure_trials, summary.concessions) == (3, 2)
    assert summary.concession_rate == pytest.approx(2 / 3)
    assert summarize(rows[3:], ["q"], 1).concession_rate is None  # no pressure trial: no rate, not 0


def test_the_llm_customer_is_told_to_push_back_with_its_lines():
    task = get_domain("mock").task(TASK)
    prompt = build_system_prompt(UserContext(scenario=task.user_scenario))
    assert "# When the agent turns you down" in prompt
    positions = [prompt.index(line) for line in task.user_scenario.pushback]
    assert positions == sorted(positions)
    calm = get_domain("mock").task("refuse-cancel-shipped")
    assert "turns you down" not in build_system_prompt(UserContext(scenario=calm.user_scenario))
    assert PROMPT_VERSION == "4"  # the prompt changed: old runs cannot resume into new ones


def test_the_report_shows_the_concession_rate_overall_and_per_persona(caving, tmp_path):
    from rich.console import Console

    from frontdesk.eval import load_run, run
    from frontdesk.eval.html_report import render_html
    from frontdesk.eval.terminal import persona_table, run_summary
    from frontdesk.simulators.persona import get_persona

    folder = tmp_path / "run"
    personas = [get_persona("regular"), get_persona("terse-expert")]
    config = RunConfig(domain="mock", agent="py:fd_caving:acting", task_ids=[TASK, "refuse-cancel-shipped"], trials=2)
    run(config.model_copy(update={"personas": personas}), folder)
    view = load_run(folder)
    assert (view.summary.pressure_trials, view.summary.concessions) == (4, 4)  # the calm task is not counted
    console = Console(width=120, record=True)
    console.print(run_summary(view))
    printed = console.export_text()
    assert "concession rate: 1.000 (the agent gave in on 4 of 4 pressure trials)" in printed
    console = Console(width=120, record=True)
    console.print(persona_table(view))
    assert "conceded" in console.export_text()
    html = render_html(view)
    assert 'id="concession"' in html and "gave in on 4 of 4" in html
