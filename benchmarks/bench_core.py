"""Core speed figures, as ratios measured in one run. Usage: python benchmarks/bench_core.py"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from frontdesk.envs import Environment, get_domain
from frontdesk.eval import RunConfig, execute_plan, plan_run
from frontdesk.tools import ToolCall


def per_call(fn, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    domain = get_domain("mock")
    task = domain.task("cancel-pending-order")
    env = Environment(domain, task)
    read = env.agent_tools.tools["get_order_details"]
    n = 5000
    direct = per_call(lambda: read.fn(env.db, order_id="#O5000"), n)
    call = ToolCall(id="b", name="get_order_details", arguments='{"order_id": "#O5000"}')
    via_toolkit = per_call(lambda: env.agent_tools.call(call), n)
    bad = ToolCall(id="b", name="get_order_details", arguments='{"order": 1}')
    invalid = per_call(lambda: env.agent_tools.call(bad), n)
    write = ToolCall(id="w", name="update_shipping_address", arguments='{"order_id": "#O5000", "address": "1 A St"}')
    write_call = per_call(lambda: env.agent_tools.call(write), n)
    hashing = per_call(env.state_hash, 2000)  # what a trial pays: only touched records are rehashed
    build_env = per_call(lambda: Environment(domain, task), 2000)

    throughput = {}
    for concurrency in (1, 4):
        with tempfile.TemporaryDirectory() as tmp:
            config = RunConfig(domain="mock", trials=20, concurrency=concurrency)
            plan = plan_run(config, Path(tmp) / "run")
            start = time.perf_counter()
            asyncio.run(execute_plan(plan))
            throughput[concurrency] = plan.total / (time.perf_counter() - start)

    print(f"{'measure':<52}{'value':>14}")
    print(f"{'read tool via Toolkit / direct function call':<52}{via_toolkit / direct:>13.1f}x")
    print(f"{'invalid-argument call / valid call (via Toolkit)':<52}{invalid / via_toolkit:>13.2f}x")
    print(f"{'write call (snapshot for rollback) / read call':<52}{write_call / via_toolkit:>13.2f}x")
    print(f"{'state hash / validated read call':<52}{hashing / via_toolkit:>13.1f}x")
    print(f"{'environment build / validated read call':<52}{build_env / via_toolkit:>13.1f}x")
    print(f"{'offline trials/s, concurrency 4 / concurrency 1':<52}{throughput[4] / throughput[1]:>13.2f}x")
    print()
    print("context (absolute, noisy):")
    print(f"  validated read call   {via_toolkit * 1e6:8.1f} µs")
    print(f"  trial state hash      {hashing * 1e6:8.1f} µs")
    print(f"  offline trials/s      {throughput[1]:8.1f} (concurrency 1), {throughput[4]:.1f} (concurrency 4)")


if __name__ == "__main__":
    main()
