"""Verify and bootstrap speed. Usage: python benchmarks/bench_verify.py [--trials-per-task N]

- ``frontdesk verify`` of a 1,000-trial retail bundle (100 tasks × 10 trials, scripted oracle and
  customer), pinned to one core: target ≤ 10 s. ``regrade`` of the same run, for context.
- 10,000 bootstrap resamples of a 10,000-trial run's per-trial values: target < 1 s, for pass/fail
  values (the multinomial path), pass^1 of 1,000 ten-trial cells, and the worst case of 10,000
  distinct values (the index path).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from frontdesk.envs import get_domain
from frontdesk.eval import RunConfig, run
from frontdesk.eval.bundle import bundle_run, verify_bundle
from frontdesk.eval.regrade import regrade_run
from frontdesk.eval.stats import bootstrap_ci


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--trials-per-task", type=int, default=10)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder, bundle = Path(tmp) / "retail", Path(tmp) / "retail.tar.gz"
        task_ids = [t.id for t in get_domain("retail").tasks[: args.tasks]]
        _, wall, _ = timed(
            lambda: run(
                RunConfig(domain="retail", task_ids=task_ids, trials=args.trials_per_task, concurrency=8), folder
            )
        )
        n = len(task_ids) * args.trials_per_task
        print(f"made a {n:,}-trial retail run in {wall:.1f} s")
        _, wall, _ = timed(lambda: bundle_run(folder, bundle))
        rows.append((f"bundle, {n:,} retail trials", wall, None))
        result, wall, cpu = timed(lambda: verify_bundle(bundle))
        assert result.ok, result.problems[:5]
        rows.append((f"verify, {n:,} retail trials (1 core)", wall, 10.0))
        _, wall, _ = timed(lambda: regrade_run(folder, Path(tmp) / "regraded"))
        rows.append((f"regrade, {n:,} retail trials", wall, None))

    rng = np.random.default_rng(0)
    cases = {
        "pass/fail of 10,000 trials": (rng.random(10_000) < 0.6).astype(float),
        "pass^1 of 1,000 cells × 10 trials": rng.binomial(10, 0.6, size=1000) / 10,
        "10,000 distinct values (worst case)": rng.random(10_000),
    }
    for name, values in cases.items():
        _, wall, _ = timed(lambda v=values: bootstrap_ci(list(v), seed=1, resamples=10_000))
        rows.append((f"bootstrap 10,000 resamples: {name}", wall, 1.0))

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'seconds':>8}  target")
    for name, seconds, target in rows:
        verdict = "" if target is None else f"≤ {target:g} s: {'ok' if seconds <= target else 'MISSED'}"
        print(f"{name:<{width}}  {seconds:8.3f}  {verdict}")


if __name__ == "__main__":
    main()
