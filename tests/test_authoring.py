"""The generators in authoring/ still write the shipped files byte for byte, and stay out of the runtime."""

from __future__ import annotations

import ast
import dataclasses
import fnmatch
import json
import tomllib
from pathlib import Path

import pytest

from authoring import DOMAINS, generator
from authoring.__main__ import main
from authoring.telecom import data as seed_generator

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / "frontdesk" / "envs"
HAND_WRITTEN = {ENVS / "mock" / "data" / "tasks.json"}  # the mock's few tasks show how tasks are written by hand
# Where the generators lived before authoring/: none of these may come back into the runtime package.
MOVED = {
    "mock": ["generate"],
    "retail": ["generate", "make_tasks", "catalog", "stats", "taskgen"],
    "airline": [
        "generate",
        "make_tasks",
        "catalog",
        "stats",
        "task_kit",
        *(f"scenarios_{s}" for s in ("booking", "cancel", "change", "service")),
    ],
    "telecom": ["generate", "make_tasks", "issues", "summary"],
}


@pytest.fixture(scope="module", params=DOMAINS)
def outputs(request) -> dict[Path, str]:
    return generator(request.param).outputs()


def test_every_domain_has_a_generator() -> None:
    assert sorted(DOMAINS) == sorted(p.name for p in ENVS.iterdir() if (p / "data").is_dir())


def test_generators_reproduce_the_shipped_files_byte_for_byte(outputs: dict[Path, str]) -> None:
    for path, text in outputs.items():
        assert text.encode("utf-8") == path.read_bytes(), (
            f"{path.relative_to(ROOT)} differs from what its generator writes: "
            f"run `python -m authoring {path.relative_to(ENVS).parts[0]}` (or revert the generator)"
        )


def test_every_shipped_data_file_is_generated(outputs: dict[Path, str]) -> None:
    data_dir = next(iter(outputs)).parent
    assert set(data_dir.glob("*.json")) - HAND_WRITTEN <= set(outputs)


def test_tasks_are_drafted_from_the_generated_seed_not_the_committed_file() -> None:
    telecom = generator("telecom")
    reseeded = dataclasses.replace(telecom, db=lambda: seed_generator.render(seed=seed_generator.SEED + 1)).outputs()
    tasks_file = telecom.domain.data_dir / "tasks.json"
    assert reseeded[tasks_file].encode("utf-8") != tasks_file.read_bytes()
    assert telecom.domain.seed_data == json.loads(
        (telecom.domain.data_dir / "db.json").read_text()
    )  # runtime untouched


class FakeGenerator:
    def __init__(self, files: dict[Path, str]) -> None:
        self.files = files

    def outputs(self) -> dict[Path, str]:
        return self.files


def test_check_reports_a_stale_file_and_writes_nothing(tmp_path: Path, monkeypatch, capsys) -> None:
    stale, fresh = tmp_path / "stale.json", tmp_path / "fresh.json"
    stale.write_text("old\n", encoding="utf-8")
    fresh.write_text("same\n", encoding="utf-8")
    monkeypatch.setattr("authoring.__main__.generator", lambda name: FakeGenerator({stale: "new\n", fresh: "same\n"}))
    assert main(["mock", "--check"]) == 1
    assert stale.read_text(encoding="utf-8") == "old\n"
    assert "DIFFERS" in capsys.readouterr().out
    assert main(["mock"]) == 0
    assert stale.read_text(encoding="utf-8") == "new\n"
    assert main(["all", "--check"]) == 0


def test_no_runtime_module_imports_authoring() -> None:
    for path in sorted((ROOT / "frontdesk").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert "authoring" not in roots, f"{path.relative_to(ROOT)}:{node.lineno} imports authoring"


def test_generator_modules_are_gone_from_the_runtime_package() -> None:
    for domain, modules in MOVED.items():
        for name in modules:
            for leftover in (ENVS / domain / f"{name}.py", ENVS / domain / name):
                assert not leftover.exists(), f"{leftover.relative_to(ROOT)} belongs in authoring/{domain}/"


def test_the_wheel_leaves_authoring_out() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert not any(fnmatch.fnmatch("authoring", pattern) for pattern in include), include


def test_an_authored_text_written_for_another_draft_stops_generation(tmp_path):
    from authoring.kit import apply_texts, draft_digest, load_texts

    task = {"id": "t1", "user_scenario": {"reason_for_contact": "x", "known_facts": {"order id": "#1"}}}
    (tmp_path / "a.yaml").write_text(
        f't1:\n  draft: "{draft_digest(task)}"\n  reason_for_contact: "Order #1, please."\n'
    )
    [done] = apply_texts([task], load_texts(tmp_path), tmp_path)
    assert done["user_scenario"]["reason_for_contact"] == "Order #1, please."
    redrawn = {**task, "user_scenario": {**task["user_scenario"], "known_facts": {"order id": "#2"}}}
    with pytest.raises(ValueError, match=r"written for another draft of their task: t1 \(now [0-9a-f]{8}\)"):
        apply_texts([redrawn], load_texts(tmp_path), tmp_path)
    (tmp_path / "a.yaml").write_text('t1:\n  reason_for_contact: "no digest"\n')
    with pytest.raises(ValueError, match="'draft' is a required property"):
        load_texts(tmp_path)
