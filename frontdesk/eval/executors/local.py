"""Trials in this process: ``concurrency`` slots on one asyncio loop, each taking the next trial."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from frontdesk.eval.gc_pauses import fewer_gc_pauses
from frontdesk.eval.queue import Queue, execute_queue
from frontdesk.eval.trial import execute_trial
from frontdesk.llm import aclose

if TYPE_CHECKING:
    from frontdesk.eval.runner import RunPlan


async def run_locally(plan: RunPlan) -> None:
    async def slot() -> None:
        while (item := plan.next_trial()) is not None:
            if isinstance(item, Queue):  # a sequential run: the queue's customers, one after another
                result = await execute_queue(plan.domain, item, plan.config, plan.goals)
            else:
                task, persona, trial = item
                result = await execute_trial(plan.domain, task, trial, plan.config, plan.goals[task.id], persona)
            await plan.record_off_loop(result)  # the fsync waits in a thread, not the event loop

    slots = min(plan.config.concurrency, len(plan.queues) if plan.config.sequential else len(plan.pending))
    await run_slots(slot() for _ in range(slots))


async def run_slots(slots) -> None:  # noqa: ANN001 - an iterable of coroutines
    """Run coroutines together with fewer GC pauses; the first failure (a store that cannot write, a
    credential the provider refused) cancels the rest and is raised as itself, not as a group."""
    with fewer_gc_pauses():
        try:
            async with asyncio.TaskGroup() as group:
                for coroutine in slots:
                    group.create_task(coroutine)
        except BaseExceptionGroup as failures:
            raise _first(failures) from None
        finally:
            await aclose()


def _first(group: BaseExceptionGroup) -> BaseException:
    first = group.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first
