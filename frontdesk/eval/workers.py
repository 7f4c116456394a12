"""Trials in several worker processes, for when one Python process is the bottleneck.

Each model call costs the harness a few milliseconds of CPU inside litellm and the provider SDK;
at hundreds of calls in flight one interpreter (one GIL) cannot keep up. Worker processes each run
an asyncio loop over a shard of the pending trials with a share of the concurrency. Results come
back to this process, which alone writes the run folder (``RunPlan.record``), so storage, resume and
budget behave exactly as with one process.
"""

from __future__ import annotations

import math
import multiprocessing
import queue as queue_module
from typing import Any, Callable

from frontdesk.eval.record import InfraFailure, TrialRecord

TrialResult = TrialRecord | InfraFailure
_DONE = "done"


def _worker(config: Any, goals: dict[str, Any], shard: list[tuple[str, str, int]], results: Any, stop: Any) -> None:
    import asyncio

    from frontdesk.envs import get_domain
    from frontdesk.eval.runner import execute_trial

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

        await asyncio.gather(*(one(*key) for key in shard))

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
