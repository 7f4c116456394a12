"""The runner: tasks × trials, concurrently, each finished trial stored at once; reruns resume."""

from __future__ import annotations

import asyncio
import platform
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from frontdesk.agents import AgentContext, build_agent, check_agent_spec
from frontdesk.envs import Domain, Environment, Task, get_domain
from frontdesk.errors import ConfigError
from frontdesk.eval.checker import Goal, build_goal, check
from frontdesk.eval.config import RunConfig, domain_fingerprint, trial_seed
from frontdesk.eval.gc_pauses import fewer_gc_pauses
from frontdesk.eval.judge import check_judge, judge_assertions, judge_for
from frontdesk.eval.orchestrator import ERROR_CLASS, ErrorClass, TerminationReason, run_trial
from frontdesk.eval.record import InfraFailure, TrialRecord
from frontdesk.eval.store import RunStore
from frontdesk.llm import SCRIPTED_PREFIX, InfraError, ModelConfig, aclose, check_model_string, missing_provider_keys
from frontdesk.simulators import Persona, UserContext, build_user, check_user_spec
from frontdesk.trajectory import Usage

TrialResult = TrialRecord | InfraFailure


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


def check_participants(config: RunConfig) -> list[str]:
    """Fail before anything is written if a model string or strategy cannot work; return warnings."""
    check_agent_spec(config.agent, config.agent_strategy)
    check_user_spec(config.user, config.user_strategy)
    warnings = []
    for model in sorted({config.agent, config.user}):
        if not model.startswith(SCRIPTED_PREFIX):
            check_model_string(model, config.transport)
            missing = missing_provider_keys(model, config.llm_params)
            if missing:
                warnings.append(
                    f"{model} usually needs {', '.join(missing)}, which is not set; "
                    "its calls will fail as infra errors (not scored, retried on resume)"
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
        "task_ids": [t.id for t in tasks],
        "simulator": config.simulator_stamp(),
        "created_at": time.time(),
        "versions": {
            "frontdesk": _package_version("frontdesk"),
            "litellm": _package_version("litellm"),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "git": _git_commit(),
    }


def _model(config: RunConfig, model: str, temperature: float | None) -> ModelConfig:
    return ModelConfig(
        model=model,
        temperature=temperature,
        params=config.llm_params,
        max_retries=config.max_retries,
        retry_wait_s=config.retry_wait_s,
        timeout_s=config.call_timeout_s,
        max_in_flight=config.max_calls_in_flight,
        requests_per_minute=config.requests_per_minute,
        cache_dir=config.cache_dir,
        transport=config.transport,
    )


async def execute_trial(
    domain: Domain, task: Task, trial: int, config: RunConfig, goal: Goal, persona: Persona | None = None
) -> TrialResult:
    """Build a fresh environment and participants, run one conversation, score it."""
    persona = persona or config.personas[0]
    seed = trial_seed(config.seed, task.id, trial, persona.name)
    env = Environment(domain, task)
    agent = build_agent(
        _model(config, config.agent, config.agent_temperature),
        config.agent_strategy,
        AgentContext(
            policy=domain.policy,
            tools=env.agent_tools.schemas(),
            tool_kinds={name: t.kind for name, t in env.agent_tools.tools.items()},
            seed=seed,
            transfer_tool=domain.transfer_tool,
            task=task,
        ),
    )
    user = build_user(
        _model(config, config.user, config.user_temperature),
        config.user_strategy,
        UserContext(scenario=task.user_scenario, persona=persona, seed=seed, tools=env.user_tools.schemas()),
    )
    started = time.time()
    outcome = await run_trial(env, agent, user, config.limits)
    duration = time.time() - started
    error_class = ERROR_CLASS.get(outcome.termination)
    common = dict(
        task_id=task.id,
        persona=persona.name,
        trial=trial,
        seed=seed,
        termination=outcome.termination,
        error=outcome.error,
        started_at=started,
        duration_s=duration,
        agent_usage=outcome.agent_usage,
        user_usage=outcome.user_usage,
    )
    if error_class is ErrorClass.INFRA:
        return InfraFailure(**common)
    verdict = (
        None if error_class is ErrorClass.USER else check(env, task, outcome.trajectory, outcome.termination, goal)
    )
    judge_usage = Usage()
    if verdict is not None and task.judged_assertions:
        judge = _model(config, judge_for(config.judge, task), 0.0)
        try:
            judged = await judge_assertions(judge, task.judged_assertions, outcome.trajectory, seed)
        except InfraError as e:  # a judge that fails scores nothing: retried on resume like any infra error
            return InfraFailure(**{**common, "termination": TerminationReason.INFRA_ERROR, "error": f"judge: {e}"})
        verdict = verdict.with_component(judged)
        judge_usage = Usage.model_validate(judged.detail["usage"])
    return TrialRecord(
        **common,
        judge_usage=judge_usage,
        error_class=error_class,
        reward=verdict.reward if verdict else None,
        verdict=verdict,
        tool_errors=outcome.tool_errors,
        messages=outcome.trajectory,
    )


@dataclass
class RunPlan:
    config: RunConfig
    domain: Domain
    tasks: list[Task]
    goals: dict[str, Goal]
    store: RunStore
    pending: list[tuple[Task, Persona, int]]
    already_done: int
    warnings: list[str] = field(default_factory=list)
    spent_usd: float = 0.0  # by this invocation
    unpriced_calls: int = 0  # calls whose price litellm does not know: not in spent_usd
    skipped_for_budget: int = 0

    def over_budget(self) -> bool:
        cap = self.config.max_cost_usd
        return cap is not None and self.spent_usd >= cap

    def record(self, result: TrialResult, on_result: Callable[[TrialResult], None] | None) -> None:
        """Count the spend, write the result durably, then tell the caller: the one place results land."""
        spend = result.agent_usage + result.user_usage + getattr(result, "judge_usage", Usage())
        self.spent_usd += spend.cost_usd or 0.0
        self.unpriced_calls += spend.calls if spend.cost_usd is None else 0
        if isinstance(result, TrialRecord):
            self.store.append(result)
        else:
            self.store.append_infra(result)
        if on_result:
            on_result(result)

    @property
    def total(self) -> int:
        return len(self.tasks) * len(self.config.personas) * self.config.trials


def plan_run(config: RunConfig, folder: Path) -> RunPlan:
    """Check everything that can be checked, then open (or reopen) the run folder."""
    domain = get_domain(config.domain)
    tasks = select_tasks(domain, config)
    warnings = check_participants(config)
    check_judge(
        config.judge, tasks, config.transport
    )  # a task that needs a judge without one fails here, before writing
    goals = {t.id: build_goal(domain, t) for t in tasks}  # a broken task stops the run here, loudly
    store = RunStore(folder)
    store.open(build_manifest(config, domain, tasks))
    store.prepare_append()
    done = {r.key for r in store.records()}
    pending = [
        (t, p, i) for t in tasks for p in config.personas for i in range(config.trials) if (t.id, p.name, i) not in done
    ]
    return RunPlan(config, domain, tasks, goals, store, pending, already_done=len(done), warnings=warnings)


async def execute_plan(plan: RunPlan, on_result: Callable[[TrialResult], None] | None = None) -> list[TrialResult]:
    """Run every pending trial; each result is on disk before ``on_result`` hears of it.

    With ``max_cost_usd`` set, no trial starts once this invocation's spend reaches the cap; trials
    already running finish and are recorded (so the cap can be overshot by their cost), and the
    ones not started stay pending for a later rerun.
    """
    if plan.config.executor == "ray" and plan.pending:
        from frontdesk.eval.workers import execute_on_ray

        return await asyncio.to_thread(execute_on_ray, plan, on_result)
    if plan.config.workers > 1 and len(plan.pending) > 1:
        from frontdesk.eval.workers import execute_in_processes

        return await asyncio.to_thread(execute_in_processes, plan, on_result)
    semaphore = asyncio.Semaphore(plan.config.concurrency)
    results: list[TrialResult] = []

    async def one(task: Task, persona: Persona, trial: int) -> None:
        async with semaphore:
            if plan.over_budget():
                plan.skipped_for_budget += 1
                return
            result = await execute_trial(plan.domain, task, trial, plan.config, plan.goals[task.id], persona)
        plan.record(result, on_result)
        results.append(result)

    await gather_trials(one(t, p, i) for t, p, i in plan.pending)
    return results


async def gather_trials(trials: Iterable[Awaitable[None]]) -> None:
    """Run trial coroutines together, with fewer GC pauses; release model connections afterwards."""
    with fewer_gc_pauses():
        try:
            await asyncio.gather(*trials)
        finally:
            await aclose()


def run(config: RunConfig, folder: Path, on_result: Callable[[TrialResult], None] | None = None) -> RunPlan:
    """Plan and execute a run synchronously (library entry point); returns the plan for summaries."""
    plan = plan_run(config, folder)
    asyncio.run(execute_plan(plan, on_result))
    return plan
