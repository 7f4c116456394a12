"""Throughput, CPU per model call, memory and start-up, as issue "Fast, cheap and unbreakable" asks.

Usage:  python benchmarks/bench_scale.py [--quick]

The mock model server runs in a separate process, so the harness's CPU is measured alone
(`time.process_time` of this process). Every figure is printed with what it is compared against;
ratios are taken within one run because this machine is noisy.
"""

from __future__ import annotations

import argparse
import asyncio
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
            [sys.executable, str(ROOT / "benchmarks" / "mock_server.py"), "--port", str(self.port), "--latency", str(latency_s)],
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


def run_trials(
    domain: str, trials_total: int, concurrency: int, server: ServerProcess | None, workers: int = 1
) -> dict[str, float]:
    """Run about ``trials_total`` trials; return wall time, harness CPU, model calls and turns."""
    from frontdesk.envs import get_domain
    from frontdesk.eval import RunConfig, execute_plan, plan_run

    tasks = get_domain(domain).tasks
    task_ids = [t.id for t in tasks][: max(1, min(len(tasks), trials_total))]
    trials = max(1, round(trials_total / len(task_ids)))
    llm = {}
    if server is not None:
        llm = dict(
            # Real model names, so litellm prices the calls as it would in a real run.
            agent="openai/gpt-4o-mini",
            user="openai/gpt-4o-mini",
            llm_params={"api_base": server.api_base, "api_key": "mock"},
            call_timeout_s=60.0,
            max_retries=2,
        )
    config = RunConfig(domain=domain, task_ids=task_ids, trials=trials, concurrency=concurrency, workers=workers, **llm)
    with tempfile.TemporaryDirectory() as tmp:
        plan = plan_run(config, Path(tmp) / "run")
        cpu, wall = time.process_time(), time.perf_counter()
        results = asyncio.run(execute_plan(plan))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    calls = sum(r.agent_usage.calls + r.user_usage.calls for r in results)
    turns = sum(
        sum(1 for m in r.messages if m.role.value in ("agent", "user")) for r in results if hasattr(r, "messages")
    )
    longest = max((r.agent_usage.calls + r.user_usage.calls for r in results), default=0)
    return {"trials": len(results), "wall": wall, "cpu": cpu, "calls": calls, "turns": turns, "longest": longest}


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
    args = parser.parse_args()
    big, small, concurrency, latency = (200, 40, 64, 0.2) if args.quick else (1000, 100, 256, 1.0)

    rows: list[tuple[str, str, str]] = []
    rows.append(("frontdesk --help (best of 5)", f"{help_seconds():.3f} s", "target <= 0.3 s"))

    offline = run_trials("mock", 300, 8, None)
    rows.append(("harness CPU per turn, scripted participants (mock)", f"{offline['cpu'] / offline['turns'] * 1e3:.3f} ms", "target <= 1 ms"))
    offline_retail = run_trials("retail", 300, 8, None)
    rows.append(("harness CPU per turn, scripted participants (retail)", f"{offline_retail['cpu'] / offline_retail['turns'] * 1e3:.3f} ms", "target <= 1 ms"))

    fast = ServerProcess(latency_s=0.0)
    try:
        from frontdesk.llm import import_litellm

        import_litellm()
        run_trials("mock", 20, 8, fast)  # warm up: imports, clients, caches
        mock_http = run_trials("mock", 200, 16, fast)
        retail_http = run_trials("retail", 200, 16, fast)
    finally:
        fast.close()
    mock_per_call = mock_http["cpu"] / mock_http["calls"]
    retail_per_call = retail_http["cpu"] / retail_http["calls"]
    rows.append(("harness CPU per model call, HTTP path, zero latency (mock)", f"{mock_per_call * 1e3:.2f} ms", "target <= 7 ms"))
    rows.append(("retail / mock harness CPU per model call", f"{retail_per_call / mock_per_call:.2f}x", "target <= 1.5x"))

    workers = os.cpu_count() or 1
    slow = ServerProcess(latency_s=latency)
    try:
        small_run = run_trials("retail", small, concurrency, slow, workers)
        big_run = run_trials("retail", big, concurrency, slow, workers)
        one_process = run_trials("retail", big, concurrency, slow, 1)
    finally:
        slow.close()
    for label, measured in ((f"{workers} worker processes", big_run), ("1 process", one_process)):
        ideal = max(measured["calls"] * latency / concurrency, measured["longest"] * latency)
        rows.append((
            f"{measured['trials']} retail trials, {latency:g} s/call, concurrency {concurrency}, {label}: ideal / wall",
            f"{ideal / measured['wall']:.0%}",
            f"target >= 85% (ideal {ideal:.1f} s, wall {measured['wall']:.1f} s)",
        ))
    small_rate = small_run["calls"] / small_run["wall"]
    big_rate = big_run["calls"] / big_run["wall"]
    rows.append((f"calls/s at {big_run['trials']} trials vs at {small_run['trials']} ({workers} workers)", f"{big_rate / small_rate:.2f}x",
                 f"target within 10% ({big_rate:.0f} vs {small_rate:.0f} calls/s)"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append((f"peak memory of this process ({concurrency} retail trials in flight, 1 process)", f"{peak_mb:.0f} MB", "target <= 800 MB"))

    width = max(len(r[0]) for r in rows) + 2
    for name, value, note in rows:
        print(f"{name:<{width}}{value:>10}   {note}")


if __name__ == "__main__":
    main()
