"""The `frontdesk` command, run as a subprocess like a person would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from frontdesk.envs import get_domain

ENV = {
    **os.environ,
    "COLUMNS": "200",  # wide enough that rich never wraps or truncates a table cell
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "NO_COLOR": "1",
}
ENV.pop("FRONTDESK_DEBUG", None)
# Test plug-ins (scripted_mixes.py) import in the CLI's process too.
ENV["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
TASK_IDS = [t.id for t in get_domain("mock").tasks]


def frontdesk(*args: str, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frontdesk", *args], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=timeout
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_works():
    result = frontdesk("--help")
    assert result.returncode == 0, result.stderr
    for command in ("run", "report", "validate", "domains", "tasks"):
        assert command in result.stdout
    run_help = frontdesk("run", "--help")
    assert run_help.returncode == 0
    assert "--trials" in run_help.stdout and "--out" in run_help.stdout


def test_cli_import_and_help_do_not_import_litellm():
    code = (
        "import sys\n"
        "import frontdesk.cli\n"
        "assert 'litellm' not in sys.modules, 'import frontdesk.cli imported litellm'\n"
        "try:\n"
        "    frontdesk.cli.app(['--help'])\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        "print('litellm' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_offline_run_does_not_import_litellm(tmp_path):
    code = (
        "import sys\n"
        "import frontdesk.cli\n"
        "try:\n"
        f"    frontdesk.cli.app(['run', '--domain', 'mock', '--task', 'product-price', '--out', {str(tmp_path / 'r')!r}])\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        "print('LITELLM', 'litellm' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "LITELLM False" in result.stdout


def test_run_prints_pass_hat_k_and_report_prints_the_same_table(tmp_path):
    folder = tmp_path / "run"
    result = frontdesk("run", "--domain", "mock", "--trials", "2", "--out", str(folder))
    assert result.returncode == 0, result.stderr
    assert "pass^k" in result.stdout
    assert "Traceback" not in result.stderr
    assert "scripted/oracle" in result.stderr  # says it runs offline, and how to run a real model
    lines = result.stdout.splitlines()
    rows = [line for line in lines if line.startswith("│")]
    assert any(line.split("│")[1].strip() == "1" and "1.000" in line for line in rows)
    assert any(line.split("│")[1].strip() == "2" and "1.000" in line for line in rows)
    assert "15 tasks × 2 trials" in result.stdout
    assert "30 expected · 30 scored" in result.stdout
    assert f"Run folder: {folder}" in lines
    assert lines[-1] == f"Next: frontdesk report {folder} --html  (transcripts, failures, per-persona table)"
    assert (folder / "manifest.json").exists()
    assert len((folder / "trials.jsonl").read_text().splitlines()) == 30

    report = frontdesk("report", str(folder))
    assert report.returncode == 0, report.stderr
    assert report.stdout.splitlines() == lines[:-2]  # the run adds the folder and what to do next

    as_json = frontdesk("report", str(folder), "--json")
    assert as_json.returncode == 0, as_json.stderr
    summary = json.loads(as_json.stdout)
    assert [row["pass_hat_k"] for row in summary["rows"]] == [1.0, 1.0]
    assert summary["trials_valid"] == 30

    # rerunning the same command resumes: nothing new is run
    again = frontdesk("run", "--domain", "mock", "--trials", "2", "--out", str(folder))
    assert again.returncode == 0, again.stderr
    assert "30 of 30" in again.stderr
    assert len((folder / "trials.jsonl").read_text().splitlines()) == 30


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--domain", "nope"], ["nope"]),
        (["--domain", "mock", "--task", "no-such-task"], ["no-such-task"]),
        (["--domain", "mock", "--agent", "nosuchprovider/some-model"], ["nosuchprovider/some-model"]),
        (["--domain", "mock", "--user", "nosuchprovider/some-model"], ["nosuchprovider/some-model"]),
        (["--domain", "mock", "--agent", "scripted/nope"], ["scripted/nope"]),
        (["--domain", "mock", "--user", "scripted/nope"], ["scripted/nope"]),
        (["--domain", "mock", "--agent", "openai/gpt-4o-mini", "--agent-strategy", "nope"], ["nope"]),
        (["--domain", "mock", "--split", "bogus"], ["bogus"]),
        (["--domain", "mock", "--llm-param", "no-equals-sign"], ["no-equals-sign"]),
    ],
    ids=[
        "domain",
        "task",
        "agent-model",
        "user-model",
        "scripted-agent",
        "scripted-user",
        "strategy",
        "split",
        "llm-param",
    ],
)
def test_bad_input_is_one_error_line_and_writes_nothing(tmp_path, args, fragments):
    folder = tmp_path / "run"
    result = frontdesk("run", *args, "--out", str(folder), cwd=tmp_path)
    assert_one_line_error(result, *fragments)
    assert not folder.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_bad_domain_without_out_writes_no_default_folder(tmp_path):
    result = frontdesk("run", "--domain", "nope", cwd=tmp_path)
    assert_one_line_error(result, "nope")
    assert list(tmp_path.iterdir()) == []


def test_folder_holding_another_config_is_refused(tmp_path):
    folder = tmp_path / "run"
    first = frontdesk("run", "--domain", "mock", "--task", "product-price", "--out", str(folder))
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    result = frontdesk("run", "--domain", "mock", "--task", "product-price", "--seed", "7", "--out", str(folder))
    assert_one_line_error(result, "seed")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_foreign_folder_is_refused(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("important")
    result = frontdesk("run", "--domain", "mock", "--task", "product-price", "--out", str(folder))
    assert_one_line_error(result, "not empty")
    assert [p.name for p in folder.iterdir()] == ["thesis.tex"]


def test_report_of_a_non_run_folder_is_an_error(tmp_path):
    assert_one_line_error(frontdesk("report", str(tmp_path)), "manifest.json")


def test_validate_mock_passes():
    result = frontdesk("validate", "--domain", "mock")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"mock: {len(TASK_IDS)} tasks, ok" in result.stdout


def test_domains_lists_mock():
    result = frontdesk("domains")
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if " mock " in line)
    assert str(len(TASK_IDS)) in row


def test_tasks_lists_every_task_of_the_domain():
    result = frontdesk("tasks", "--domain", "mock")
    assert result.returncode == 0, result.stderr
    for task_id in TASK_IDS:
        assert task_id in result.stdout
    train = frontdesk("tasks", "--domain", "mock", "--split", "train")
    train_ids = {t.id for t in get_domain("mock").tasks if t.split == "train"}
    assert train_ids and all(t in train.stdout for t in train_ids)
    assert not any(t.id in train.stdout for t in get_domain("mock").tasks if t.split != "train")


def test_tasks_of_unknown_domain_is_an_error():
    assert_one_line_error(frontdesk("tasks", "--domain", "nope"), "nope")


def test_run_refuses_an_unknown_transport_or_a_provider_it_cannot_reach(tmp_path):
    result = frontdesk("run", "--domain", "mock", "--transport", "grpc", "--out", str(tmp_path / "a"))
    assert_one_line_error(result, "--transport: Input should be 'auto', 'litellm' or 'openai-http'")
    result = frontdesk(
        "run",
        "--domain",
        "mock",
        "--agent",
        "anthropic/claude-3-5-sonnet-20240620",
        "--transport",
        "openai-http",
        "--out",
        str(tmp_path / "b"),
    )
    assert_one_line_error(result, "speaks only the OpenAI chat-completions protocol", "--transport litellm")
    assert not (tmp_path / "b").exists()
