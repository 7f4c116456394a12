"""The run folder: manifest.json, trials.jsonl (one line per finished trial), infra_errors.jsonl.

Every line is written whole, flushed and fsynced before the trial counts as done, so a run killed
at any moment resumes without losing or duplicating a trial. A line cut short by the kill is
dropped on reopen and that trial runs again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from frontdesk.errors import RunFolderError
from frontdesk.eval.record import InfraFailure, TrialRecord

MANIFEST = "manifest.json"
TRIALS = "trials.jsonl"
INFRA_ERRORS = "infra_errors.jsonl"


def diff_config(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(diff_config(a, b, f"{prefix}{key}."))
        elif a != b:
            out.append(f"{prefix}{key}: {json.dumps(a)} -> {json.dumps(b)}")
    return out


class RunStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest_path = folder / MANIFEST
        self.trials_path = folder / TRIALS
        self.infra_path = folder / INFRA_ERRORS

    # --- manifest ---------------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            raise RunFolderError(f"{self.folder} is not a frontdesk run folder (no {MANIFEST})")
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise RunFolderError(f"{self.manifest_path}: cannot read the manifest ({e})") from None

    def open(self, manifest: dict[str, Any]) -> None:
        """Create the folder, or check that it holds the same configuration (then we resume)."""
        if self.manifest_path.exists():
            existing = self.read_manifest()
            if existing.get("config_hash") != manifest["config_hash"]:
                changes = diff_config(existing.get("config", {}), manifest["config"])
                if existing.get("domain_fingerprint") != manifest.get("domain_fingerprint"):
                    changes.append("the domain's tasks, data or policy changed")
                shown = "; ".join(changes[:5]) or "configuration differs"
                raise RunFolderError(
                    f"{self.folder} holds a run with a different configuration ({shown}). "
                    "Rerun with the original options to resume, or choose another output folder."
                )
            return
        if self.folder.exists() and any(self.folder.iterdir()):
            raise RunFolderError(
                f"{self.folder} exists, is not empty and is not a frontdesk run folder; choose another output folder"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.manifest_path)  # atomic: a manifest is whole or absent

    # --- trials -----------------------------------------------------------------------------
    def _repair_tail(self, path: Path) -> None:
        """Drop a last line that a kill cut short, so the next append starts on a fresh line."""
        if not path.exists() or path.stat().st_size == 0:
            return
        with path.open("rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) == b"\n":
                return
            f.seek(0)
            data = f.read()
            f.truncate(data.rfind(b"\n") + 1)
            f.flush()
            os.fsync(f.fileno())

    def _lines(self, path: Path) -> Iterator[tuple[int, str]]:
        if not path.exists():
            return
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if line.endswith("\n") and line.strip():
                    yield number, line

    def records(self) -> list[TrialRecord]:
        """Finished trials, at most one per (task, trial); the first line wins if a key repeats."""
        seen: dict[tuple[str, str, int], TrialRecord] = {}
        for number, line in self._lines(self.trials_path):
            try:
                record = TrialRecord.model_validate_json(line)
            except ValidationError as e:
                raise RunFolderError(
                    f"{self.trials_path}, line {number}: not a trial record ({e.errors()[0]['msg']}). "
                    "The file was edited or written by another version; move it aside to start over."
                ) from None
            seen.setdefault(record.key, record)
        return list(seen.values())

    def infra_failures(self) -> list[InfraFailure]:
        out = []
        for _, line in self._lines(self.infra_path):
            try:
                out.append(InfraFailure.model_validate_json(line))
            except ValidationError:
                continue  # a diagnostic log: an unreadable line loses nothing that counts
        return out

    def prepare_append(self) -> None:
        self._repair_tail(self.trials_path)
        self._repair_tail(self.infra_path)

    @staticmethod
    def _append(path: Path, line: str) -> None:
        with path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    def append(self, record: TrialRecord) -> None:
        self._append(self.trials_path, record.model_dump_json())

    def append_infra(self, failure: InfraFailure) -> None:
        self._append(self.infra_path, failure.model_dump_json())
