"""States as data (frontdesk/envs/state.py), states derived from the seed, tasks that follow others,
and the memory tools: what sequential runs are built on."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil

import pytest

from frontdesk.envs import Environment, changes, cow, get_domain, layer, merge_diff, merge_patch
from frontdesk.errors import TaskFileError
from frontdesk.tools import MEMORY_TOOLS, Memory, ToolCall, ToolKind, Toolkit, memory_tools, write_tool_names
from frontdesk.tools.memory import MAX_NOTES

MOCK = get_domain("mock")


def after_gold(domain, task) -> Environment:
    env = Environment(domain, task)
    for i, action in enumerate(task.gold_actions):
        call = ToolCall(id=f"g{i}", name=action.name, arguments=dict(action.arguments), requestor=action.requestor)
        assert env.execute(call).ok
    return env


def whole(domain, patch) -> str:
    """The state hash of seed + patch, validated the slow way: the whole database at once."""
    return cow.db_state_hash(cow.fork(*domain._validate_whole(merge_patch(domain.seed_data, patch or {}))))


def test_a_merge_diff_patches_one_value_into_the_other():
    before = {"a": 1, "b": {"c": [1, 2], "d": "x", "gone": 3}, "same": {"k": 1}}
    after = {"a": 2, "b": {"c": [2], "d": "x", "new": {"n": 1}}, "same": {"k": 1.0}}
    patch = merge_diff(before, after)
    assert patch == {"a": 2, "b": {"c": [2], "new": {"n": 1}, "gone": None}}  # 1 and 1.0 are one value
    assert merge_patch(before, patch) == {"a": 2, "b": {"c": [2], "d": "x", "new": {"n": 1}}, "same": {"k": 1}}


@pytest.mark.parametrize("name", ["mock", "retail", "airline", "telecom"])
def test_the_state_a_conversation_leaves_is_a_patch_that_rebuilds_it_exactly(name):
    domain = get_domain(name)
    tasks = [t for t in domain.tasks if any(a.name in domain.write_tool_names() for a in t.gold_actions)]
    for task in random.Random(name).sample(tasks, min(8, len(tasks))):
        env = after_gold(domain, task)
        patch = changes(domain, env.initial_state, env.db)
        rebuilt = domain.build_db(patch)  # derived from the seed: only the patched records validated
        assert cow.db_state_hash(rebuilt) == env.state_hash() == whole(domain, patch), task.id
        # Only records that changed are in it, each as its difference from the seed.
        for table, records in (patch or {}).items():
            for key, entry in records.items() if isinstance(records, dict) else []:
                seed = domain.seed_tables()[table].records.get(key)
                assert entry is None or seed is None or entry != {}, (task.id, table, key)


def test_layering_keeps_what_the_earlier_state_did_and_applies_the_later_on_top():
    cancel = after_gold(MOCK, MOCK.task("cancel-pending-order"))
    cancelled = changes(MOCK, None, cancel.db)
    assert cancelled["orders"]["#O5000"]["status"] == "cancelled"
    later = {"orders": {"#O5000": {"shipping_address": "1 New Road"}, "#O5001": None}}
    both = layer(MOCK, cancelled, later)
    db = MOCK.build_db(both)
    assert db.orders["#O5000"].status == "cancelled" and db.orders["#O5000"].shipping_address == "1 New Road"
    assert "#O5001" not in db.orders
    one_then_other = merge_patch(merge_patch(MOCK.seed_data, cancelled), later)
    assert cow.db_state_hash(db) == cow.db_state_hash(cow.fork(*MOCK._validate_whole(one_then_other)))
    assert layer(MOCK, both, None) == both and layer(MOCK, None, later) == later


def test_a_derived_state_that_does_not_fit_the_schema_is_a_task_file_error():
    with pytest.raises(TaskFileError, match="does not fit the database schema"):
        MOCK.build_db({"orders": {"#O5000": {"total": "not a number"}}})


def domain_with(tmp_path, extra: list[dict]):
    root = tmp_path / "dom"
    (root / "data").mkdir(parents=True)
    shutil.copy(MOCK.data_dir / "db.json", root / "data" / "db.json")
    shutil.copy(MOCK.data_dir.parent / "policy.md", root / "policy.md")
    tasks = json.loads((MOCK.data_dir / "tasks.json").read_text())["tasks"]
    (root / "data" / "tasks.json").write_text(json.dumps({"tasks": tasks + extra}))
    return dataclasses.replace(MOCK, name="dom", data_dir=root / "data")


def follower(task_id: str, follows: str) -> dict:
    return {
        "id": task_id,
        "follows": follows,
        "user_scenario": {
            "reason_for_contact": "I was here before.",
            "known_facts": {"email": "ana.silva@example.com"},
        },
        "gold_actions": [{"name": "find_customer_by_email", "arguments": {"email": "ana.silva@example.com"}}],
    }


def test_following_an_unknown_task_or_in_a_loop_is_one_clear_error(tmp_path):
    with pytest.raises(TaskFileError, match=r"task 'back', field 'follows': no task 'nope' in domain 'dom'"):
        _ = domain_with(tmp_path / "a", [follower("back", "nope")]).tasks
    loop = [follower("one", "two"), follower("two", "one")]
    with pytest.raises(TaskFileError, match=r"follow in a loop \(one -> two -> one\)"):
        _ = domain_with(tmp_path / "b", loop).tasks


def test_a_chain_of_follows_starts_each_customer_after_all_the_earlier_gold(tmp_path):
    readdress = {
        **follower("readdress", "cancel-pending-order"),
        "gold_actions": [{"name": "find_customer_by_email", "arguments": {"email": "ana.silva@example.com"}}],
        "initial_state": {"orders": {"#O5001": {"shipping_address": "2 Chain Street"}}},
    }
    domain = domain_with(tmp_path, [readdress, follower("third", "readdress")])
    db = Environment(domain, domain.task("third")).db
    assert db.orders["#O5000"].status == "cancelled"  # the first gold's
    assert db.orders["#O5001"].shipping_address == "2 Chain Street"  # the second task's own patch
    assert domain.own_state("readdress") == readdress["initial_state"] and domain.own_state("third") is None


def test_memory_tools_keep_notes_apart_from_the_domain_and_say_what_is_wrong():
    memory = Memory()
    kit = Toolkit(memory_tools(memory), None)

    def call(name: str, **arguments) -> str:
        return kit.call(ToolCall(id="m", name=name, arguments=arguments)).content

    assert {t.kind for t in MEMORY_TOOLS} == {ToolKind.MEMORY} and not write_tool_names(MEMORY_TOOLS)
    assert json.loads(call("note_write", title="Refunds", text="Gift card refunds go back to the gift card.")) == {
        "saved": "N1"
    }
    call("note_write", title="Exchanges", text="Only same-product exchanges.")
    assert [n["id"] for n in json.loads(call("note_search", query="gift card refunds"))] == ["N1"]
    assert json.loads(call("note_read", note_id="N2"))["title"] == "Exchanges"
    assert "no note 'N9'; saved notes: N1, N2" in call("note_read", note_id="N9")
    assert "non-blank" in call("note_write", title=" ", text="x")
    memory.notes.extend(memory.notes[:1] * (MAX_NOTES - len(memory.notes)))
    assert "memory is full" in call("note_write", title="one more", text="x")

    env = Environment(MOCK, MOCK.task("update-email"), memory=Memory())
    before = env.state_hash()
    assert env.execute(ToolCall(id="w", name="note_write", arguments={"title": "t", "text": "x"})).ok
    assert env.state_hash() == before and env.memory.notes[0].title == "t"  # notes are not the shop's state
    assert "note_write" not in Environment(MOCK, MOCK.task("update-email")).agent_tools.tools  # memory off
