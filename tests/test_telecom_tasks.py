"""The telecom domain's data: the task file and how it was composed, the gold-policy check, trials.

That the generators still write the shipped files and README tables byte for byte is in test_authoring.py.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from authoring.telecom import data as seed_generator
from authoring.telecom import tasks as composer
from authoring.telecom.scenarios.issues import ISSUES
from frontdesk.envs import Action, Environment, get_domain
from frontdesk.eval import RunConfig, TerminationReason, build_goal, check, execute_trial
from frontdesk.tools import ToolCall, ToolKind


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
    assert len(tasks) >= 150
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
    issues = Counter((tag, "multi-issue" in t.tags) for t in tasks for tag in t.tags if tag.startswith("issue:"))
    for issue in ISSUES:
        assert issues[(f"issue:{issue.name}", False)] == 3
        assert (issues[(f"issue:{issue.name}", True)] > 0) == issue.combinable


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
