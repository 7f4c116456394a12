"""The arena's leaderboard for a terminal (a rich Table) and a browser (one standalone HTML page).

Every value that came from a run (agent names, folder names, task ids) goes into a ``Text`` in the
terminal and through Jinja2's autoescaping in the page: a model named ``<script>`` is text.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from frontdesk.eval.arena import Arena, Standing
from frontdesk.eval.report import fmt
from frontdesk.eval.terminal import plural

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "arena.html.j2"

PREFER_LABEL = {
    "none": "equal rewards are ties",
    "ratings": "equal rewards decided by the customer's overall rating",
    "judge": "equal rewards decided by the preference judge",
}


def rating(s: Standing) -> str:
    """μ ± 2σ, as shown."""
    return f"{s.mu:.1f} ± {2 * s.sigma:.1f}"


def _decided(arena: Arena) -> str:
    d = arena.decided_by
    parts = [f"{d['verdict']} by verdict"]
    if arena.prefer == "ratings":
        parts.append(f"{d['ratings']} by the customer's rating")
    if arena.prefer == "judge":
        judged = f"{d['judge']} by the judge"
        if arena.judge_unusable:
            judged += f" ({arena.judge_unusable} unusable answers counted as ties)"
        parts.append(judged)
    parts.append(f"{d['tie']} ties")
    return " · ".join(parts)


def leaderboard_rows(arena: Arena) -> tuple[list[str], list[list[str]]]:
    """The leaderboard as printed: the terminal and the page share these strings."""
    columns = ["#", "agent", "μ ± 2σ", "μ − 3σ", "wins", "losses", "ties", "matches", "pass^1"]
    rows = [
        [
            str(s.rank),
            s.label,
            rating(s),
            f"{s.ordinal:.1f}",
            str(s.wins),
            str(s.losses),
            str(s.ties),
            str(s.matches),
            fmt(s.pass_hat_1),
        ]
        for s in arena.standings
    ]
    return columns, rows


def proposal_rows(arena: Arena) -> tuple[list[str], list[list[str]]]:
    columns = ["#", "agent A", "agent B", "task", "persona", "P(A wins)", "played", "gain"]
    rows = [
        [str(n), p.a, p.b, p.task_id, p.persona, f"{p.p_a_wins:.2f}", str(p.played), f"{p.gain:.3f}"]
        for n, p in enumerate(arena.proposals, 1)
    ]
    return columns, rows


def notes(arena: Arena) -> list[str]:
    """The lines under the table: what decided the matches, pairs that never met, the judge's spend."""
    total = sum(p.matches for p in arena.pairs)
    lines = [
        f"{plural(total, 'match', 'matches')} over {plural(len(arena.pairs), 'pair')} ({PREFER_LABEL[arena.prefer]}): {_decided(arena)}"
    ]
    lines += [
        f"no paired trials between {p.a} and {p.b}: they share no (task, persona, trial seed); "
        "`--next N --run` plays some"
        for p in arena.pairs
        if p.matches == 0
    ]
    if arena.judge:
        cost = "unknown cost" if arena.judge_cost_usd is None else f"${arena.judge_cost_usd:.4f}"
        lines.append(
            f"preference judge {arena.judge}: calls: {arena.judge_calls}, attempts: {arena.judge_attempts}, {cost}"
        )
    extended = sum(len(s.arena_runs) for s in arena.standings)
    if extended:
        lines.append(f"including {extended} arena run(s) written by `arena --run` beside the runs")
    lines.append("ratings: openskill Plackett-Luce, sorted by the ordinal μ − 3σ; pass^1: each run's own, for context")
    return lines


def arena_table(arena: Arena) -> RenderableType:
    title = Text(f"{arena.domain} · arena of {len(arena.standings)} agents", style="bold")
    table = Table()
    columns, rows = leaderboard_rows(arena)
    for i, column in enumerate(columns):  # a long agent name wraps; it is never cut
        table.add_column(column, justify="left" if i == 1 else "right", overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    parts: list[RenderableType] = [title, table, *(Text(line) for line in notes(arena))]
    if arena.proposals:
        parts.append(Text(f"Next: the {len(arena.proposals)} most informative cells to play", style="bold"))
        proposals = Table()
        columns, rows = proposal_rows(arena)
        for i, column in enumerate(columns):
            proposals.add_column(column, justify="left" if 1 <= i <= 4 else "right", overflow="fold")
        for row in rows:
            proposals.add_row(*(Text(cell) for cell in row))
        parts.append(proposals)
    return Group(*parts)


def _bars(arena: Arena) -> list[dict[str, Any]]:
    """Where each μ ± 2σ sits on one scale shared by all rows, in percent of the bar's width."""
    if not arena.standings:
        return []
    low = min(s.interval[0] for s in arena.standings)
    high = max(s.interval[1] for s in arena.standings)
    span = (high - low) or 1.0
    return [
        {
            "left": round(100 * (s.interval[0] - low) / span, 2),
            "width": round(max(0.5, 100 * (s.interval[1] - s.interval[0]) / span), 2),
            "mu": round(100 * (s.mu - low) / span, 2),
        }
        for s in arena.standings
    ]


def render_arena_html(arena: Arena) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    columns, rows = leaderboard_rows(arena)
    p_columns, p_rows = proposal_rows(arena)
    return env.get_template(TEMPLATE).render(
        arena=arena,
        title=f"{arena.domain} · arena of {len(arena.standings)} agents",
        leaderboard={"columns": columns, "rows": rows},
        bars=_bars(arena),
        notes=notes(arena),
        proposals={"columns": p_columns, "rows": p_rows},
        runs=[(s.label, [s.run, *s.arena_runs]) for s in arena.standings],
    )


def write_arena_html(arena: Arena, path: Path) -> Path:
    """Write the page (whole or not at all) and return its path."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(render_arena_html(arena), encoding="utf-8")
    os.replace(tmp, path)
    return path
