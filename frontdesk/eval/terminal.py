"""A run and a comparison as rich renderables for the terminal.

Every value that came from a run (model strings, task ids, error text) goes into a ``Text`` or is
escaped: a model named ``openai/x[/]`` is text, not console markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from frontdesk.eval.report import HEADLINE_COLUMNS, fmt, fmt_ci, headline_row

if TYPE_CHECKING:
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
    if s.terminations:
        lines.append(Text("endings: " + ", ".join(f"{k} {v}" for k, v in s.terminations.items())))
    lines.append(Text(f"agent: {_usage(view.agent_usage)} · user: {_usage(view.user_usage)}"))
    if len(view.personas) > 1:
        lines.append(persona_table(view))
    return Group(*lines)


def _usage(u: Any) -> str:
    cost = "cost unknown" if u.cost_usd is None else f"${u.cost_usd:.4f}"
    return f"{plural(u.calls, 'call')}, {u.prompt_tokens}+{u.completion_tokens} tokens, {cost}"


def persona_table(view: RunView) -> Table:
    trials = int(view.manifest["config"]["trials"])
    table = Table(title="by persona", title_justify="left")
    for column in ("persona", "pass^1", f"pass^{trials}", "scored", "excluded", "pending"):
        table.add_column(column, justify="left" if column == "persona" else "right")
    for name in view.personas:
        s = view.persona_summary(name)
        first, last = s.rows[0], s.rows[-1]
        table.add_row(
            Text(name),
            fmt(first.pass_hat_k),
            fmt(last.pass_hat_k),
            str(s.trials_valid),
            str(s.trials_user_excluded),
            str(s.trials_pending),
        )
    return table


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
    return Group(*lines)


__all__ = ["comparison", "persona_table", "plural", "run_summary"]
