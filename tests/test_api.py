"""``frontdesk.evaluate``: the Python entry point, and the README's example of it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import frontdesk
from frontdesk.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_evaluate_returns_the_finished_run(tmp_path):
    run = frontdesk.evaluate("mock", trials=2, out=str(tmp_path / "run"), task_ids=["product-price", "update-email"])
    assert run.folder == tmp_path / "run"
    assert [row.k for row in run.summary.rows] == [1, 2]
    assert run.summary.rows[-1].pass_hat_k == 1.0  # the oracle solves both, twice
    assert len(run.trials) == 4 and set(run.trials["task_id"]) == {"product-price", "update-email"}
    assert run.summary.trials_pending == 0


def test_evaluate_resumes_the_same_folder_and_accepts_a_path(tmp_path):
    first = frontdesk.evaluate("mock", agent="scripted/null", out=tmp_path / "run", task_ids=["update-email"])
    again = frontdesk.evaluate("mock", agent="scripted/null", out=tmp_path / "run", task_ids=["update-email"])
    assert len(again.records) == len(first.records) == 1
    assert again.summary.rows[0].pass_hat_k == 0.0  # doing nothing does not update an email


def test_evaluate_names_a_bad_option(tmp_path):
    with pytest.raises(ConfigError, match=r"run option 'concurrency'"):
        frontdesk.evaluate("mock", out=tmp_path / "run", concurrency=0)
    with pytest.raises(ConfigError, match=r"unknown persona"):
        frontdesk.evaluate("mock", out=tmp_path / "run", personas=["nobody-like-this"])


def test_the_readme_example_runs_and_prints_pass_hat_k(tmp_path):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    example = next(b for b in blocks if "frontdesk.evaluate(" in b)
    assert len(example.strip().splitlines()) <= 6
    result = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert re.search(r"pass\^3 = 1\.000", result.stdout), result.stdout


def test_import_frontdesk_stays_light():
    code = "import sys, frontdesk; print(any(m in sys.modules for m in ('pandas', 'litellm', 'frontdesk.eval')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.stdout.strip() == "False"
