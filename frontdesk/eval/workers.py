"""Trials in several worker processes or on Ray, for when one Python process is the bottleneck.

Through the litellm transport each model call costs the harness several milliseconds of CPU
(litellm and the provider SDK); at hundreds of calls in flight one interpreter (one GIL) cannot
keep up. Worker processes each run an asyncio loop over a shard of the pending trials with a share
of the concurrency. Results come back to this process, which alone writes the run folder
(``RunPlan.record``), so storage, resume and budget behave exactly as with one process. ``--executor ray`` does the same with Ray actors, on
a local instance or an existing cluster.
"""

from __future__ import annotations

import math
import multiprocessing
import queue as queue_module
from collections.abc import Callable
from typing import Any

from frontdesk.eval.record import InfraFailure, TrialRecord

TrialResult = TrialRecord | InfraFailure
_DONE = "done"


def _worker(config: Any, goals: dict[str, Any], shard: list[tuple[str, str, int]], results: Any, stop: Any) -> None:
    import asyncio

    from frontdesk.envs import get_domain
    from frontdesk.eval.runner import execute_trial, gather_trials

    domain = get_domain(config.domain)
    tasks = {t.id: t for t in domain.tasks}
    personas = {p.name: p for p in config.personas}

    async def main() -> None:
        semaphore = asyncio.Semaphore(config.concurrency)

        async def one(task_id: str, persona: str, trial: int) -> None:
            async with semaphore:
                if stop.is_set():  # the parent's budget is spent: start nothing new
                    results.put(("skipped", None))
                    return
                result = await execute_trial(domain, tasks[task_id], trial, config, goals[task_id], personas[persona])
            results.put(("result", result))

        await gather_trials(one(*key) for key in shard)

    try:
        asyncio.run(main())
    except BaseException as e:  # report, so the parent can say what happened instead of hanging
        results.put(("error", f"{type(e).__name__}: {e}"))
        raise
    finally:
        results.put((_DONE, None))


def execute_in_processes(plan: Any, on_result: Callable[[TrialResult], None] | None) -> list[TrialResult]:
    """Run ``plan.pending`` in ``plan.config.workers`` processes; record every result here."""
    from frontdesk.errors import FrontdeskError

    n = min(plan.config.workers, len(plan.pending))
    shards = [[(t.id, p.name, i) for t, p, i in plan.pending[k::n]] for k in range(n)]
    share = plan.config.model_copy(update={"concurrency": math.ceil(plan.config.concurrency / n), "workers": 1})
    context = multiprocessing.get_context("spawn")  # no fork: litellm starts threads at import
    results_queue = context.Queue()
    stop = context.Event()
    processes = [
        context.Process(target=_worker, args=(share, plan.goals, shard, results_queue, stop), daemon=True)
        for shard in shards
    ]
    for process in processes:
        process.start()
    collected: list[TrialResult] = []
    errors: list[str] = []
    finished = 0
    try:
        while finished < n:
            try:
                kind, payload = results_queue.get(timeout=1.0)
            except queue_module.Empty:
                if not any(p.is_alive() for p in processes):
                    break  # a worker died without saying so (killed): what it finished is recorded
                continue
            if kind == "result":
                plan.record(payload, on_result)
                collected.append(payload)
                if plan.over_budget():
                    stop.set()
            elif kind == "skipped":
                plan.skipped_for_budget += 1
            elif kind == "error":
                errors.append(payload)
            elif kind == _DONE:
                finished += 1
    finally:
        stop.set()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
    if errors:
        raise FrontdeskError(f"a worker process failed: {errors[0]}; finished trials are saved, rerun to resume")
    return collected


class _RayTrialWorker:
    """A Ray actor that runs trials of one run; Ray calls ``run`` concurrently (an async actor)."""

    def __init__(self, config: Any, goals: dict[str, Any]) -> None:
        from frontdesk.envs import get_domain
        from frontdesk.eval.gc_pauses import relax_gc

        self.config, self.goals = config, goals
        self.domain = get_domain(config.domain)
        self.tasks = {t.id: t for t in self.domain.tasks}
        self.personas = {p.name: p for p in config.personas}
        relax_gc()  # this process exists only to run trials: nothing to restore afterwards

    async def run(self, task_id: str, persona: str, trial: int) -> TrialResult:
        from frontdesk.eval.runner import execute_trial

        task = self.tasks[task_id]
        return await execute_trial(self.domain, task, trial, self.config, self.goals[task_id], self.personas[persona])


def execute_on_ray(plan: Any, on_result: Callable[[TrialResult], None] | None) -> list[TrialResult]:
    """Run ``plan.pending`` as calls to Ray actors (an existing cluster at ``ray_address``, or a local
    instance); results come back here and are recorded by this process alone, as everywhere else.

    Trials are handed out as slots free up, so ``--max-cost`` stops new trials just as it does locally.
    """
    from frontdesk.errors import ConfigError, FrontdeskError

    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs Ray: pip install 'frontdesk[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=plan.config.ray_address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        n = max(1, min(plan.config.workers if plan.config.workers > 1 else cpus, len(plan.pending)))
        share = math.ceil(plan.config.concurrency / n)
        worker_config = plan.config.model_copy(update={"concurrency": share, "workers": 1})
        actor = ray.remote(num_cpus=1)(_RayTrialWorker)
        actors = [actor.options(max_concurrency=share).remote(worker_config, plan.goals) for _ in range(n)]
        waiting = iter(plan.pending)
        in_flight: dict[Any, tuple[str, str, int]] = {}
        collected: list[TrialResult] = []
        submitted = 0

        def submit() -> None:
            nonlocal submitted
            while len(in_flight) < plan.config.concurrency:
                item = next(waiting, None)
                if item is None:
                    return
                if plan.over_budget():
                    plan.skipped_for_budget += 1
                    continue
                task, persona, trial = item
                ref = actors[submitted % n].run.remote(task.id, persona.name, trial)
                in_flight[ref] = (task.id, persona.name, trial)
                submitted += 1

        submit()
        while in_flight:
            done, _ = ray.wait(list(in_flight), num_returns=1)
            key = in_flight.pop(done[0])
            try:
                result = ray.get(done[0])
            except Exception as e:  # the actor died or raised: say which trial, keep what is saved
                raise FrontdeskError(f"Ray worker failed on trial {key}: {type(e).__name__}: {e}") from None
            plan.record(result, on_result)
            collected.append(result)
            submit()
        return collected
    finally:
        if started_here:
            ray.shutdown()
