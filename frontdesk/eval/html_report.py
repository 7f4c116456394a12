"""``report.html``: one self-contained page per run — tables, an inline SVG curve, every transcript.

Nothing is fetched when the page opens (inline CSS, JS and SVG; a Content-Security-Policy forbids
any request). Every piece of model, customer or tool text goes through Jinja2's autoescaping, so a
transcript containing ``<script>`` shows as text; the page's own small script is allowed by hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import time
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from frontdesk.eval.metrics import breakdown, component_failures, scored_reward, succeeded, usage_stats
from frontdesk.eval.record import TrialRecord
from frontdesk.eval.report import HEADLINE_COLUMNS, RunView, fmt, headline_row
from frontdesk.eval.state_diff import label as record_label
from frontdesk.tools import arguments_text
from frontdesk.trajectory import Message

REPORT_NAME = "report.html"
TEMPLATES = Path(__file__).parent / "templates"
MAX_TOOL_TEXT_CHARS = 4000  # per tool result or call's arguments

# Opens the transcript a grid cell links to, and hides passing trials on request.
SCRIPT = """
function openTarget() {
  var el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (el && el.tagName === "DETAILS") { el.open = true; }
}
window.addEventListener("hashchange", openTarget);
openTarget();
document.getElementById("only-failed").addEventListener("change", function (e) {
  document.body.classList.toggle("only-failed", e.target.checked);
});
""".strip()


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


def _state(r: TrialRecord) -> str:
    reward = scored_reward(r)
    return "excluded" if reward is None else "pass" if succeeded(reward) else "fail"


def _grid(view: RunView) -> dict[str, Any]:
    """Task × trial, one coloured cell per trial: pass, fail, user-excluded, infra (pending) or not run."""
    trials = int(view.manifest["config"]["trials"])
    done = {r.key: r for r in view.records}
    infra = {f.key for f in view.infra_failures}
    tallies = view.summary.by_cell
    rows = []
    for task_id in view.manifest["task_ids"]:
        for persona in view.personas:
            row = []
            for i in range(trials):
                r = done.get((task_id, persona, i))
                if r is None:
                    state = "infra" if (task_id, persona, i) in infra else "pending"
                else:
                    state = _state(r)
                row.append({"state": state, "href": "#" + trial_anchor(task_id, persona, i) if r else None})
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


def _pretty(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _cut(text: str) -> str:
    """Long tool text is cut: the page stays readable, and the full text is in trials.jsonl."""
    if len(text) <= MAX_TOOL_TEXT_CHARS:
        return text
    return text[:MAX_TOOL_TEXT_CHARS] + f"\n… cut: {len(text)} characters in all"


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
    }


def _transcript(r: TrialRecord) -> dict[str, Any]:
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
        "anchor": trial_anchor(r.task_id, r.persona, r.trial),
        "task_id": r.task_id,
        "persona": r.persona,
        "trial": r.trial,
        "seed": r.seed,
        "state": _state(r),
        "reward": fmt(r.reward),
        "termination": r.termination.value,
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
                # The diff has its own table below; everything else is shown as stored.
                "detail": _pretty(
                    {k: v for k, v in c.detail.items() if k != "diff"} if c.name == "db_state" else c.detail
                ),
            }
            for c in (verdict.components if verdict else [])
        ],
        "differing_records": (db.detail or {}).get("differing_records", 0) if db else 0,
        "diff": diff,
    }


def _personas(view: RunView) -> dict[str, Any]:
    trials = int(view.manifest["config"]["trials"])
    rows = []
    for name in view.personas:
        s = view.persona_summary(name)
        rows.append([name, fmt(s.rows[0].pass_hat_k), fmt(s.rows[-1].pass_hat_k), str(s.trials_valid),
                     str(s.trials_user_excluded), str(s.trials_pending)])  # fmt: skip
    return {"columns": ["persona", "pass^1", f"pass^{trials}", "scored", "excluded", "pending"], "rows": rows}


def _context(view: RunView) -> dict[str, Any]:
    s = view.summary
    cfg = view.manifest["config"]
    trials = view.trials
    ordered = sorted(view.records, key=lambda r: (r.task_id, r.persona, r.trial))
    failures = trials[trials["scored"] & ~trials["passed"].fillna(True).astype(bool)] if len(trials) else trials
    return {
        "title": f"{cfg['domain']} · agent {cfg['agent']} · user {cfg['user']}",
        "config": cfg,
        "manifest": view.manifest,
        "created": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(view.manifest.get("created_at", 0))),
        "summary": s,
        "headline": {"columns": HEADLINE_COLUMNS, "rows": [headline_row(r) for r in s.rows]},
        "average_reward": fmt(s.average_reward),
        "flip_rate": fmt(s.flip_rate),
        "pending_infra": view.pending_infra,
        "grid": _grid(view),
        "has_trials": len(trials) > 0,
        "components": _table(component_failures(trials)) if len(trials) else None,
        "failed_trials": len(failures),
        "by_error_class": _table(breakdown(trials, "error_class")) if len(trials) else None,
        "by_termination": _table(breakdown(trials, "termination")) if len(trials) else None,
        "by_tag": _table(breakdown(trials, "tags")) if len(trials) else None,
        "by_gold_actions": _table(breakdown(trials, "gold_actions")) if len(trials) else None,
        "personas": _personas(view),
        "usage": _table(usage_stats(trials)) if len(trials) else None,
        "transcripts": [_transcript(r) for r in ordered],
    }


def render_html(view: RunView) -> str:
    import jinja2

    from frontdesk.eval.plots import pass_k_curve

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    return env.get_template("report.html.j2").render(
        **_context(view),
        curve=Markup(pass_k_curve(view.summary.rows)),  # our own SVG: text drawn as paths
        script=Markup(SCRIPT),
        script_hash=script_hash,
    )


def write_html_report(view: RunView, path: Path | None = None) -> Path:
    """Write the report (default: ``report.html`` in the run folder) and return its path."""
    path = path or view.folder / REPORT_NAME
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(view), encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a report
    return path
