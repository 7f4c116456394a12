"""What serving customers in a row costs the harness. Usage: python benchmarks/bench_queue.py [--customers N]

Scripted oracle and customer (no model calls), so the figures are the harness's own CPU:

- **per customer, sequential vs independent**: the same customers of a domain run as independent
  trials and as one queue (``--sequential``, memory on), CPU per customer and the ratio. A queue
  pays for carrying the database (``envs.state.changes``), deriving each customer's start state and
  re-running its gold there (``build_goal``); target: at most 2× an independent trial.
- **a state a few records from the seed**: deriving its pristine database from the seed's (what
  ``Domain`` does) against validating the whole database (what it did before), and the ratio.

All figures of one section come from one run, on one core; compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from frontdesk.envs import Environment, changes, cow, get_domain, merge_patch
from frontdesk.eval import RunConfig, run
from frontdesk.eval.config import Sequential
from frontdesk.tools import ToolCall


def cpu(fn) -> float:  # noqa: ANN001 - a thunk
    start = time.process_time()
    fn()
    return time.process_time() - start


def per_customer(domain: str, customers: int) -> tuple[float, float]:
    ids = [t.id for t in get_domain(domain).tasks[:customers]]
    base = {"domain": domain, "task_ids": ids, "ratings": False, "concurrency": 1}
    with tempfile.TemporaryDirectory() as folder:
        alone = cpu(lambda: run(RunConfig(**base), Path(folder) / "alone"))
        queued = cpu(lambda: run(RunConfig(**base, sequential=Sequential()), Path(folder) / "queue"))
    return alone / len(ids), queued / len(ids)


def derive_vs_whole(domain_name: str, repeats: int = 5) -> tuple[float, float]:
    domain = get_domain(domain_name)
    task = next(
        t
        for t in domain.tasks
        if t.follows is None and any(a.name in domain.write_tool_names() for a in t.gold_actions)
    )
    env = Environment(domain, task)
    for i, a in enumerate(task.gold_actions):
        env.execute(ToolCall(id=str(i), name=a.name, arguments=dict(a.arguments), requestor=a.requestor))
    patch = changes(domain, None, env.db)

    def derived() -> None:
        domain._pristine_cache.clear()
        cow.db_state_hash(domain.build_db(patch))

    def whole() -> None:
        cow.db_state_hash(cow.fork(*domain._validate_whole(merge_patch(domain.seed_data, patch))))

    derived()  # the seed's own pristine DB and digests, built once per process either way
    return cpu(lambda: [derived() for _ in range(repeats)]) / repeats, cpu(
        lambda: [whole() for _ in range(repeats)]
    ) / repeats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=40)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    print(f"load average {os.getloadavg()[0]:.2f}")
    for domain in ("retail", "airline"):
        alone, queued = per_customer(domain, args.customers)
        print(
            f"{domain}: CPU per customer, {args.customers} customers: independent {alone * 1000:.1f} ms, "
            f"in a queue {queued * 1000:.1f} ms ({queued / alone:.2f}x)"
        )
    for domain in ("retail", "airline"):
        derived, whole = derive_vs_whole(domain)
        print(
            f"{domain}: a state a few records from the seed: derived {derived * 1000:.1f} ms, whole database "
            f"validated {whole * 1000:.1f} ms ({whole / derived:.0f}x faster derived)"
        )


if __name__ == "__main__":
    main()
