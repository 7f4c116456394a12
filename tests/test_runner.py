"""The runner and the run folder: pass^k, resume, refusals, crash safety, manifest, seeds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from frontdesk.envs import get_domain
from frontdesk.errors import RunFolderError
from frontdesk.eval import Limits, RunConfig, load_run, run, trial_seed
from frontdesk.eval.store import INFRA_ERRORS, MANIFEST, TRIALS, RunStore
from frontdesk.tools import ToolKind

DOMAIN = get_domain("mock")
ALL_TASKS = [t.id for t in DOMAIN.tasks]
WRITE_TOOLS = {t.name for t in DOMAIN.agent_tools if t.kind is ToolKind.WRITE}
WRITE_TASKS = [t.id for t in DOMAIN.tasks if any(a.name in WRITE_TOOLS for a in t.gold_actions)]


def raw_keys(folder: Path) -> list[tuple[str, int]]:
    """(task, trial) of every complete line of trials.jsonl, duplicates included."""
    text = (folder / TRIALS).read_text(encoding="utf-8")
    return [(d["task_id"], d["trial"]) for d in (json.loads(line) for line in text.splitlines() if line.strip())]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_mock_domain_has_the_expected_shape():
    assert len(ALL_TASKS) == 15
    assert len(WRITE_TASKS) >= 5


def test_oracle_three_trials_pass_hat_k_is_one(tmp_path):
    folder = tmp_path / "run"
    plan = run(RunConfig(domain="mock", trials=3), folder)
    assert plan.total == 15 * 3
    summary = load_run(folder).summary
    assert [row.k for row in summary.rows] == [1, 2, 3]
    assert [row.pass_hat_k for row in summary.rows] == [1.0, 1.0, 1.0]
    assert all(row.tasks == 15 for row in summary.rows)
    assert summary.trials_valid == 45
    assert summary.trials_pending == 0
    assert summary.average_reward == 1.0
    assert sorted(Counter(raw_keys(folder)).values()) == [1] * 45


def test_null_agent_fails_every_task_with_a_write(tmp_path):
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", agent="scripted/null", trials=1), folder)
    view = load_run(folder)
    by_task = {r.task_id: r for r in view.records}
    assert set(by_task) == set(ALL_TASKS)
    for task_id in WRITE_TASKS:
        record = by_task[task_id]
        assert record.reward == 0.0, task_id
        assert record.verdict.component("db_state").passed is False, task_id
    # it never calls a tool, so the database never changes
    assert all(not m.tool_calls for r in view.records for m in r.messages)
    assert view.summary.rows[0].pass_hat_k < 1.0


def test_rerun_of_the_same_config_runs_nothing_new(tmp_path):
    folder = tmp_path / "run"
    cfg = RunConfig(domain="mock", trials=2, task_ids=["product-price", "update-email"])
    first = run(cfg, folder)
    assert len(first.pending) == 4
    before = (folder / TRIALS).read_bytes()

    again = run(cfg, folder)
    assert again.pending == []
    assert again.already_done == 4
    assert (folder / TRIALS).read_bytes() == before
    assert sorted(Counter(raw_keys(folder)).values()) == [1, 1, 1, 1]

    # concurrency is not part of the configuration: a resume may change it
    faster = run(cfg.model_copy(update={"concurrency": 9}), folder)
    assert faster.pending == []


def test_different_config_on_same_folder_is_refused_and_writes_nothing(tmp_path):
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", task_ids=["product-price"]), folder)
    before = snapshot(folder)
    with pytest.raises(RunFolderError) as info:
        run(RunConfig(domain="mock", task_ids=["product-price"], seed=1), folder)
    message = str(info.value)
    assert "seed: 0 -> 1" in message
    assert "\n" not in message
    assert snapshot(folder) == before

    with pytest.raises(RunFolderError, match="agent"):
        run(RunConfig(domain="mock", task_ids=["product-price"], agent="scripted/null"), folder)
    with pytest.raises(RunFolderError, match="max_turns"):
        run(RunConfig(domain="mock", task_ids=["product-price"], limits=Limits(max_turns=12)), folder)
    assert snapshot(folder) == before


def test_non_empty_foreign_folder_is_refused(tmp_path):
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "notes.txt").write_text("do not touch\n")
    with pytest.raises(RunFolderError, match="not empty"):
        run(RunConfig(domain="mock", task_ids=["product-price"]), folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert (folder / "notes.txt").read_text() == "do not touch\n"


def test_empty_existing_folder_is_used(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    run(RunConfig(domain="mock", task_ids=["product-price"]), folder)
    assert (folder / MANIFEST).exists()
    assert len(raw_keys(folder)) == 1


def test_truncated_last_line_is_dropped_and_that_trial_rerun(tmp_path):
    folder = tmp_path / "run"
    cfg = RunConfig(domain="mock", trials=2, task_ids=["product-price", "cancel-pending-order"], concurrency=1)
    run(cfg, folder)
    path = folder / TRIALS
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    assert len(lines) == 4
    last = json.loads(lines[-1])
    # simulate a kill in the middle of the last write: half a line, no newline
    path.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    assert len(load_run(folder).records) == 3  # a reader ignores the partial line

    plan = run(cfg, folder)
    assert [(t.id, p.name, i) for t, p, i in plan.pending] == [(last["task_id"], "regular", last["trial"])]
    keys = raw_keys(folder)  # every line parses: the partial one is gone, not glued to the next
    assert Counter(keys) == Counter(
        {
            ("product-price", 0): 1,
            ("product-price", 1): 1,
            ("cancel-pending-order", 0): 1,
            ("cancel-pending-order", 1): 1,
        }
    )
    assert path.read_bytes().endswith(b"\n")
    assert all(r.reward == 1.0 for r in load_run(folder).records)


def test_truncated_infra_log_line_is_repaired_too(tmp_path):
    folder = tmp_path / "run"
    cfg = RunConfig(domain="mock", task_ids=["product-price"])
    run(cfg, folder)
    (folder / INFRA_ERRORS).write_bytes(b'{"task_id": "product-pri')
    (folder / TRIALS).write_bytes(b"")  # so the rerun has a trial to run, and so writes
    run(cfg, folder)
    assert (folder / INFRA_ERRORS).read_bytes() == b""
    assert load_run(folder).infra_failures == []


def test_resuming_a_finished_run_writes_nothing(tmp_path, monkeypatch):
    """A finished run can be resumed (and so reported) from a read-only place: no lock, no repair."""
    folder = tmp_path / "run"
    cfg = RunConfig(domain="mock", task_ids=["product-price"])
    run(cfg, folder)
    (folder / INFRA_ERRORS).write_bytes(b'{"task_id": "product-pri')
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def no_writes(*args, **kwargs):
        raise AssertionError("a finished run must not be written")

    monkeypatch.setattr(RunStore, "lock", no_writes)
    monkeypatch.setattr(RunStore, "prepare_append", no_writes)
    plan = run(cfg, folder)
    assert plan.already_done == 1 and plan.pending == []
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def _frontdesk_run(folder: Path, trials: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "frontdesk",
        "run",
        "--domain",
        "mock",
        "--trials",
        str(trials),
        "--concurrency",
        "2",
        "--out",
        str(folder),
    ]


def _complete_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def test_sigkill_mid_run_then_resume_keeps_every_trial_exactly_once(tmp_path):
    trials = 40
    total = 15 * trials
    killed_at = None
    for attempt in range(3):  # the run is fast; retry in the unlikely case it finished before the kill
        folder = tmp_path / f"run{attempt}"
        proc = subprocess.Popen(_frontdesk_run(folder, trials), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                n = _complete_lines(folder / TRIALS)
                if n >= 5:
                    os.kill(proc.pid, signal.SIGKILL)
                    killed_at = n
                    break
                time.sleep(0.002)
        finally:
            if proc.poll() is None and killed_at is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        if killed_at is not None and proc.returncode == -signal.SIGKILL and _complete_lines(folder / TRIALS) < total:
            break
        killed_at = None
    assert killed_at is not None, "could not kill the run part-way through"
    partial = _complete_lines(folder / TRIALS)
    assert 0 < partial < total

    done = subprocess.run(_frontdesk_run(folder, trials), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Resuming" in done.stderr

    keys = raw_keys(folder)
    counts = Counter(keys)
    assert len(keys) == total
    assert set(counts.values()) == {1}
    assert set(counts) == {(t, i) for t in ALL_TASKS for i in range(trials)}
    summary = load_run(folder).summary
    assert summary.trials_valid == total
    assert summary.rows[0].pass_hat_k == 1.0


def test_manifest_redacts_secrets_and_records_provenance(tmp_path):
    folder = tmp_path / "run"
    secret = "sk-live-THIS-MUST-NOT-BE-STORED"
    bearer = "Bearer also-secret-value"
    cfg = RunConfig(
        domain="mock",
        task_ids=["product-price", "update-email"],
        llm_params={"api_key": secret, "extra_headers": {"Authorization": bearer}, "max_tokens": 256},
    )
    run(cfg, folder)
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8")
        assert secret not in text, path.name
        assert "also-secret-value" not in text, path.name
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    params = manifest["config"]["llm_params"]
    assert params["api_key"] == "***"
    assert params["extra_headers"]["Authorization"] == "***"
    assert isinstance(manifest["config_hash"], str) and len(manifest["config_hash"]) == 64
    int(manifest["config_hash"], 16)
    assert manifest["task_ids"] == ["product-price", "update-email"]
    versions = manifest["versions"]
    assert versions["frontdesk"] and versions["litellm"] and versions["python"]
    assert manifest["config"]["domain"] == "mock"
    assert manifest["domain_fingerprint"]


def test_non_secret_params_are_kept_in_the_manifest(tmp_path):
    # "max_tokens" merely contains the word "token": it is a sampling parameter, not a credential.
    folder = tmp_path / "run"
    cfg = RunConfig(domain="mock", task_ids=["product-price"], llm_params={"max_tokens": 256, "api_key": "sk-x"})
    run(cfg, folder)
    params = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["config"]["llm_params"]
    assert params["api_key"] == "***"
    assert params["max_tokens"] == 256


def test_changing_max_tokens_is_a_different_configuration(tmp_path):
    # max_tokens changes what a model produces, so a resume must not mix runs that differ in it.
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", task_ids=["product-price"], llm_params={"max_tokens": 256}), folder)
    with pytest.raises(RunFolderError, match="max_tokens"):
        run(RunConfig(domain="mock", task_ids=["product-price"], llm_params={"max_tokens": 4096}), folder)


def test_rotating_the_api_key_still_resumes(tmp_path):
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", task_ids=["product-price"], llm_params={"api_key": "sk-old"}), folder)
    plan = run(RunConfig(domain="mock", task_ids=["product-price"], llm_params={"api_key": "sk-new"}), folder)
    assert plan.pending == [] and plan.already_done == 1


def test_manifest_config_hash_depends_on_config(tmp_path):
    run(RunConfig(domain="mock", task_ids=["product-price"]), tmp_path / "a")
    run(RunConfig(domain="mock", task_ids=["product-price"], seed=5), tmp_path / "b")
    run(RunConfig(domain="mock", task_ids=["product-price"], concurrency=3), tmp_path / "c")
    h = {n: json.loads((tmp_path / n / MANIFEST).read_text())["config_hash"] for n in "abc"}
    assert h["a"] != h["b"]
    assert h["a"] == h["c"]


def test_per_trial_seeds_are_deterministic_and_differ_across_trials(tmp_path):
    cfg = RunConfig(domain="mock", trials=3, task_ids=["product-price", "update-email"])
    run(cfg, tmp_path / "a")
    run(cfg, tmp_path / "b")
    seeds_a = {r.key: r.seed for r in load_run(tmp_path / "a").records}
    seeds_b = {r.key: r.seed for r in load_run(tmp_path / "b").records}
    assert seeds_a == seeds_b
    assert seeds_a == {(t, "regular", i): trial_seed(0, t, i, "regular") for t in cfg.task_ids for i in range(3)}
    assert len(set(seeds_a.values())) == len(seeds_a)  # all distinct, across trials and tasks
    assert all(0 <= s < 2**31 for s in seeds_a.values())

    run(cfg.model_copy(update={"seed": 1}), tmp_path / "c")
    seeds_c = {r.key: r.seed for r in load_run(tmp_path / "c").records}
    assert all(seeds_c[k] != seeds_a[k] for k in seeds_a)


def test_trial_seed_is_stable():
    assert trial_seed(0, "product-price", 0) == trial_seed(0, "product-price", 0)
    assert trial_seed(0, "product-price", 0) != trial_seed(0, "product-price", 1)
    assert trial_seed(0, "product-price", 0) != trial_seed(1, "product-price", 0)
    assert trial_seed(0, "product-price", 0) != trial_seed(0, "update-email", 0)


def test_repeated_sigkills_at_random_points_lose_and_duplicate_nothing(tmp_path):
    import random

    rng = random.Random(20261122)
    trials = 36  # 15 tasks x 36 = 540 trials
    total = 15 * trials
    folder = tmp_path / "run"
    kills = 0
    for _ in range(12):
        if kills == 4:
            break
        done_lines = _complete_lines(folder / TRIALS)
        # Kill within the first half of what is left, so that the run rarely finishes first.
        target = rng.randint(done_lines + 1, done_lines + max(2, (total - done_lines) // 2))
        proc = subprocess.Popen(_frontdesk_run(folder, trials), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None and _complete_lines(folder / TRIALS) < target:
            time.sleep(0.001)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=10)
        # Always parseable: every complete line is a whole record; at most a torn tail, repaired on resume.
        data = (folder / TRIALS).read_bytes() if (folder / TRIALS).exists() else b""
        for line in data.split(b"\n")[:-1]:
            json.loads(line)
        if _complete_lines(folder / TRIALS) >= total:
            break
    assert kills >= 3
    done = subprocess.run(_frontdesk_run(folder, trials), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    counts = Counter(raw_keys(folder))
    assert len(counts) == total and set(counts.values()) == {1}


def test_worker_processes_record_every_trial_once_with_the_same_verdicts(tmp_path):
    one = RunConfig(
        domain="mock", trials=3, task_ids=["product-price", "cancel-pending-order", "refuse-cancel-shipped"]
    )
    run(one, tmp_path / "one")
    run(one.model_copy(update={"workers": 2}), tmp_path / "two")
    counts = Counter(raw_keys(tmp_path / "two"))
    assert len(counts) == 9 and set(counts.values()) == {1}
    rewards = lambda folder: {r.key: (r.reward, r.seed) for r in load_run(folder).records}  # noqa: E731
    assert rewards(tmp_path / "two") == rewards(tmp_path / "one")
    # workers is not part of the configuration: the one-process folder resumes with two workers
    assert run(one.model_copy(update={"workers": 2}), tmp_path / "one").pending == []


def test_a_run_relaxes_the_garbage_collector_and_restores_it_afterwards():
    import gc

    from frontdesk.eval.gc_pauses import RUN_THRESHOLDS, fewer_gc_pauses

    before = gc.get_threshold()
    with fewer_gc_pauses():
        assert gc.get_threshold() == RUN_THRESHOLDS
        assert gc.get_freeze_count() > 0  # the long-lived heap is out of the collector's way
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_trial_that_runs_out_of_time_is_infra_not_the_agents_failure(tmp_path):
    """The wall clock running out is usually a slow provider: retried on resume, never scored."""
    from conftest import ServerThread

    from benchmarks.mock_server import MockModelServer

    with ServerThread(MockModelServer(latency_s=0.5)) as server:
        cfg = RunConfig(
            domain="mock",
            task_ids=["product-price"],
            agent="openai/mock-agent",
            user="openai/mock-user",
            transport="openai-http",
            llm_params={"api_base": server.api_base, "api_key": "sk-mock"},
            limits=Limits(timeout_s=0.2),
        )
        run(cfg, tmp_path / "run")
    view = load_run(tmp_path / "run")
    assert view.records == []  # not scored either way
    [failure] = view.infra_failures
    assert failure.termination.value == "timeout"
    assert view.summary.trials_pending == 1


def test_the_customer_prompt_version_is_part_of_the_config_hash(monkeypatch):
    """Results produced by another simulator prompt must not be resumed as if they were the same run."""
    from frontdesk.eval import config as config_module
    from frontdesk.eval.config import domain_fingerprint

    cfg = RunConfig(domain="mock")
    fingerprint = domain_fingerprint(DOMAIN)
    before = cfg.config_hash(fingerprint)
    monkeypatch.setattr(config_module, "PROMPT_VERSION", config_module.PROMPT_VERSION + "-changed")
    assert cfg.config_hash(fingerprint) != before
    assert cfg.simulator_stamp()["prompt_version"].endswith("-changed")


def test_raising_trials_grows_the_run_and_lowering_is_refused(tmp_path):
    folder = tmp_path / "run"
    small = RunConfig(domain="mock", task_ids=["product-price", "update-email"], trials=2)
    run(small, folder)
    first = {r.key: r.seed for r in load_run(folder).records}
    plan = run(small.model_copy(update={"trials": 4}), folder)
    assert plan.already_done == 4 and len(plan.pending) == 4  # only the new trials ran
    view = load_run(folder)
    assert view.manifest["config"]["trials"] == 4 and [r.k for r in view.summary.rows] == [1, 2, 3, 4]
    assert {k: s for k, s in ((r.key, r.seed) for r in view.records) if k in first} == first  # same seeds
    with pytest.raises(RunFolderError, match=r"holds 4 trials per task; --trials 3 would hide"):
        run(small.model_copy(update={"trials": 3}), folder)
