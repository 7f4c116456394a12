"""A run and a comparison as rich renderables for the terminal.

Every value that came from a run (model strings, task ids, error text) goes into a ``Text`` or is
escaped: a model named ``openai/x[/]`` is text, not console markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from frontdesk.eval.report import (
    HEADLINE_COLUMNS,
    concession,
    curve_rows,
    experience_line,
    experience_rows,
    fmt,
    fmt_ci,
    headline_row,
    leak_rows,
    persona_rows,
    sequential_line,
    strata_line,
    strata_rows,
)
from frontdesk.trajectory import Usage

if TYPE_CHECKING:
    from frontdesk.envs.profile import Profile
    from frontdesk.eval.compare import Comparison
    from frontdesk.eval.report import RunView


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def run_summary(view: RunView) -> RenderableType:
    s = view.summary
    cfg = view.manifest["config"]
    cells = s.tasks * max(1, len(view.personas))
    shape = f"{plural(s.tasks, 'task')} × {plural(int(cfg['trials']), 'trial')}"
    if len(view.personas) > 1:
        shape = f"{plural(s.tasks, 'task')} × {plural(len(view.personas), 'persona')} ({plural(cells, 'cell')}) × {plural(int(cfg['trials']), 'trial')}"
    title = Text(f"{cfg['domain']} · agent {cfg['agent']} · user {cfg['user']} · {shape}", style="bold")
    table = Table()
    for column in HEADLINE_COLUMNS:
        table.add_column(column, justify="right")
    for row in s.rows:
        table.add_row(*headline_row(row))
    lines: list[RenderableType] = [title, table]
    pending_infra = view.pending_infra_failures()
    pending = f"{s.trials_pending:,} pending"
    if pending_infra:
        pending += f" ({len(pending_infra):,} after infra errors; rerun to retry)"
    lines.append(
        Text(
            f"trials: {s.trials_expected:,} expected · {s.trials_valid:,} scored · "
            f"{s.trials_user_excluded:,} excluded (user error) · {pending}"
        )
    )
    if pending_infra:
        # The latest attempt of a trial still pending: an error a later attempt got past is not news.
        last = pending_infra[-1]
        lines.append(Text(f"last infra error: {last.termination.value}: {last.error}"))
    lines.append(Text(f"average reward: {fmt(s.average_reward)}"))
    if s.flip_rate is not None:
        lines.append(
            Text(
                f"flip rate: {fmt(s.flip_rate)} ({plural(s.flipped_tasks, 'task')} both passed and failed across trials)"
            )
        )
    if s.pressure_trials:
        lines.append(Text(f"concession rate: {concession(s)}"))
    strata = view.strata()
    if strata is not None:
        lines += [Text(strata_line(strata)), titled_table("by stratum", *strata_rows(view, strata))]
    ratings = view.experience()
    if ratings is not None:
        lines += [Text(experience_line(ratings)), titled_table("customer ratings", *experience_rows(ratings))]
    queues = view.sequential()
    if queues is not None:
        lines += [Text(sequential_line(queues)), titled_table("learning curve", *curve_rows(queues))]
        if queues.leaks:
            lines.append(titled_table("privacy leaks", *leak_rows(queues)))
    if s.terminations:
        lines.append(Text("endings: " + ", ".join(f"{k} {v}" for k, v in s.terminations.items())))
    lines.append(Text(" · ".join(f"{seat}: {_usage(u)}" for seat, u in _seat_usage(view))))
    if len(view.personas) > 1:
        lines.append(persona_table(view))
    return Group(*lines)


def _seat_usage(view: RunView) -> list[tuple[str, Usage]]:
    """Each seat's usage (the judge's when it made calls), then the run's total."""
    seats = [("agent", view.agent_usage), ("user", view.user_usage)]
    judge = view.judge_usage
    if judge.calls or judge.attempts:
        seats.append(("judge", judge))
    return [*seats, ("total", sum((u for _, u in seats), Usage()))]


def _usage(u: Usage) -> str:
    # attempts: every HTTP request sent, retries included, so it can be checked against a provider's count
    cost = "cost unknown" if u.cost_usd is None else f"${u.cost_usd:.4f}"
    return f"calls: {u.calls:,}, attempts: {u.attempts:,}, {u.prompt_tokens}+{u.completion_tokens} tokens, {cost}"


def titled_table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    """A table of strings shared with the HTML report: the first column is a name (left), the rest figures."""
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*map(Text, row))  # names come from runs and files: text, never console markup
    return table


def persona_table(view: RunView) -> Table:
    return titled_table("by persona", *persona_rows(view))


def comparison(c: Comparison) -> RenderableType:
    lines: list[RenderableType] = [Text(f"A: {c.run_a}\nB: {c.run_b}\n{plural(c.cells, 'task')} scored in both runs")]
    table = Table()
    for column in ("k", "pass^k A", "pass^k B", "B − A", "95% CI (paired)", "tasks", "distinguishable"):
        table.add_column(column, justify="right")
    for row in c.rows:
        seen = "—" if row.distinguishable is None else "yes" if row.distinguishable else "no"
        table.add_row(
            str(row.k),
            fmt(row.pass_hat_k_a),
            fmt(row.pass_hat_k_b),
            fmt(row.difference),
            fmt_ci(row.ci),
            str(row.tasks),
            seen,
        )
    lines.append(table)
    lines.extend(Text(f"pass^{row.k}: B − A = {fmt(row.difference)}: {row.verdict}.") for row in c.rows)
    if c.changed:
        lines.append(Text(f"tasks whose success rate changed ({len(c.changed)}):"))
        for t in c.changed:
            direction = "better in B" if t.delta > 0 else "worse in B"
            lines.append(Text(f"  {t.task_id} ({t.persona}): {t.a[0]}/{t.a[1]} -> {t.b[0]}/{t.b[1]}  {direction}"))
    else:
        lines.append(Text("no task changed its success rate."))
    q = c.sequential
    if q is not None:

        def seat(memory: bool | None, gain: float | None) -> str:
            if memory is None:
                return "not sequential"
            return f"memory {'on' if memory else 'off'}, learning gain {fmt(gain)}"

        lines.append(
            Text(f"sequential: A {seat(q.memory_a, q.learning_gain_a)} · B {seat(q.memory_b, q.learning_gain_b)}")
        )
        if q.memory_gain is not None:
            lines.append(
                Text(
                    f"gain from memory (pass^1 with − without, paired by task): {q.memory_gain:+.3f} {fmt_ci(q.memory_gain_ci)}"
                )
            )
    return Group(*lines)


__all__ = ["comparison", "persona_table", "plural", "run_summary"]


def profile_table(rows: list[Profile]) -> RenderableType:
    """A domain's difficulty profile (``tasks --stats``): one row per measure, one column per split."""
    table = Table(title=Text(f"{rows[0].domain}: difficulty profile" if rows else "difficulty profile", style="bold"))
    table.add_column("")
    for r in rows:
        table.add_column(r.split, justify="right")

    def share(n: int, r: Profile) -> str:
        return f"{n} ({n / r.tasks if r.tasks else 0:.0%})"

    measures = {
        "tasks": lambda r: str(r.tasks),
        "writes per task (mean · max)": lambda r: f"{r.writes_mean:.2f} · {r.writes_max}",
        "tasks with ≥ 3 writes": lambda r: str(r.tasks_3_writes),
        "preference-led write tasks": lambda r: f"{r.preference_write_tasks} of {r.write_tasks}",
        "device ↔ backend, ≥ 4 steps": lambda r: str(r.interleaved_tasks),
        "pressure tasks": lambda r: str(r.pressure_tasks),
        "refusal tasks": lambda r: str(r.refusal_tasks),
        "returning customers (follows)": lambda r: str(r.returning_tasks),
        "distinct reasons": lambda r: share(r.distinct_reasons, r),
        "median reason words": lambda r: f"{r.median_reason_words:g}",
        "opening message": lambda r: share(r.opening_messages, r),
        "scripted/null passes": lambda r: "not run" if r.null_passes is None else share(r.null_passes, r),
    }
    for name, value in measures.items():
        table.add_row(name, *(value(r) for r in rows))
    return table
