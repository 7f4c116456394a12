"""Remote agents: frontdesk's CPU per A2A agent turn and per MCP tool call, and calls/s at concurrency 64.

    python benchmarks/bench_a2a.py [--trials 4] [--burst 100] [--concurrency 64]

The remote agents are ``examples/a2a_agent/replay.py`` in their own processes on 127.0.0.1, so
the figures are this process's CPU (``getrusage``: the orchestrator, the trial's MCP endpoint,
the A2A client), not the agent's. Each agent's own CPU is printed beside it.

1. The mock domain's 14 tasks, the replay agent (frontdesk's oracle, from outside): CPU per agent
   turn (one A2A message and the tool calls made during it) and per tool call, everything included.
2. The cost of one MCP tool call alone: the same one-turn trial with ``--burst N`` calls and with
   none; the difference over N is the per-call CPU (target: at most 3 ms).
3. ``--concurrency`` such trials at once: tool calls per second through the endpoints.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from frontdesk.agents import AgentContext, build_agent  # noqa: E402
from frontdesk.envs import Environment, get_domain  # noqa: E402
from frontdesk.eval.checker import build_goal, check  # noqa: E402
from frontdesk.eval.config import RunConfig, trial_seed  # noqa: E402
from frontdesk.eval.orchestrator import run_trial  # noqa: E402
from frontdesk.eval.trial import model_config  # noqa: E402
from frontdesk.interop import aclose  # noqa: E402
from frontdesk.simulators import UserContext, build_user  # noqa: E402
from frontdesk.trajectory import Role  # noqa: E402

DOMAIN = get_domain("mock")


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Agent:
    """A remote agent process: ``python -m examples.a2a_agent.replay ARGS``."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "examples.a2a_agent.replay", "--domain", "mock", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.url = self.proc.stdout.readline().split()[-1]

    def cpu(self) -> float:
        return process_cpu(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


async def one_trial(config: RunConfig, task, index: int, goal) -> tuple:
    """One trial as ``execute_trial`` runs it, closing the agent when it ends (as the runner does)."""
    seed = trial_seed(config.seed, task.id, index)
    env = Environment(DOMAIN, task)
    tools = env.agent_tools
    context = AgentContext(
        policy=DOMAIN.policy,
        tools=tools.schemas(),
        tool_kinds={name: t.kind for name, t in tools.tools.items()},
        seed=seed,
        transfer_tool=DOMAIN.transfer_tool,
    )
    agent = build_agent(model_config(config, config.agent, None), config.agent_strategy, context)
    user = build_user(
        model_config(config, config.user, None),
        config.user_strategy,
        UserContext(scenario=task.user_scenario, seed=seed),
    )
    try:
        outcome = await run_trial(env, agent, user, config.limits)
    finally:
        await agent.aclose()
    return outcome, check(env, task, outcome.trajectory, outcome.termination, goal)


async def trials(agent: Agent, tasks: list, trials_each: int, concurrency: int) -> tuple[list, float, float, float]:
    """Run the trials; return the records, wall seconds, this process's CPU and the agent's."""
    # Every tool call is an agent turn (as every model response of a local agent is): room for the bursts.
    config = RunConfig(domain="mock", agent=f"a2a:{agent.url}", call_timeout_s=120, limits={"max_turns": 100_000})
    slots = asyncio.Semaphore(concurrency)
    goals = {t.id: build_goal(DOMAIN, t) for t in tasks}

    async def one(task, index):
        async with slots:
            return await one_trial(config, task, index, goals[task.id])

    await asyncio.gather(*(one(t, 0) for t in tasks[:2]))  # warm: connections, card, imports
    cpu0, agent0, wall0 = cpu(), agent.cpu(), time.perf_counter()
    records = await asyncio.gather(*(one(t, i) for t in tasks for i in range(1, trials_each + 1)))
    return records, time.perf_counter() - wall0, cpu() - cpu0, agent.cpu() - agent0


def counts(records: list) -> tuple[int, int]:
    """(agent turns, tool calls): turns are A2A messages answered, calls are tool results."""
    turns = sum(1 for o, _ in records for m in o.trajectory[1:] if m.role is Role.AGENT and m.content)
    calls = sum(1 for o, _ in records for m in o.trajectory if m.role is Role.TOOL)
    return turns, calls


async def main(args: argparse.Namespace) -> None:
    print(f"frontdesk A2A/MCP benchmark on {os.cpu_count()} cores (agents in their own processes)")

    replay = Agent()
    try:
        records, wall, used, agent_used = await trials(replay, DOMAIN.tasks, args.trials, 8)
    finally:
        replay.stop()
    assert all(v.reward == 1.0 for _, v in records), [(o.termination, o.error) for o, v in records if v.reward < 1]
    turns, calls = counts(records)
    print(
        f"1. replay agent, {len(records)} mock trials (all passed), {turns} agent turns, {calls} tool calls: "
        f"frontdesk CPU {used * 1000 / turns:.2f} ms per agent turn, {used * 1000 / max(calls, 1):.2f} ms per "
        f"tool call (everything included); agent process {agent_used * 1000 / turns:.2f} ms per turn"
    )

    task = DOMAIN.task("read-order-status")
    per_trial: dict[int, float] = {}
    for burst in (0, args.burst):
        agent = Agent("--burst", str(burst))
        try:
            records, wall, used, agent_used = await trials(agent, [task], args.per_call_trials, 1)
        finally:
            agent.stop()
        _, calls = counts(records)
        assert calls == burst * args.per_call_trials, calls
        per_trial[burst] = used / args.per_call_trials
    per_call = (per_trial[args.burst] - per_trial[0]) / args.burst
    print(
        f"2. one MCP tool call alone ({args.burst} calls in one turn vs none, {args.per_call_trials} trials each): "
        f"frontdesk CPU {per_call * 1000:.3f} ms per tool call (target <= 3 ms); "
        f"a trial without calls {per_trial[0] * 1000:.1f} ms"
    )

    agent = Agent("--burst", str(args.burst))
    try:
        records, wall, used, agent_used = await trials(agent, [task], args.concurrency, args.concurrency)
    finally:
        agent.stop()
    _, calls = counts(records)
    print(
        f"3. {args.concurrency} trials at once, {args.burst} calls each: {calls / wall:,.0f} tool calls/s "
        f"({calls} calls in {wall:.2f} s); frontdesk CPU {used * 1000 / calls:.3f} ms per call, "
        f"agent process {agent_used * 1000 / calls:.3f} ms per call"
    )
    await aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4, help="trials per mock task in part 1")
    parser.add_argument("--burst", type=int, default=100, help="tool calls per turn in parts 2 and 3")
    parser.add_argument("--per-call-trials", type=int, default=10, help="trials per setting in part 2")
    parser.add_argument("--concurrency", type=int, default=64)
    asyncio.run(main(parser.parse_args()))
