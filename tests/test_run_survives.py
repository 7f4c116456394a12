"""The run survives a hostile world: dead workers, a dead parent, two writers, a full disk, markup.

Each test reproduces, in miniature, an attack that once broke a run. Model calls go to the mock
model server on 127.0.0.1 (a thread of this process) with a little latency, so trials are slow
enough to be interrupted; every wait is bounded.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ServerThread

from benchmarks.mock_server import MockModelServer
from frontdesk.errors import RunFolderError
from frontdesk.eval import RunConfig, load_run, run
from frontdesk.eval.store import LOCK, TRIALS, RunStore, StoreWriteError

ROOT = Path(__file__).resolve().parents[1]
MOCK_TASKS = 15


@pytest.fixture
def slow_server() -> Iterator[MockModelServer]:
    with ServerThread(MockModelServer(latency_s=0.05)) as server:
        yield server


def cli(folder: Path, server: MockModelServer, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "frontdesk",
        "run",
        "--domain",
        "mock",
        "--agent",
        "openai/mock-agent",
        "--user",
        "openai/mock-user",
        "--transport",
        "openai-http",
        "--llm-param",
        f"api_base={server.api_base}",
        "--llm-param",
        "api_key=sk-mock",
        "--out",
        str(folder),
        *extra,
    ]


def start(command: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def lines_in(folder: Path) -> int:
    path = folder / TRIALS
    return path.read_bytes().count(b"\n") if path.exists() else 0


def wait_for(condition, timeout: float = 60.0, what: str = "condition", proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the run ended before {what}: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def children(pid: int) -> list[int]:
    """Worker processes of ``pid`` (multiprocessing's resource tracker excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and "spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def keys(folder: Path) -> Counter:
    lines = (folder / TRIALS).read_text().splitlines()
    return Counter((r["task_id"], r["persona"], r["trial"]) for r in map(json.loads, lines))


@pytest.mark.skipif(not Path("/proc").exists(), reason="finds worker processes through /proc")
def test_a_worker_killed_mid_run_costs_its_trials_a_retry_and_the_run_finishes(slow_server, tmp_path):
    folder = tmp_path / "run"
    proc = start(cli(folder, slow_server, "--trials", "3", "--workers", "2", "--concurrency", "4"))
    try:
        wait_for(lambda: lines_in(folder) >= 2, what="the first trials", proc=proc)
        workers = children(proc.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = proc.communicate(timeout=180)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert f"pid {workers[0]}) was killed by SIGKILL" in stderr
    counts = keys(folder)
    assert len(counts) == MOCK_TASKS * 3 and set(counts.values()) == {1}  # every trial, once
    assert "Traceback" not in stderr


@pytest.mark.skipif(not Path("/proc").exists(), reason="finds worker processes through /proc")
def test_workers_do_not_outlive_a_killed_parent(slow_server, tmp_path):
    folder = tmp_path / "run"
    proc = start(cli(folder, slow_server, "--trials", "4", "--workers", "2", "--concurrency", "4"))
    try:
        wait_for(lambda: lines_in(folder) >= 1, what="the first trial", proc=proc)
        workers = children(proc.pid)
        assert len(workers) == 2, workers
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        wait_for(lambda: not any(alive(w) for w in workers), timeout=15, what="the workers to exit")
    finally:
        proc.kill()
        for w in children(proc.pid):
            os.kill(w, signal.SIGKILL)
    # What was recorded is whole, and a resume completes the run with every trial once.
    resumed = subprocess.run(
        cli(folder, slow_server, "--trials", "4"), cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert resumed.returncode == 0, resumed.stderr
    counts = keys(folder)
    assert len(counts) == MOCK_TASKS * 4 and set(counts.values()) == {1}


def test_a_second_writer_is_refused_naming_the_first(slow_server, tmp_path):
    folder = tmp_path / "run"
    first = start(cli(folder, slow_server, "--trials", "20"))  # long enough to be running throughout
    try:
        wait_for(lambda: (folder / LOCK).exists() and lines_in(folder) >= 1, what="the first run to start", proc=first)
        second = subprocess.run(
            cli(folder, slow_server, "--trials", "20"), cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert first.poll() is None, "the first run ended before the second started; the test proves nothing"
        first.send_signal(signal.SIGINT)
        _, first_err = first.communicate(timeout=60)
    finally:
        first.kill()
    assert second.returncode == 2, second.stderr
    assert f"is in use by another frontdesk run (pid {first.pid} on " in second.stderr
    assert "Traceback" not in second.stderr
    assert first.returncode == 130, first_err
    assert set(keys(folder).values()) == {1}  # nothing written twice


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    folder = tmp_path / "run"
    cfg = RunConfig(domain="mock", task_ids=["product-price", "update-email"])
    run(cfg, folder)
    (folder / TRIALS).write_text("")  # pending again
    (folder / LOCK).write_text(json.dumps({"pid": 999_999_999, "host": "elsewhere"}) + "\n")  # nobody holds it
    run(cfg, folder)
    assert len(keys(folder)) == 2


def test_the_lock_is_exclusive_and_released(tmp_path):
    a, b = RunStore(tmp_path), RunStore(tmp_path)
    a.lock()
    with pytest.raises(RunFolderError, match=rf"in use by another frontdesk run \(pid {os.getpid()} on "):
        b.lock()
    a.unlock()
    b.lock()  # free again
    b.unlock()


def test_a_full_disk_stops_the_run_with_no_torn_line_and_a_resume_completes(tmp_path, monkeypatch):
    folder = tmp_path / "run"
    cfg = RunConfig(domain="mock", trials=2, concurrency=4)
    real_write = os.write
    writes = {"n": 0}

    def filling_disk(fd: int, data) -> int:
        writes["n"] += 1
        if writes["n"] >= 4:  # the fourth write lands half a line, then the disk is full
            if writes["n"] == 4:
                return real_write(fd, bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr("frontdesk.eval.store.os.write", filling_disk)
    with pytest.raises(StoreWriteError, match=r"No space left on device \(ENOSPC\).*rerun the same command"):
        run(cfg, folder)
    data = (folder / TRIALS).read_bytes()
    assert data.endswith(b"\n")  # the partial line was taken back
    assert all(json.loads(line) for line in data.splitlines())  # every line whole
    assert len(data.splitlines()) == 3
    monkeypatch.setattr("frontdesk.eval.store.os.write", real_write)
    run(cfg, folder)
    counts = keys(folder)
    assert len(counts) == MOCK_TASKS * 2 and set(counts.values()) == {1}


def test_a_full_disk_is_one_line_from_the_cli(tmp_path, monkeypatch, capsys):
    from frontdesk import cli

    def full(fd: int, data) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("frontdesk.eval.store.os.write", full)
    monkeypatch.setattr(sys, "argv", ["frontdesk", "run", "--domain", "mock", "--out", str(tmp_path / "run")])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "error: cannot write" in err and "No space left on device (ENOSPC)" in err
    assert "internal error" not in err and "Traceback" not in err


@pytest.mark.parametrize("model", ["openai/x[/]", "openai/[bold red]boom"])
def test_markup_in_a_model_string_is_printed_as_text(tmp_path, model):
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", task_ids=["product-price"]), folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["config"]["agent"] = model
    (folder / "manifest.json").write_text(json.dumps(manifest))
    env = {**os.environ, "COLUMNS": "200"}
    for args in (["report", str(folder)], ["report", str(folder), "--html"]):
        result = subprocess.run(
            [sys.executable, "-m", "frontdesk", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env
        )
        assert result.returncode == 0, result.stderr
        assert f"agent {model}" in result.stdout
    assert load_run(folder).manifest["config"]["agent"] == model


@pytest.mark.skipif(not Path("/proc").exists(), reason="finds worker processes through /proc")
def test_ctrl_c_stops_a_run_with_workers_promptly(slow_server, tmp_path):
    folder = tmp_path / "run"
    proc = start(cli(folder, slow_server, "--trials", "6", "--workers", "2", "--concurrency", "4"))
    try:
        wait_for(lambda: lines_in(folder) >= 1, what="the first trial", proc=proc)
        workers = children(proc.pid)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        took = time.monotonic() - started
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Interrupted" in stderr and "Traceback" not in stderr
    assert took < 30
    wait_for(lambda: not any(alive(w) for w in workers), timeout=15, what="the workers to exit")
    assert lines_in(folder) < MOCK_TASKS * 6  # it did stop part-way
