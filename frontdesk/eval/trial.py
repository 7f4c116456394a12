"""One trial end to end: a fresh environment and participants, the conversation, the verdict.

Every executor (this process, worker processes, Ray actors) runs trials through
:func:`execute_trial`, so a trial means the same thing wherever it runs.
"""

from __future__ import annotations

import time

from frontdesk.agents import AgentContext, build_agent
from frontdesk.envs import Domain, Environment, Task
from frontdesk.errors import InfraError
from frontdesk.eval.checker import Goal, check
from frontdesk.eval.config import RunConfig, trial_seed
from frontdesk.eval.judge import judge_assertions, judge_components, judge_for
from frontdesk.eval.orchestrator import ERROR_CLASS, ErrorClass, TerminationReason, run_trial
from frontdesk.eval.record import InfraFailure, TrialRecord, TrialResult
from frontdesk.llm import ModelConfig
from frontdesk.simulators import Persona, UserContext, build_user
from frontdesk.trajectory import Usage


def model_config(config: RunConfig, model: str, temperature: float | None) -> ModelConfig:
    """The call settings of one seat (agent, customer or judge) under a run's configuration."""
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
        model_config(config, config.agent, config.agent_temperature),
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
        model_config(config, config.user, config.user_temperature),
        config.user_strategy,
        UserContext(scenario=task.user_scenario, persona=persona, seed=seed, tools=env.user_tools.schemas()),
    )
    started = time.time()
    try:
        outcome = await run_trial(env, agent, user, config.limits)
    finally:
        await agent.aclose()  # a remote agent's connections and endpoints end with its trial
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
        judge = model_config(config, judge_for(config.judge, task), 0.0)
        try:
            judged = await judge_assertions(judge, task.judged_assertions, outcome.trajectory, seed)
        except InfraError as e:  # the judge's provider failed: scores nothing, retried on resume like any infra error
            spent = getattr(e, "usage", None) or Usage()  # what the judge's calls cost before it failed
            failed = {"termination": TerminationReason.INFRA_ERROR, "error": f"judge: {e}", "judge_usage": spent}
            return InfraFailure(**{**common, **failed})
        # A reply in the wrong format (after re-asks) is the judge's failure, not infra: a gating
        # judge_error component fails the trial visibly instead of leaving it pending forever.
        for component in judge_components(judged):
            verdict = verdict.with_component(component)
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
