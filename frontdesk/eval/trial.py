"""One trial end to end: a fresh environment and participants, the conversation, the verdict.

Every executor (this process, worker processes, Ray actors) runs trials through
:func:`execute_trial`, so a trial means the same thing wherever it runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from frontdesk.agents import Agent, AgentContext, build_agent
from frontdesk.agents.factory import BrokenAgent, visible_context
from frontdesk.envs import Domain, Environment, Task
from frontdesk.envs.state import changes
from frontdesk.errors import InfraError
from frontdesk.eval.checker import Goal, check
from frontdesk.eval.config import RunConfig, trial_seed
from frontdesk.eval.judge import judge_assertions, judge_components, judge_for
from frontdesk.eval.orchestrator import ERROR_CLASS, ErrorClass, TerminationReason, run_trial
from frontdesk.eval.record import InfraFailure, QueueSlot, TrialRecord, TrialResult
from frontdesk.llm import ModelConfig
from frontdesk.llm.ledger import spending
from frontdesk.simulators import Persona, UserContext, UserSimulator, build_user
from frontdesk.simulators.base import RatingError
from frontdesk.simulators.experience import Experience
from frontdesk.tools import Memory
from frontdesk.trajectory import Trajectory, Usage


@dataclass
class Carry:
    """What a sequential queue hands one of its trials, and what it takes back (eval/queue.py)."""

    slot: QueueSlot  # the position, and the state the customer starts from
    memory: Memory | None  # the queue's notes: the memory tools are bound to them
    agent: Agent | None = None  # an agent that serves the whole queue (``serves_queue``), once built
    final_state: dict[str, Any] | None = None  # set by the trial: the state it left, as a patch on the seed


async def _rate(
    user: UserSimulator, trajectory: Trajectory, reward: float
) -> tuple[Experience | None, str | None, Usage]:
    """The customer's ratings, why there are none, and what asking cost. A rating that fails — a reply
    in no usable form, or the provider — loses the rating only: the trial was scored and stands."""
    with spending() as spent:
        try:
            return await user.rate(trajectory, reward), None, spent.usage
        except RatingError as e:
            return None, str(e), spent.usage
        except InfraError as e:
            return None, f"the customer's provider failed while rating: {e}", spent.usage
        except Exception as e:  # a plug-in customer's own rate(): its failure loses its rating, not the trial
            return None, f"{type(e).__name__}: {e}", spent.usage


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
        transport=config.transport_for(model),
    )


async def _agent_for(config: RunConfig, context: AgentContext, carry: Carry | None) -> Agent:
    """The agent for this conversation: built for it, or the queue's agent told a new customer is here."""
    if carry is not None and carry.agent is not None:
        try:
            await carry.agent.next_customer(visible_context(config.agent, context))  # never the task
        except Exception as e:  # the agent's own failure: this customer's conversation fails, as the agent's
            return BrokenAgent(f"next_customer failed: {type(e).__name__}: {e}")
        return carry.agent
    agent = build_agent(model_config(config, config.agent, config.agent_temperature), config.agent_strategy, context)
    if carry is not None and agent.serves_queue:
        carry.agent = agent
    return agent


async def execute_trial(
    domain: Domain,
    task: Task,
    trial: int,
    config: RunConfig,
    goal: Goal,
    persona: Persona | None = None,
    carry: Carry | None = None,
) -> TrialResult:
    """Build a fresh environment and participants, run one conversation, score it.

    With ``carry`` (a sequential queue) the environment starts where the queue's slot says, the
    memory tools are bound to the queue's notes, an agent that serves the whole queue is reused,
    and the state the conversation left is handed back in ``carry.final_state``.
    """
    persona = persona or config.personas[0]
    seed = trial_seed(config.seed, task.id, trial, persona.name)
    env = Environment(domain, task, carry.slot.initial_state, carry.memory) if carry else Environment(domain, task)
    context = AgentContext(
        policy=domain.policy,
        tools=env.agent_tools.schemas(),
        tool_kinds={name: t.kind for name, t in env.agent_tools.tools.items()},
        seed=seed,
        transfer_tool=domain.transfer_tool,
        task=task,
    )
    agent = await _agent_for(config, context, carry)
    user = build_user(
        model_config(config, config.user, config.user_temperature),
        config.user_strategy,
        UserContext(scenario=task.user_scenario, persona=persona, seed=seed, tools=env.user_tools.schemas()),
    )
    started = time.time()
    try:
        outcome = await run_trial(env, agent, user, config.limits)
    finally:
        if carry is None or carry.agent is not agent:
            await agent.aclose()  # a remote agent's connections and endpoints end with its trial
    duration = time.time() - started
    if carry is not None:
        carry.final_state = changes(domain, env.initial_state, env.db)
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
            with spending() as judging:
                judged = await judge_assertions(judge, task.judged_assertions, outcome.trajectory, seed)
        except InfraError as e:  # the judge's provider failed: scores nothing, retried on resume like any infra error
            # What the judge's calls cost before it failed, the failed call's attempts included.
            spent = judging.usage if judging.usage.attempts else getattr(e, "usage", None) or Usage()
            failed = {"termination": TerminationReason.INFRA_ERROR, "error": f"judge: {e}", "judge_usage": spent}
            return InfraFailure(**{**common, **failed})
        # A reply in the wrong format (after re-asks) is the judge's failure, not infra: a gating
        # judge_error component fails the trial visibly instead of leaving it pending forever.
        for component in judge_components(judged):
            verdict = verdict.with_component(component)
        judge_usage = Usage.model_validate(judged.detail["usage"])
    experience, experience_error = None, None
    if config.ratings and verdict is not None:
        experience, experience_error, rating_usage = await _rate(user, outcome.trajectory, verdict.reward)
        common["user_usage"] = outcome.user_usage + rating_usage  # the customer's spend, rating included
    return TrialRecord(
        **common,
        experience=experience,
        experience_error=experience_error,
        judge_usage=judge_usage,
        error_class=error_class,
        reward=verdict.reward if verdict else None,
        verdict=verdict,
        tool_errors=outcome.tool_errors,
        messages=outcome.trajectory,
        queue=carry.slot if carry else None,
    )
