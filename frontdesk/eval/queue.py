"""Sequential evaluation: one agent serves a queue of customers, one after another, on one database.

A queue is the unit of work of a sequential run (``RunConfig.sequential``): the run's executor
takes a :class:`Queue` where it would take a trial, and :func:`execute_queue` serves it as a loop of
ordinary trials (``execute_trial`` with a :class:`~frontdesk.eval.trial.Carry`), so a customer in a
queue is scored exactly as one alone. What a queue adds:

- **state**: each customer starts from the database the earlier conversations left (plus the
  task's own patch); its gold actions are run on that state, so the goal is what this customer's
  request means *there*. A task that ``follows`` one served earlier in the queue starts from what
  that conversation really did, if it reached its goal. When an earlier conversation changed a
  record this customer's request is about (the task's words describe it as it was), when the
  task's gold cannot run on the queue's state, or when it follows a conversation that failed, the
  customer starts fresh from the task's own state, says why in its slot, and the queue's state
  goes on unchanged;
- **memory**: the memory tools, bound to one set of notes per queue (``--memory on``), or a
  plug-in agent that serves the whole queue (``Agent.serves_queue``);
- **privacy**: the gating ``no_privacy_leak`` component (eval/privacy.py).

Each trial index is one order of the same customers: trial ``i`` of every task is its place in
order ``i``, so pass^k over trials is pass^k over orders, and a killed run resumes whole queues.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.envs import Domain, Task
from frontdesk.envs.state import changed_records, layer
from frontdesk.errors import BrokenTaskError, ConfigError
from frontdesk.eval.checker import Goal, build_goal
from frontdesk.eval.config import RunConfig, Sequential
from frontdesk.eval.privacy import find_leaks, leak_component
from frontdesk.eval.record import InfraFailure, QueueRecord, QueueSlot, TrialRecord
from frontdesk.eval.state_diff import RecordKey, label, sorted_keys
from frontdesk.eval.trial import Carry, execute_trial
from frontdesk.simulators import Persona
from frontdesk.simulators.persona import ShippedSchema
from frontdesk.tools import Memory

QueueKey = tuple[str, int]  # (persona, order)
SCHEMA_PATH = Path(__file__).parent / "schemas" / "queue_order.schema.json"
MAX_AGENT_MEMORY_BYTES = 1_000_000  # what a plug-in agent says it remembers, as stored


class QueueOrderFile(BaseModel):
    """A queue-order file: the orders a sequential run serves its customers in, one per trial."""

    model_config = ConfigDict(extra="forbid")

    orders: list[Annotated[list[str], Field(min_length=1)]] = Field(
        min_length=1,
        description="One list of task ids per order (trial); every order holds the same tasks, each once.",
    )


QUEUE_ORDER_FILE = ShippedSchema(
    QueueOrderFile, SCHEMA_PATH, "queue order", "orders", 'write e.g. "orders: [[task-a, task-b], [task-b, task-a]]"'
)


def read_queue_orders(path: Path) -> list[list[str]]:
    """The orders in a queue-order file (YAML or JSON), or one ConfigError saying what is wrong."""
    data = QUEUE_ORDER_FILE.read_yaml(path)
    QUEUE_ORDER_FILE.check(data, str(path))
    return QueueOrderFile.model_validate(data).orders


@dataclass(frozen=True)
class Queue:
    """One queue to serve: the persona every customer in it has, its order index, the customers."""

    persona: Persona
    order: int
    tasks: tuple[Task, ...]

    @property
    def key(self) -> QueueKey:
        return (self.persona.name, self.order)


def _collide(a: Task, b: Task, goals: dict[str, Goal]) -> bool:
    """Whether one task's gold changes a record the other's request is about (a returning customer
    and the conversation they come back to are meant to)."""
    if a.follows == b.id or b.follows == a.id:
        return False
    ga, gb = goals[a.id], goals[b.id]
    return bool(ga.touched & gb.seen or gb.touched & ga.seen)


def queue_tasks(tasks: list[Task], config: RunConfig, goals: dict[str, Goal]) -> list[Task]:
    """The customers every queue serves: the selection, or ``queue_size`` of it drawn with the run's seed.

    The draw takes customers in a seeded order and keeps one only if its request does not collide
    with one already kept (one's gold changes what the other asks about), so that, in any order,
    each customer can be served on the queue's database; a returning customer comes with the
    conversation it follows. Where the selection has too few such customers, the rest are drawn in
    the same order, and a collision then starts that customer fresh (``_slot``)."""
    sequential = config.sequential
    assert sequential is not None
    if sequential.orders is not None:
        if sequential.queue_size is not None:
            raise ConfigError("--queue-size and a --queue-order file both set the customers; give one")
        by_id = {t.id: t for t in tasks}
        first = sequential.orders[0]
        unknown = [i for i in dict.fromkeys(first) if i not in by_id]
        if unknown:
            raise ConfigError(
                f"queue order 1 names task(s) not in the selection: {', '.join(map(repr, unknown))}; "
                "`frontdesk tasks --domain D` lists them"
            )
        return [by_id[i] for i in first]
    size = sequential.queue_size
    if size is None or size >= len(tasks):
        return list(tasks)
    by_id = {t.id: t for t in tasks}
    shuffled = list(tasks)
    random.Random(f"queue:{config.seed}").shuffle(shuffled)
    kept: list[Task] = []
    for task in shuffled:
        before = by_id.get(task.follows) if task.follows else None
        group = [t for t in (before, task) if t is not None and t not in kept]
        if len(kept) + len(group) > size or any(_collide(t, k, goals) for t in group for k in kept):
            continue
        kept += group
    kept += [t for t in shuffled if t not in kept][: size - len(kept)]
    chosen = {t.id for t in kept}
    return [t for t in tasks if t.id in chosen]


def _predecessors_first(tasks: list[Task]) -> list[Task]:
    """The same order, except a task that follows another in the queue comes after it."""
    present = {t.id for t in tasks}
    placed: set[str] = set()
    out: list[Task] = []
    waiting: list[Task] = []
    for task in tasks:
        waiting.append(task)
        progress = True
        while progress:
            progress = False
            for t in list(waiting):
                if t.follows not in present or t.follows in placed:
                    waiting.remove(t)
                    out.append(t)
                    placed.add(t.id)
                    progress = True
    return out + waiting  # a loop cannot occur: the domain refuses one when it loads


def arrange(tasks: list[Task], sequential: Sequential, order: int, seed: int) -> list[Task]:
    """Order ``order`` of the queue."""
    if sequential.orders is not None:
        by_id = {t.id: t for t in tasks}
        return _predecessors_first([by_id[i] for i in sequential.orders[order]])
    rng = random.Random(f"queue-order:{seed}:{order}")
    if sequential.order == "by-tag":
        groups: dict[str, list[Task]] = {}
        for task in tasks:
            groups.setdefault(task.tags[0] if task.tags else "", []).append(task)
        names = sorted(groups)
        rng.shuffle(names)
        shuffled = []
        for name in names:
            members = list(groups[name])
            rng.shuffle(members)
            shuffled.extend(members)
        return _predecessors_first(shuffled)
    shuffled = list(tasks)
    rng.shuffle(shuffled)
    return _predecessors_first(shuffled)


def check_orders(sequential: Sequential, tasks: list[Task], trials: int) -> None:
    """A queue-order file must give one order per trial, each the same customers once."""
    if sequential.orders is None:
        return
    if len(sequential.orders) != trials:
        raise ConfigError(
            f"the queue-order file has {len(sequential.orders)} order(s) and the run {trials} trial(s); each trial "
            f"serves one order, so pass --trials {len(sequential.orders)} (or leave --trials out)"
        )
    want = sorted(t.id for t in tasks)
    for i, order in enumerate(sequential.orders, start=1):
        twice = sorted({task_id for task_id in order if order.count(task_id) > 1})
        if twice:
            raise ConfigError(
                f"queue order {i} names {', '.join(map(repr, twice))} more than once; a customer is served once per queue"
            )
        if sorted(order) != want:
            raise ConfigError(
                f"queue order {i} does not hold the same customers as order 1, each once; every order must "
                "be a reordering of the first (that is what makes pass^k over orders mean something)"
            )


def plan_queues(tasks: list[Task], config: RunConfig) -> list[Queue]:
    """Every queue of the run: one per (persona, trial index), customers in that trial's order."""
    sequential = config.sequential
    assert sequential is not None
    return [
        Queue(persona, order, tuple(arrange(tasks, sequential, order, config.seed)))
        for persona in config.personas
        for order in range(config.trials)
    ]


def _fresh(task: Task, position: int, goal: Goal, why: str) -> tuple[QueueSlot, Goal]:
    note = f"{why}; served from the task's own initial state"
    return QueueSlot(position=position, start="fresh", initial_state=task.initial_state, note=note), goal


def _slot(
    domain: Domain,
    task: Task,
    position: int,
    state: dict[str, Any] | None,
    served: dict[str, tuple[bool, set[RecordKey]]],
    goal: Goal,
) -> tuple[QueueSlot, Goal]:
    """Where a customer starts in the queue: the queue's state, then the task's patch.

    ``served``: for each customer served on the queue's state so far, whether the conversation
    reached its goal and which records it changed. A customer starts on the queue's state unless
    that would change what their request means:

    - an earlier conversation changed a record their request is about (their order, their account:
      ``goal.seen``): the task's words and outputs describe that record as it was, so they would
      be scored against a world they do not describe;
    - they follow a conversation that did not reach its goal (a refund never made, a change still
      allowed).

    Then they start fresh, from the task's own state (for a follower, where the predecessor's gold
    leaves it), as alone. A follower of a conversation that did reach its goal comes back to what
    that conversation did: only its own patch goes on top.
    """
    if task.follows in served and not served[task.follows][0]:
        return _fresh(task, position, goal, f"the conversation it follows ({task.follows}) did not reach its goal")
    others = set().union(*(changed for task_id, (_, changed) in served.items() if task_id != task.follows))
    clash = sorted_keys(goal.seen & others)
    if clash:
        shown = ", ".join(label(k) for k in clash[:3]) + (f" and {len(clash) - 3} more" if len(clash) > 3 else "")
        return _fresh(task, position, goal, f"an earlier conversation changed what this request is about ({shown})")
    patch = domain.own_state(task.id) if task.follows in served else task.initial_state
    start = layer(domain, state, patch)
    try:
        return QueueSlot(position=position, start="queue", initial_state=start), build_goal(domain, task, start)
    except BrokenTaskError as e:
        why = str(e).partition("is broken: ")[2].removesuffix(" Fix the task's gold_actions.") or str(e)
        return _fresh(
            task, position, goal, f"its gold actions cannot run on the state the earlier conversations left ({why})"
        )


def _json_data(value: Any) -> Any:
    """A plug-in's memory as JSON data, bounded; what cannot be stored is said, not raised."""
    if value is None:
        return None
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError) as e:
        return {"unstorable": f"{type(e).__name__}: {e}"}
    if len(text) > MAX_AGENT_MEMORY_BYTES:
        return {"too_large": f"{len(text):,} bytes; at most {MAX_AGENT_MEMORY_BYTES:,} are kept"}
    return json.loads(text)


def _remembered(agent: Any) -> Any:
    try:
        return _json_data(agent.remember())
    except Exception as e:  # the agent's own failure loses what it remembers, not the queue
        return {"unstorable": f"remember() failed: {type(e).__name__}: {e}"}


def _queue_lost(failure: InfraFailure, done: list[TrialRecord], position: int, size: int) -> InfraFailure:
    """The infra failure that ends a queue, carrying what the customers already served spent: the
    queue runs again, but its cost is never lost from the run's accounts."""
    update: dict[str, Any] = {"error": f"queue position {position + 1} of {size}: {failure.error}"}
    for seat in ("agent_usage", "user_usage", "judge_usage"):
        update[seat] = sum((getattr(r, seat) for r in done), getattr(failure, seat))
    return failure.model_copy(update=update)


async def execute_queue(
    domain: Domain, queue: Queue, config: RunConfig, goals: dict[str, Goal]
) -> QueueRecord | InfraFailure:
    """Serve every customer of ``queue`` in order. An infra failure ends the queue at once: it is
    returned to be recorded, and the whole queue runs again on resume (its state cannot be rebuilt)."""
    sequential = config.sequential
    assert sequential is not None
    started = time.time()
    memory = Memory() if sequential.memory else None
    carry: Carry | None = None
    state: dict[str, Any] | None = None
    served: dict[str, tuple[bool, set[RecordKey]]] = {}  # see _slot
    records: list[TrialRecord] = []
    leaks = []
    try:
        for position, task in enumerate(queue.tasks):
            slot, goal = _slot(domain, task, position, state, served, goals[task.id])
            if memory is not None:
                memory.position = position
                slot.memory = list(memory.notes)  # what this conversation can find: notes are never edited
            carry = Carry(slot=slot, memory=memory, agent=carry.agent if carry else None)
            result = await execute_trial(domain, task, queue.order, config, goal, queue.persona, carry)
            if isinstance(result, InfraFailure):
                return _queue_lost(result, records, position, len(queue.tasks))
            earlier = [(r.queue.position, t, r.messages) for r, t in zip(records, queue.tasks, strict=False) if r.queue]
            found = find_leaks(earlier, position, task, result.messages)
            if result.verdict is not None:
                verdict = result.verdict.with_component(leak_component(found))
                result = result.model_copy(update={"verdict": verdict, "reward": verdict.reward})
            leaks.extend(found)
            records.append(result)
            if slot.start == "queue":
                db = result.verdict.component("db_state") if result.verdict else None
                changed = changed_records(domain, slot.initial_state, carry.final_state)
                served[task.id] = (db is not None and db.passed, changed)
                state = carry.final_state
        agent_memory = _remembered(carry.agent) if carry and carry.agent else None
    finally:
        if carry is not None and carry.agent is not None:
            await carry.agent.aclose()
    return QueueRecord(
        persona=queue.persona.name,
        order=queue.order,
        task_ids=[t.id for t in queue.tasks],
        records=records,
        memory=memory,
        agent_memory=agent_memory,
        leaks=leaks,
        started_at=started,
        duration_s=time.time() - started,
    )
