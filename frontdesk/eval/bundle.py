"""Verifiable results: a run packed into one file, and a check that re-derives every number in it.

``bundle`` writes a tar.gz with ``frontdesk-bundle.json`` (each file's SHA-256, the content hash
that names the result, and the pass^k table claimed), ``manifest.json`` and ``trials.jsonl``.
The same run always gives the same bytes. ``verify`` trusts none of it: it replays every trial's
tool calls on the installed domain, re-derives each verdict with the checker, rebuilds the pass^k
table from those verdicts, and lists every difference — edited rewards, dropped or missing trials,
trials of another run or another version of the domain, a doctored table or manifest.

What it cannot show: that the conversations came from the agent the manifest names. An edited
transcript is consistent with itself; only the provider's logs or a rerun can speak to that.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from frontdesk.envs import Domain, canonical_json, get_domain
from frontdesk.errors import FrontdeskError, RunFolderError
from frontdesk.eval.checker import Goal, build_goal
from frontdesk.eval.config import RunConfig, domain_fingerprint, trial_seed
from frontdesk.eval.metrics import RunSummary, TrialOutcomeRow, summarize
from frontdesk.eval.orchestrator import ERROR_CLASS, ErrorClass, Limits, TerminationReason
from frontdesk.eval.record import TrialKey, TrialRecord
from frontdesk.eval.regrade import rederive_verdict
from frontdesk.eval.runner import select_tasks
from frontdesk.eval.store import MANIFEST, TRIALS, RunStore
from frontdesk.trajectory import Role, UserSignal

BUNDLE_INFO = "frontdesk-bundle.json"
FORMAT = "frontdesk-bundle"
FORMAT_VERSION = 1
MEMBERS = (BUNDLE_INFO, MANIFEST, TRIALS)
MAX_MEMBER_BYTES = 4 << 30  # a member larger than this is refused, not read into memory
SHOWN_PER_KIND = 20  # problems of one kind listed before the rest are counted in one line


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(file_hashes: dict[str, str]) -> str:
    """The result's name: one hash over the manifest's and the trials' hashes."""
    return sha256(canonical_json({name: file_hashes[name] for name in (MANIFEST, TRIALS)}).encode())


def grid(manifest: dict[str, Any]) -> list[TrialKey]:
    """Every trial the manifest promises: task ids × personas × trial indices."""
    config = manifest["config"]
    personas = [p["name"] for p in config["personas"]]
    return [(t, p, i) for t in manifest["task_ids"] for p in personas for i in range(int(config["trials"]))]


def table_of(manifest: dict[str, Any], records: list[TrialRecord]) -> RunSummary:
    """The pass^k summary of these records under this manifest (the claim, or its re-derivation)."""
    rows = (
        TrialOutcomeRow(task_id=r.task_id, persona=r.persona, trial=r.trial, reward=r.reward,
                        error_class=r.error_class, termination=r.termination.value)
        for r in records
    )  # fmt: skip
    return summarize(
        rows,
        task_ids=list(manifest["task_ids"]),
        trials_per_task=int(manifest["config"]["trials"]),
        personas=[p["name"] for p in manifest["config"]["personas"]],
    )


def claim_of(summary: RunSummary) -> dict[str, Any]:
    """What a bundle claims: the pass^k rows and how many trials were scored."""
    return {"rows": [row.model_dump(mode="json") for row in summary.rows], "trials_valid": summary.trials_valid}


def _frontdesk_version() -> str | None:
    try:
        return version("frontdesk")
    except PackageNotFoundError:
        return None


def write_bundle(path: Path, manifest: bytes, trials: bytes, claim: dict[str, Any]) -> str:
    """Write the archive from its parts; returns the content hash. Deterministic bytes: fixed times, owners, order."""
    hashes = {MANIFEST: sha256(manifest), TRIALS: sha256(trials)}
    info = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "files": hashes,
        "content_hash": content_hash(hashes),
        "claim": claim,
        "frontdesk_version": _frontdesk_version(),
    }
    files = {
        BUNDLE_INFO: (json.dumps(info, indent=2, sort_keys=True) + "\n").encode(),
        MANIFEST: manifest,
        TRIALS: trials,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz,  # no name, no time: same bytes
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name in MEMBERS:
            member = tarfile.TarInfo(name)
            member.size, member.mode, member.mtime = len(files[name]), 0o644, 0
            tar.addfile(member, io.BytesIO(files[name]))
    return info["content_hash"]


def bundle_run(folder: Path | str, out: Path | str) -> str:
    """Pack a finished run folder into ``out`` (tar.gz); returns the content hash.

    A run with trials still pending is refused: its bundle could not verify (they would be missing).
    """
    store = RunStore(Path(folder))
    manifest = store.read_manifest()
    records = store.records()
    done = {r.key for r in records}
    pending = [key for key in grid(manifest) if key not in done]
    if pending:
        raise RunFolderError(
            f"{folder} has {len(pending)} unfinished trial(s) (e.g. {pending[0][0]} #{pending[0][2]}); "
            "resume the run to finish them before bundling"
        )
    in_grid = set(grid(manifest))
    records = sorted((r for r in records if r.key in in_grid), key=lambda r: r.key)
    trials = "".join(r.model_dump_json() + "\n" for r in records).encode()
    manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    return write_bundle(Path(out), manifest_bytes, trials, claim_of(table_of(manifest, records)))


# --- verify ---------------------------------------------------------------------------------------


@dataclass
class Verification:
    path: Path
    problems: list[str] = field(default_factory=list)
    trials: int = 0
    content_hash: str | None = None
    summary: RunSummary | None = None  # the re-derived pass^k table

    @property
    def ok(self) -> bool:
        return not self.problems


class _Problems:
    """Problems in order, each kind capped so a wholesale edit gives a readable list, not thousands of lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.counts: dict[str, int] = {}

    def add(self, kind: str, line: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.counts[kind] <= SHOWN_PER_KIND:
            self.lines.append(line)

    def finish(self) -> list[str]:
        more = [
            f"… and {n - SHOWN_PER_KIND} more {kind} problem(s)"
            for kind, n in self.counts.items()
            if n > SHOWN_PER_KIND
        ]
        return self.lines + more


def _read_members(path: Path, problems: _Problems) -> dict[str, bytes] | None:
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                if member.name not in MEMBERS:
                    problems.add("bundle", f"unexpected file {member.name!r} in the bundle")
                    continue
                if not member.isfile() or member.size > MAX_MEMBER_BYTES or member.name in files:
                    problems.add("bundle", f"{member.name!r} in the bundle is not a single regular file of sane size")
                    continue
                extracted = tar.extractfile(member)  # read into memory: nothing from the archive touches the disk
                files[member.name] = extracted.read() if extracted else b""
    except (OSError, tarfile.TarError, EOFError) as e:
        problems.add("bundle", f"{path} is not a readable frontdesk bundle (tar.gz): {e}")
        return None
    for name in MEMBERS:
        if name not in files:
            problems.add("bundle", f"the bundle has no {name}")
    return files if all(name in files for name in MEMBERS) else None


def termination_problem(record: TrialRecord, limits: Limits, transfer_tool: str | None) -> str | None:
    """Does the trajectory end the way its termination says? (None: it does, or there is nothing to check.)"""
    spoken = [m for m in record.messages if m.role is not Role.TOOL]
    last = spoken[-1] if spoken else None
    ending = record.termination
    signals = {TerminationReason.USER_STOP: UserSignal.STOP, TerminationReason.OUT_OF_SCOPE: UserSignal.OUT_OF_SCOPE}
    if ending in signals:
        if last is None or last.role is not Role.USER or last.signal is not signals[ending]:
            return f"ends as {ending.value}, but its last message is not the customer's {signals[ending].value} signal"
    elif ending is TerminationReason.TRANSFER:
        by_user = last is not None and last.role is Role.USER and last.signal is UserSignal.TRANSFER
        results = [m.tool_result for m in record.messages if m.role is Role.TOOL and m.requestor != "user"]
        by_agent = bool(results) and results[-1] is not None and results[-1].ok and results[-1].name == transfer_tool
        if not (by_user or by_agent):
            return "ends as transfer, but neither the customer asked for one nor the agent's last tool call transferred"
    elif ending is TerminationReason.MAX_TURNS and len(spoken) < limits.max_turns:
        return f"ends as max_turns, but has {len(spoken)} messages (the limit is {limits.max_turns})"
    elif ending is TerminationReason.MAX_TOOL_ERRORS:
        failed = sum(
            1
            for m in record.messages
            if m.role is Role.TOOL and m.requestor != "user" and m.tool_result and not m.tool_result.ok
        )
        if failed < limits.max_tool_errors:
            return f"ends as max_tool_errors, but has {failed} failed agent tool calls (the limit is {limits.max_tool_errors})"
    return None


def _label(key: TrialKey) -> str:
    return f"trial {key[0]} ({key[1]}) #{key[2]}"


def _verdict_difference(recorded: TrialRecord, rederived: Any) -> str | None:
    if rederived is None:
        return (
            None
            if recorded.verdict is None and recorded.reward is None
            else "recorded a verdict for a user-error trial"
        )
    if recorded.reward != rederived.reward:
        failing = ", ".join(rederived.failed) or "none"
        return f"reward recorded {recorded.reward}, re-derived {rederived.reward} (failing: {failing})"
    if recorded.verdict is None:
        return "has no verdict"
    old = {c.name: c for c in recorded.verdict.components}
    for c in rederived.components:
        if c.name not in old:
            return f"verdict lacks component {c.name}"
        if old[c.name].model_dump(mode="json") != c.model_dump(mode="json"):
            return f"verdict component {c.name} recorded {old[c.name].passed}, re-derived {c.passed} (or its detail differs)"
    extra = set(old) - {c.name for c in rederived.components}
    if extra:
        return f"verdict has components the checker does not give: {', '.join(sorted(extra))}"
    if recorded.verdict.reward != rederived.reward:
        return f"verdict reward recorded {recorded.verdict.reward}, re-derived {rederived.reward}"
    return None


def _check_trials(
    domain: Domain, manifest: dict[str, Any], config: RunConfig, lines: list[str], problems: _Problems
) -> list[TrialRecord]:
    """Read, account for and replay every trial; return the records with their re-derived rewards."""
    expected = grid(manifest)
    in_grid = set(expected)
    seen: dict[TrialKey, TrialRecord] = {}
    for number, line in enumerate(lines, start=1):
        try:
            record = TrialRecord.model_validate_json(line)
        except ValidationError as e:
            problems.add("unreadable", f"{TRIALS} line {number}: not a trial record ({e.errors()[0]['msg']})")
            continue
        if record.key in seen:
            problems.add("duplicate", f"{_label(record.key)} appears more than once")
        elif record.key not in in_grid:
            problems.add("foreign", f"{_label(record.key)} is not a trial of the manifest's grid")
        else:
            seen[record.key] = record
    for key in expected:
        if key not in seen:
            problems.add(
                "missing", f"{_label(key)} is missing (the manifest's tasks × personas × trials must all be present)"
            )

    tasks = {t.id: t for t in domain.tasks}
    goals: dict[str, Goal] = {}
    rederived = []
    for key in expected:
        record = seen.get(key)
        if record is None:
            continue
        where = _label(key)
        if record.seed != trial_seed(config.seed, record.task_id, record.trial, record.persona):
            problems.add("seed", f"{where}: its seed is not this run's (a trial of another run)")
        if ERROR_CLASS.get(record.termination) is ErrorClass.INFRA:
            problems.add("ending", f"{where}: an infra failure ({record.termination.value}) recorded as a result")
            continue
        if record.error_class != ERROR_CLASS.get(record.termination):
            problems.add(
                "ending", f"{where}: error class {record.error_class} does not belong to {record.termination.value}"
            )
        if (why := termination_problem(record, config.limits, domain.transfer_tool)) is not None:
            problems.add("ending", f"{where}: {why}")
        task = tasks[record.task_id]
        if task.id not in goals:
            goals[task.id] = build_goal(domain, task)
        try:
            verdict, mismatches = rederive_verdict(domain, task, goals[task.id], record)
        except FrontdeskError as e:
            problems.add("verdict", f"{where}: cannot re-derive its verdict ({e})")
            continue
        for m in mismatches:
            problems.add("replay", f"{where}: tool result does not replay: {m.describe()}")
        if (why := _verdict_difference(record, verdict)) is not None:
            problems.add("verdict", f"{where}: {why}")
        rederived.append(record.model_copy(update={"reward": verdict.reward if verdict else None, "verdict": verdict}))
    return rederived


def verify_bundle(path: Path | str) -> Verification:
    """Check a bundle end to end against the installed domain; ``problems`` lists every difference."""
    path = Path(path)
    result = Verification(path=path)
    problems = _Problems()
    files = _read_members(path, problems)
    if files is None:
        result.problems = problems.finish()
        return result
    try:
        info = json.loads(files[BUNDLE_INFO])
        manifest = json.loads(files[MANIFEST])
        if info.get("format") != FORMAT or info.get("version") != FORMAT_VERSION:
            raise ValueError(f"format {info.get('format')!r} version {info.get('version')!r}")
        recorded_hashes = dict(info["files"])
        claim = info["claim"]
        config = RunConfig.model_validate(manifest["config"])
        task_ids = list(manifest["task_ids"])
    except (ValueError, KeyError, TypeError, ValidationError) as e:
        problems.add("bundle", f"the bundle's {BUNDLE_INFO} or {MANIFEST} is not what frontdesk writes ({e})")
        result.problems = problems.finish()
        return result
    hashes = {MANIFEST: sha256(files[MANIFEST]), TRIALS: sha256(files[TRIALS])}
    for name, digest in hashes.items():
        if recorded_hashes.get(name) != digest:
            problems.add("hash", f"{name} was changed after bundling (its SHA-256 is not the one in {BUNDLE_INFO})")
    result.content_hash = content_hash(hashes)
    if info.get("content_hash") != result.content_hash:
        problems.add("hash", f"the content hash in {BUNDLE_INFO} is not the hash of the bundled files")

    try:
        domain = get_domain(config.domain)
    except FrontdeskError as e:
        problems.add("domain", f"cannot verify: {e}")
        result.problems = problems.finish()
        return result
    installed = domain_fingerprint(domain)
    if manifest.get("domain_fingerprint") != installed:
        problems.add(
            "domain",
            f"the trials were made on another version of domain {domain.name!r} (manifest fingerprint "
            f"{str(manifest.get('domain_fingerprint'))[:12]}…, installed {installed[:12]}…): install that version to verify",
        )
        result.problems = problems.finish()
        return result
    if manifest.get("config_hash") != config.config_hash(installed):
        problems.add(
            "manifest", "the manifest's config_hash is not the hash of its configuration (the manifest was edited)"
        )
    unknown = [t for t in task_ids if t not in {task.id for task in domain.tasks}]
    if unknown:
        problems.add("manifest", f"the manifest names tasks the domain does not have: {', '.join(unknown[:5])}")
        result.problems = problems.finish()
        return result
    try:
        selected = [t.id for t in select_tasks(domain, config)]
    except FrontdeskError as e:
        selected = None
        problems.add("manifest", f"the manifest's configuration selects no valid tasks ({e})")
    if selected is not None and selected != task_ids:
        left_out = [t for t in selected if t not in task_ids]
        added = [t for t in task_ids if t not in selected]
        problems.add(
            "manifest",
            "the manifest's task_ids are not the tasks its configuration selects "
            f"(left out: {', '.join(left_out[:5]) or 'none'}; not selected: {', '.join(added[:5]) or 'none'})",
        )

    lines = [line for line in files[TRIALS].decode("utf-8", errors="replace").splitlines() if line.strip()]
    rederived = _check_trials(domain, manifest, config, lines, problems)
    result.trials = len(rederived)
    summary = table_of(manifest, rederived)
    result.summary = summary
    derived_rows = claim_of(summary)["rows"]
    claimed_rows = claim.get("rows", []) if isinstance(claim, dict) else []
    for i in range(max(len(derived_rows), len(claimed_rows))):
        derived = derived_rows[i] if i < len(derived_rows) else None
        claimed = claimed_rows[i] if i < len(claimed_rows) else None
        if derived != claimed:
            k = (derived or claimed or {}).get("k", i + 1)
            problems.add("table", f"pass^{k} row claimed {_row(claimed)}, re-derived {_row(derived)}")
    result.problems = problems.finish()
    return result


def _row(row: dict[str, Any] | None) -> str:
    if row is None:
        return "nothing"
    value = row.get("pass_hat_k")
    shown = "—" if value is None else f"{value:.3f}"
    return f"{shown} over {row.get('tasks')} task(s) (CI {row.get('pass_hat_k_ci')}, pass@k {row.get('pass_at_k')})"
