"""How long `frontdesk report RUN --html` takes to write, and how big the page is, by run size.

Usage: python benchmarks/bench_html_report.py [--sizes 500,10000] [--keep DIR]

A run of N trials is synthetic but made of real records: telecom is run once with scripted/oracle
(every task passes) and once with scripted/null (write tasks fail, with database diffs), one trial
each; then an N-trial run folder is planned (250 tasks × personas × trials) and its trials.jsonl
filled with those records, re-keyed, about 30% failing, and 1% of trials left pending after an
infra error. Only the report is timed: reading the folder (load_run) and writing report.html.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from frontdesk.eval import RunConfig, load_run, plan_run, run
from frontdesk.eval.html_report import write_html_report
from frontdesk.eval.orchestrator import TerminationReason
from frontdesk.eval.record import InfraFailure
from frontdesk.simulators import persona_library
from frontdesk.trajectory import Usage

DOMAIN = "telecom"


def fresh(folder: Path) -> Path:
    """``folder``, emptied: a kept folder from an earlier run of this script is rebuilt, not resumed."""
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def shape(trials: int, tasks: int) -> tuple[int, int]:
    """(personas, trials per cell) for a run of about ``trials`` trials: one persona up to 2,500."""
    personas = 1 if trials <= 2500 else 5
    per_cell = max(1, round(trials / (tasks * personas)))
    return personas, per_cell


def base_records(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """task id -> one record line (JSON) with the oracle (passing) and with the null agent."""
    out = []
    for agent in ("scripted/oracle", "scripted/null"):
        folder = fresh(root / f"base-{agent.split('/')[1]}")
        run(RunConfig(domain=DOMAIN, agent=agent, trials=1, concurrency=8), folder)
        out.append({r.task_id: r.model_dump_json() for r in load_run(folder).records})
    return out[0], out[1]


def _chance(*key: object) -> float:
    digest = hashlib.sha256(repr(key).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def synthetic_run(folder: Path, trials: int, passing: dict[str, str], failing: dict[str, str]) -> int:
    tasks = sorted(passing)
    personas, per_cell = shape(trials, len(tasks))
    chosen = list(persona_library().values())[:personas]
    plan = plan_run(RunConfig(domain=DOMAIN, trials=per_cell, personas=chosen), folder)
    plan.store.unlock()  # nothing runs: the folder is filled by hand below
    written = 0
    with (
        (folder / "trials.jsonl").open("w", encoding="utf-8") as lines,
        (folder / "infra_errors.jsonl").open("w", encoding="utf-8") as infra,
    ):
        for task_id in tasks:
            for persona in chosen:
                for i in range(per_cell):
                    roll = _chance(task_id, persona.name, i)
                    if roll < 0.01:
                        failure = InfraFailure(
                            task_id=task_id, persona=persona.name, trial=i, seed=i,
                            termination=TerminationReason.INFRA_ERROR,
                            error="agent model: RateLimitError: quota exhausted (after 3 retries)",
                            started_at=time.time(), duration_s=3.0, agent_usage=Usage(), user_usage=Usage(),
                        )  # fmt: skip
                        infra.write(failure.model_dump_json() + "\n")
                        continue
                    record = json.loads((failing if roll < 0.3 else passing)[task_id])
                    record.update(persona=persona.name, trial=i, seed=int(roll * 2**31))
                    lines.write(json.dumps(record) + "\n")
                    written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,10000", help="run sizes in trials, comma-separated")
    parser.add_argument("--keep", type=Path, help="keep the run folders (and report.html) here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        passing, failing = base_records(root)
        print(f"{'trials':>7} {'shape':>14} {'load_run':>9} {'write':>7} {'report.html':>12} {'per trial':>10}")
        for size in (int(s) for s in args.sizes.split(",")):
            folder = fresh(root / f"{DOMAIN}-{size}")
            finished = synthetic_run(folder, size, passing, failing)
            start = time.perf_counter()
            view = load_run(folder)
            loaded = time.perf_counter()
            path = write_html_report(view)
            written = time.perf_counter()
            total = int(view.manifest["config"]["trials"]) * len(view.personas) * len(view.manifest["task_ids"])
            cells = f"{len(view.manifest['task_ids'])}×{len(view.personas)}×{view.manifest['config']['trials']}"
            size_bytes = os.path.getsize(path)
            print(
                f"{total:>7,} {cells:>14} {loaded - start:>8.2f}s {written - loaded:>6.2f}s "
                f"{size_bytes / 1e6:>10.2f} MB {size_bytes / max(1, finished):>8,.0f} B"
            )


if __name__ == "__main__":
    main()
