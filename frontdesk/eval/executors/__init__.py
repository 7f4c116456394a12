"""Where trials run. The runner hands a plan to one executor; every executor takes trials from
``plan.next_trial()`` (the one place that decides whether another trial starts: pending work left,
budget not spent, run not stopped) and gives each result to ``plan.record()`` (the one writer).

- ``local``: an asyncio loop in this process, ``concurrency`` trials at once.
- ``processes``: ``workers`` supervised child processes, each an asyncio loop over its share.
- ``ray``: Ray actors on a local instance or an existing cluster.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from frontdesk.eval.runner import RunPlan


class Executor(Protocol):
    async def __call__(self, plan: RunPlan) -> None:
        """Run trials from ``plan.next_trial()`` until it returns None; record each with ``plan.record``."""


async def supervise_in_thread(plan: RunPlan, supervise: Callable[[RunPlan], None]) -> None:
    """Run a blocking supervisor (worker processes, Ray) off the event loop. A thread cannot be
    cancelled, so on Ctrl-C the plan is told to stop and the supervisor winds down by itself."""
    try:
        await asyncio.to_thread(supervise, plan)
    except asyncio.CancelledError:
        plan.stopped = True
        raise


def worker_share(plan: RunPlan, workers: int) -> tuple[int, Any]:
    """Each of ``workers`` gets an equal share of the concurrency: (share, the config it runs with)."""
    share = math.ceil(plan.config.concurrency / workers)
    return share, plan.config.model_copy(update={"concurrency": share, "workers": 1})


def executor_for(plan: RunPlan) -> Executor:
    config = plan.config
    if config.executor == "ray":
        from frontdesk.eval.executors.ray_actors import run_on_ray

        return run_on_ray
    if config.workers > 1 and len(plan.pending) > 1:
        from frontdesk.eval.executors.processes import run_in_processes

        return run_in_processes
    from frontdesk.eval.executors.local import run_locally

    return run_locally


__all__ = ["Executor", "executor_for", "supervise_in_thread", "worker_share"]
