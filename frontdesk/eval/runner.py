"""The runner: tasks × trials, concurrently, each finished trial stored at once; reruns resume."""

from __future__ import annotations

import asyncio
import importlib.util
import platform
import subprocess
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from frontdesk.agents import check_agent_spec, is_agent_model
from frontdesk.envs import Domain, Task, get_domain
from frontdesk.errors import ConfigError, CredentialError
from frontdesk.eval.checker import Goal, build_goal
from frontdesk.eval.config import RunConfig, domain_fingerprint, trial_seed
from frontdesk.eval.executors import executor_for
from frontdesk.eval.judge import check_judge
from frontdesk.eval.orchestrator import TerminationReason
from frontdesk.eval.queue import Queue, check_orders, plan_queues, queue_tasks
from frontdesk.eval.record import InfraFailure, QueueRecord, TrialKey, TrialRecord, TrialResult
from frontdesk.eval.store import RunStore
from frontdesk.eval.trial import execute_trial
from frontdesk.llm import check_model_string, missing_provider_keys
from frontdesk.simulators import Persona, check_user_spec
from frontdesk.simulators.factory import is_user_model
from frontdesk.trajectory import Usage

PlanItem = tuple[Task, Persona, int]  # a trial to run: the task, the persona, the trial index
WorkItem = PlanItem | Queue  # what an executor is handed: a trial, or in a sequential run a queue

__all__ = ["PlanItem", "RunPlan", "WorkItem", "execute_plan", "execute_trial", "plan_run", "run", "select_tasks"]


def select_tasks(domain: Domain, config: RunConfig) -> list[Task]:
    tasks = domain.tasks
    if config.split:
        tasks = [t for t in tasks if t.split == config.split]
    if config.task_ids:
        by_id = {t.id: t for t in tasks}
        unknown = [i for i in config.task_ids if i not in by_id]
        if unknown:
            where = f" in split {config.split!r}" if config.split else ""
            raise ConfigError(
                f"domain {domain.name!r} has no task(s) {', '.join(map(repr, unknown))}{where}; "
                f"`frontdesk tasks --domain {domain.name}` lists them"
            )
        tasks = [by_id[i] for i in dict.fromkeys(config.task_ids)]
    if not tasks:
        raise ConfigError(f"no tasks selected in domain {domain.name!r}")
    return tasks


def check_participants(config: RunConfig, allow_missing_keys: bool = False) -> list[str]:
    """Fail before anything is written if a model string, strategy or provider key cannot work;
    return warnings."""
    check_agent_spec(config.agent, config.agent_strategy)
    check_user_spec(config.user, config.user_strategy)
    warnings = []
    # Only model strings go to the model checks: scripted participants, plug-ins and remote agents do not.
    models = {m for m, is_model in ((config.agent, is_agent_model), (config.user, is_user_model)) if is_model(m)}
    for model in sorted(models | ({config.judge} if config.judge else set())):
        check_model_string(model, config.transport_for(model), config.llm_params)
        missing = missing_provider_keys(model, config.llm_params)
        if not missing:
            continue
        problem = f"{model} needs {', '.join(missing)}, which is not set"
        if not allow_missing_keys:
            raise CredentialError(
                f"{problem}: export it before running (or pass --allow-missing-keys if this provider "
                "works without it, e.g. a cloud profile)"
            )
        warnings.append(f"{problem}; starting anyway (--allow-missing-keys)")
    if config.executor == "ray" and importlib.util.find_spec("ray") is None:
        raise ConfigError("--executor ray needs Ray: pip install 'frontdesk[ray]'")
    if config.sequential is not None and (config.executor != "local" or config.workers > 1):
        raise ConfigError(
            "--sequential serves its queues in one process (a queue's customers follow one another, and "
            "queues run side by side up to --concurrency): drop --workers and --executor ray"
        )
    return warnings


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _git_commit() -> dict[str, Any] | None:
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(dirty)}


def build_manifest(config: RunConfig, domain: Domain, tasks: list[Task]) -> dict[str, Any]:
    fingerprint = domain_fingerprint(domain)
    return {
        "frontdesk_manifest": 1,
        "config": config.public_dict(),
        "config_hash": config.config_hash(fingerprint),
        "domain_fingerprint": fingerprint,
        "domain_version": domain.version,
        "task_ids": [t.id for t in tasks],
        "simulator": config.simulator_stamp(),
        "plugins": config.plugin_provenance(),
        # The transport each model's calls took (auto resolved), in the order first used: a resume may add one.
        "transports": {model: [transport] for model, transport in config.transports().items()},
        "created_at": time.time(),
        "versions": {
            "frontdesk": _package_version("frontdesk"),
            "litellm": _package_version("litellm"),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "git": _git_commit(),
    }


@dataclass
class RunPlan:
    """A run ready to execute: what to run, where results go, and the one schedule every executor
    takes trials from (:meth:`next_trial`) and hands results to (:meth:`record`)."""

    config: RunConfig
    domain: Domain
    tasks: list[Task]
    goals: dict[str, Goal]
    store: RunStore
    pending: list[PlanItem]  # what was pending when the plan was made (a sequential run: its queues' trials)
    already_done: int
    queues: list[Queue] = field(default_factory=list)  # a sequential run's pending queues: the work items
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # things that happened during the run (a worker died)
    spent_usd: float = 0.0  # by this invocation
    unpriced_calls: int = 0  # calls whose price litellm does not know: not in spent_usd
    skipped_for_budget: int = 0
    recorded: int = 0
    stopped: bool = False  # interrupted (Ctrl-C): start nothing more
    on_result: Callable[[TrialResult], None] | None = None
    on_notice: Callable[[str], None] | None = None
    _queue: deque[WorkItem] = field(default_factory=deque, repr=False)
    _finished: set[TrialKey] = field(default_factory=set, repr=False)
    _writer: ThreadPoolExecutor | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._queue.extend(self.queues if self.config.sequential is not None else self.pending)

    def over_budget(self) -> bool:
        cap = self.config.max_cost_usd
        return cap is not None and self.spent_usd >= cap

    def has_next(self) -> bool:
        return bool(self._queue) and not self.over_budget() and not self.stopped

    def next_trial(self) -> WorkItem | None:
        """The next trial (a sequential run: queue) to start, or None: nothing left, or the budget is
        spent (what is left stays pending for a rerun). The one place any executor asks whether
        another may start."""
        if not self._queue or self.stopped:
            return None
        if self.over_budget():
            self.skipped_for_budget += sum(len(i.tasks) if isinstance(i, Queue) else 1 for i in self._queue)
            self._queue.clear()
            return None
        return self._queue.popleft()

    def requeue(self, item: PlanItem) -> None:
        """Run a trial again later in this run (its worker died while running it)."""
        task, persona, trial = item
        if (task.id, persona.name, trial) not in self._finished:
            self._queue.append(item)

    def record(self, result: TrialResult | QueueRecord) -> None:
        """Count the spend, write the result durably, then tell the caller: the one place results land.

        A finished queue is written as its queue line first (its commit record), then its trials:
        a kill between the two is mended on resume by :meth:`RunStore.sync_queues`."""
        if isinstance(result, QueueRecord):
            self.store.append_queue(result)
            for record in result.records:
                self.record(record)
            return
        spend = result.spend
        self.spent_usd += spend.cost_usd or 0.0
        self.unpriced_calls += spend.calls if spend.cost_usd is None else 0
        if isinstance(result, TrialRecord):
            self.store.append(result)
            self._finished.add(result.key)
        else:
            self.store.append_infra(result)
        self.recorded += 1
        if self.on_result:
            self.on_result(result)

    async def record_off_loop(self, result: TrialResult | QueueRecord) -> None:
        """:meth:`record` in the plan's one writer thread, for an executor on an event loop: each
        line's fsync (milliseconds, more on a busy disk) would otherwise stall every model call in
        flight. One thread, so results still land one at a time; a write that has started finishes
        even if the caller is cancelled (:meth:`close_writer` waits for it)."""
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frontdesk-writer")
        await asyncio.get_running_loop().run_in_executor(self._writer, self.record, result)

    def close_writer(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def record_lost(self, item: PlanItem, started_at: float, why: str) -> None:
        """Record an attempt that died with the process running it, as infra (a rerun can fix it).

        Not a result for ``on_result``: the executor requeues the trial, whose real result follows.
        """
        task, persona, trial = item
        self.store.append_infra(
            InfraFailure(
                task_id=task.id,
                persona=persona.name,
                trial=trial,
                seed=trial_seed(self.config.seed, task.id, trial, persona.name),
                termination=TerminationReason.INFRA_ERROR,
                error=why,
                started_at=started_at,
                duration_s=time.time() - started_at,
                agent_usage=Usage(),
                user_usage=Usage(),
            )
        )

    def notice(self, message: str) -> None:
        self.notices.append(message)
        if self.on_notice:
            self.on_notice(message)

    @property
    def total(self) -> int:
        return len(self.tasks) * len(self.config.personas) * self.config.trials


def plan_run(config: RunConfig, folder: Path | str, allow_missing_keys: bool = False, repair: bool = False) -> RunPlan:
    """Check everything that can be checked, then open (or reopen) the run folder.

    A plan with pending trials holds the folder's writer lock until the process ends or
    ``plan.store.unlock()``; a plan with nothing pending reads the folder and writes nothing, so a
    finished run can be reported from a read-only place.

    With ``repair``, a lost manifest is rebuilt from this configuration and every line of
    ``trials.jsonl`` that is unreadable, repeated, or not a trial this configuration would run
    (unknown key, different seed) is moved to ``trials.rejected.jsonl``; every good trial is kept.
    """
    folder = Path(folder)
    domain = get_domain(config.domain)
    tasks = select_tasks(domain, config)
    goals = {t.id: build_goal(domain, t) for t in tasks}  # a broken task stops the run here, loudly
    if config.sequential is not None:
        tasks = queue_tasks(tasks, config, goals)  # the draw keeps customers whose requests do not collide
        goals = {t.id: goals[t.id] for t in tasks}
        check_orders(config.sequential, tasks, config.trials)
    warnings = check_participants(config, allow_missing_keys)
    check_judge(
        config.judge, tasks, config.transport_for(config.judge) if config.judge else config.transport
    )  # a task that needs a judge without one fails here, before writing
    store = RunStore(folder)
    manifest = build_manifest(config, domain, tasks)
    store.open(manifest, repair=repair)
    if repair:
        store.lock()
        store.quarantine(keep=_belongs_to(config, tasks))
    pending = _pending(config, tasks, store)
    if pending:
        store.lock()  # before the tail repair: another writer's half-written line is not a torn one
        store.grow(manifest)  # --trials raised on an existing run: more of the same trials
        store.add_transports(manifest["transports"])  # this invocation's, when a resume takes another
        store.prepare_append()
        if config.sequential is not None:
            store.sync_queues()  # trials of finished queues a kill kept out of trials.jsonl
        pending = _pending(config, tasks, store)  # what another process finished before we locked
    queues = _pending_queues(config, tasks, store) if config.sequential is not None and pending else []
    if config.sequential is not None:
        pending = [(t, q.persona, q.order) for q in queues for t in q.tasks]
    done = len(tasks) * len(config.personas) * config.trials - len(pending)
    return RunPlan(config, domain, tasks, goals, store, pending, already_done=done, warnings=warnings, queues=queues)


def _pending_queues(config: RunConfig, tasks: list[Task], store: RunStore) -> list[Queue]:
    """The queues without a line in queues.jsonl: each runs whole, from its first customer."""
    done = {q.key for q in store.queue_records()}
    return [q for q in plan_queues(tasks, config) if q.key not in done]


def _belongs_to(config: RunConfig, tasks: list[Task]) -> Callable[[TrialRecord], str | None]:
    planned = {(t.id, p.name, i) for t in tasks for p in config.personas for i in range(config.trials)}

    def why_not(record: TrialRecord) -> str | None:
        if record.key not in planned:
            return "not a trial of this configuration (its task, persona or trial index is not in the run)"
        if record.seed != trial_seed(config.seed, record.task_id, record.trial, record.persona):
            return "its seed does not match this configuration's: another run's trial"
        return None

    return why_not


def _pending(config: RunConfig, tasks: list[Task], store: RunStore) -> list[PlanItem]:
    done = {r.key for r in store.records()}
    return [
        (t, p, i) for t in tasks for p in config.personas for i in range(config.trials) if (t.id, p.name, i) not in done
    ]


async def execute_plan(plan: RunPlan, on_result: Callable[[TrialResult], None] | None = None) -> list[TrialResult]:
    """Run every pending trial on the configured executor; each result is on disk before
    ``on_result`` hears of it. Returns the results of this invocation.

    With ``max_cost_usd`` set, no trial starts once this invocation's spend reaches the cap; trials
    already running finish and are recorded (so the cap can be overshot by their cost), and the
    ones not started stay pending for a later rerun. A result the store cannot write (a full disk)
    stops the run: running trials are cancelled and the error is raised.
    """
    results: list[TrialResult] = []

    def collect(result: TrialResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    plan.on_result = collect
    try:
        if plan.pending:
            await executor_for(plan)(plan)
    finally:
        plan.close_writer()  # every result handed over is on disk before the lock goes
        plan.on_result = on_result
        plan.store.unlock()
    return results


def run(config: RunConfig, folder: Path | str, on_result: Callable[[TrialResult], None] | None = None) -> RunPlan:
    """Plan and execute a run synchronously; returns the plan (see :func:`frontdesk.evaluate` for
    the finished run as data)."""
    plan = plan_run(config, folder)
    asyncio.run(execute_plan(plan, on_result))
    return plan
