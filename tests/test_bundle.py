"""`frontdesk bundle` / `frontdesk verify`: a result anyone can re-derive, and every tampering caught.

The tamperer here is careful: after editing, it recomputes the claimed table and every hash in the
bundle (with frontdesk's own writer), so only replay and accounting can catch it.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from test_cli import frontdesk

from frontdesk.envs import get_domain
from frontdesk.errors import RunFolderError
from frontdesk.eval import RunConfig, TerminationReason, run
from frontdesk.eval.bundle import BUNDLE_INFO, bundle_run, claim_of, table_of, verify_bundle, write_bundle
from frontdesk.eval.config import domain_fingerprint
from frontdesk.eval.record import TrialRecord
from frontdesk.eval.store import MANIFEST, TRIALS

MIXED = "py:scripted_mixes:refuses_well"
TASKS = ["read-order-total", "cancel-pending-order", "update-email", "refuse-cancel-shipped", "product-price"]


@pytest.fixture(scope="module")
def null_run(tmp_path_factory) -> Path:
    """Only talks, except on the refusal, which it handles as the oracle: one task of five passes."""
    folder = tmp_path_factory.mktemp("bundle") / "null"
    run(RunConfig(domain="mock", agent=MIXED, task_ids=TASKS, trials=2), folder)
    return folder


def unpack(path: Path) -> tuple[dict, list[TrialRecord], dict]:
    with tarfile.open(path, "r:gz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar}
    records = [TrialRecord.model_validate_json(line) for line in files[TRIALS].decode().splitlines()]
    return json.loads(files[MANIFEST]), records, json.loads(files[BUNDLE_INFO])["claim"]


def repack(path: Path, manifest: dict, records: list[TrialRecord], claim: dict | None = None) -> None:
    """Write a consistent bundle of edited contents: fresh claim (unless given) and fresh hashes."""
    trials = "".join(r.model_dump_json() + "\n" for r in records).encode()
    write_bundle(path, json.dumps(manifest).encode(), trials, claim or claim_of(table_of(manifest, records)))


@pytest.fixture
def bundle(null_run, tmp_path) -> Path:
    path = tmp_path / "result.tar.gz"
    bundle_run(null_run, path)
    return path


def test_an_untouched_bundle_verifies_and_is_reproducible(null_run, bundle, tmp_path) -> None:
    result = verify_bundle(bundle)
    assert result.ok, result.problems
    assert result.trials == 10 and result.summary.rows[0].pass_hat_k == pytest.approx(0.2)
    again = tmp_path / "again.tar.gz"
    assert bundle_run(null_run, again) == result.content_hash
    assert again.read_bytes() == bundle.read_bytes()  # the same run always packs to the same bytes
    cli = frontdesk("verify", str(bundle))
    assert cli.returncode == 0 and cli.stdout.startswith("verified: 10 trial(s)"), cli.stderr


def test_edited_rewards_are_caught(bundle) -> None:
    manifest, records, _ = unpack(bundle)
    failed = next(r for r in records if r.reward == 0.0)
    forged = failed.verdict.model_copy(
        update={"reward": 1.0, "components": [c.model_copy(update={"passed": True}) for c in failed.verdict.components]}
    )
    records = [r.model_copy(update={"reward": 1.0, "verdict": forged}) if r is failed else r for r in records]
    repack(bundle, manifest, records)
    problems = verify_bundle(bundle).problems
    assert f"trial {failed.task_id} (regular) #{failed.trial}: reward recorded 1.0, re-derived 0.0" in problems[0]
    cli = frontdesk("verify", str(bundle))
    assert cli.returncode == 1 and "reward recorded 1.0, re-derived 0.0" in cli.stderr
    assert len(cli.stderr.strip().splitlines()) == len(problems)  # one line per problem


def test_dropped_failing_trials_are_caught(bundle) -> None:
    manifest, records, _ = unpack(bundle)
    kept = [r for r in records if r.reward == 1.0]  # only the passes: pass^1 would read 1.0
    repack(bundle, manifest, kept)
    problems = verify_bundle(bundle).problems
    missing = [p for p in problems if "is missing" in p]
    assert len(missing) == 8 and "trial read-order-total (regular) #0 is missing" in missing[0]


def test_tasks_dropped_from_the_manifest_are_caught(bundle) -> None:
    manifest, records, _ = unpack(bundle)
    manifest["task_ids"] = ["refuse-cancel-shipped"]  # the one task that passes, manifest and trials agreeing
    repack(bundle, manifest, [r for r in records if r.task_id == "refuse-cancel-shipped"])
    [problem] = verify_bundle(bundle).problems
    assert "task_ids are not the tasks its configuration selects (left out: read-order-total" in problem


def test_missing_trials_are_caught(null_run, bundle, tmp_path) -> None:
    with tarfile.open(bundle, "r:gz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar}
    lines = files[TRIALS].decode().splitlines()
    edited = tmp_path / "edited.tar.gz"
    with tarfile.open(edited, "w:gz") as tar:  # a trial line deleted by hand, hashes left as they were
        for name, data in {**files, TRIALS: ("\n".join(lines[1:]) + "\n").encode()}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    problems = verify_bundle(edited).problems
    assert any("trials.jsonl was changed after bundling" in p for p in problems)
    assert any("is missing" in p for p in problems)
    assert any(p.startswith("pass^2 row claimed") for p in problems)  # the cell lost a trial: out of pass^2
    # and a run that is not finished cannot be bundled at all
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in (MANIFEST, TRIALS):
        (partial / name).write_text((null_run / name).read_text())
    (partial / TRIALS).write_text("".join((null_run / TRIALS).read_text().splitlines(keepends=True)[1:]))
    with pytest.raises(RunFolderError, match="1 unfinished trial"):
        bundle_run(partial, tmp_path / "partial.tar.gz")


def test_trials_from_another_domain_version_are_caught(tmp_path, monkeypatch) -> None:
    mock = get_domain("mock")
    changed = [
        t.model_copy(update={"required_outputs": ["$1.00"]}) if t.id == "read-order-total" else t for t in mock.tasks
    ]
    with monkeypatch.context() as patch:
        patch.setitem(mock.__dict__, "tasks", changed)
        old_fingerprint = domain_fingerprint(mock)
        run(RunConfig(domain="mock", task_ids=["read-order-total", "update-email"]), tmp_path / "old")
        bundle_run(tmp_path / "old", tmp_path / "old.tar.gz")
    # Honest about it: the manifest names the old version.
    [problem] = verify_bundle(tmp_path / "old.tar.gz").problems
    assert "made on another version of domain 'mock'" in problem and old_fingerprint[:12] in problem
    # Passed off as the current version (fingerprint and config hash rewritten): replay catches it.
    manifest, records, _ = unpack(tmp_path / "old.tar.gz")
    manifest["domain_fingerprint"] = domain_fingerprint(mock)
    manifest["config_hash"] = RunConfig.model_validate(manifest["config"]).config_hash(manifest["domain_fingerprint"])
    repack(tmp_path / "old.tar.gz", manifest, records)
    problems = verify_bundle(tmp_path / "old.tar.gz").problems
    assert (
        problems[0]
        == "trial read-order-total (regular) #0: reward recorded 1.0, re-derived 0.0 (failing: required_outputs)"
    )
    assert problems[1].startswith("pass^1 row claimed 1.000 over 2 task(s)") and len(problems) == 2


def test_trials_of_another_run_are_caught(null_run, bundle, tmp_path) -> None:
    run(RunConfig(domain="mock", agent=MIXED, task_ids=TASKS, trials=2, seed=5), tmp_path / "other")
    manifest, records, _ = unpack(bundle)
    other = {
        r.key: r
        for r in (TrialRecord.model_validate_json(x) for x in (tmp_path / "other" / TRIALS).read_text().splitlines())
    }
    records = [other[r.key] if r.task_id == "update-email" else r for r in records]
    repack(bundle, manifest, records)
    problems = verify_bundle(bundle).problems
    assert problems == [
        f"trial update-email (regular) #{i}: its seed is not this run's (a trial of another run)" for i in (0, 1)
    ]


def test_a_doctored_table_and_a_doctored_ending_are_caught(bundle) -> None:
    manifest, records, claim = unpack(bundle)
    claim["rows"][0]["pass_hat_k"] = 0.9
    repack(bundle, manifest, records, claim)
    assert verify_bundle(bundle).problems == [
        f"pass^1 row claimed 0.900 over 5 task(s) (CI {claim['rows'][0]['pass_hat_k_ci']}, pass@k {claim['rows'][0]['pass_at_k']}), "
        f"re-derived 0.200 over 5 task(s) (CI {claim['rows'][0]['pass_hat_k_ci']}, pass@k {claim['rows'][0]['pass_at_k']})"
    ]
    manifest, records, _ = unpack(bundle)
    records = [
        r.model_copy(update={"termination": TerminationReason.MAX_TURNS}) if r.key == records[0].key else r
        for r in records
    ]
    repack(bundle, manifest, records)
    problems = verify_bundle(bundle).problems
    assert any("ends as max_turns, but has" in p for p in problems)


def test_what_is_not_a_bundle_is_said_in_one_line(tmp_path, bundle) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    [problem] = verify_bundle(junk).problems
    assert "is not a readable frontdesk bundle" in problem
    with tarfile.open(bundle, "r:gz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar}
    extra = tmp_path / "extra.tar.gz"
    with tarfile.open(extra, "w:gz") as tar:
        for name, data in {**files, "../evil.sh": b"rm -rf /"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    problems = verify_bundle(extra).problems
    assert problems == ["unexpected file '../evil.sh' in the bundle"]
    assert not (tmp_path.parent / "evil.sh").exists()  # nothing is extracted to disk
