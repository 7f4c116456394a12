"""`frontdesk export RUN --format csv|parquet|jsonl`: the per-trial table on disk, and clear errors."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from test_cli import ENV, assert_one_line_error, frontdesk

from frontdesk.errors import ConfigError
from frontdesk.eval import RunConfig, load_run, run
from frontdesk.eval.export import export_trials


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export") / "run"
    config = RunConfig(
        domain="mock", agent="scripted/null", task_ids=["product-price", "refuse-cancel-shipped"], trials=2
    )
    run(config, folder)
    return folder


def test_csv_export_via_the_command(folder, tmp_path) -> None:
    target = tmp_path / "t.csv"
    result = frontdesk("export", str(folder), "--format", "csv", "--out", str(target))
    assert result.returncode == 0, result.stderr
    assert str(target) in result.stdout
    table = pd.read_csv(target)
    assert len(table) == 4
    assert set(table["task_id"]) == {"product-price", "refuse-cancel-shipped"}
    price = table[table.task_id == "product-price"]
    assert list(price["passed"]) == [False, False] and list(price["failed_components"]) == ["required_outputs"] * 2
    assert set(table["tags"]) == {"read-only", "must-refuse"}  # lists are ';'-joined in CSV


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_parquet_and_jsonl_round_trip_the_table(folder, tmp_path, fmt) -> None:
    view = load_run(folder)
    path = export_trials(view, fmt, tmp_path / f"t.{fmt}")
    back = pd.read_parquet(path) if fmt == "parquet" else pd.read_json(path, orient="records", lines=True)
    assert list(back.columns) == list(view.trials.columns)
    assert list(back["task_id"]) == list(view.trials["task_id"])
    assert [list(t) for t in back["failed_components"]] == list(view.trials["failed_components"])


def test_default_path_is_inside_the_run_and_never_the_trials_file(folder) -> None:
    view = load_run(folder)
    before = (folder / "trials.jsonl").read_bytes()
    assert export_trials(view, "jsonl") == folder / "trials_table.jsonl"
    with pytest.raises(ConfigError, match="one of the run's own files"):
        export_trials(view, "jsonl", folder / "trials.jsonl")
    assert (folder / "trials.jsonl").read_bytes() == before


def test_unknown_format_and_non_run_folder_are_one_line_errors(folder, tmp_path) -> None:
    assert_one_line_error(frontdesk("export", str(folder), "--format", "xlsx"), "xlsx", "csv, parquet, jsonl")
    assert_one_line_error(frontdesk("export", str(tmp_path), "--format", "csv"), "not a frontdesk run folder")


def test_parquet_without_pyarrow_says_how_to_get_it(folder) -> None:
    code = (
        "import sys\n"
        "sys.modules['pyarrow'] = None  # as if it were not installed\n"
        f"sys.argv = ['frontdesk', 'export', {str(folder)!r}, '--format', 'parquet']\n"
        "from frontdesk.cli import main\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert_one_line_error(result, "pyarrow", "frontdesk[parquet]")
