"""Read a run folder back into numbers: the same summary whether the run just ended or not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frontdesk.eval.metrics import RunSummary, TrialOutcomeRow, summarize
from frontdesk.eval.record import InfraFailure, TrialRecord
from frontdesk.errors import RunFolderError
from frontdesk.eval.store import RunStore, diff_config
from frontdesk.trajectory import Usage


@dataclass
class RunView:
    folder: Path
    manifest: dict[str, Any]
    records: list[TrialRecord]
    infra_failures: list[InfraFailure]
    summary: RunSummary

    @property
    def agent_usage(self) -> Usage:
        return sum((r.agent_usage for r in [*self.records, *self.infra_failures]), Usage())

    @property
    def user_usage(self) -> Usage:
        return sum((r.user_usage for r in [*self.records, *self.infra_failures]), Usage())

    @property
    def personas(self) -> list[str]:
        return list(self.summary.personas)

    def persona_summary(self, persona: str) -> RunSummary:
        """The same figures restricted to one persona's trials."""
        return _summarize(self.manifest, [r for r in self.records if r.persona == persona], self.infra_failures, [persona])

    @property
    def pending_infra(self) -> int:
        """Trials whose latest attempt failed for infra reasons and that a resume will retry."""
        done = {r.key for r in self.records}
        return len({f.key for f in self.infra_failures} - done)


def _summarize(
    manifest: dict[str, Any], records: list[TrialRecord], infra: list[InfraFailure], personas: list[str]
) -> RunSummary:
    return summarize(
        (
            TrialOutcomeRow(
                task_id=r.task_id,
                persona=r.persona,
                trial=r.trial,
                reward=r.reward,
                error_class=r.error_class,
                termination=r.termination.value,
            )
            for r in records
        ),
        task_ids=list(manifest["task_ids"]),
        trials_per_task=int(manifest["config"]["trials"]),
        infra_failures=sum(f.persona in personas for f in infra),
        personas=personas,
    )


def load_run(folder: Path) -> RunView:
    store = RunStore(folder)
    manifest = store.read_manifest()
    records = store.records()
    infra = store.infra_failures()
    personas = [p["name"] for p in manifest["config"]["personas"]]
    return RunView(folder, manifest, records, infra, _summarize(manifest, records, infra, personas))


# Fields that may differ between runs pooled into one report: which tasks each covered.
_POOLABLE = {"task_ids", "split", "concurrency"}


def pool_runs(folders: list[Path]) -> RunView:
    """One view over several run folders (e.g. shards of one evaluation over disjoint tasks).

    Refuses, naming the difference, when the simulated customer, the agent or anything else that
    shapes results differs, or when two folders cover the same task: pooled numbers must mean one thing.
    """
    views = [load_run(f) for f in folders]
    if len(views) == 1:
        return views[0]
    first = views[0]
    for other in views[1:]:
        if other.manifest.get("simulator") != first.manifest.get("simulator"):
            diff = "; ".join(diff_config(first.manifest.get("simulator") or {}, other.manifest.get("simulator") or {}))
            raise RunFolderError(
                f"refusing to pool {first.folder} and {other.folder}: the simulated customer differs ({diff})"
            )
        a = {k: v for k, v in first.manifest["config"].items() if k not in _POOLABLE}
        b = {k: v for k, v in other.manifest["config"].items() if k not in _POOLABLE}
        if a != b or first.manifest.get("domain_fingerprint") != other.manifest.get("domain_fingerprint"):
            diff = "; ".join(diff_config(a, b)) or "the domain's tasks, data or policy differ"
            raise RunFolderError(f"refusing to pool {first.folder} and {other.folder}: the configuration differs ({diff})")
    seen: dict[str, Path] = {}
    for view in views:
        for task_id in view.manifest["task_ids"]:
            if task_id in seen:
                raise RunFolderError(
                    f"refusing to pool: task {task_id!r} is in both {seen[task_id]} and {view.folder}; "
                    "pooling would count its trials twice"
                )
            seen[task_id] = view.folder
    manifest = {**first.manifest, "task_ids": list(seen)}
    records = [r for v in views for r in v.records]
    infra = [f for v in views for f in v.infra_failures]
    personas = first.personas
    return RunView(first.folder, manifest, records, infra, _summarize(manifest, records, infra, personas))
