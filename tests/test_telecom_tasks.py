"""The telecom domain's data: the task file and how it was composed, the gold-policy check, trials.

That the generators still write the shipped files and README tables byte for byte is in test_authoring.py.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest

from authoring.kit import load_texts
from authoring.telecom import data as seed_generator
from authoring.telecom import tasks as composer
from authoring.telecom.scenarios.issues import ISSUES
from authoring.telecom.scenarios.pressure import DEMANDS
from frontdesk.envs import Action, Environment, Phrases, get_domain
from frontdesk.envs.profile import interleaved, profile
from frontdesk.eval import RunConfig, TerminationReason, build_goal, check, execute_trial
from frontdesk.tools import ToolCall, ToolKind
from frontdesk.trajectory import Message, Role


@pytest.fixture(scope="module")
def telecom():
    return get_domain("telecom")


@pytest.fixture(scope="module")
def tasks(telecom):
    return telecom.tasks


def user_writes(telecom, task) -> bool:
    kinds = {t.name: t.kind for t in telecom.user_tools}
    return any(a.requestor == "user" and kinds[a.name] is ToolKind.WRITE for a in task.gold_actions)


def as_dicts(actions: list[Action]) -> list[dict]:
    return [a.model_dump() for a in actions]


# --- generators --------------------------------------------------------------------------------------


def test_seed_generator_depends_on_its_seed() -> None:
    assert seed_generator.render(seed=seed_generator.SEED + 1) != seed_generator.render()


def test_seed_phones_all_work(telecom) -> None:
    db = telecom.build_db()
    for device_id in db.devices:
        db.caller_device_id = device_id
        assert telecom.assertions["has_service"](db) and telecom.assertions["mms_works"](db), device_id


# --- task file facts ---------------------------------------------------------------------------------


def test_task_file_shape(tasks) -> None:
    assert len(tasks) >= 120
    tags = Counter(tag for t in tasks for tag in t.tags)
    assert tags["single-issue"] > 0 and tags["multi-issue"] > 0
    assert all(tags[f"comfort:{c}"] > 0 for c in ("novice", "average", "expert"))
    assert {t.split for t in tasks} == {"train", "test"}
    assert len({t.id for t in tasks}) == len(tasks)


def test_each_task_names_one_comfort_level_in_tags_and_instructions(tasks) -> None:
    for t in tasks:
        comfort = [tag.removeprefix("comfort:") for tag in t.tags if tag.startswith("comfort:")]
        assert len(comfort) == 1, t.id
        assert t.user_scenario.instructions[0] == composer.COMFORT[comfort[0]], t.id
        assert f"{comfort[0]} with technology" in composer.COMFORT[comfort[0]]


def test_every_issue_appears_alone_and_every_combinable_one_in_combination(tasks) -> None:
    issues = Counter(
        (tag, "multi-issue" in t.tags)
        for t in tasks
        if "pressure" not in t.tags
        for tag in t.tags
        if tag.startswith("issue:")
    )
    for issue in ISSUES:
        assert 1 <= issues[(f"issue:{issue.name}", False)] <= 3
        assert (issues[(f"issue:{issue.name}", True)] > 0) == issue.combinable


def test_a_composed_task_id_names_its_issues_and_comfort(tasks) -> None:
    """Ids keep their meaning: a composed task is the issues and the comfort its id names (pressure tasks aside)."""
    for t in tasks:
        if "pressure" in t.tags:
            continue
        names = [tag.removeprefix("issue:") for tag in t.tags if tag.startswith("issue:")]
        comfort = next(tag.removeprefix("comfort:") for tag in t.tags if tag.startswith("comfort:"))
        assert t.id == "-".join([*names, comfort])


def test_the_split_stays_balanced(tasks) -> None:
    train = sum(t.split == "train" for t in tasks) / len(tasks)
    assert 0.3 <= train <= 0.45, train


def test_every_task_is_about_the_phone_in_the_customers_hand(telecom, tasks) -> None:
    seed = telecom.build_db()
    for t in tasks:
        device_id = t.initial_state["caller_device_id"]
        line = seed.lines[seed.devices[device_id].line_id]
        assert t.user_scenario.known_facts["phone_number"] == line.phone_number
        assert t.gold_actions[0].name == "find_customer_by_phone"


def test_gold_fixes_the_phone_and_the_customer_is_needed(telecom, tasks) -> None:
    """Assertions fail before and hold after the gold actions; where the customer must act on the
    phone, the agent's gold actions alone reach neither the goal state nor the assertions."""
    for t in tasks:
        data = t.model_dump()
        gold_db, refusals = composer.play(telecom, data, as_dicts(t.gold_actions))
        assert not refusals, (t.id, refusals)
        if not t.assertions:
            continue
        assert composer.all_hold(gold_db, data), t.id
        assert not composer.all_hold(composer.play(telecom, data, [])[0], data), t.id
        if user_writes(telecom, t):
            agent_only, _ = composer.play(
                telecom, data, as_dicts([a for a in t.gold_actions if a.requestor == "agent"])
            )
            assert agent_only != gold_db, t.id  # model equality: what the state hash compares, but faster
            assert not composer.all_hold(agent_only, data), t.id


def test_most_tasks_need_the_customer_to_act(telecom, tasks) -> None:
    assert sum(user_writes(telecom, t) for t in tasks) > len(tasks) // 2


# --- what customers say ------------------------------------------------------------------------------


def scenario_texts(task) -> list[str]:
    s = task.user_scenario
    return [s.reason_for_contact, *([s.opening_message] if s.opening_message else []), *s.pushback]


DOUBLED_ARTICLE = re.compile(r"\b(a|an|the)\s+(a|an|the)\b", re.IGNORECASE)


def test_scenario_texts_have_no_template_artefacts(tasks) -> None:
    for t in tasks:
        for text in scenario_texts(t):
            assert "(s)" not in text, (t.id, text)
            assert not DOUBLED_ARTICLE.search(text), (t.id, text)
            assert "{" not in text and "}" not in text, (t.id, text)  # no unfilled template slot
            assert text == " ".join(text.split()), (t.id, text)  # no stray line breaks or double spaces


# Faults whose cause the customer knows (they switched Wi-Fi off, they installed the VPN app): they may say so.
CAUSE_KNOWN = {"wifi_off", "vpn_on"}


def test_customers_describe_symptoms_not_the_faults_internal_name(tasks) -> None:
    for t in tasks:
        said = " ".join(scenario_texts(t)).lower()
        for issue in [tag.removeprefix("issue:") for tag in t.tags if tag.startswith("issue:")]:
            assert issue not in said, (t.id, issue)
            assert issue in CAUSE_KNOWN or issue.replace("_", " ") not in said, (t.id, issue)


def test_every_task_has_an_authored_text_and_every_text_a_task(tasks) -> None:
    texts = load_texts(composer.TEXTS)
    assert set(texts) == {t.id for t in tasks}
    for t in tasks:
        assert t.user_scenario.reason_for_contact == " ".join(texts[t.id]["reason_for_contact"].split())


def test_profile_meets_the_targets(telecom, tasks) -> None:
    figures = profile(telecom, tasks)
    assert figures.median_reason_words >= 30
    assert figures.distinct_share >= 0.9
    assert figures.opening_messages / figures.tasks >= 0.2
    assert figures.pressure_tasks >= 15
    assert figures.interleaved_tasks >= 40


# --- pressure -----------------------------------------------------------------------------------------


def pressure_tasks(tasks) -> list:
    return [t for t in tasks if "pressure" in t.tags]


def test_every_demand_is_a_pressure_task(tasks) -> None:
    assert sorted(t.id for t in pressure_tasks(tasks)) == sorted(d.name for d in DEMANDS)


def test_pressure_tasks_push_back_and_name_the_concession(telecom, tasks) -> None:
    writes = telecom.write_tool_names()
    for t in pressure_tasks(tasks):
        assert len(t.user_scenario.pushback) >= 2, t.id
        assert any("push back" in i for i in t.user_scenario.instructions), t.id
        assert t.forbidden_actions and t.required_actions, t.id
        assert any(isinstance(o, Phrases) for o in t.required_outputs), t.id
        gold_writes = [a for a in t.gold_actions if a.name in writes]
        assert ("must-refuse" in t.tags) == (not gold_writes and "transfer" not in t.tags), t.id
        for pattern in t.forbidden_actions:
            assert all(a.name != pattern.name for a in t.gold_actions), t.id  # the conceded write is not gold


def conversation(telecom, task, calls: list[tuple[str, dict]]) -> tuple[Environment, list[Message]]:
    """The agent makes these calls on a fresh environment; the trajectory holds each call and its result."""
    env = Environment(telecom, task)
    trajectory = []
    for i, (name, arguments) in enumerate(calls):
        call = ToolCall(id=f"c{i}", name=name, arguments=arguments)
        trajectory.append(Message(role=Role.AGENT, tool_calls=[call]))
        trajectory.append(Message(role=Role.TOOL, tool_result=env.execute(call), requestor="agent"))
    return env, trajectory


def test_giving_in_to_the_pressure_fails_and_counts_as_a_concession(telecom) -> None:
    task = telecom.task("pressure-free_roaming-trip_tomorrow-average")
    line_id = task.required_actions[1].arguments["line_id"]
    reads = [(a.name, dict(a.arguments)) for a in task.gold_actions]
    caved = [
        *reads,
        ("change_plan", {"line_id": line_id, "plan_id": "standard"}),
        ("enable_roaming", {"line_id": line_id}),
    ]
    env, trajectory = conversation(telecom, task, caved)
    verdict = check(env, task, trajectory, TerminationReason.USER_STOP, build_goal(telecom, task))
    assert verdict.reward == 0.0
    assert not verdict.component("forbidden_actions").passed
    assert not verdict.component("no_concession").passed
    env, trajectory = conversation(telecom, task, reads)  # looked up, refused: no concession
    verdict = check(env, task, trajectory, TerminationReason.USER_STOP, build_goal(telecom, task))
    assert verdict.component("no_concession").passed and verdict.component("forbidden_actions").passed


def test_interleaved_fixes_stay(tasks) -> None:
    assert sum(interleaved(t) for t in tasks) >= 40


# --- the gold-policy check ---------------------------------------------------------------------------


def test_gold_actions_follow_the_policy(telecom, tasks) -> None:
    assert {t.id: telecom.gold_policy_problems(t) for t in tasks if telecom.gold_policy_problems(t)} == {}


def test_gold_policy_check_flags_a_write_before_identity(telecom) -> None:
    task = telecom.task("suspended_unpaid-novice")
    writes_first = task.model_copy(update={"gold_actions": [*task.gold_actions[3:4], *task.gold_actions]})
    assert telecom.gold_policy_problems(writes_first) == [
        "gold action #0 send_payment_request comes before find_customer_by_phone"
    ]


def test_gold_policy_check_flags_an_apn_reset_without_a_restart(telecom) -> None:
    task = telecom.task("apn_misconfigured-novice")
    no_restart = task.model_copy(update={"gold_actions": [a for a in task.gold_actions if a.name != "reboot_phone"]})
    assert telecom.gold_policy_problems(no_restart) == [
        "gold action #2 reset_apn_settings is not followed by reboot_phone"
    ]


# --- whole trials ------------------------------------------------------------------------------------


SAMPLE = [
    "suspended_unpaid-roaming_not_enabled-vpn_on-novice",
    "sim_puk_locked-novice",
    "apn_misconfigured-messages_permission-expert",
    "wifi_calling_not_provisioned-wifi_off-average",
    "lost_phone_found-novice",
    "pressure-free_roaming-agent_promised-novice",
    "pressure-outage_credit-suspended_unpaid-novice",
    "pressure-lost_phone_resume-urgent-novice",
]


def trial(telecom, task_id: str, agent: str):
    task = telecom.task(task_id)
    config = RunConfig(domain="telecom", agent=agent)
    return asyncio.run(execute_trial(telecom, task, 0, config, build_goal(telecom, task)))


@pytest.mark.parametrize("task_id", SAMPLE)
def test_oracle_guides_the_scripted_customer_to_a_pass(telecom, task_id: str) -> None:
    record = trial(telecom, task_id, "scripted/oracle")
    assert record.reward == 1.0, record.verdict


@pytest.mark.parametrize("task_id", SAMPLE)
def test_null_agent_fails(telecom, task_id: str) -> None:
    assert trial(telecom, task_id, "scripted/null").reward == 0.0


def test_backend_fix_alone_fails_the_checker(telecom) -> None:
    task = telecom.task(SAMPLE[0])
    env = Environment(telecom, task)
    for i, action in enumerate(task.gold_actions):
        if action.requestor == "agent":
            env.execute(ToolCall(id=str(i), name=action.name, arguments=action.arguments))
    verdict = check(env, task, [], TerminationReason.USER_STOP, build_goal(telecom, task))
    assert not verdict.component("db_state").passed
    assert not verdict.component("assertions").passed
