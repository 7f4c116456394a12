"""How far to trust a number, for the terminal: noise floors beside ``report`` and ``compare``, and
how a run's failures were triaged. Every value from a run goes into a ``Text``, never markup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from frontdesk.eval.noise import MDD_LABEL, TrialPlan, noise_verdict, paired_mdd
from frontdesk.eval.stats import INTERVAL_LABEL, pass_hat_k

if TYPE_CHECKING:
    from frontdesk.eval.bundle import Verification
    from frontdesk.eval.compare import Comparison
    from frontdesk.eval.regrade import RegradeReport
    from frontdesk.eval.report import RunView
    from frontdesk.eval.triage import Calibration, TriageCounts


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def noise_lines(view: RunView) -> list[Text]:
    """The MDD per k between two runs of this one's size, and what the intervals are (the flip rate is
    in the summary above)."""
    s = view.summary
    lines = []
    if s.noise is not None and s.noise.rows:
        parts = []
        for row in s.noise.rows:
            shown = _fmt(row.mdd)
            if row.mdd == 0:
                shown += " (no task varied between its trials)"
            elif row.mdd is None and row.cells >= 2:
                shown += f" (needs ≥ {2 * row.k} trials per task)"
            parts.append(f"pass^{row.k} {shown}")
        lines.append(Text(f"noise floor between two runs of this size: {' · '.join(parts)}"))
        lines.append(Text(f"  ({MDD_LABEL}; a smaller difference is not reliably seen)"))
    lines.append(Text(f"intervals: {INTERVAL_LABEL}"))
    return lines


def triage_lines(counts: TriageCounts | None, folder: str) -> list[Text]:
    if counts is None:
        return []

    def kinds(fault: str) -> str:
        inner = [f"{label.split('/')[1]} {n}" for label, n in counts.by_label.items() if label.startswith(fault + "/")]
        return f" ({', '.join(inner)})" if inner else ""

    faults = [f"{fault} {n}{kinds(fault)}" for fault, n in counts.by_fault.items()]
    line = (
        f"triage ({', '.join(counts.judges) or 'no judge'}): {counts.labelled} of {counts.failures} failure(s) labelled"
    )
    if faults:
        line += ": " + "; ".join(faults)
    extra = []
    if counts.unlabelled:
        extra.append(f"{counts.unlabelled} unlabelled (malformed replies)")
    if counts.not_triaged:
        extra.append(f"{counts.not_triaged} not triaged yet (frontdesk triage {folder} --judge MODEL)")
    return [Text(line + (" · " + " · ".join(extra) if extra else ""))]


def report_notes(view: RunView) -> RenderableType:
    """The lines ``frontdesk report`` prints under the run summary."""
    from frontdesk.eval.triage import triage_counts

    return Group(*noise_lines(view), *triage_lines(triage_counts(view.folder, view.records), str(view.folder)))


def comparison_mdds(a: RunView, b: RunView, c: Comparison) -> dict[int, float | None]:
    """Per k of the comparison, the MDD from its per-cell pass^k differences (paired as compare pairs them)."""
    tallies_a, tallies_b = a.summary.by_cell, b.summary.by_cell
    paired = [(tallies_a[key], tallies_b[key]) for key in tallies_a if key in tallies_b]
    scored = [(ta, tb) for ta, tb in paired if ta.valid and tb.valid]
    out = {}
    for row in c.rows:
        k = row.k
        diffs = [
            pass_hat_k(tb.valid, tb.successes, k) - pass_hat_k(ta.valid, ta.successes, k)
            for ta, tb in scored
            if ta.valid >= k and tb.valid >= k
        ]
        out[k] = paired_mdd(diffs)
    return out


def comparison_notes(a: RunView, b: RunView, c: Comparison) -> RenderableType:
    """The lines ``frontdesk compare`` prints under the comparison: each difference beside its noise floor."""
    mdds = comparison_mdds(a, b, c)
    lines = [Text(f"pass^{row.k}: {noise_verdict(row.difference, mdds[row.k])}.") for row in c.rows]
    lines.append(Text(f"  ({MDD_LABEL}, from the per-task differences; intervals: paired {INTERVAL_LABEL})"))
    return Group(*lines)


# --- the new commands' output ----------------------------------------------------------------------


def plan_lines(plan: TrialPlan, domain: str, agent: str | None, pilot_mdd: tuple[int, float] | None) -> list[Text]:
    lines = [
        Text(
            f"To detect a pass^1 difference of {plan.target_mdd:.3f} on {domain} ({plan.cells} task cell(s)), paired by task, "
            f"with {plan.power:.0%} power at α = {plan.alpha:g}: {plan.trials_per_task} trial(s) per task "
            f"({plan.total_trials_per_run:,} trials per run; MDD then {plan.mdd_at_plan:.3f})."
        ),
        Text(f"variance per trial: {plan.variance_per_trial:.4f} — {plan.variance_source}"),
    ]
    if pilot_mdd is not None:
        lines.append(Text(f"the pilot's own size ({pilot_mdd[0]} trial(s) per task) detects {pilot_mdd[1]:.3f}"))
    who = f" --agent {agent}" if agent else ""
    lines.append(Text(f"run: frontdesk run --domain {domain}{who} --trials {plan.trials_per_task}"))
    lines.append(Text("(assumes the difference is similar across tasks; one concentrated on a few tasks needs more)"))
    return lines


def regrade_lines(report: RegradeReport) -> list[Text]:
    r = report
    lines = [
        Text(
            f"Regraded {len(r.trials)} trial(s) of {r.source} into {r.folder}: {len(r.changed)} verdict(s) changed, "
            f"{len(r.diverged)} replay(s) diverged, {len(r.dropped)} dropped."
        )
    ]

    def state(reward: float | None) -> str:
        return "excluded" if reward is None else "pass" if reward >= 1.0 else "fail"

    for t in r.changed:
        why = f" (failing: {', '.join(t.failed)})" if t.failed else ""
        lines.append(
            Text(
                f"  changed  {t.task_id} ({t.persona}) #{t.trial}: {state(t.old_reward)} -> {state(t.new_reward)}{why}"
            )
        )
    for t in r.diverged:
        for m in t.mismatches:
            lines.append(Text(f"  diverged {t.task_id} ({t.persona}) #{t.trial}: {m.describe()}"))
    for (task_id, persona, trial), why in r.dropped:
        lines.append(Text(f"  dropped  {task_id} ({persona}) #{trial}: {why}"))
    if r.diverged:
        lines.append(
            Text(
                "Diverged trials replayed differently on the current domain: their new verdicts are of a conversation that could not happen now."
            )
        )
    return lines


def verification_lines(v: Verification) -> list[Text]:
    if not v.ok:
        return [Text(p) for p in v.problems]
    row = v.summary.rows[0] if v.summary and v.summary.rows else None
    headline = f"; pass^1 {_fmt(row.pass_hat_k)}" if row else ""
    return [
        Text(
            f"verified: {v.trials:,} trial(s) re-derived by replay, pass^k table matches{headline}; content hash {v.content_hash}"
        )
    ]


def calibration_table(c: Calibration) -> RenderableType:
    table = Table(title=f"triage judge {c.judge} on {c.cases} planted cases", title_justify="left")
    for column in ("label", "planted", "predicted", "correct", "precision", "recall"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for scores in (c.by_fault, c.by_label):
        for s in scores:
            table.add_row(
                Text(s.label), str(s.support), str(s.predicted), str(s.correct), _fmt(s.precision), _fmt(s.recall)
            )
        table.add_section()
    lines: list[RenderableType] = [table, Text(f"accuracy {c.accuracy:.3f} · {c.unlabelled} unlabelled")]
    lines.extend(Text(f"  {case_id}: planted {planted}, labelled {got}") for case_id, planted, got in c.mistakes[:20])
    return Group(*lines)
