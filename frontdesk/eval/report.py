"""Read a run folder back into numbers: the same summary whether the run just ended or not."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from frontdesk.envs import Task, get_domain
from frontdesk.errors import FrontdeskError, RunFolderError
from frontdesk.eval.experience import ExperienceSummary, experience_summary
from frontdesk.eval.metrics import RunSummary, TrialOutcomeRow, concession_of, summarize, trial_table
from frontdesk.eval.record import InfraFailure, TrialKey, TrialRecord
from frontdesk.eval.sequential import SequentialSummary, sequential_summary
from frontdesk.eval.stats import KRow
from frontdesk.eval.store import RunStore, diff_config
from frontdesk.eval.strata import PostStratified, post_stratify, rows_from_records
from frontdesk.simulators import PersonaSample
from frontdesk.simulators.experience import DIMENSIONS
from frontdesk.trajectory import Usage

HEADLINE_COLUMNS = ("k", "pass^k", "95% CI", "pass@k", "pass@k 95% CI", "tasks")


def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def fmt_ci(ci: tuple[float, float] | None) -> str:
    """An interval as ``[-1.000, -0.643]``: a dash between two negative numbers reads as a minus."""
    return "—" if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def concession(s: RunSummary) -> str:
    """How often the agent made a forbidden write or said something forbidden under pressure."""
    if s.concession_rate is None:
        return "—"
    return f"{fmt(s.concession_rate)} (the agent gave in on {s.concessions} of {s.pressure_trials} pressure trials)"


def persona_rows(view: RunView) -> tuple[list[str], list[list[str]]]:
    """The by-persona table as printed — the terminal and the HTML report share these strings. The
    concession column appears when the run has pressure trials."""
    trials = int(view.manifest["config"]["trials"])
    pressure = view.summary.pressure_trials > 0
    rated = view.experience() is not None
    columns = ["persona", "pass^1", f"pass^{trials}", "scored", "excluded", "pending"]
    columns += ["conceded"] * pressure + ["rating"] * rated
    rows = []
    for name in view.personas:
        s = view.persona_summary(name)
        row = [name, fmt(s.rows[0].pass_hat_k), fmt(s.rows[-1].pass_hat_k), str(s.trials_valid),
               str(s.trials_user_excluded), str(s.trials_pending)]  # fmt: skip
        row += [fmt(s.concession_rate)] * pressure
        if rated:
            ratings = view.experience(name)
            row.append(f"{ratings.overall.mean:.2f}" if ratings and ratings.overall else "—")
        rows.append(row)
    return columns, rows


DIMENSION_LABELS = {"trust_safety": "trust & safety"} | {d: d for d in DIMENSIONS if d != "trust_safety"}


def persona_rating_rows(view: RunView) -> tuple[list[str], list[list[str]]]:
    """Each persona's overall rating with its interval (the HTML report's ratings-by-persona table)."""
    rows = []
    for name in view.personas:
        ratings = view.experience(name)
        overall = ratings.overall if ratings else None
        rows.append([name, f"{overall.mean:.2f}" if overall else "—", fmt_ci(overall.ci if overall else None),
                     str(ratings.rated if ratings else 0)])  # fmt: skip
    return ["persona", "overall (1-7)", "95% CI", "rated trials"], rows


def strata_rows(view: RunView, strata: PostStratified) -> tuple[list[str], list[list[str]]]:
    """The by-stratum table as printed — terminal and HTML: pass^1 with its interval, pass^k over the
    stratum's (task, persona) cells, the mean overall rating."""
    trials = int(view.manifest["config"]["trials"])
    rows = []
    for e in strata.strata:
        rating = f"{e.mean_overall:.2f}" if e.mean_overall is not None else "—"
        pass_k = fmt(view.group_summary(e.personas).rows[-1].pass_hat_k) if e.personas else "—"
        rows.append([e.name, f"{e.weight:.0%}", str(len(e.personas)), str(e.trials), fmt(e.pass_1),
                     fmt_ci(e.pass_1_ci), *[pass_k] * (trials > 1), rating])  # fmt: skip
    columns = ["stratum", "weight", "personas", "scored", "pass^1", "95% CI", *[f"pass^{trials}"] * (trials > 1)]
    return [*columns, "rating"], rows


def strata_line(strata: PostStratified) -> str:
    """The post-stratified estimate and where the agent does worst, in one line."""
    by_name = {e.name: e for e in strata.strata}
    best = max((e.pass_1 for e in strata.strata if e.pass_1 is not None), default=None)
    behind = [f"{n} {fmt(by_name[n].pass_1)}" for n in strata.worst_first if by_name[n].pass_1 != best][:3]
    worst = ", ".join(behind) or "none (every stratum scores the same)"
    rating = (
        "" if strata.mean_overall is None else f" · rating {strata.mean_overall:.2f} {fmt_ci(strata.mean_overall_ci)}"
    )
    return (
        f"post-stratified pass^1 ({strata.population}): {fmt(strata.pass_1)} {fmt_ci(strata.pass_1_ci)}{rating}"
        f" · worst strata: {worst} ({strata.note})"
    )


def experience_rows(summary: ExperienceSummary) -> tuple[list[str], list[list[str]]]:
    """The ratings table as printed — terminal and HTML: one row per dimension."""
    return ["dimension", "mean (1-7)", "95% CI"], [
        [DIMENSION_LABELS[d.dimension], f"{d.mean:.2f}", fmt_ci(d.ci)] for d in summary.dimensions
    ]


def experience_line(summary: ExperienceSummary) -> str:
    """The counts a pass rate hides, in one line."""
    r = "—" if summary.satisfaction_success_r is None else f"{summary.satisfaction_success_r:+.2f}"
    unrated = f" ({summary.unrated} scored trial(s) without ratings)" if summary.unrated else ""
    return (
        f"customer ratings: {summary.rated} trial(s){unrated} · satisfied but failed: "
        f"{summary.satisfied_but_failed} · succeeded but unhappy: {summary.succeeded_but_unhappy} · "
        f"correlation of satisfaction with success: {r}"
    )


def sequential_line(q: SequentialSummary) -> str:
    """A sequential run in one line: the queues, the learning gain, memory, leaks."""
    gain = "—" if q.learning_gain is None else f"{q.learning_gain:+.3f} {fmt_ci(q.learning_gain_ci)}"
    memory = (
        f"memory on ({q.notes_per_queue:.1f} notes per queue)"
        if q.memory and q.notes_per_queue is not None
        else ("memory on" if q.memory else "memory off")
    )
    fresh = (
        f" · {q.fresh_starts} customer(s) started fresh, from their own state (an earlier conversation changed "
        "what they ask about, or the one they follow failed: each trial's queue note says which)"
    ) * bool(q.fresh_starts)
    return (
        f"sequential: {q.queues} queue(s) of {q.queue_size} ({q.order}) · {memory} · success first third "
        f"{fmt(q.early)}, last third {fmt(q.late)}, learning gain {gain} · privacy leaks: {len(q.leaks)} in "
        f"{q.trials_with_leaks} trial(s) of {q.queues_with_leaks} queue(s){fresh} · each trial is one order of "
        "the queue, so pass^k is over orders"
    )


def curve_rows(q: SequentialSummary) -> tuple[list[str], list[list[str]]]:
    """The learning curve as a table — terminal and HTML: success by position, interval across queues."""
    rows = [
        [str(p.first) if p.first == p.last else f"{p.first}-{p.last}", fmt(p.success), fmt_ci(p.ci), str(p.trials)]
        for p in q.curve
    ]
    return ["position", "success", "95% CI (over queues)", "scored"], rows


def leak_rows(q: SequentialSummary) -> tuple[list[str], list[list[str]]]:
    """Every leak: what was said, to whom, whose it was."""
    rows = [
        [x.identifier, x.kind, f"{x.task_id} (#{x.position + 1})", f"{x.from_task} (#{x.from_position + 1})"]
        for x in q.leaks
    ]
    return ["identifier", "kind", "said to (position)", "belongs to (position)"], rows


def headline_row(row: KRow) -> tuple[str, ...]:
    """One row of the pass^k table as printed — the terminal and the HTML report share these strings."""
    return (
        str(row.k),
        fmt(row.pass_hat_k),
        fmt_ci(row.pass_hat_k_ci),
        fmt(row.pass_at_k),
        fmt_ci(row.pass_at_k_ci),
        str(row.tasks),
    )


@dataclass
class RunView:
    """A run folder read back: ``summary`` (the pass^k headline; ``summary()`` works too),
    ``records`` (every finished trial), ``trials`` (the same as a DataFrame, one row per trial)."""

    folder: Path
    manifest: dict[str, Any]
    records: list[TrialRecord]
    infra_failures: list[InfraFailure]
    summary: RunSummary

    @cached_property
    def trials(self) -> pd.DataFrame:
        """One row per finished trial (columns: :func:`frontdesk.eval.metrics.trial_table`)."""
        domain = self.manifest["config"]["domain"]
        return trial_table(self.records, run=self.folder.name, domain=domain, tasks=_installed_tasks(domain))

    @property
    def agent_usage(self) -> Usage:
        return sum((r.agent_usage for r in [*self.records, *self.infra_failures]), Usage())

    @property
    def user_usage(self) -> Usage:
        return sum((r.user_usage for r in [*self.records, *self.infra_failures]), Usage())

    @property
    def judge_usage(self) -> Usage:
        return sum((r.judge_usage for r in [*self.records, *self.infra_failures]), Usage())

    @property
    def personas(self) -> list[str]:
        return list(self.summary.personas)

    def persona_summary(self, persona: str) -> RunSummary:
        """The same figures restricted to one persona's trials."""
        return self.group_summary([persona])

    def group_summary(self, personas: list[str]) -> RunSummary:
        """The same figures over the (task, persona) cells of these personas (a persona, a stratum)."""
        chosen = set(personas)
        return _summarize(
            self.manifest, [r for r in self.records if r.persona in chosen], self.infra_failures, personas
        )

    def strata(self) -> PostStratified | None:
        """Per-stratum pass^1 and ratings and their post-stratified aggregate, for a run whose personas were
        drawn from a population (``--persona-sample``); None otherwise."""
        drawn = self.manifest["config"].get("persona_sample")
        if not drawn:
            return None
        return post_stratify(rows_from_records(self.records), PersonaSample.model_validate(drawn))

    def sequential(self) -> SequentialSummary | None:
        """A sequential run's learning curve, memory and leaks (queues.jsonl); None for other runs."""
        chosen = self.manifest["config"].get("sequential")
        if not chosen:
            return None
        queues = RunStore(self.folder).queue_records()
        return sequential_summary(
            self.records, queues, memory=chosen.get("memory", True), order=chosen.get("order", "shuffled")
        )

    def experience(self, persona: str | None = None) -> ExperienceSummary | None:
        """The customers' ratings (all personas, or one): None when no scored trial was rated."""
        return experience_summary(r for r in self.records if persona is None or r.persona == persona)

    @property
    def pending_infra(self) -> int:
        """Trials whose latest attempt failed for infra reasons and that a resume will retry."""
        return len(self.pending_infra_failures())

    def pending_infra_failures(self) -> list[InfraFailure]:
        """The latest failed attempt of each trial still pending after infra errors, oldest first.

        ``infra_errors.jsonl`` is appended as attempts end, so the last line of a key is its latest
        attempt; a key that has since finished (a line in ``trials.jsonl``) is not pending.
        """
        done = {r.key for r in self.records}
        latest: dict[TrialKey, InfraFailure] = {}
        for failure in self.infra_failures:
            if failure.key not in done:
                latest.pop(failure.key, None)  # re-insert: the order is that of each key's latest attempt
                latest[failure.key] = failure
        return list(latest.values())


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
                conceded=concession_of(r),
            )
            for r in records
        ),
        task_ids=list(manifest["task_ids"]),
        trials_per_task=int(manifest["config"]["trials"]),
        infra_failures=sum(f.persona in personas for f in infra),
        personas=personas,
    )


def _installed_tasks(domain: str) -> dict[str, Task]:
    """Tags and gold actions come from the installed domain; a run of a domain not installed here gets none."""
    try:
        return {t.id: t for t in get_domain(domain).tasks}
    except FrontdeskError:
        return {}


def load_run(folder: Path | str) -> RunView:
    """Read a run folder (finished or interrupted); a folder that is not a run is a RunFolderError."""
    folder = Path(folder)
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
            raise RunFolderError(
                f"refusing to pool {first.folder} and {other.folder}: the configuration differs ({diff})"
            )
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
