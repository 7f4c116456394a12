"""Read a run folder back into numbers: the same summary whether the run just ended or not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frontdesk.eval.metrics import RunSummary, TrialOutcomeRow, summarize
from frontdesk.eval.record import InfraFailure, TrialRecord
from frontdesk.eval.store import RunStore
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
