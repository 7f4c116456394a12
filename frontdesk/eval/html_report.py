"""``report.html``: one self-contained page per run — tables, an inline SVG curve, every transcript.

Nothing is fetched when the page opens (inline CSS, JS and SVG; a Content-Security-Policy forbids
any request), so it works from ``file://`` and as an attachment. Tables and each trial's summary
line are HTML, escaped by Jinja2's autoescaping. Transcripts are data: each is JSON, packed with
others into deflate-compressed, base64 chunks embedded in the page, and built into the page only
when its row is opened — the page's own script (allowed by hash) inflates the chunk with the
browser's ``DecompressionStream`` and creates every node with ``textContent``, never as markup,
so a transcript containing ``<script>`` shows as text. A 10,000-trial run stays a page a browser
opens at once (``benchmarks/bench_html_report.py`` measures the write time and size).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from frontdesk.eval.metrics import breakdown, component_failures, scored_reward, succeeded, usage_stats
from frontdesk.eval.record import TrialKey, TrialRecord
from frontdesk.eval.report import (
    HEADLINE_COLUMNS,
    RunView,
    concession,
    curve_rows,
    experience_line,
    experience_rows,
    fmt,
    headline_row,
    leak_rows,
    persona_rating_rows,
    persona_rows,
    sequential_line,
    strata_line,
    strata_rows,
)
from frontdesk.eval.state_diff import label as record_label
from frontdesk.eval.triage import triage_html
from frontdesk.tools import arguments_text
from frontdesk.trajectory import Message

REPORT_NAME = "report.html"
TEMPLATES = Path(__file__).parent / "templates"
MAX_TOOL_TEXT_CHARS = 4000  # per tool result or call's arguments
TOOLTIP_CHARS = 200  # an infra reason in a grid cell's tooltip; the pending table has it whole

# Uncompressed JSON per chunk: opening one transcript inflates its chunk (a few ms); bigger chunks
# compress better (a task's trials sit together and repeat each other), smaller ones open faster.
CHUNK_CHARS = 256_000
# The page's script, in its own file for editing (".j2" so the package ships it; no Jinja inside).
SCRIPT_NAME = "report.js.j2"


def _cell(value: Any) -> str:
    """How a table value is shown: 3 decimals, "—" for nothing, lists joined."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return fmt(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "—"
    return str(value)


def _table(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": [str(c) for c in frame.columns],
        "rows": [[_cell(v) for v in row] for row in frame.astype("object").itertuples(index=False)],
    }


def trial_anchor(task_id: str, persona: str, trial: int) -> str:
    return f"trial-{task_id}-{persona}-{trial}"


def infra_anchor(task_id: str, persona: str, trial: int) -> str:
    return f"infra-{task_id}-{persona}-{trial}"


def _state(r: TrialRecord) -> str:
    reward = scored_reward(r)
    return "excluded" if reward is None else "pass" if succeeded(reward) else "fail"


def _pending_infra(view: RunView) -> list[dict[str, Any]]:
    """Each trial still pending after infra errors, with its latest attempt's reason: a run that only
    ever failed for the provider or the clock must still say why."""
    latest = view.pending_infra_failures()
    pending = {f.key for f in latest}
    attempts = Counter(f.key for f in view.infra_failures if f.key in pending)
    return [
        {
            "anchor": infra_anchor(*f.key),
            "task_id": f.task_id,
            "persona": f.persona,
            "trial": f.trial,
            "attempts": attempts[f.key],
            "termination": f.termination.value,
            "error": f.error or "(no message recorded)",
            "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(f.started_at + f.duration_s)),
        }
        for f in sorted(latest, key=lambda f: f.key)
    ]


def _grid(view: RunView, infra: dict[TrialKey, dict[str, Any]]) -> dict[str, Any]:
    """Task × trial, one coloured cell per trial: pass, fail, user-excluded, infra (pending) or not run."""
    trials = int(view.manifest["config"]["trials"])
    done = {r.key: r for r in view.records}
    tallies = view.summary.by_cell
    rows = []
    for task_id in view.manifest["task_ids"]:
        for persona in view.personas:
            row = []
            for i in range(trials):
                key = (task_id, persona, i)
                r = done.get(key)
                failure = infra.get(key)
                if r is not None:
                    state, href, why = _state(r), "#" + trial_anchor(*key), ""
                elif failure is not None:  # the cell's tooltip says why; its link goes to the full reason
                    reason = f"{failure['termination']}: {failure['error']}"
                    reason = reason if len(reason) <= TOOLTIP_CHARS else reason[: TOOLTIP_CHARS - 1] + "…"
                    state, href, why = "infra", "#" + failure["anchor"], f" ({reason})"
                else:
                    state, href, why = "pending", None, ""
                row.append({"state": state, "href": href, "why": why})
            tally = tallies[(task_id, persona)]
            rows.append(
                {
                    "task_id": task_id,
                    "persona": persona,
                    "cells": row,
                    "score": f"{tally.successes}/{tally.valid}",
                    "flipped": tally.flipped,
                }
            )
    return {"trials": list(range(trials)), "rows": rows}


def _cut(text: str) -> str:
    """Long tool text is cut: the page stays readable, and the full text is in trials.jsonl."""
    if len(text) <= MAX_TOOL_TEXT_CHARS:
        return text
    return text[:MAX_TOOL_TEXT_CHARS] + f"\n… cut: {len(text)} characters in all"


def _draft(draft: Any) -> dict[str, str]:
    """A draft the turn guards rejected, as ``{text, reason}``, whether it is a model or a plain dict."""
    get = draft.get if isinstance(draft, dict) else lambda name: getattr(draft, name, None)
    return {"text": str(get("text") or ""), "reason": str(get("reason") or "")}


def _message(m: Message, start: float) -> dict[str, Any]:
    result = m.tool_result
    return {
        "role": m.role.value,
        "requestor": m.requestor,
        "at": f"+{max(0.0, m.timestamp - start):.1f}s",
        "content": _cut(result.content) if result is not None else m.content,
        "tool_name": result.name if result else None,
        "tool_error": result.error.value if result and result.error else None,
        "calls": [{"name": c.name, "arguments": _cut(arguments_text(c.arguments, pretty=True))} for c in m.tool_calls],
        "signal": m.signal.value if m.signal else None,
        "reasoning": m.reasoning,
        "guard_failures": m.guard_failures,
        # Newer trajectory models carry these; getattr keeps the page working with older ones.
        "rejected_drafts": [_draft(d) for d in getattr(m, "rejected_drafts", None) or []],
        "ended_by": getattr(m, "ended_by", None),
    }


def _transcript(r: TrialRecord) -> dict[str, Any]:
    """Everything a trial's opened row shows, as JSON-ready data (the page's script builds the nodes)."""
    verdict = r.verdict
    db = verdict.component("db_state") if verdict else None
    collateral = verdict.component("no_collateral_damage") if verdict else None
    collateral_labels = set((collateral.detail or {}).get("records", [])) if collateral else set()
    diff = []
    for rec in (db.detail or {}).get("diff", []) if db else []:
        label = record_label((rec["table"], rec["key"]))
        for f in rec["fields"] or [{"path": "", "expected": None, "actual": None}]:
            diff.append(
                {
                    "record": label,
                    "change": rec["change"],
                    "collateral": label in collateral_labels,
                    "path": f["path"],
                    # Always JSON here, so the string "25" and the number 25 look different.
                    "expected": json.dumps(f["expected"], ensure_ascii=False),
                    "actual": json.dumps(f["actual"], ensure_ascii=False),
                }
            )
        if rec.get("more_fields"):
            diff.append({"record": label, "change": rec["change"], "collateral": label in collateral_labels,
                         "path": f"… {rec['more_fields']} more field(s)", "expected": "", "actual": ""})  # fmt: skip
    usage = r.agent_usage + r.user_usage
    return {
        "seed": str(r.seed),  # a 64-bit seed is more than a JavaScript number holds exactly
        "error_class": r.error_class.value if r.error_class else None,
        "error": r.error,
        "duration": f"{r.duration_s:.1f}s",
        "cost": "unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}",
        "tokens": usage.prompt_tokens + usage.completion_tokens,
        "messages": [_message(m, r.started_at) for m in r.messages],
        "components": [
            {
                "name": c.name,
                "passed": c.passed,
                "gating": c.gating,
                # The diff has its own table below; everything else is shown as stored. Left as data:
                # the page indents it when the row opens (json.dumps with indent is Python's slow encoder).
                "detail": {k: v for k, v in c.detail.items() if k != "diff"} if c.name == "db_state" else c.detail,
            }
            for c in (verdict.components if verdict else [])
        ],
        "differing_records": (db.detail or {}).get("differing_records", 0) if db else 0,
        "diff": diff,
    }


def _pack(items: list[str]) -> str:
    """A JSON array of already-serialised items, deflated and base64-encoded (text safe anywhere in HTML)."""
    data = ("[" + ",".join(items) + "]").encode("utf-8", "replace")  # "replace": a lone surrogate cannot be UTF-8
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


def _transcripts(records: list[TrialRecord]) -> tuple[list[dict[str, Any]], list[str]]:
    """The summary line of every trial (in the page as HTML) and the chunks holding their bodies."""
    rows: list[dict[str, Any]] = []
    chunks: list[str] = []
    pending: list[str] = []
    size = 0
    for r in sorted(records, key=lambda r: (r.task_id, r.persona, r.trial)):
        body = json.dumps(_transcript(r), ensure_ascii=False, separators=(",", ":"), default=str)
        rows.append(
            {
                "anchor": trial_anchor(r.task_id, r.persona, r.trial),
                "task_id": r.task_id,
                "persona": r.persona,
                "trial": r.trial,
                "state": _state(r),
                "reward": fmt(r.reward),
                "termination": r.termination.value,
                "chunk": len(chunks),
                "pos": len(pending),
            }
        )
        pending.append(body)
        size += len(body)
        if size >= CHUNK_CHARS:
            chunks.append(_pack(pending))
            pending, size = [], 0
    if pending:
        chunks.append(_pack(pending))
    return rows, chunks


def _personas(view: RunView) -> dict[str, Any]:
    columns, rows = persona_rows(view)
    return {"columns": columns, "rows": rows}


def _strata(view: RunView) -> dict[str, Any] | None:
    strata = view.strata()
    if strata is None:
        return None
    columns, rows = strata_rows(view, strata)
    return {"line": strata_line(strata), "table": {"columns": columns, "rows": rows}}


def _ratings(view: RunView) -> dict[str, Any] | None:
    summary = view.experience()
    if summary is None:
        return None
    columns, rows = experience_rows(summary)
    by_columns, by_rows = persona_rating_rows(view)
    return {
        "line": experience_line(summary),
        "table": {"columns": columns, "rows": rows},
        "by_persona": {"columns": by_columns, "rows": by_rows},
    }


def _sequential(view: RunView) -> dict[str, Any] | None:
    """The learning curve (plot and table) and the leak table of a sequential run."""
    from frontdesk.eval.plots import learning_curve

    summary = view.sequential()
    if summary is None:
        return None
    columns, rows = curve_rows(summary)
    leak_columns, leaks = leak_rows(summary)
    return {
        "line": sequential_line(summary),
        "plot": Markup(learning_curve(summary.curve)),  # our own SVG: text drawn as paths
        "curve": {"columns": columns, "rows": rows},
        "leaks": {"columns": leak_columns, "rows": leaks},
    }


def _context(view: RunView) -> dict[str, Any]:
    from frontdesk.eval.plots import curves_coincide

    s = view.summary
    cfg = view.manifest["config"]
    trials = view.trials
    failures = trials[trials["scored"] & ~trials["passed"].fillna(True).astype(bool)] if len(trials) else trials
    pending_infra = _pending_infra(view)
    transcripts, chunks = _transcripts(view.records)
    return {
        "title": f"{cfg['domain']} · agent {cfg['agent']} · user {cfg['user']}",
        "config": cfg,
        "manifest": view.manifest,
        "created": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(view.manifest.get("created_at", 0))),
        "summary": s,
        "headline": {"columns": HEADLINE_COLUMNS, "rows": [headline_row(r) for r in s.rows]},
        "curves_coincide": curves_coincide(s.rows),
        "average_reward": fmt(s.average_reward),
        "flip_rate": fmt(s.flip_rate),
        "concession": concession(s) if s.pressure_trials else None,
        "ratings": _ratings(view),
        "strata": _strata(view),
        "sequential": _sequential(view),
        "pending_infra": pending_infra,
        "grid": _grid(view, {(p["task_id"], p["persona"], p["trial"]): p for p in pending_infra}),
        "has_trials": len(trials) > 0,
        "components": _table(component_failures(trials)) if len(trials) else None,
        "failed_trials": len(failures),
        "by_error_class": _table(breakdown(trials, "error_class")) if len(trials) else None,
        "by_termination": _table(breakdown(trials, "termination")) if len(trials) else None,
        "by_tag": _table(breakdown(trials, "tags")) if len(trials) else None,
        "by_gold_actions": _table(breakdown(trials, "gold_actions")) if len(trials) else None,
        "personas": _personas(view),
        "usage": _table(usage_stats(trials)) if len(trials) else None,
        "transcripts": transcripts,
        "chunks": chunks,
        # --- failure triage (frontdesk/eval/triage.py): labels beside the verdicts, None if never triaged
        "triage": triage_html(view.folder, view.records),
    }


def render_html(view: RunView) -> str:
    import jinja2

    from frontdesk.eval.plots import pass_k_curve

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    script = (TEMPLATES / SCRIPT_NAME).read_text(encoding="utf-8").strip()
    script_hash = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return env.get_template("report.html.j2").render(
        **_context(view),
        curve=Markup(pass_k_curve(view.summary.rows)),  # our own SVG: text drawn as paths
        script=Markup(script),
        script_hash=script_hash,
    )


def write_html_report(view: RunView, path: Path | None = None) -> Path:
    """Write the report (default: ``report.html`` in the run folder) and return its path."""
    path = path or view.folder / REPORT_NAME
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(view), encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a report
    return path
