"""Compare two runs of the same tasks: is B's pass^k different from A's, or is it noise?

Trials are paired by cell — (task, persona) — so each task is compared with itself: the
per-task differences of pass^k are bootstrapped (a paired bootstrap over tasks), and a difference
is *distinguishable from noise at 95%* when its interval excludes 0. Runs are only compared on the
same task set with the same simulated customer and judge; ``force`` compares the shared tasks anyway.
"""

from __future__ import annotations

from pydantic import BaseModel, computed_field

from frontdesk.errors import RunFolderError
from frontdesk.eval.report import RunView
from frontdesk.eval.stats import bootstrap_ci, mean, pass_hat_k
from frontdesk.eval.store import diff_config


class KDiff(BaseModel):
    k: int
    tasks: int  # paired cells with at least k scored trials in both runs
    pass_hat_k_a: float | None
    pass_hat_k_b: float | None
    difference: float | None  # B − A
    ci: tuple[float, float] | None  # paired bootstrap over tasks; None below two tasks
    distinguishable: bool | None  # None: too few tasks to tell

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict(self) -> str:
        if self.distinguishable is None:
            return "cannot tell (fewer than two paired tasks)"
        return f"difference is {'' if self.distinguishable else 'not '}distinguishable from noise at 95%"


class ChangedTask(BaseModel):
    task_id: str
    persona: str
    a: tuple[int, int]  # (successes, scored trials)
    b: tuple[int, int]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delta(self) -> float:
        return self.b[0] / self.b[1] - self.a[0] / self.a[1]


class SequentialDiff(BaseModel):
    """Two sequential runs side by side: their learning gains and, when only one had the memory
    tools, the gain from memory (pass^1 with memory − without, paired by task over the same orders)."""

    memory_a: bool | None  # None: that run was not sequential
    memory_b: bool | None
    learning_gain_a: float | None
    learning_gain_b: float | None
    memory_gain: float | None = None
    memory_gain_ci: tuple[float, float] | None = None


class Comparison(BaseModel):
    run_a: str
    run_b: str
    cells: int  # cells scored in both runs
    rows: list[KDiff]
    changed: list[ChangedTask]  # success rate moved between the runs, largest change first
    overridden: list[str] = []  # reasons to refuse that --force set aside
    sequential: SequentialDiff | None = None


SHOWN_IDS = 5  # task ids named per side in a refusal; the rest are counted


def _ids(task_ids: list[str]) -> str:
    """One side's task ids kept to a line (``a, b, c, d, e and 7 more``); ``none`` when there are none."""
    if not task_ids:
        return "none"
    shown = ", ".join(task_ids[:SHOWN_IDS])
    rest = len(task_ids) - SHOWN_IDS
    return f"{shown} and {rest} more" if rest > 0 else shown


def comparability_problems(a: RunView, b: RunView) -> list[str]:
    """Why the two runs' numbers would not mean the same thing (empty: comparable)."""
    problems = []
    ma, mb = a.manifest, b.manifest
    if ma["config"]["domain"] != mb["config"]["domain"]:
        problems.append(f"the domains differ ({ma['config']['domain']} vs {mb['config']['domain']})")
    only_a = sorted(set(ma["task_ids"]) - set(mb["task_ids"]))
    only_b = sorted(set(mb["task_ids"]) - set(ma["task_ids"]))
    if only_a or only_b:
        problems.append(f"the task sets differ (only in A: {_ids(only_a)}; only in B: {_ids(only_b)})")
    elif ma.get("domain_fingerprint") != mb.get("domain_fingerprint"):
        problems.append("the domain's tasks, data or policy changed between the runs")
    if ma.get("simulator") != mb.get("simulator"):
        diff = "; ".join(diff_config(ma.get("simulator") or {}, mb.get("simulator") or {}))
        problems.append(f"the simulated customer differs ({diff})")
    if ma["config"].get("judge") != mb["config"].get("judge"):
        problems.append(f"the judge differs ({ma['config'].get('judge')} vs {mb['config'].get('judge')})")
    return problems


def compare_runs(a: RunView, b: RunView, force: bool = False) -> Comparison:
    """Paired comparison of B against A; a RunFolderError if they are not comparable and not forced."""
    problems = comparability_problems(a, b)
    if problems and not force:
        raise RunFolderError(
            f"refusing to compare {a.folder} and {b.folder}: {'; '.join(problems)}. "
            "Pass --force to compare the tasks they share anyway."
        )
    tallies_a, tallies_b = a.summary.by_cell, b.summary.by_cell
    paired = [(tallies_a[key], tallies_b[key]) for key in tallies_a if key in tallies_b]
    scored = [(ta, tb) for ta, tb in paired if ta.valid and tb.valid]
    if not scored:
        raise RunFolderError(f"{a.folder} and {b.folder} have no task with scored trials in both runs")
    max_k = max(min(ta.valid, tb.valid) for ta, tb in scored)
    rows = []
    for k in range(1, max_k + 1):
        pairs = [
            (pass_hat_k(ta.valid, ta.successes, k), pass_hat_k(tb.valid, tb.successes, k))
            for ta, tb in scored
            if ta.valid >= k and tb.valid >= k
        ]
        differences = [pb - pa for pa, pb in pairs]
        ci = bootstrap_ci(differences, seed=k)
        rows.append(
            KDiff(
                k=k,
                tasks=len(pairs),
                pass_hat_k_a=mean([pa for pa, _ in pairs]),
                pass_hat_k_b=mean([pb for _, pb in pairs]),
                difference=mean(differences),
                ci=ci,
                distinguishable=None if ci is None else (ci[0] > 0 or ci[1] < 0),
            )
        )
    changed = [
        ChangedTask(task_id=ta.task_id, persona=ta.persona, a=(ta.successes, ta.valid), b=(tb.successes, tb.valid))
        for ta, tb in scored
        if ta.successes * tb.valid != tb.successes * ta.valid
    ]
    changed.sort(key=lambda c: (-abs(c.delta), c.task_id, c.persona))
    return Comparison(
        run_a=str(a.folder),
        run_b=str(b.folder),
        cells=len(scored),
        rows=rows,
        changed=changed,
        overridden=problems,
        sequential=_sequential_diff(a, b, rows[0]),
    )


def _sequential_diff(a: RunView, b: RunView, first: KDiff) -> SequentialDiff | None:
    qa, qb = a.sequential(), b.sequential()
    if qa is None and qb is None:
        return None
    diff = SequentialDiff(
        memory_a=qa.memory if qa else None,
        memory_b=qb.memory if qb else None,
        learning_gain_a=qa.learning_gain if qa else None,
        learning_gain_b=qb.learning_gain if qb else None,
    )
    if qa is not None and qb is not None and qa.memory != qb.memory:
        sign = 1.0 if qb.memory else -1.0  # with memory minus without, whichever run had it
        diff.memory_gain = None if first.difference is None else sign * first.difference
        diff.memory_gain_ci = None if first.ci is None else tuple(sorted((sign * first.ci[0], sign * first.ci[1])))
    return diff
