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
    text = " ".join(frontdesk("run", "--help", columns=200).stdout.split())  # help wraps lines
    assert f"Trials running at once. [default: ({defaults['concurrency']})" in text
    assert f"before it ends as max_turns. [default: ({defaults['limits.max_turns']})" in text


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


@pytest.fixture
def broken_domain_installed(tmp_path) -> dict[str, str]:
    """An installed package whose domain fails at import, found through the entry point group."""
    site = tmp_path / "site"
    dist = site / "broken_domain-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-domain\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[frontdesk.domains]\nbroken = broken_domain:domain\n")
    (site / "broken_domain.py").write_text("raise RuntimeError('this domain is broken on purpose')\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]), "COLUMNS": "200"}


def test_one_broken_installed_domain_does_not_hide_the_others(broken_domain_installed):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "frontdesk", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=broken_domain_installed,
        )

    listed = run("domains")
    assert listed.returncode == 0, listed.stderr
    assert "mock" in listed.stdout and "retail" in listed.stdout
    assert "broken: domain 'broken' (broken_domain:domain) failed to load: RuntimeError" in listed.stderr
    checked = run("validate", "--domain", "mock", "--domain", "broken")
    assert checked.returncode == 1
    assert "mock: 15 tasks, ok" in checked.stdout
    assert "broken: cannot load: domain 'broken'" in checked.stdout
    assert "Traceback" not in checked.stderr


def test_a_corrupt_middle_line_is_repaired_keeping_every_good_trial(tmp_path):
    folder = tmp_path / "run"
    args = ("run", "--domain", "mock", "--trials", "2", "--out", str(folder))
    assert frontdesk(*args).returncode == 0
    lines = (folder / "trials.jsonl").read_text().splitlines(keepends=True)
    lines[5] = lines[5][:40] + "\n"  # a torn line in the middle
    (folder / "trials.jsonl").write_text("".join(lines))
    refused = frontdesk("report", str(folder))
    assert_one_clean_error(refused, "line 6: not a trial record", f"frontdesk repair {folder}")
    repaired = frontdesk("repair", str(folder))
    assert repaired.returncode == 0, repaired.stderr
    assert "Moved 1 line(s)" in repaired.stdout and "kept 29 trial(s)" in repaired.stdout
    [rejected] = (folder / "trials.rejected.jsonl").read_text().splitlines()
    assert json.loads(rejected)["line"] == 6
    resumed = frontdesk(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert "29 of 30 trials already done" in resumed.stderr
    keys = [tuple(json.loads(x)[k] for k in ("task_id", "persona", "trial")) for x in (folder / "trials.jsonl").open()]
    assert len(keys) == len(set(keys)) == 30


def test_a_lost_manifest_is_rebuilt_from_the_command_and_foreign_trials_set_aside(tmp_path):
    folder = tmp_path / "run"
    args = ("run", "--domain", "mock", "--trials", "2", "--out", str(folder))
    assert frontdesk(*args).returncode == 0
    (folder / "manifest.json").unlink()
    records = [json.loads(x) for x in (folder / "trials.jsonl").read_text().splitlines()]
    records[0]["seed"] += 1  # as if another configuration had written it
    (folder / "trials.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert_one_clean_error(frontdesk("repair", str(folder)), "--repair")
    rebuilt = frontdesk(*args, "--repair")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "29 of 30 trials already done" in rebuilt.stderr  # only the foreign trial ran again
    [rejected] = (folder / "trials.rejected.jsonl").read_text().splitlines()
    assert "seed does not match" in json.loads(rejected)["reason"]


@pytest.mark.parametrize("content", ["[1, 2, 3]", '{"config": {}}', "not json at all"])
def test_a_manifest_that_is_not_one_is_a_clear_error(finished_run, tmp_path, content):
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "manifest.json").write_text(content)
    (copy / "trials.jsonl").write_bytes((finished_run / "trials.jsonl").read_bytes())
    for command in (("report", str(copy)), ("export", str(copy))):
        assert_one_clean_error(frontdesk(*command), f"{copy / 'manifest.json'}")


def test_run_help_shows_every_option_name_whole_at_80_columns():
    text = frontdesk("run", "--help", columns=80).stdout
    assert "…" not in text
    for option in ("--max-calls-in-flight", "--allow-missing-keys", "--call-timeout", "--persona-file", "--repair"):
        assert option in text


def test_a_missing_provider_key_refuses_to_start_naming_the_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    folder = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "frontdesk", "run", "--domain", "mock", "--agent", "openai/gpt-4o-mini",
         "--out", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert_one_clean_error(result, "needs OPENAI_API_KEY, which is not set", "--allow-missing-keys")
    assert not folder.exists()  # refused before anything was written


def test_the_persona_grid_header_counts_cells_with_plurals(tmp_path):
    result = frontdesk(
        "run", "--domain", "mock", "--task", "product-price", "--persona", "regular", "--persona", "reticent",
        "--out", str(tmp_path / "run"), columns=200,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1 task × 2 personas (2 cells) × 1 trial" in result.stdout
