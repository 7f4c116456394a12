"""--executor ray: the same run folder and resume semantics, on a local 2-CPU Ray instance."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from frontdesk.eval import RunConfig, load_run, run
from frontdesk.eval.store import TRIALS

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'frontdesk[ray]'")

TASKS = ["product-price", "cancel-pending-order", "refuse-cancel-shipped", "transfer-refund-request"]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_ray_runs_every_trial_once_with_the_verdicts_of_a_local_run(local_ray, tmp_path):
    local = RunConfig(domain="mock", trials=2, task_ids=TASKS)
    run(local, tmp_path / "local")
    on_ray = local.model_copy(update={"executor": "ray", "workers": 2})
    run(on_ray, tmp_path / "ray")
    lines = [json.loads(line) for line in (tmp_path / "ray" / TRIALS).read_text().splitlines()]
    assert Counter((r["task_id"], r["trial"]) for r in lines) == Counter({(t, i): 1 for t in TASKS for i in range(2)})
    rewards = lambda folder: {r.key: r.reward for r in load_run(folder).records}  # noqa: E731
    assert rewards(tmp_path / "ray") == rewards(tmp_path / "local")


def test_ray_resumes_a_partial_run_without_duplicates(local_ray, tmp_path):
    folder = tmp_path / "run"
    partial = RunConfig(domain="mock", trials=2, task_ids=TASKS[:2], executor="ray")
    run(partial, folder)
    lines_before = (folder / TRIALS).read_text().splitlines()
    # drop one finished trial, as if the run had been killed before it was written
    (folder / TRIALS).write_text("\n".join(lines_before[:-1]) + "\n")
    plan = run(partial, folder)
    assert len(plan.pending) == 1
    assert len(load_run(folder).records) == 4
