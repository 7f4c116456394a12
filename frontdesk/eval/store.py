"""The run folder: manifest.json, trials.jsonl (one line per finished trial), infra_errors.jsonl,
and in sequential runs queues.jsonl (one line per finished queue, its commit record).

Every line is written whole, flushed and fsynced before the trial counts as done, so a run killed
at any moment resumes without losing or duplicating a trial. A line cut short by the kill is
dropped on reopen and that trial runs again. One process at a time writes a folder: ``lock()``
takes an exclusive ``fcntl`` lock that the kernel releases when its owner dies, so a stale lock
never blocks a resume. A failed write (a full disk) truncates what it wrote and stops the store
from accepting more, so a failure can never leave a torn line in the middle of the file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from frontdesk.errors import RunFolderError
from frontdesk.eval.record import InfraFailure, QueueRecord, TrialRecord
from frontdesk.redact import scrub

MANIFEST = "manifest.json"
TRIALS = "trials.jsonl"
INFRA_ERRORS = "infra_errors.jsonl"
QUEUES = "queues.jsonl"  # sequential runs: one line per finished queue, written before its trials
LOCK = ".lock"
REJECTED = "trials.rejected.jsonl"


class StoreWriteError(RunFolderError):
    """The run folder could not be written (full disk, read-only file system, permissions)."""


def describe_os_error(e: OSError) -> str:
    """``No space left on device (ENOSPC)``: what a person can act on, without a traceback."""
    name = errno.errorcode.get(e.errno or 0)
    reason = e.strerror or str(e)
    return f"{reason} ({name})" if name else reason


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
        self.queues_path = folder / QUEUES

    # --- manifest ---------------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any]:
        if self.folder.exists() and not self.folder.is_dir():
            raise RunFolderError(f"{self.folder} is a file, not a run folder; name a folder")
        if not self.folder.exists():
            raise RunFolderError(f"{self.folder} does not exist; name a folder written by `frontdesk run`")
        if not self.manifest_path.exists():
            saved = self.trials_path.exists() and self.trials_path.stat().st_size > 0
            hint = f"; its {TRIALS} holds saved trials: restore {MANIFEST} from a backup to keep them" if saved else ""
            raise RunFolderError(f"{self.folder} is not a frontdesk run folder (no {MANIFEST}){hint}")
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise RunFolderError(f"{self.manifest_path}: cannot read the manifest ({e})") from None
        problem = _manifest_problem(manifest)
        if problem:
            raise RunFolderError(
                f"{self.manifest_path}: not a frontdesk manifest ({problem}); "
                "the file was edited or written by another program"
            )
        return manifest

    def open(self, manifest: dict[str, Any], repair: bool = False) -> None:
        """Create the folder, or check that it holds the same configuration (then we resume).

        With ``repair``, a folder whose manifest was lost but whose trials survive gets the
        manifest of this configuration; :meth:`quarantine` then sets aside any trial that this
        configuration could not have produced.
        """
        if repair and not self.manifest_path.exists() and self.trials_path.exists():
            self._write_manifest(manifest)
            return
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
            had, wants = existing["config"].get("trials", 1), manifest["config"].get("trials", 1)
            if wants < had:
                raise RunFolderError(
                    f"{self.folder} holds {had} trials per task; --trials {wants} would hide some of them. "
                    f"Rerun with --trials {had} (or more, to grow the run), or report fewer with `frontdesk report`."
                )
            return
        if self.folder.exists() and not self.folder.is_dir():
            raise RunFolderError(f"--out {self.folder} is a file, not a folder; name a new or existing run folder")
        if self.folder.exists() and any(self.folder.iterdir()):
            raise RunFolderError(
                f"{self.folder} exists, is not empty and is not a frontdesk run folder; choose another output folder"
            )
        self._write_manifest(manifest)

    def grow(self, manifest: dict[str, Any]) -> None:
        """Record a raised trial count (the caller holds the lock); the original creation time stays."""
        existing = self.read_manifest()
        if existing["config"].get("trials") != manifest["config"].get("trials"):
            transports = _merged_transports(existing, manifest.get("transports") or {})
            created = existing.get("created_at", manifest.get("created_at"))
            self._write_manifest({**manifest, "created_at": created, "transports": transports})

    def add_transports(self, transports: dict[str, list[str]]) -> None:
        """Record a transport this invocation's calls take that the run's earlier ones did not (a
        resume under another --transport, or under auto after a run started with litellm); the
        caller holds the lock."""
        existing = self.read_manifest()
        merged = _merged_transports(existing, transports)
        if merged != existing.get("transports"):
            self._write_manifest({**existing, "transports": merged})

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # A unique temporary name: two processes creating one folder at once must not collide.
            tmp = self.manifest_path.with_suffix(f".json.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            os.replace(tmp, self.manifest_path)  # atomic: a manifest is whole or absent
        except OSError as e:
            raise StoreWriteError(
                f"cannot create the run folder {self.folder}: {describe_os_error(e)}; "
                "choose a writable place with --out"
            ) from None

    # --- the writer's lock ------------------------------------------------------------------
    def lock(self) -> None:
        """Become the folder's only writer, or refuse naming the process that is.

        The lock is ``flock`` on ``.lock``: held for the life of this process (or until
        :meth:`unlock`), released by the kernel if the process dies, so a lock left by a killed run
        is simply taken over. The file records the owner's pid and host for the refusal message.
        """
        if getattr(self, "_lock_fd", None) is not None:
            return
        path = self.folder / LOCK
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise StoreWriteError(
                f"cannot write to the run folder {self.folder}: {describe_os_error(e)}; "
                "trials are pending, so the run needs a writable folder (copy it elsewhere and rerun with --out)"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            owner = _read_owner(fd)
            os.close(fd)
            if e.errno in (errno.EAGAIN, errno.EACCES):
                raise RunFolderError(
                    f"{self.folder} is in use by another frontdesk run ({owner}); "
                    "wait for it to finish or stop it, then rerun to resume"
                ) from None
            raise StoreWriteError(f"cannot lock {path}: {describe_os_error(e)}") from None
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(), "argv": sys.argv[:8]}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(owner) + "\n").encode(), 0)
        self._lock_fd: int | None = fd

    def unlock(self) -> None:
        fd = getattr(self, "_lock_fd", None)
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock
            self._lock_fd = None

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
        with path.open(encoding="utf-8", errors="replace") as f:  # a bad byte fails validation, not the read
            for number, line in enumerate(f, start=1):
                if line.endswith("\n") and line.strip():
                    yield number, line

    def _first_per_key(self, path: Path, model: type[Any], noun: str, fix: str) -> list[Any]:
        """The records of a JSON-lines file, at most one per key: the first line wins if a key repeats."""
        seen: dict[Any, Any] = {}
        for number, line in self._lines(path):
            try:
                record = model.model_validate_json(line)
            except ValidationError as e:
                raise RunFolderError(f"{path}, line {number}: not a {noun} ({e.errors()[0]['msg']}). {fix}") from None
            seen.setdefault(record.key, record)
        return list(seen.values())

    def records(self) -> list[TrialRecord]:
        """Finished trials, at most one per (task, trial); the first line wins if a key repeats."""
        fix = f"`frontdesk repair {self.folder}` moves unreadable lines to {REJECTED} and keeps every good trial."
        return self._first_per_key(self.trials_path, TrialRecord, "trial record", fix)

    def queue_records(self) -> list[QueueRecord]:
        """Finished queues of a sequential run, at most one per (persona, order): the first line wins."""
        fix = "Move the line out of the file and rerun: that queue then runs again from its start."
        return self._first_per_key(self.queues_path, QueueRecord, "queue record", fix)

    def sync_queues(self) -> int:
        """Copy into ``trials.jsonl`` the trials of finished queues that are not there yet (a kill
        between a queue's line and its trials' lines); the caller holds the lock. Returns how many."""
        have = {r.key for r in self.records()}
        missing = [r for q in self.queue_records() for r in q.records if r.key not in have]
        for record in missing:
            self.append(record)
        return len(missing)

    def infra_failures(self) -> list[InfraFailure]:
        out = []
        for _, line in self._lines(self.infra_path):
            try:
                out.append(InfraFailure.model_validate_json(line))
            except ValidationError:
                continue  # a diagnostic log: an unreadable line loses nothing that counts
        return out

    def quarantine(self, keep: Callable[[TrialRecord], str | None] | None = None) -> int:
        """Move every line of ``trials.jsonl`` that is not a readable trial record, repeats a key, or
        that ``keep`` refuses (it returns why) to ``trials.rejected.jsonl``; keep the rest in order.

        The caller holds the lock. Rejected lines are appended with the reason, never deleted.
        Returns how many lines moved.
        """
        if not self.trials_path.exists():
            return 0
        kept: list[str] = []
        rejected: list[str] = []
        seen: set[tuple[str, str, int]] = set()
        with self.trials_path.open(encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    record = TrialRecord.model_validate_json(line)
                    why = "repeats an earlier trial" if record.key in seen else (keep(record) if keep else None)
                except ValidationError as e:
                    record, why = None, f"not a trial record ({e.errors()[0]['msg']})"
                if why is None and record is not None:
                    seen.add(record.key)
                    kept.append(line if line.endswith("\n") else line + "\n")
                else:
                    rejected.append(json.dumps({"line": number, "reason": why, "text": line.rstrip("\n")}) + "\n")
        if not rejected:
            return 0
        try:
            with (self.folder / REJECTED).open("a", encoding="utf-8") as f:
                f.writelines(rejected)
                f.flush()
                os.fsync(f.fileno())
            tmp = self.trials_path.with_suffix(f".jsonl.{os.getpid()}.tmp")
            with tmp.open("w", encoding="utf-8") as f:
                f.writelines(kept)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.trials_path)  # atomic: the old file or the new one, never half
        except OSError as e:
            raise StoreWriteError(f"cannot repair {self.trials_path}: {describe_os_error(e)}") from None
        return len(rejected)

    def prepare_append(self) -> None:
        self._repair_tail(self.trials_path)
        self._repair_tail(self.infra_path)
        self._repair_tail(self.queues_path)

    def _append(self, path: Path, line: str) -> None:
        """Write one whole line and fsync it; on failure, leave the file as it was and refuse more.

        After a failed write nothing more is appended: trials still finishing would otherwise land
        after a torn fragment, leaving a corrupt line in the middle that no resume could skip.
        """
        failed = getattr(self, "write_error", None)
        if failed is not None:
            raise failed
        data = (line + "\n").encode("utf-8")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as e:
            self.write_error = StoreWriteError(self._write_failure(path, e))
            raise self.write_error from None
        try:
            start = os.fstat(fd).st_size
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            except OSError as e:
                with contextlib.suppress(OSError):  # if this fails too, the next open's tail repair drops it
                    os.ftruncate(fd, start)  # take back the partial line
                self.write_error = StoreWriteError(self._write_failure(path, e))
                raise self.write_error from None
        finally:
            os.close(fd)

    def _write_failure(self, path: Path, e: OSError) -> str:
        return (
            f"cannot write {path}: {describe_os_error(e)}. The run stopped; every trial recorded before "
            "this is safe. Free space (or fix the folder's permissions) and rerun the same command to resume."
        )

    def append(self, record: TrialRecord) -> None:
        self._append(self.trials_path, scrub(record.model_dump_json()))

    def append_queue(self, record: QueueRecord) -> None:
        self._append(self.queues_path, scrub(record.model_dump_json()))

    def append_infra(self, failure: InfraFailure) -> None:
        self._append(self.infra_path, scrub(failure.model_dump_json()))


def _manifest_problem(manifest: Any) -> str | None:
    if not isinstance(manifest, dict):
        return f"a JSON {type(manifest).__name__}, not an object"
    for key in ("config", "config_hash", "task_ids"):
        if key not in manifest:
            return f"no {key!r}"
    if not isinstance(manifest["config"], dict) or not isinstance(manifest["task_ids"], list):
        return "'config' must be an object and 'task_ids' a list"
    return None


def _read_owner(fd: int) -> str:
    try:
        owner = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {owner['pid']} on {owner['host']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "owner unknown"


def _merged_transports(existing: dict[str, Any], new: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each model's transports, earlier ones first. A manifest written before transports were
    recorded names one in its configuration (``litellm`` was the default then)."""
    before = existing.get("transports")
    if not isinstance(before, dict):
        legacy = existing.get("config", {}).get("transport")
        before = {m: [legacy] for m in new} if legacy in ("litellm", "openai-http") else {}
    merged = {m: list(ts) for m, ts in before.items()}
    for model, used in new.items():
        merged[model] = merged.get(model, []) + [t for t in used if t not in merged.get(model, [])]
    return merged
