"""What a new user types in the first hour, through the real entry point: clear answers, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def frontdesk(*args: str, columns: int = 80, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "frontdesk", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def assert_one_clean_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("runs") / "run"
    result = frontdesk("run", "--domain", "mock", "--task", "product-price", "--out", str(folder))
    assert result.returncode == 0, result.stderr
    return folder


def test_tasks_plain_and_json_give_whole_ids_that_run_accepts():
    from frontdesk.envs import get_domain

    ids = [t.id for t in get_domain("telecom").tasks]
    plain = frontdesk("tasks", "--domain", "telecom", "--plain", columns=40)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.splitlines() == ids
    listed = json.loads(frontdesk("tasks", "--domain", "telecom", "--json").stdout)
    assert [row["id"] for row in listed] == ids
    table = frontdesk("tasks", "--domain", "telecom", columns=80).stdout
    longest = max(ids, key=len)
    assert longest in table.replace("│\n│", "") or longest in table  # folded, never cut with an ellipsis
    assert "…" not in "".join(line.split("│")[1] for line in table.splitlines() if line.startswith("│"))


def test_tasks_refuses_an_unknown_split():
    assert_one_clean_error(
        frontdesk("tasks", "--domain", "mock", "--split", "foo"), "--split must be 'train' or 'test'"
    )


def test_report_on_a_missing_folder_says_it_does_not_exist(tmp_path):
    assert_one_clean_error(frontdesk("report", str(tmp_path / "nope")), "does not exist")


def test_report_on_a_folder_whose_manifest_was_deleted_points_at_the_saved_trials(finished_run, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "trials.jsonl").write_bytes((finished_run / "trials.jsonl").read_bytes())
    assert_one_clean_error(frontdesk("report", str(copy)), "no manifest.json", "holds saved trials")


def test_run_out_a_regular_file_is_refused(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("not a folder")
    assert_one_clean_error(frontdesk("run", "--domain", "mock", "--out", str(target)), "is a file, not a folder")


def test_export_into_a_directory_or_a_missing_folder_is_one_line(finished_run, tmp_path):
    assert_one_clean_error(frontdesk("export", str(finished_run), "--out", str(tmp_path)), str(tmp_path))
    missing = tmp_path / "no" / "such" / "dir" / "t.csv"
    result = frontdesk("export", str(finished_run), "--out", str(missing))
    assert_one_clean_error(result, str(missing.parent))


def test_help_keeps_brackets_and_personas_show_prints_real_characters():
    assert "frontdesk[parquet]" in frontdesk("export", "--help", columns=200).stdout
    shown = frontdesk("personas", "show", "regular", columns=200)
    assert shown.returncode == 0
    assert "\\u2014" not in shown.stdout and "\\u" not in shown.stdout


def test_run_help_shows_the_defaults_of_run_config():
    from frontdesk.eval.config import run_defaults

    defaults = run_defaults()
    text = frontdesk("run", "--help", columns=200).stdout
    assert f"[default: ({defaults['concurrency']})]" in text
    assert f"[default: ({defaults['limits.max_turns']})]" in text


def test_no_large_files_are_tracked():
    """Nothing over 1 MB in git outside the domains' data (a wheel was once committed by mistake)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    large = [
        name
        for name in tracked.stdout.decode().split("\0")
        if name
        and (ROOT / name).is_file()
        and (ROOT / name).stat().st_size > 1_000_000
        and not (name.startswith("frontdesk/envs/") and "/data/" in name)
    ]
    assert large == []
