"""A domain's difficulty profile: how much work its tasks ask for and how varied their customers are.

``frontdesk tasks --stats`` prints it and each domain's README holds it, so anyone can see whether a
task set is hard and natural, or easy and templated, before spending a model budget on it.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from typing import Any

from pydantic import BaseModel

from frontdesk.envs.domain import Domain
from frontdesk.envs.task import Task

PRESSURE_TAG = "pressure"  # the customer pushes for what the policy does not allow
REFUSAL_TAG = "must-refuse"  # the right answer is (mostly) no
PREFERENCE_TAG = "preference"  # the customer states a need; the agent finds the arguments in the data


def writes(task: Task, write_tools: set[str]) -> int:
    """Gold actions that change the database (the customer's own device actions included)."""
    return sum(a.name in write_tools for a in task.gold_actions)


def interleaved(task: Task) -> bool:
    """A fix that goes back and forth between the backend and the customer's device over ≥ 4 steps:
    both seats act, and the acting seat changes at least twice."""
    seats = [a.requestor for a in task.gold_actions]
    switches = sum(a != b for a, b in zip(seats, seats[1:], strict=False))
    return len(seats) >= 4 and switches >= 2


_DIGITS = re.compile(r"\S*\d\S*")
_CAPITALISED = re.compile(r"\b(?!I\b)[A-Z][\w'-]*")


def reason_template(task: Task) -> str:
    """The reason for contact with its particulars taken out: facts the customer knows, anything with a
    digit (ids, amounts, dates) and capitalised words (names, products, cities). Two tasks with the
    same template differ only in what was filled in."""
    text = task.user_scenario.reason_for_contact
    for value in sorted(task.user_scenario.known_facts.values(), key=len, reverse=True):
        if value.strip():
            text = re.sub(re.escape(value), "<fact>", text, flags=re.IGNORECASE)
    text = _CAPITALISED.sub("<name>", _DIGITS.sub("#", text))
    return " ".join(text.lower().split())


class Profile(BaseModel):
    """The figures for one set of tasks (a domain's split, or all of it)."""

    domain: str
    split: str
    tasks: int
    writes_mean: float
    writes_max: int
    tasks_3_writes: int
    write_tasks: int
    preference_write_tasks: int
    interleaved_tasks: int
    pressure_tasks: int
    refusal_tasks: int
    returning_tasks: int = 0  # tasks that follow another: the customer comes back to what changed
    distinct_reasons: int
    median_reason_words: float
    opening_messages: int
    tags: dict[str, int]
    null_passes: int | None = None  # scripted/null trials that passed, when they were run

    @property
    def distinct_share(self) -> float:
        return self.distinct_reasons / self.tasks if self.tasks else 0.0

    @property
    def null_pass_rate(self) -> float | None:
        return None if self.null_passes is None or not self.tasks else self.null_passes / self.tasks


def profile(domain: Domain, tasks: list[Task], split: str = "all") -> Profile:
    write_tools = domain.write_tool_names()
    counts = [writes(t, write_tools) for t in tasks]
    tags: Counter[str] = Counter(tag for t in tasks for tag in t.tags)
    return Profile(
        domain=domain.name,
        split=split,
        tasks=len(tasks),
        writes_mean=statistics.fmean(counts) if counts else 0.0,
        writes_max=max(counts, default=0),
        tasks_3_writes=sum(c >= 3 for c in counts),
        write_tasks=sum(c > 0 for c in counts),
        preference_write_tasks=sum(c > 0 and PREFERENCE_TAG in t.tags for c, t in zip(counts, tasks, strict=True)),
        interleaved_tasks=sum(interleaved(t) for t in tasks),
        pressure_tasks=tags[PRESSURE_TAG],
        refusal_tasks=tags[REFUSAL_TAG],
        returning_tasks=sum(t.follows is not None for t in tasks),
        distinct_reasons=len({reason_template(t) for t in tasks}),
        median_reason_words=statistics.median(len(t.user_scenario.reason_for_contact.split()) for t in tasks)
        if tasks
        else 0.0,
        opening_messages=sum(t.user_scenario.opening_message is not None for t in tasks),
        tags=dict(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def profiles(domain: Domain) -> list[Profile]:
    """One profile per split the domain has, then one for all its tasks."""
    splits = sorted({t.split for t in domain.tasks})
    rows = [profile(domain, [t for t in domain.tasks if t.split == s], s) for s in splits]
    return [*rows, profile(domain, domain.tasks)] if len(splits) > 1 else [profile(domain, domain.tasks, splits[0])]


def profile_table(rows: list[Profile]) -> str:
    """The profile as a Markdown table: what ``tasks --stats --markdown`` prints and the READMEs hold."""
    header = (
        "| split | tasks | writes / task (mean · max) | ≥ 3 writes | preference-led write tasks | "
        "device ↔ backend ≥ 4 steps | pressure | refusals | returning (follows) | distinct reasons | "
        "median reason words | opening message | scripted/null passes |"
    )
    lines = [header, "|" + "---|" * 13]
    for r in rows:
        null = "not run" if r.null_pass_rate is None else f"{r.null_passes} ({r.null_pass_rate:.0%})"
        lines.append(
            f"| {r.split} | {r.tasks} | {r.writes_mean:.2f} · {r.writes_max} | {r.tasks_3_writes} | "
            f"{r.preference_write_tasks} of {r.write_tasks} | {r.interleaved_tasks} | {r.pressure_tasks} | "
            f"{r.refusal_tasks} | {r.returning_tasks} | {r.distinct_reasons} ({r.distinct_share:.0%}) | {r.median_reason_words:g} | "
            f"{r.opening_messages} ({r.opening_messages / r.tasks if r.tasks else 0:.0%}) | {null} |"
        )
    return "\n".join(lines) + "\n"


def as_rows(rows: list[Profile]) -> list[dict[str, Any]]:
    """The profiles as JSON data (``tasks --stats --json``)."""
    return [r.model_dump() | {"distinct_share": r.distinct_share, "null_pass_rate": r.null_pass_rate} for r in rows]
