"""Environment steps per second of ``frontdesk.gym.AgentEnv``: scripted customer, oracle policy.

Usage: python benchmarks/bench_gym.py [--domain retail] [--episodes 640] [--profile]

One step is one agent action (a tool call or a message; the customer's answer runs inside it). The
figure covers everything an episode costs — reset (fresh copy-on-write DB, participants), every
step, and the verdict at the end — on one core; the oracle's own work is in it too.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from frontdesk.gym import AgentEnv, ScriptedPolicy


def run(domain: str, episodes: int) -> tuple[int, int, float, float]:
    env = AgentEnv(domain, split="train")
    policy = ScriptedPolicy(env, "scripted/oracle")
    for task in env.tasks:  # warm up: each task's goal (its gold actions, run once) and pristine DB
        env.reset(seed=0, options={"task_id": task.id})
    steps = passed = 0
    start = time.perf_counter()
    for j in range(episodes):
        task = env.tasks[j % len(env.tasks)]
        observation, _ = env.reset(seed=0, options={"task_id": task.id, "trial": j // len(env.tasks)})
        while True:
            observation, reward, terminated, truncated, _ = env.step(policy(observation))
            steps += 1
            if terminated or truncated:
                passed += reward == 1.0
                break
    elapsed = time.perf_counter() - start
    env.close()
    return steps, passed, elapsed, steps / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domain", default="retail")
    parser.add_argument("--episodes", type=int, default=640)
    parser.add_argument("--profile", action="store_true", help="print the 25 most expensive functions")
    args = parser.parse_args()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
    steps, passed, elapsed, rate = run(args.domain, args.episodes)
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print(f"{args.domain}: {args.episodes} episodes, {steps} steps in {elapsed:.2f} s")
    print(f"  {rate:,.0f} steps/s ({elapsed / args.episodes * 1000:.2f} ms per episode); oracle passed {passed}")


if __name__ == "__main__":
    main()
