"""Sequential runs: one agent serves queues of customers on one database (frontdesk/eval/queue.py).

What must hold: an agent that uses memory improves along the queue and one that does not stays
flat; a planted leak is caught and fails its trial; a task that ``follows`` another starts from the
state its predecessor leaves (the gold's alone, or the real conversation's in a queue); a killed run
resumes with every queue exactly once.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from frontdesk.envs import Environment, get_domain
from frontdesk.errors import ConfigError, RunFolderError
from frontdesk.eval import RunConfig, build_goal, load_run, validate
from frontdesk.eval.compare import compare_runs
from frontdesk.eval.config import Sequential
from frontdesk.eval.privacy import COMPONENT, find_leaks
from frontdesk.eval.queue import arrange, plan_queues, queue_tasks
from frontdesk.eval.runner import plan_run, run
from frontdesk.eval.store import RunStore, StoreWriteError
from tests.queue_domain import KILL_MARKER, NAME, register

ROOT = Path(__file__).resolve().parent.parent
MOCK = get_domain("mock")


@pytest.fixture
def registered(monkeypatch):
    """The mock domain plus two returning customers, installed as ``mock-queue`` for one test."""
    yield register(monkeypatch)
    get_domain.cache_clear()


def sequential_run(folder: Path, agent: str = "scripted/learner", trials: int = 3, **sequential) -> RunStore:
    config = RunConfig(
        domain=sequential.pop("domain", "mock"),
        agent=agent,
        trials=trials,
        ratings=False,
        sequential=Sequential(**sequential),
    )
    return run(config, folder).store


def rewards_by_position(store: RunStore) -> list[list[float]]:
    return [[r.reward for r in q.records] for q in store.queue_records()]


def test_an_agent_that_uses_memory_improves_along_the_queue_and_without_memory_stays_flat(tmp_path):
    learning = load_run(sequential_run(tmp_path / "on").folder).sequential()
    assert learning is not None and learning.queues == 3 and learning.queue_size == len(MOCK.tasks)
    # The first customer of every queue meets an agent with empty notes: it fails; by the end it knows.
    assert learning.curve[0].success == 0.0
    assert learning.late > learning.early
    assert learning.learning_gain > 0 and learning.learning_gain_ci[0] > 0
    assert learning.notes_per_queue > 0

    forgetful = sequential_run(tmp_path / "off", memory=False)
    assert {r for q in rewards_by_position(forgetful) for r in q} == {0.0}  # flat: nothing to learn from
    summary = load_run(forgetful.folder).sequential()
    assert summary.learning_gain == 0 and summary.notes_per_queue is None
    assert all(q.memory is None for q in forgetful.queue_records())

    # An agent that does not learn but needs nothing is flat at the top, database carried or not.
    oracle = load_run(sequential_run(tmp_path / "oracle", agent="scripted/oracle").folder).sequential()
    assert {p.success for p in oracle.curve} == {1.0}

    # The same queues with and without memory: the gain from memory, paired by task.
    gain = compare_runs(load_run(tmp_path / "off"), load_run(tmp_path / "on")).sequential
    assert gain.memory_a is False and gain.memory_b is True
    assert gain.memory_gain > 0 and gain.memory_gain_ci[0] > 0


def test_memory_notes_are_saved_with_the_queue_and_given_to_each_trial_as_they_stood(tmp_path):
    store = sequential_run(tmp_path / "run", trials=1)
    (queue,) = store.queue_records()
    assert [n.id for n in queue.memory.notes] == [f"N{i}" for i in range(1, len(queue.memory.notes) + 1)]
    for record in queue.records:
        # Each trial holds the notes written before it began: what it could find, and what a replay needs.
        assert [n.position for n in record.queue.memory] == sorted(n.position for n in record.queue.memory)
        assert all(n.position < record.queue.position for n in record.queue.memory)


def test_a_planted_leak_is_caught_and_fails_its_trial(tmp_path):
    ids = ["cancel-pending-order", "read-order-status", "update-shipping-address"]  # three customers
    config = RunConfig(
        domain="mock",
        agent="py:tests.queue_domain:gossip",
        task_ids=ids,
        ratings=False,
        sequential=Sequential(order="file", orders=[ids]),
    )
    store = run(config, tmp_path / "run").store
    (queue,) = store.queue_records()
    # Each later customer hears the email of the one before.
    assert [(x.position, x.identifier, x.from_task) for x in queue.leaks] == [
        (1, "ana.silva@example.com", "cancel-pending-order"),
        (2, "bruno.okafor@example.com", "read-order-status"),
    ]
    first, second, third = queue.records
    assert first.verdict.component(COMPONENT).passed
    for record in (second, third):
        assert not record.verdict.component(COMPONENT).passed and record.reward == 0.0
    # One agent served the whole queue (serves_queue) and what it remembered is in the record.
    assert queue.agent_memory == {
        "emails": [f.user_scenario.known_facts["email"] for f in map(MOCK.task, ids)],
        "customers": 3,
    }

    view = load_run(tmp_path / "run")
    assert view.sequential().trials_with_leaks == 2
    table = view.trials.sort_values("queue_position")
    assert list(table["queue_position"]) == [1, 2, 3] and list(table["check_no_privacy_leak"]) == [True, False, False]
    from frontdesk.eval.html_report import render_html

    page = render_html(view)
    assert 'id="leak-table"' in page and "bruno.okafor@example.com" in page and 'id="learning-curve"' in page


def test_a_customer_back_again_or_sharing_the_request_is_not_a_leak(registered):
    domain = registered
    first, follower = domain.task("update-shipping-address"), domain.task("followup-readdressed-cancel")
    said = [{"role": "agent", "content": "Order #O5011 was going to 18 Birch Way; it is cancelled now."}]
    from frontdesk.trajectory import Message

    messages = [Message.model_validate(m) for m in said]
    assert find_leaks([(0, first, [])], 1, follower, messages) == []  # the same customer, back
    stranger = domain.task("read-order-status")
    leaks = find_leaks([(0, first, [])], 1, stranger, messages)
    assert [(x.identifier, x.kind) for x in leaks] == [("#O5011", "order id"), ("18 Birch Way", "address")]


def test_a_follows_task_starts_where_its_predecessors_gold_leaves_the_database(registered):
    domain = registered
    follower = domain.task("followup-cancelled-status")
    assert follower.follows == "cancel-pending-order" and domain.own_state(follower.id) is None
    assert follower.initial_state["orders"]["#O5000"]["status"] == "cancelled"
    env = Environment(domain, follower)
    assert env.db.orders["#O5000"].status == "cancelled"
    assert Environment(domain, domain.task("cancel-pending-order")).db.orders["#O5000"].status == "pending"
    checks = {c.task_id: c for c in validate(domain)}
    assert checks[follower.id].ok and checks["followup-readdressed-cancel"].ok


def test_in_a_queue_a_follows_task_starts_from_what_the_conversation_really_did(tmp_path, registered):
    # Between the two visits another customer changes their email: the returning customer's world has both.
    ids = ["cancel-pending-order", "update-email", "followup-cancelled-status"]

    def follower(agent: str):
        config = RunConfig(
            domain=NAME, agent=agent, task_ids=ids, ratings=False, sequential=Sequential(order="file", orders=[ids])
        )
        (queue,) = run(config, tmp_path / agent.replace("/", "-")).store.queue_records()
        return queue.records[2]

    back = follower("scripted/oracle")
    assert back.queue.start == "queue" and back.reward == 1.0
    state = back.queue.initial_state
    assert state["orders"]["#O5000"]["status"] == "cancelled"  # what the first conversation did
    email = registered.task("update-email").gold_actions[-1].arguments["email"]
    assert email in json.dumps(state["customers"])  # and what the second did, which no gold of this task holds
    assert email not in json.dumps(registered.task("followup-cancelled-status").initial_state)

    # An agent that never cancelled: the customer would come back to a world their words do not
    # describe, so they start fresh, from where the predecessor's gold leaves it, and the slot says so.
    missed = follower("scripted/null")
    assert missed.queue.start == "fresh" and "cancel-pending-order) did not reach its goal" in missed.queue.note
    assert missed.queue.initial_state == registered.task("followup-cancelled-status").initial_state


def test_a_customer_whose_request_an_earlier_conversation_changed_starts_fresh_and_says_why(tmp_path):
    ids = ["cancel-pending-order", "cancel-and-readdress"]  # two customers' requests, both about order #O5000
    config = RunConfig(domain="mock", task_ids=ids, ratings=False, sequential=Sequential(order="file", orders=[ids]))
    (queue,) = run(config, tmp_path / "run").store.queue_records()
    slot = queue.records[1].queue
    # Its words and outputs describe #O5000 as pending: scored on the queue's state, no agent could pass it.
    assert (
        slot.start == "fresh"
        and "an earlier conversation changed what this request is about (orders['#O5000'])" in slot.note
    )
    assert queue.records[1].reward == 1.0  # scored against its own state, as alone
    assert load_run(tmp_path / "run").sequential().fresh_starts == 1
    # Customers whose requests are about other records share one database all along.
    ids = ["cancel-pending-order", "update-email", "read-order-status"]
    config = RunConfig(domain="mock", task_ids=ids, ratings=False, sequential=Sequential(order="file", orders=[ids]))
    (queue,) = run(config, tmp_path / "apart").store.queue_records()
    assert [r.queue.start for r in queue.records] == ["queue"] * 3
    assert queue.records[2].queue.initial_state["orders"]["#O5000"]["status"] == "cancelled"


def test_orders_put_a_predecessor_first_and_by_tag_groups_customers(registered):
    tasks = list(registered.tasks)
    for order in range(5):
        ids = [t.id for t in arrange(tasks, Sequential(), order, seed=0)]
        assert sorted(ids) == sorted(t.id for t in tasks)
        assert ids.index("cancel-pending-order") < ids.index("followup-cancelled-status")
    for order in range(3):  # each kind of customer in one stretch, the stretches in a seeded order
        runs = [
            tag
            for tag, _ in itertools.groupby(
                t.tags[0] for t in arrange(list(MOCK.tasks), Sequential(order="by-tag"), order, 0)
            )
        ]
        assert len(runs) == len(set(runs)) == len({t.tags[0] for t in MOCK.tasks})
    config = RunConfig(domain="mock", trials=3, sequential=Sequential(queue_size=5))
    goals = {t.id: build_goal(MOCK, t) for t in MOCK.tasks}
    picked = queue_tasks(list(MOCK.tasks), config, goals)
    assert len(picked) == 5 and picked == queue_tasks(list(MOCK.tasks), config, goals)  # seeded
    # No two of them are about the same records: every order serves each on the queue's database.
    assert not any(goals[a.id].touched & goals[b.id].seen for a in picked for b in picked if a is not b)
    assert len({tuple(t.id for t in q.tasks) for q in plan_queues(picked, config)}) == 3  # an order per trial


def test_bad_sequential_options_are_one_clear_error(tmp_path):
    base = {"domain": "mock", "ratings": False}
    with pytest.raises(ConfigError, match="pass --trials 2"):
        plan_run(
            RunConfig(**base, sequential=Sequential(order="file", orders=[["update-email"], ["update-email"]])),
            tmp_path / "a",
        )
    with pytest.raises(ConfigError, match="not in the selection: 'no-such-task'"):
        plan_run(RunConfig(**base, sequential=Sequential(order="file", orders=[["no-such-task"]])), tmp_path / "b")
    with pytest.raises(ConfigError, match="same customers as order 1"):
        orders = [["update-email", "product-price"], ["update-email", "read-order-status"]]
        plan_run(RunConfig(**base, trials=2, task_ids=["update-email", "product-price"],
                           sequential=Sequential(order="file", orders=orders)), tmp_path / "c")  # fmt: skip
    with pytest.raises(ConfigError, match="queue order 1 names 'update-email' more than once"):
        plan_run(
            RunConfig(**base, sequential=Sequential(order="file", orders=[["update-email", "update-email"]])),
            tmp_path / "e",
        )
    with pytest.raises(ConfigError, match="drop --workers"):
        plan_run(RunConfig(**base, workers=2, sequential=Sequential()), tmp_path / "d")
    assert not any((tmp_path / x).exists() for x in "abcde")  # refused before anything was written


def test_a_queue_kept_out_of_trials_by_a_failed_write_is_mended_once_on_resume(tmp_path, monkeypatch):
    """The disk fills between a queue's line and its trials' lines (a kill there is the same): the
    run stops, and the resume copies the missing trials from the queue's line, once."""
    folder = tmp_path / "run"
    config = RunConfig(
        domain="mock", agent="scripted/oracle", trials=2, concurrency=1, ratings=False, sequential=Sequential()
    )
    calls = {"n": 0}
    append = RunStore.append

    def fills_up_after_the_first_queue_line(self, record):
        calls["n"] += 1
        if calls["n"] == 3:  # the first queue's line is down, and two of its trials
            raise StoreWriteError(f"cannot write {self.trials_path}: No space left on device (ENOSPC)")
        append(self, record)

    monkeypatch.setattr(RunStore, "append", fills_up_after_the_first_queue_line)
    with pytest.raises(RunFolderError, match="No space left"):
        run(config, folder)
    monkeypatch.setattr(RunStore, "append", append)
    store = RunStore(folder)
    assert len(store.queue_records()) == 1 and len(store.records()) == 2
    plan = plan_run(config, folder)
    assert plan.already_done == len(MOCK.tasks) and len(plan.queues) == 1  # the first queue counts whole
    plan.store.unlock()
    run(config, folder)
    keys = [r.key for r in RunStore(folder).records()]
    assert len(keys) == len(set(keys)) == 2 * len(MOCK.tasks)
    assert [q.key for q in RunStore(folder).queue_records()] == [("regular", 0), ("regular", 1)]


def test_a_run_killed_mid_queue_restarts_that_queue_and_keeps_each_queue_once(tmp_path):
    folder, marker = tmp_path / "run", tmp_path / "killed"
    command = [
        sys.executable, "-m", "frontdesk", "run", "--domain", "mock", "--agent", "py:tests.queue_domain:kills_the_run",
        "--sequential", "--queue-size", "2", "-k", "3", "-c", "1", "--ratings", "off", "--out", str(folder),
    ]  # fmt: skip
    env = {**os.environ, KILL_MARKER: str(marker), "PYTHONPATH": str(ROOT)}
    killed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9 and marker.exists()  # SIGKILL while serving the second queue
    store = RunStore(folder)
    assert [q.key for q in store.queue_records()] == [("regular", 0)]
    assert len(store.records()) == 2  # the first queue's two customers; none of the interrupted queue
    resumed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming" in resumed.stderr and "2 of 6 trials already done" in resumed.stderr
    queues = [q.key for q in RunStore(folder).queue_records()]
    assert sorted(queues) == [("regular", 0), ("regular", 1), ("regular", 2)]
    keys = [r.key for r in RunStore(folder).records()]
    assert len(keys) == len(set(keys)) == 6


def test_an_infra_failure_ends_the_queue_keeps_its_cost_and_a_rerun_serves_it_whole(tmp_path):
    from tests.queue_domain import ProviderFailsOnce

    ProviderFailsOnce.built = 0
    ids = ["update-email", "read-order-status", "cancel-pending-order"]
    config = RunConfig(
        domain="mock", agent="py:tests.queue_domain:provider_fails_once", task_ids=ids, ratings=False,
        sequential=Sequential(order="file", orders=[ids]),
    )  # fmt: skip
    plan = run(config, tmp_path / "run")
    store = plan.store
    assert store.queue_records() == [] and store.records() == []  # nothing of the queue counts as done
    (failure,) = store.infra_failures()
    assert failure.task_id == "read-order-status" and failure.error.startswith("queue position 2 of 3: ")
    assert failure.agent_usage.calls >= 1 and plan.spent_usd > 0  # the first customer's spend is not lost
    rerun = run(config, tmp_path / "run")  # the provider is back: the queue runs again from its start
    (queue,) = rerun.store.queue_records()
    assert [r.task_id for r in queue.records] == ids and len(rerun.store.records()) == 3


def test_a_sequential_run_regrades_and_verifies_with_no_difference(tmp_path):
    from frontdesk.eval.bundle import bundle_run, verify_bundle
    from frontdesk.eval.regrade import regrade_run

    sequential_run(tmp_path / "run", trials=2)
    report = regrade_run(tmp_path / "run", tmp_path / "regraded")
    assert len(report.trials) == 2 * len(MOCK.tasks) and not report.changed and not report.diverged
    assert (
        load_run(tmp_path / "regraded").sequential().learning_gain
        == load_run(tmp_path / "run").sequential().learning_gain
    )
    bundle_run(tmp_path / "run", tmp_path / "run.tar.gz")
    assert verify_bundle(tmp_path / "run.tar.gz").problems == []


def test_the_cli_runs_a_sequential_queue_and_reports_its_curve(tmp_path):
    def frontdesk(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "frontdesk", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
        )

    wrong = frontdesk("run", "--domain", "mock", "--queue-size", "3", "--out", str(tmp_path / "x"))
    assert wrong.returncode != 0 and "add --sequential" in wrong.stderr and "Traceback" not in wrong.stderr
    orders = tmp_path / "orders.yaml"
    orders.write_text("orders:\n  - [update-email, product-price]\n  - [product-price, update-email]\n")
    done = frontdesk("run", "--domain", "mock", "--agent", "scripted/learner", "--sequential", "--queue-order",
                     str(orders), "--task", "update-email", "--task", "product-price", "--out", str(tmp_path / "run"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "sequential: 2 queue(s) of 2 (file) · memory on" in " ".join(done.stdout.split())
    assert "learning curve" in done.stdout
    orders.write_text("orders: [update-email]\n")
    bad = frontdesk(
        "run", "--domain", "mock", "--sequential", "--queue-order", str(orders), "--out", str(tmp_path / "y")
    )
    assert bad.returncode != 0 and "queue order file" in bad.stderr and "Traceback" not in bad.stderr


def test_the_queue_order_schema_file_is_generated_from_its_model():
    from frontdesk.eval.queue import QUEUE_ORDER_FILE, SCHEMA_PATH

    assert json.loads(SCHEMA_PATH.read_text()) == QUEUE_ORDER_FILE.generate(), (
        "regenerate frontdesk/eval/schemas/queue_order.schema.json from QUEUE_ORDER_FILE.generate()"
    )
