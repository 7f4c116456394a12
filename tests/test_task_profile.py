"""The difficulty profile (``tasks --stats``), the do-nothing floor in validation, and what every
shipped domain's tasks must meet: hard, varied, natural, and never free for an agent that does nothing."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from test_cli import frontdesk

from frontdesk.envs import Task, domain_names, get_domain
from frontdesk.envs.profile import interleaved, profile, reason_template
from frontdesk.eval.validate import null_passes, validate

SHIPPED = ["retail", "airline", "telecom"]


def _task(reason: str, facts: dict[str, str] | None = None, gold: list[dict] | None = None) -> Task:
    scenario = {"reason_for_contact": reason, "known_facts": facts or {}}
    return Task(id="t", user_scenario=scenario, gold_actions=gold or [])


def test_a_reason_template_takes_out_names_numbers_and_known_facts():
    a = _task("Hi, I want to return the Wool Socks from order #W1234, they itch.", {"email": "a@x.com"})
    b = _task("Hi, I want to return the Desk Lamp from order #W9876, they itch.")
    c = _task("Hi, my email is a@x.com and the socks itch.", {"email": "a@x.com"})
    assert (
        reason_template(a) == reason_template(b) == "<name>, i want to return the <name> <name> from order # they itch."
    )
    assert reason_template(c) == "<name>, my email is <fact> and the socks itch."


def test_interleaved_means_both_seats_taking_turns_over_four_steps():
    def seats(*requestors: str) -> Task:
        return _task("x", gold=[{"name": f"t{i}", "requestor": r} for i, r in enumerate(requestors)])

    assert interleaved(seats("agent", "user", "user", "agent"))
    assert not interleaved(seats("agent", "agent", "user", "user"))  # one hand-over only
    assert not interleaved(seats("agent", "user", "agent"))  # three steps


def test_the_mock_profile_counts_what_its_tasks_hold():
    mock = get_domain("mock")
    p = profile(mock, mock.tasks)
    writes = mock.write_tool_names()
    assert p.tasks == len(mock.tasks)
    assert p.writes_max == max(sum(a.name in writes for a in t.gold_actions) for t in mock.tasks)
    assert p.pressure_tasks == sum("pressure" in t.tags for t in mock.tasks) == 1
    assert p.opening_messages == sum(t.user_scenario.opening_message is not None for t in mock.tasks)
    assert p.distinct_reasons <= p.tasks


def _with_tasks(domain, tasks):
    copy = dataclasses.replace(domain)
    copy.tasks = tasks  # a cached property: assigning stores what its first read would have returned
    return copy


def test_validation_fails_a_task_the_do_nothing_agent_passes():
    mock = get_domain("mock")
    strict = mock.task("refuse-cancel-shipped")
    lax = strict.model_copy(update={"id": "lax", "required_actions": [], "required_outputs": [], "tags": []})
    domain = _with_tasks(mock, [strict, lax])
    problems = {c.task_id: c.problems for c in validate(domain)}
    assert problems["refuse-cancel-shipped"] == []
    assert any("scripted/null" in p and "measures nothing" in p for p in problems["lax"]), problems["lax"]
    assert null_passes(domain) == {"lax"}


def test_a_refusal_task_must_ask_for_the_look_ups_and_the_reason():
    mock = get_domain("mock")
    bare = mock.task("refuse-cancel-shipped").model_copy(update={"required_actions": [], "required_outputs": []})
    (check,) = validate(_with_tasks(mock, [bare]))
    assert any("needs required_actions" in p for p in check.problems)
    assert any('kind "phrases"' in p for p in check.problems)


def test_tasks_stats_prints_the_profile_with_the_null_floor():
    result = frontdesk("tasks", "--domain", "mock", "--stats", "--json")
    assert result.returncode == 0, result.stderr
    rows = {r["split"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"train", "test", "all"}
    assert rows["all"]["tasks"] == len(get_domain("mock").tasks)
    assert rows["all"]["null_passes"] == 0 and rows["all"]["null_pass_rate"] == 0.0
    assert rows["all"]["pressure_tasks"] == 1
    table = frontdesk("tasks", "--domain", "mock", "--stats", "--markdown")
    assert table.stdout.startswith("| split | tasks |") and "| all | " in table.stdout


# --- what every shipped domain's tasks must meet (issue 22's floor) ------------------------------------------


ARTEFACTS = [
    (re.compile(r"\(s\)"), "a '(s)' plural"),
    (re.compile(r"\b(a|an|the)\s+(a|an|the)\b", re.IGNORECASE), "a doubled article"),
    (re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE), "a doubled word"),
]


def _texts(task: Task) -> list[str]:
    s = task.user_scenario
    return [s.reason_for_contact, s.opening_message or "", *s.instructions, *s.pushback, *s.will_not_accept]


@pytest.mark.parametrize("name", domain_names())
def test_no_scenario_text_carries_a_template_artefact(name):
    found = [
        f"{t.id}: {label} in {m.group(0)!r}"
        for t in get_domain(name).tasks
        for text in _texts(t)
        for pattern, label in ARTEFACTS
        for m in pattern.finditer(text)
        if not (label == "a doubled word" and m.group(1).isdigit())  # "2 2" is not prose
    ]
    assert found == [], found[:10]


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_domain_reads_like_people_wrote_it(name):
    domain = get_domain(name)
    p = profile(domain, domain.tasks)
    assert p.median_reason_words >= 30, p
    assert p.distinct_share >= 0.9, p
    assert p.opening_messages >= 0.2 * p.tasks, p


def test_shipped_domains_are_hard_enough_and_push_back():
    p = {name: profile(get_domain(name), get_domain(name).tasks) for name in SHIPPED}
    assert p["retail"].writes_mean >= 1.6 and p["retail"].tasks_3_writes >= 25, p["retail"]
    assert p["airline"].writes_mean >= 1.0 and p["airline"].tasks_3_writes >= 8, p["airline"]
    assert p["telecom"].interleaved_tasks >= 40, p["telecom"]
    for name in ("retail", "airline"):
        assert p[name].preference_write_tasks >= 0.5 * p[name].write_tasks, p[name]
    assert sum(x.pressure_tasks for x in p.values()) >= 60, {n: x.pressure_tasks for n, x in p.items()}
    # Customers who come back about what an earlier conversation changed (sequential runs).
    assert p["retail"].returning_tasks + p["airline"].returning_tasks >= 30, (p["retail"], p["airline"])


@pytest.mark.parametrize("name", SHIPPED)
def test_the_do_nothing_agent_passes_at_most_two_percent(name):
    domain = get_domain(name)
    assert len(null_passes(domain)) <= 0.02 * len(domain.tasks)
