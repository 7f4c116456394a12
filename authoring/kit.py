"""What every domain's generators share: the JSON writers, the pipeline from seed DB to tasks to README
figures, seeded choices and ids, gold actions that really run, and the phrases customers use.

Generated files are diffed and hashed, so each writer renders exactly the layout its files have.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from jsonschema import Draft202012Validator

from frontdesk.envs.domain import Domain
from frontdesk.envs.environment import Environment
from frontdesk.envs.task import Task, UserScenario, parse_tasks
from frontdesk.tools import ToolCall, ToolErrorKind, ToolResult

T = TypeVar("T")

# --- the files ---------------------------------------------------------------------------------------


def db_json(data: dict[str, Any], indent: int) -> str:
    """A seed database: keys sorted so the file does not depend on the order records were drawn in."""
    return json.dumps(data, indent=indent, sort_keys=True) + "\n"


def db_json_by_record(data: dict[str, Any]) -> str:
    """A seed database with sorted keys and each record on one line: a large DB stays a few MB and diffs by record."""
    blocks = []
    for name in sorted(data):
        value = data[name]
        if isinstance(value, dict):
            rows = ",\n".join(
                f"    {json.dumps(key)}: {json.dumps(row, sort_keys=True, separators=(',', ':'))}"
                for key, row in sorted(value.items())
            )
            blocks.append(f"  {json.dumps(name)}: {{\n{rows}\n  }}")
        else:
            blocks.append(f"  {json.dumps(name)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def tasks_json(tasks: list[dict[str, Any]], indent: int) -> str:
    """A task file, in the order written; refused unless the shipped schema accepts it."""
    data = {"tasks": tasks}
    parse_tasks(data, "generated tasks")
    return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"


FIGURES_START = "<!-- figures:start -->\n"
FIGURES_END = "<!-- figures:end -->"


def with_figures(readme: str, figures: str) -> str:
    """``readme`` with the text between its figures markers replaced by ``figures``."""
    start = readme.index(FIGURES_START) + len(FIGURES_START)
    return readme[:start] + figures + readme[readme.index(FIGURES_END, start) :]


def drafted(domain: Domain, db_text: str, tasks_text: str | None = None) -> Domain:
    """A copy of ``domain`` that holds the seed DB (and tasks) just generated instead of the committed files,
    so tasks are drafted from the DB this run writes, and figures counted from both."""
    copy = dataclasses.replace(domain)
    # seed_data and tasks are cached properties: assigning stores what their first read would have.
    copy.seed_data = json.loads(db_text)
    if tasks_text is not None:
        copy.tasks = parse_tasks(json.loads(tasks_text), "generated tasks")
    return copy


@dataclass(frozen=True)
class Generator:
    """One domain's generators, run in the order their inputs need: the seed DB, the tasks drafted from it,
    the README figures counted from both."""

    domain: Domain
    db: Callable[[], str]
    tasks: Callable[[Domain], str] | None = None
    figures: Callable[[Domain], str] | None = None

    @property
    def readme(self) -> Path:
        return self.domain.data_dir.parent / "README.md"

    def outputs(self) -> dict[Path, str]:
        """Every file this domain's generators write, with the text they would write."""
        db = self.db()
        files = {self.domain.data_dir / "db.json": db}
        if self.tasks is not None:
            tasks = files[self.domain.data_dir / "tasks.json"] = self.tasks(drafted(self.domain, db))
            if self.figures is not None:
                figures = self.figures(drafted(self.domain, db, tasks))
                files[self.readme] = with_figures(self.readme.read_text(encoding="utf-8"), figures)
        return files


# --- seeded choices and ids ----------------------------------------------------------------------------


class NoCandidate(LookupError):
    """The seed data has nothing left that fits: ask for fewer tasks or widen the candidates."""


class Picker:
    """Seeded choices that never hand out the same candidate twice (by ``key``)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[Hashable] = set()

    def take(self, candidates: Iterable[T], key: Callable[[T], Hashable], label: str = "scenario") -> T:
        fresh = [c for c in candidates if key(c) not in self.used]
        if not fresh:
            raise NoCandidate(f"{label}: no unused candidate fits")
        chosen = self.rng.choice(fresh)
        self.used.add(key(chosen))
        return chosen


class UniqueIds:
    """Random-looking ids never handed out twice, so nobody can guess one record's id from another's."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def draw(self, make: Callable[[random.Random], str]) -> str:
        """``make(rng)`` until it gives an unused value."""
        while (value := make(self.rng)) in self.taken:
            pass
        self.taken.add(value)
        return value

    def number(self, prefix: str, digits: int) -> str:
        """``prefix`` and a ``digits``-digit number."""
        return self.draw(lambda rng: f"{prefix}{rng.randrange(10 ** (digits - 1), 10**digits)}")


# --- gold actions --------------------------------------------------------------------------------------


class GoldActionFailed(AssertionError):
    """A scenario wrote a gold action the tools refuse (or refused for another reason): a bug in the scenario."""


class Gold:
    """A task's gold actions, run one by one on a private copy of the seed DB as they are written.

    Every amount a task asks the agent to say comes from these real tool results, so the task file
    cannot disagree with the tools.
    """

    def __init__(self, domain: Domain, label: str = "gold", initial_state: dict[str, Any] | None = None) -> None:
        # The environment a trial gets, so the actions run exactly as they will when scored; from
        # ``initial_state`` (a patch on the seed) for a returning customer's task (``follows``).
        draft = Task(id="draft", user_scenario=UserScenario(reason_for_contact="(being written)"))
        self.env = Environment(domain, draft, initial_state)
        self.db = self.env.db
        self.label = label
        self.actions: list[dict[str, Any]] = []

    def _call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        return self.env.execute(ToolCall(id=f"gold-{len(self.actions)}", name=name, arguments=arguments))

    def __call__(self, name: str, **arguments: Any) -> Any:
        """Add a gold action; return what the tool answered (parsed when it is a JSON object or array)."""
        result = self._call(name, arguments)
        if not result.ok:
            raise GoldActionFailed(f"{self.label}: {name}({arguments}) failed: {result.content}")
        self.actions.append({"name": name, "arguments": arguments})
        return json.loads(result.content) if result.content[:1] in "[{" else result.content

    def refused(self, because: str, name: str, **arguments: Any) -> None:
        """Check that the tools refuse this call for the reason the task is about; it is not a gold action."""
        result = self._call(name, arguments)
        if result.error is not ToolErrorKind.RULE or because not in result.content:
            raise GoldActionFailed(
                f"{self.label}: {name}({arguments}) was meant to be refused ({because!r}) but gave: {result.content}"
            )


def state_after(domain: Domain, start: dict[str, Any] | None, actions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The state gold ``actions`` leave from ``start``, as a patch on the seed: what a task that
    follows theirs starts from, computed as the domain resolves ``follows`` when its tasks load."""
    task = Task(
        id="earlier",
        user_scenario=UserScenario(reason_for_contact="(drafted earlier)"),
        initial_state=start,
        gold_actions=actions,
    )
    return domain.state_after_gold(task)


# --- task records --------------------------------------------------------------------------------------


def user_scenario(
    reason: str,
    known: dict[str, str],
    instructions: list[str],
    unknown: list[str] | None = None,
    will_not_accept: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "reason_for_contact": reason,
        "known_facts": known,
        "unknown_facts": unknown or [],
        "instructions": instructions,
        "will_not_accept": will_not_accept or [],
    }


def task_record(
    description: str, tags: list[str], scenario: dict[str, Any], gold: Gold, outputs: list[str]
) -> dict[str, Any]:
    """A task without its id and split, in the field order of the task files."""
    return {
        "description": description,
        "tags": tags,
        "user_scenario": scenario,
        "gold_actions": gold.actions,
        "required_outputs": outputs,
    }


# --- how customers say things --------------------------------------------------------------------------


def dollars(amount: float) -> str:
    return f"${amount:.2f}"


def spoken_date(day: str) -> str:
    """'2026-05-20' as a customer says it: 'May 20, 2026'."""
    value = date.fromisoformat(day)
    return f"{value:%B} {value.day}, {value.year}"


def listing(phrases: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


# --- authored texts ------------------------------------------------------------------------------------

TEXTS_SCHEMA = Path(__file__).parent / "texts.schema.json"


def load_texts(folder: Path) -> dict[str, dict[str, Any]]:
    """Every ``*.yaml`` under ``folder``: authored customer texts by task id, checked by texts.schema.json."""
    validator = Draft202012Validator(json.loads(TEXTS_SCHEMA.read_text(encoding="utf-8")))
    texts: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))), None)
        if error is not None:
            where = ".".join(map(str, error.absolute_path)) or "(top level)"
            raise ValueError(f"{path}: {where}: {error.message} (format: {TEXTS_SCHEMA.name})")
        for task_id, text in data.items():
            if task_id in texts:
                raise ValueError(f"{path}: task {task_id!r} has a text in two files")
            texts[task_id] = text
    return texts


def draft_digest(task: dict[str, Any]) -> str:
    """What an authored text must agree with — the customer's facts, the initial state, the gold actions —
    as 8 hex digits. A text records the digest of the draft it was written for, so a generator change
    that re-draws a task stops generation instead of shipping words about another order."""
    scenario = task["user_scenario"]
    substance = [scenario.get("known_facts"), task.get("initial_state"), task.get("gold_actions")]
    return hashlib.sha256(json.dumps(substance, sort_keys=True).encode()).hexdigest()[:8]


def apply_texts(tasks: list[dict[str, Any]], texts: dict[str, dict[str, Any]], folder: Path) -> list[dict[str, Any]]:
    """``tasks`` with each one's authored reason, opening message and pushback from ``texts``.

    Every task must have a text and every text a task: a drafted task that changed id, or a text left
    behind, is caught here rather than shipped with words that belong to another situation."""
    ids = [t["id"] for t in tasks]
    missing = [i for i in ids if i not in texts]
    stale = sorted(set(texts) - set(ids))
    if missing or stale:
        raise ValueError(
            f"{folder}: authored texts and tasks disagree: "
            + "; ".join(
                part
                for part in (
                    f"no text for {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}" if missing else "",
                    f"text for no task: {', '.join(stale[:10])}{' …' if len(stale) > 10 else ''}" if stale else "",
                )
                if part
            )
        )
    stale = {t["id"]: draft_digest(t) for t in tasks if texts[t["id"]]["draft"] != draft_digest(t)}
    if stale:
        shown = ", ".join(f"{i} (now {d})" for i, d in list(stale.items())[:10])
        raise ValueError(
            f"{folder}: {len(stale)} authored text(s) were written for another draft of their task: {shown}"
            f"{' …' if len(stale) > 10 else ''}. The task's data changed: reread each text against the task, "
            "fix what no longer holds, then set its draft: to the new digest."
        )
    out = []
    for task in tasks:
        text = texts[task["id"]]
        scenario = dict(task["user_scenario"])
        scenario["reason_for_contact"] = text["reason_for_contact"]
        for key in ("opening_message", "pushback"):
            if key in text:
                scenario[key] = text[key]
        out.append({**task, "user_scenario": scenario})
    return out
