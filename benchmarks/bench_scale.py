"""Throughput, CPU per model call, memory, start-up and request accounting (issues "Fast, cheap
and unbreakable" and 16).

Usage:  python benchmarks/bench_scale.py [--quick] [--only SECTION,...]

Sections (all by default, in this order; each can run alone with ``--only``):

- ``basics``: ``--help`` time, harness CPU per turn and per model call for both transports, calls/s
  growth with run size (in this process, ~2 min);
- ``throughput``: 1,000 retail trials, 1 s per call, concurrency 256, both transports, 1 process
  and one per core (~2.5 min); the openai-http 1-process row targets >= 90% of the ideal;
- ``accounting``: 1,000 retail trials at concurrency 256 against a server answering 10% of
  requests with 429 or 500, both transports: the server's request count must equal the recorded
  attempts exactly (~1.5 min);
- ``launch``: process start of ``frontdesk run ... --transport openai-http`` to the first request
  the mock server sees, median of 5 (target <= 0.6 s; ~10 s);
- ``scale``: 4,000 retail trials, 1 s per call, concurrency 1,024, openai-http, one process
  (targets >= 85% of the ideal, peak memory <= 1.2 GB; ~1 min);
- ``scale-ray``: the same over ``--executor ray`` on a local 2-CPU Ray instance (~1.5 min).

The mock model server runs in a separate process, and every measured run in its own child process
(so peak memory is that run's), so the harness's CPU and memory are measured alone. Every figure is
printed with what it is compared against, and the 1-minute load average before each run: ratios
are taken within one run because this machine is noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, latency_s: float, fault_rate: float = 0.0, faults: str = "rate_limit,server_error") -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "mock_server.py"),
                "--port",
                str(self.port),
                "--latency",
                str(latency_s),
                "--fault-rate",
                str(fault_rate),
                "--faults",
                faults,
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

    def stats(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as response:
            return json.load(response)

    def reset(self) -> None:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/stats/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

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
    executor: str = "local",
    max_retries: int = 2,
) -> dict[str, float]:
    """Run ``trials_total`` trials; return wall time, harness CPU, model calls, attempts and turns."""
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
            max_retries=max_retries,
            retry_wait_s=0.05,
            transport=transport,
        )
    config = RunConfig(
        domain=domain,
        task_ids=task_ids,
        trials=trials,
        concurrency=concurrency,
        workers=workers,
        executor=executor,
        **llm,
    )
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
    attempts = sum(r.spend.attempts for r in results)  # every HTTP request, retries included
    infra = sum(1 for r in results if not hasattr(r, "messages"))
    turns = sum(
        sum(1 for m in r.messages if m.role.value in ("agent", "user")) for r in results if hasattr(r, "messages")
    )
    longest = max((r.agent_usage.calls + r.user_usage.calls for r in results), default=0)
    return {
        "trials": len(results),
        "wall": wall,
        "cpu": cpu,
        "calls": calls,
        "attempts": attempts,
        "infra_errors": infra,
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


Row = tuple[str, str, str]
SECTIONS = ("basics", "throughput", "accounting", "launch", "scale", "scale-ray")
MOCK_API_KEY = "mock"


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def measure_in_child(spec: dict) -> dict:
    """One :func:`run_trials` in a fresh process: its wall, CPU and peak memory are that run's alone."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"measured run failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(lines[-1])


def child(spec: dict) -> None:
    """The body of :func:`measure_in_child`: run, then print the figures as one JSON line.

    With the Ray executor, the local instance is started first and timed apart (``ray_start_s``),
    and the actors' peak memory is read from /proc before it stops.
    """
    server = argparse.Namespace(api_base=spec.pop("api_base")) if "api_base" in spec else None
    ray_start = start_local_ray() if spec.get("executor") == "ray" else None
    measured = run_trials(server=server, **spec)
    measured["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if ray_start is not None:
        import ray

        measured["ray_start_s"] = ray_start
        measured["actor_peak_mb"] = peak_mb_of_processes("_RayTrialWorker")
        ray.shutdown()
    print(json.dumps(measured), flush=True)


def start_local_ray() -> float:
    """A local 2-CPU Ray instance, as ``--executor ray`` starts one; seconds it took."""
    import ray

    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    return time.perf_counter() - started


def peak_mb_of_processes(marker: str) -> list[float]:
    """Peak resident memory (VmHWM) of every process whose command line contains ``marker``."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if marker not in (status.parent / "cmdline").read_text(errors="replace"):
                continue
            line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
        except (OSError, StopIteration):
            continue
        peaks.append(int(line.split()[1]) / 1024)
    return sorted(peaks)


def ideal_seconds(measured: dict, latency: float, concurrency: int) -> float:
    """What a free harness would take: every call's latency spread over the slots, or the longest trial."""
    return max(measured["calls"] * latency / concurrency, measured["longest"] * latency)


def basics(quick: bool) -> list[Row]:
    big, small = (200, 40) if quick else (1000, 100)
    transports = ("litellm", "openai-http")
    rows: list[Row] = [("frontdesk --help (best of 5)", f"{help_seconds():.3f} s", "target <= 0.3 s")]
    for domain in ("mock", "retail"):
        offline = run_trials(domain, 300, 8, None)
        rows.append(
            (
                f"harness CPU per turn, scripted participants ({domain})",
                f"{offline['cpu'] / offline['turns'] * 1e3:.3f} ms",
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
    return rows


def throughput(quick: bool) -> list[Row]:
    """1,000 trials at 1 s per call, concurrency 256: both transports, one process and one per core."""
    trials, concurrency, latency = (200, 64, 0.2) if quick else (1000, 256, 1.0)
    workers = os.cpu_count() or 1
    rows: list[Row] = []
    slow = ServerProcess(latency_s=latency)
    try:
        for transport in ("openai-http", "litellm"):
            for n in sorted({1, workers}):
                before = load()
                spec = dict(domain="retail", trials_total=trials, concurrency=concurrency, workers=n)
                m = measure_in_child({**spec, "transport": transport, "api_base": slow.api_base})
                ideal = ideal_seconds(m, latency, concurrency)
                target = throughput_target(transport, n)
                rows.append(
                    (
                        f"{m['trials']} retail trials, {latency:g} s/call, concurrency {concurrency}, {transport}, "
                        f"{n} process{'es' if n > 1 else ''}: ideal / wall",
                        f"{ideal / m['wall']:.0%}",
                        f"{target}ideal {ideal:.1f} s, wall {m['wall']:.1f} s; {before}",
                    )
                )
                if n == 1:
                    rows.append(
                        (
                            f"  that run: garbage-collector pauses / peak memory, {transport}",
                            f"{m['gc_total']:.2f} s",
                            f"of {m['wall']:.1f} s wall; longest {m['gc_longest'] * 1e3:.0f} ms; "
                            f"peak {m['peak_mb']:.0f} MB (target <= 800 MB)",
                        )
                    )
    finally:
        slow.close()
    return rows


def throughput_target(transport: str, processes: int) -> str:
    if transport != "openai-http":
        return ""  # litellm's own CPU per call keeps it from the ideal on two cores: measured, no target
    return "target >= 90% on an idle machine, " if processes == 1 else "target >= 85%, "


def accounting(quick: bool) -> list[Row]:
    """Every HTTP request is recorded: the server's count equals the recorded attempts, retries included."""
    trials, concurrency, latency = (200, 64, 0.05) if quick else (1000, 256, 1.0)
    rows: list[Row] = []
    server = ServerProcess(latency_s=latency, fault_rate=0.1)  # 10% of requests: 429 (Retry-After) or 500
    try:
        for transport in ("litellm", "openai-http"):
            server.reset()
            spec = dict(domain="retail", trials_total=trials, concurrency=concurrency, max_retries=10)
            m = measure_in_child({**spec, "transport": transport, "api_base": server.api_base})
            seen = server.stats()
            faults = sum(seen["faults"].values())
            if seen["requests"] != m["attempts"]:
                raise AssertionError(
                    f"{transport}: the server saw {seen['requests']} requests, the run recorded {m['attempts']} attempts"
                )
            rows.append(
                (
                    f"requests the server saw = recorded attempts, {trials} retail trials, concurrency {concurrency}, "
                    f"10% 429/500, {transport}",
                    f"{seen['requests']} = {m['attempts']}",
                    f"exact (asserted); {m['calls']} calls, {faults} injected faults retried, "
                    f"{m['infra_errors']} infra errors",
                )
            )
    finally:
        server.close()
    return rows


def launch_seconds(server: ServerProcess, out: Path) -> float:
    """Process start of ``frontdesk run`` to the first request the server sees (wall clock)."""
    from frontdesk.envs import get_domain

    task = get_domain("retail").tasks[0].id
    command = [sys.executable, "-m", "frontdesk", "run", "--domain", "retail", "--task", task, "--out", str(out)]
    command += ["--agent", "openai/gpt-4o-mini", "--user", "openai/gpt-4o-mini", "--transport", "openai-http"]
    command += ["--llm-param", f"api_base={server.api_base}", "--llm-param", f"api_key={MOCK_API_KEY}"]
    server.reset()
    started = time.time()
    subprocess.run(command, capture_output=True, check=True, cwd=ROOT)
    first = server.stats()["first_request_at"]
    if first is None:
        raise RuntimeError("frontdesk run sent no model request")
    return first - started


def launch(quick: bool) -> list[Row]:
    server = ServerProcess(latency_s=0.0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            launch_seconds(server, Path(tmp) / "warm-up")  # the first start reads every file from disk
            before = load()
            times = sorted(launch_seconds(server, Path(tmp) / f"run{i}") for i in range(5))
    finally:
        server.close()
    return [
        (
            "launch of `frontdesk run ... --transport openai-http` to the first request seen (median of 5)",
            f"{times[2]:.3f} s",
            f"target <= 0.6 s (min {times[0]:.3f}, max {times[-1]:.3f}; {before})",
        )
    ]


def scale(quick: bool, executor: str = "local") -> list[Row]:
    """4,000 retail conversations at 1 s per call, concurrency 1,024, openai-http: one process, or Ray."""
    trials, concurrency, latency = (800, 256, 0.5) if quick else (4000, 1024, 1.0)
    server = ServerProcess(latency_s=latency)
    try:
        before = load()
        spec = dict(domain="retail", trials_total=trials, concurrency=concurrency, executor=executor)
        m = measure_in_child({**spec, "transport": "openai-http", "api_base": server.api_base})
        seen = server.stats()
    finally:
        server.close()
    ideal = ideal_seconds(m, latency, concurrency)
    where = "one process" if executor == "local" else "--executor ray, local 2-CPU instance"
    started = "" if executor == "local" else f" after the instance started ({m['ray_start_s']:.1f} s)"
    rows = [
        (
            f"{m['trials']} retail trials, {latency:g} s/call, concurrency {concurrency}, openai-http, {where}: "
            "ideal / wall",
            f"{ideal / m['wall']:.0%}",
            f"target >= 85% (ideal {ideal:.1f} s, wall {m['wall']:.1f} s{started}, "
            f"most in flight {seen['max_in_flight']}; {before})",
        ),
        (
            "  peak memory of that run" + ("" if executor == "local" else ", the driver"),
            f"{m['peak_mb']:.0f} MB",
            "target <= 1.2 GB",
        ),
    ]
    if executor == "ray":
        actors = " + ".join(f"{mb:.0f}" for mb in m["actor_peak_mb"]) or "not found"
        rows.append(("  peak memory of each Ray actor", actors + " MB", "VmHWM from /proc"))
    return rows


def print_rows(rows: list[Row]) -> None:
    width = max(len(r[0]) for r in rows) + 2
    for name, value, note in rows:
        print(f"{name:<{width}}{value:>12}   {note}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller runs (for a smoke check)")
    parser.add_argument("--growth", metavar="SIZES", help="only calls/s at these run sizes, e.g. 100,1000,3000")
    parser.add_argument("--only", metavar="SECTIONS", help=f"comma-separated, of: {', '.join(SECTIONS)}")
    parser.add_argument("--child", metavar="JSON", help=argparse.SUPPRESS)  # one measured run (internal)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    if args.growth:
        print_growth([int(n) for n in args.growth.split(",")])
        return
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    runs = {
        "basics": basics,
        "throughput": throughput,
        "accounting": accounting,
        "launch": launch,
        "scale": scale,
        "scale-ray": lambda quick: scale(quick, executor="ray"),
    }
    for name in chosen:
        print(f"== {name}", flush=True)
        print_rows(runs[name](args.quick))


if __name__ == "__main__":
    main()
