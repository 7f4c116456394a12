"""Rollouts: many episodes of one policy, returned (and optionally stored) as the runner's records."""

from __future__ import annotations

import asyncio
import inspect
import math
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from frontdesk.agents import build_agent
from frontdesk.errors import ConfigError
from frontdesk.eval.record import TrialResult
from frontdesk.gym.envs import AgentEnv, UserEnv, _SeatEnv
from frontdesk.llm import ModelConfig, aclose
from frontdesk.seats import TrialFolder, agent_context
from frontdesk.simulators import UserContext, build_user
from frontdesk.trajectory import AssistantTurn, UserTurn

Policy = Callable[[str], Any]  # observation -> action (or an awaitable of one)


def _finish(coro: Any) -> Any:
    """The value of a coroutine that never suspends (every scripted participant), without an event loop."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("the participant waited on something; scripted policies must answer at once")


def turn_action(turn: AssistantTurn | UserTurn) -> dict[str, Any]:
    """A participant's turn as the action that says it."""
    action: dict[str, Any] = {
        "content": turn.text,
        "tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in turn.tool_calls],
    }
    if isinstance(turn, UserTurn) and turn.signal is not None:
        action["signal"] = turn.signal.value
    return action


class ScriptedPolicy:
    """A built-in scripted participant as a policy: ``scripted/oracle`` or ``scripted/null`` for
    :class:`AgentEnv`, ``scripted/user`` for :class:`UserEnv`. Baselines, tests and benchmarks.

    It is bound to one env and reads that env's conversation rather than the observation text, and
    the oracle reads the task's gold actions — as ``scripted/oracle`` does in a run: no policy a
    model could be, a reference point.
    """

    def __init__(self, env: Any, name: str = "scripted/oracle") -> None:
        self.env: _SeatEnv = env.unwrapped
        self.name = name
        self._participant: Any = None
        self._episode = -1

    def _build(self) -> Any:
        env = self.env
        task, seed = env.task, env._context["seed"]
        assert task is not None, "reset the env first"
        if isinstance(env, AgentEnv):
            return build_agent(ModelConfig(model=self.name), "tool-calling", agent_context(env.domain, task, seed))
        tools = [t.openai_schema() for t in env.domain.user_tools]
        context = UserContext(scenario=task.user_scenario, persona=env.persona, seed=seed, tools=tools)
        return build_user(ModelConfig(model=self.name), "plain", context)

    def __call__(self, observation: str) -> dict[str, Any]:
        if self._episode != self.env.episode_id:  # a new episode: a fresh participant, as a trial gets
            self._participant, self._episode = self._build(), self.env.episode_id
        return turn_action(_finish(self._participant.respond(self.env.trajectory)))


async def _play(env: _SeatEnv, policy: Policy, seed: int, task_id: str, trial: int) -> TrialResult:
    observation, _ = await env.areset(seed=seed, options={"task_id": task_id, "trial": trial})
    while True:
        action = policy(observation)
        if inspect.isawaitable(action):
            action = await action
        observation, _, terminated, truncated, _ = await env.astep(action)
        if terminated or truncated:
            assert env.record is not None
            return env.record


async def arollout(
    policy: Policy | Sequence[Policy],
    env: Any,
    n: int,
    *,
    out: Path | str | None = None,
    seed: int = 0,
    name: str | None = None,
) -> list[TrialResult]:
    """:func:`rollout` on the running event loop. ``env`` may be a list of envs of one configuration
    (and ``policy`` a list, one per env): their episodes then run concurrently, one per env at a time."""
    envs: list[_SeatEnv] = [e.unwrapped for e in (env if isinstance(env, (list, tuple)) else [env])]
    policies = list(policy) if isinstance(policy, (list, tuple)) else [policy] * len(envs)
    if not envs or len(policies) != len(envs):
        raise ConfigError("arollout: give one env, or a list of envs with one policy each (or one for all)")
    first = envs[0]
    if any(type(e) is not type(first) or e.config != first.config for e in envs):
        raise ConfigError("arollout: every env must have the same seat and configuration")
    if n < 1:
        return []
    covered = first.tasks[: min(n, len(first.tasks))]
    # Round robin over the tasks, as a run's trials are laid out: episode j is trial j // T of task j % T.
    schedule = deque((j, covered[j % len(covered)], j // len(covered)) for j in range(n))
    folder = None
    if out is not None:
        stamp = name or getattr(policies[0], "name", None) or "gym/policy"
        config = first.run_config(
            stamp, trials=math.ceil(n / len(covered)), task_ids=[t.id for t in covered], seed=seed
        )
        folder = TrialFolder(out, config, first.domain, covered)
    results: dict[int, TrialResult] = {}

    async def worker(e: _SeatEnv, p: Policy) -> None:
        while schedule:
            j, task, trial = schedule.popleft()
            kept = folder.existing.get((task.id, e.persona.name, trial)) if folder else None
            if kept is not None:  # the folder already holds this trial: resumed, not replayed
                results[j] = kept
                continue
            results[j] = result = await _play(e, p, seed, task.id, trial)
            if folder is not None:
                folder.append(result)

    try:
        await asyncio.gather(*(worker(e, p) for e, p in zip(envs, policies, strict=True)))
    finally:
        if folder is not None:
            folder.close()
    return [results[j] for j in range(n)]


def rollout(
    policy: Policy,
    env: Any,
    n: int,
    *,
    out: Path | str | None = None,
    seed: int = 0,
    name: str | None = None,
) -> list[TrialResult]:
    """Play ``n`` episodes of ``policy`` (observation -> action, sync or async) in ``env`` and return
    them as the records the runner writes (:class:`~frontdesk.eval.TrialRecord`; an attempt lost to
    the provider or the clock is an :class:`~frontdesk.eval.InfraFailure`).

    Episodes go round robin over the env's tasks: episode ``j`` is trial ``j // T`` of task ``j % T``
    with run seed ``seed``, the trial ``frontdesk run --seed SEED`` would run. With ``out``, they are
    written into that run folder (a manifest stamped with ``name``, default the policy's ``name``
    attribute or ``gym/policy``), which ``frontdesk report``, ``compare`` and ``export`` read; the
    same folder and configuration again resumes it (its trials are returned, not replayed).
    Call :func:`arollout` instead inside a running event loop.
    """

    async def main() -> list[TrialResult]:
        try:
            return await arollout(policy, env, n, out=out, seed=seed, name=name)
        finally:
            await aclose()  # this loop's model connections (openai-http) end with it

    return asyncio.run(main())


__all__ = ["AgentEnv", "Policy", "ScriptedPolicy", "UserEnv", "arollout", "rollout", "turn_action"]
