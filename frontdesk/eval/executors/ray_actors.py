"""Trials as calls to Ray actors, on a local instance or an existing cluster (``--ray-address``).

Results come back to this process and are recorded here alone, as with every executor. Trials are
handed out as slots free up, so ``--max-cost`` stops new trials just as it does locally. An actor
that dies takes only its trials in flight: they are recorded as infra errors, requeued once, and
the actor is replaced.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from frontdesk.errors import ConfigError, FrontdeskError
from frontdesk.eval.executors import supervise_in_thread, worker_share
from frontdesk.eval.record import TrialKey, TrialResult

if TYPE_CHECKING:
    from frontdesk.eval.runner import RunPlan


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
        from frontdesk.eval.trial import execute_trial

        task = self.tasks[task_id]
        return await execute_trial(self.domain, task, trial, self.config, self.goals[task_id], self.personas[persona])


async def run_on_ray(plan: RunPlan) -> None:
    await supervise_in_thread(plan, _drive)


def _drive(plan: RunPlan) -> None:
    try:
        import ray
        from ray.exceptions import RayActorError
    except ImportError:
        raise ConfigError("--executor ray needs Ray: pip install 'frontdesk[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=plan.config.ray_address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        n = max(1, min(plan.config.workers if plan.config.workers > 1 else cpus, len(plan.pending)))
        share, worker_config = worker_share(plan, n)
        actor_class = ray.remote(num_cpus=1)(_RayTrialWorker)

        def new_actor() -> Any:
            return actor_class.options(max_concurrency=share).remote(worker_config, plan.goals)

        actors = [new_actor() for _ in range(n)]
        in_flight: dict[Any, tuple[int, Any, float]] = {}  # ref -> (actor slot, plan item, started)
        retried: set[TrialKey] = set()
        submitted = 0

        def submit() -> None:
            nonlocal submitted
            while len(in_flight) < plan.config.concurrency and (item := plan.next_trial()) is not None:
                task, persona, trial = item
                slot = submitted % n
                in_flight[actors[slot].run.remote(task.id, persona.name, trial)] = (slot, item, time.time())
                submitted += 1

        submit()
        while in_flight and not plan.stopped:
            done, _ = ray.wait(list(in_flight), num_returns=1, timeout=1.0)
            if not done:
                continue
            slot, item, started = in_flight.pop(done[0])
            try:
                plan.record(ray.get(done[0]))
            except RayActorError as e:  # the actor's process died: its trials are infra, the run goes on
                task, persona, trial = item
                key = (task.id, persona.name, trial)
                plan.notice(f"Ray actor {slot} died ({type(e).__name__}); trial {key} recorded as an infra error")
                plan.record_lost(item, started, f"Ray actor {slot} died during this trial")
                if key not in retried:
                    retried.add(key)
                    plan.requeue(item)
                actors[slot] = new_actor()
            except FrontdeskError:
                raise
            except Exception as e:  # the trial raised inside the actor: a bug, said with the trial's name
                raise FrontdeskError(f"Ray worker failed on trial {item[0].id}: {type(e).__name__}: {e}") from None
            submit()
    finally:
        if started_here:
            ray.shutdown()
