"""Throughput, CPU per model call, memory and start-up, as issue "Fast, cheap and unbreakable" asks.

Usage:  python benchmarks/bench_scale.py [--quick]

The mock model server runs in a separate process, so the harness's CPU is measured alone
(`time.process_time` of this process). Model-call figures are printed for both transports
(litellm and openai-http), and the 1,000-trial run with one process and with one per core. Every
figure is printed with what it is compared against; ratios are taken within one run because this
machine is noisy. About 4 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, latency_s: float) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "mock_server.py"),
                "--port",
                str(self.port),
                "--latency",
                str(latency_s),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        line = self.proc.stdout.readline()  # "mock model server at ..." once it listens
        if "mock model server" not in line:
            raise RuntimeError(f"mock server did not start: {line}")
        # Keep draining its output: a full pipe would block the server mid-benchmark.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def pick_tasks(domain: str, trials_total: int) -> tuple[list[str], int]:
    """Task ids and trials per task making exactly ``trials_total`` trials (at most every task once)."""
    from frontdesk.envs import get_domain

    ids = [t.id for t in get_domain(domain).tasks]
    k = next(k for k in range(1, trials_total + 1) if trials_total % k == 0 and trials_total // k <= len(ids))
    return ids[: trials_total // k], k


def run_trials(
    domain: str,
    trials_total: int,
    concurrency: int,
    server: ServerProcess | None,
    workers: int = 1,
    transport: str = "litellm",
) -> dict[str, float]:
    """Run ``trials_total`` trials; return wall time, harness CPU, model calls and turns."""
    from frontdesk.eval import RunConfig, execute_plan, plan_run

    task_ids, trials = pick_tasks(domain, trials_total)
    llm = {}
    if server is not None:
        llm = dict(
            # Real model names, so the calls are priced as they would be in a real run.
            agent="openai/gpt-4o-mini",
            user="openai/gpt-4o-mini",
            llm_params={"api_base": server.api_base, "api_key": "mock"},
            call_timeout_s=60.0,
            max_retries=2,
            transport=transport,
        )
    config = RunConfig(domain=domain, task_ids=task_ids, trials=trials, concurrency=concurrency, workers=workers, **llm)
    pauses: list[float] = []

    def on_gc(phase: str, info: dict) -> None:  # time every collection in this process
        if phase == "start":
            pauses.append(-time.perf_counter())
        elif pauses:
            pauses[-1] += time.perf_counter()

    with tempfile.TemporaryDirectory() as tmp:
        plan = plan_run(config, Path(tmp) / "run")
        gc.callbacks.append(on_gc)
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            results = asyncio.run(execute_plan(plan))
        finally:
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            gc.callbacks.remove(on_gc)
    calls = sum(r.agent_usage.calls + r.user_usage.calls for r in results)
    turns = sum(
        sum(1 for m in r.messages if m.role.value in ("agent", "user")) for r in results if hasattr(r, "messages")
    )
    longest = max((r.agent_usage.calls + r.user_usage.calls for r in results), default=0)
    return {
        "trials": len(results),
        "wall": wall,
        "cpu": cpu,
        "calls": calls,
        "turns": turns,
        "longest": longest,
        "gc_total": sum(pauses),
        "gc_longest": max(pauses, default=0.0),
    }


def calls_per_second(server: ServerProcess, sizes: list[int]) -> dict[int, float]:
    """calls/s of retail runs of each size at zero latency, where the harness alone sets the pace.

    Sizes are interleaved and each gets the best of two runs: short runs vary by ~10% here.
    """
    rates: dict[int, float] = {}
    for n in sizes + sizes:
        measured = run_trials("retail", n, 32, server, transport="openai-http")
        rates[n] = max(rates.get(n, 0.0), measured["calls"] / measured["wall"])
    return rates


def print_growth(sizes: list[int]) -> None:
    from frontdesk.llm import import_litellm

    import_litellm()
    server = ServerProcess(latency_s=0.0)
    try:
        run_trials("retail", 50, 32, server, transport="openai-http")  # warm up
        rates = calls_per_second(server, sizes)
    finally:
        server.close()
    for n in sizes:
        print(
            f"{n:>6} retail trials, zero latency, concurrency 32, openai-http: {rates[n]:.0f} calls/s "
            f"({rates[n] / rates[sizes[0]]:.2f}x the {sizes[0]}-trial run)"
        )


def help_seconds() -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "frontdesk", "--help"], capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller runs (for a smoke check)")
    parser.add_argument("--growth", metavar="SIZES", help="only calls/s at these run sizes, e.g. 100,1000,3000")
    args = parser.parse_args()
    if args.growth:
        print_growth([int(n) for n in args.growth.split(",")])
        return
    big, small, concurrency, latency = (200, 40, 64, 0.2) if args.quick else (1000, 100, 256, 1.0)
    transports = ("litellm", "openai-http")

    rows: list[tuple[str, str, str]] = []
    rows.append(("frontdesk --help (best of 5)", f"{help_seconds():.3f} s", "target <= 0.3 s"))

    offline = run_trials("mock", 300, 8, None)
    rows.append(
        (
            "harness CPU per turn, scripted participants (mock)",
            f"{offline['cpu'] / offline['turns'] * 1e3:.3f} ms",
            "target <= 1 ms",
        )
    )
    offline_retail = run_trials("retail", 300, 8, None)
    rows.append(
        (
            "harness CPU per turn, scripted participants (retail)",
            f"{offline_retail['cpu'] / offline_retail['turns'] * 1e3:.3f} ms",
            "target <= 1 ms",
        )
    )

    fast = ServerProcess(latency_s=0.0)
    try:
        from frontdesk.llm import import_litellm

        import_litellm()
        per_call: dict[tuple[str, str], float] = {}
        for transport in transports:
            run_trials("mock", 20, 8, fast, transport=transport)  # warm up: imports, clients, caches
            for _ in range(3):  # interleaved, best of three: CPU time on this VM drifts by 30%+
                for domain in ("mock", "retail"):
                    measured = run_trials(domain, 200, 16, fast, transport=transport)
                    cpu = measured["cpu"] / measured["calls"]
                    per_call[domain, transport] = min(per_call.get((domain, transport), cpu), cpu)
        rates = calls_per_second(fast, [small, big])
    finally:
        fast.close()
    for transport in transports:
        rows.append(
            (
                f"harness CPU per model call, HTTP path, zero latency (mock), {transport}, best of 3",
                f"{per_call['mock', transport] * 1e3:.2f} ms",
                "target <= 7 ms",
            )
        )
    for transport in transports:
        rows.append(
            (
                f"retail / mock harness CPU per model call, {transport}",
                f"{per_call['retail', transport] / per_call['mock', transport]:.2f}x",
                "target <= 1.5x",
            )
        )
    rows.append(
        (
            f"calls/s at {big} vs {small} retail trials, zero latency, concurrency 32, openai-http (best of 2)",
            f"{rates[big] / rates[small]:.2f}x",
            f"target within 10% ({rates[big]:.0f} vs {rates[small]:.0f} calls/s)",
        )
    )

    workers = os.cpu_count() or 1
    slow = ServerProcess(latency_s=latency)
    try:
        throughput = [
            (transport, n, run_trials("retail", big, concurrency, slow, n, transport))
            for transport in transports
            for n in sorted({1, workers})
        ]
    finally:
        slow.close()
    for transport, n, measured in throughput:
        ideal = max(measured["calls"] * latency / concurrency, measured["longest"] * latency)
        rows.append(
            (
                f"{measured['trials']} retail trials, {latency:g} s/call, concurrency {concurrency}, {transport}, "
                f"{n} process{'es' if n > 1 else ''}: ideal / wall",
                f"{ideal / measured['wall']:.0%}",
                f"target >= 85% (ideal {ideal:.1f} s, wall {measured['wall']:.1f} s)",
            )
        )
    for transport, n, measured in throughput:
        if n == 1:
            rows.append(
                (
                    f"garbage-collector pauses in that run, {transport}, 1 process",
                    f"{measured['gc_total']:.2f} s",
                    f"of {measured['wall']:.1f} s wall; longest {measured['gc_longest'] * 1e3:.0f} ms",
                )
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(
        (
            f"peak memory of this process ({concurrency} retail trials in flight, 1 process)",
            f"{peak_mb:.0f} MB",
            "target <= 800 MB",
        )
    )

    width = max(len(r[0]) for r in rows) + 2
    for name, value, note in rows:
        print(f"{name:<{width}}{value:>10}   {note}")


if __name__ == "__main__":
    main()
