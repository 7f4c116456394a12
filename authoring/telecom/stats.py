"""The telecom domain in figures: the tables in its README, between the figures markers.

``python -m authoring telecom`` rewrites them; tests/test_authoring.py fails when the README's tables are stale.
"""

from __future__ import annotations

from collections import Counter

from authoring.telecom.scenarios.issues import ISSUES
from authoring.telecom.scenarios.pressure import DEMANDS
from frontdesk.envs.domain import Domain
from frontdesk.envs.profile import profile_table
from frontdesk.eval.validate import profiles_with_floor


def _values(tags: list[str], prefix: str) -> list[str]:
    return [t.removeprefix(prefix) for t in tags if t.startswith(prefix)]


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return [*lines, *("| " + " | ".join(str(c) for c in row) + " |" for row in rows)]


def table(domain: Domain) -> str:
    tasks = domain.tasks
    single = [t for t in tasks if "single-issue" in t.tags]
    multi = [t for t in tasks if "multi-issue" in t.tags]
    pressure = [t for t in tasks if "pressure" in t.tags]
    out = [
        f"{len(tasks)} tasks: {len(single)} single-issue, {len(multi)} multi-issue, {len(pressure)} pressure "
        f"({sum(t.split == 'train' for t in tasks)} train, {sum(t.split == 'test' for t in tasks)} test).",
        "",
        "Difficulty profile (`frontdesk tasks --domain telecom --stats`):",
        "",
        profile_table(profiles_with_floor(domain)),
    ]

    symptoms = list(dict.fromkeys(i.symptom for i in ISSUES))
    rows = []
    for symptom in symptoms:
        with_it = [t for t in tasks if symptom in _values(t.tags, "symptom:")]
        rows.append(
            [
                symptom,
                sum(t in single for t in with_it),
                sum(t in multi for t in with_it),
                sum(t in pressure for t in with_it),
                len(with_it),
            ]
        )
    out += ["Tasks by issue type (a multi-issue task counts once under each type it has):", ""]
    out += _table(["issue type", "single-issue", "in multi-issue", "in pressure", "tasks"], rows) + [""]

    rows = []
    for issue in ISSUES:
        with_it = [t for t in tasks if issue.name in _values(t.tags, "issue:")]
        rows.append(
            [
                f"`{issue.name}`",
                issue.symptom,
                sum(t in single for t in with_it),
                sum(t in multi for t in with_it),
                sum(t in pressure for t in with_it),
            ]
        )
    out += ["Tasks by issue:", ""]
    out += _table(["issue", "type", "single-issue", "in multi-issue", "in pressure"], rows) + [""]

    rows = []
    for pushes_for in dict.fromkeys(d.pushes_for for d in DEMANDS):
        with_it = [t for t in pressure if pushes_for in _values(t.tags, "demand:")]
        rows.append(
            [
                pushes_for,
                len(with_it),
                sum("must-refuse" in t.tags for t in with_it),
                sum("transfer" in t.tags for t in with_it),
                sum(bool(_values(t.tags, "issue:")) for t in with_it),
            ]
        )
    out += ["Pressure tasks: what the customer pushes for, and what the gold does instead:", ""]
    out += _table(["the customer pushes for", "tasks", "no write", "transfer", "repairs a fault"], rows) + [""]

    sizes = Counter(len(_values(t.tags, "issue:")) for t in tasks)
    comfort = Counter(c for t in tasks for c in _values(t.tags, "comfort:"))
    scenes = Counter(s for t in tasks for s in _values(t.tags, "scene:"))
    dual = sum("dual-control" in t.tags for t in tasks)
    out += ["Tasks by shape:", ""]
    out += _table(
        ["facet", "counts"],
        [
            ["issues per task", ", ".join(f"{n}: {sizes[n]}" for n in sorted(sizes))],
            ["customer's comfort", ", ".join(f"{c}: {comfort[c]}" for c in ("novice", "average", "expert"))],
            ["where the phone is", ", ".join(f"{s}: {scenes[s]}" for s in ("home", "abroad", "indoors"))],
            ["customer must act on the phone", f"{dual}"],
        ],
    ) + [""]

    rows = []
    for side, tools in (("agent", domain.agent_tools), ("user", domain.user_tools)):
        kinds = Counter(t.kind.value for t in tools)
        for kind in sorted(kinds):
            names = ", ".join(f"`{t.name}`" for t in tools if t.kind.value == kind)
            rows.append([side, kind, kinds[kind], names])
    out += [f"Tools: {len(domain.agent_tools)} agent, {len(domain.user_tools)} user.", ""]
    out += _table(["side", "kind", "count", "tools"], rows)
    return "\n".join(out) + "\n"
