"""Failure triage: whose fault is each failed trial — the agent's, the simulated customer's, or the task's?

A judge model reads what a person would (the scenario, the task's reference, a policy excerpt, the
transcript, the verdict's components and the DB diff) and answers with one JSON object: the fault,
its kind, where (the rule or step the agent broke, the instruction the customer broke, what in the
task is wrong) and a piece of evidence quoted verbatim from what it read. A reply that is not
exactly that — not JSON, an unknown label, a "quote" found nowhere in the case — is asked again
once, then recorded as unlabelled. Labels go to ``triage.jsonl`` beside the trials and never
change a verdict.

``scripted/triage`` is a deterministic judge (rules over the same case) for offline tests; it
labels the planted corpus in ``triage_corpus/`` exactly, and :func:`calibrate` measures any judge
on that corpus.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frontdesk.envs import (
    Domain,
    Task,
    describe_output,
    dump_output,
    get_domain,
    load_output,
    output_present,
    parse_tasks,
)
from frontdesk.errors import ConfigError, RunFolderError, TaskFileError
from frontdesk.eval.checker import tool_calls
from frontdesk.eval.config import RunConfig
from frontdesk.eval.metrics import scored_reward, succeeded
from frontdesk.eval.orchestrator import ErrorClass, TerminationReason
from frontdesk.eval.record import TrialKey, TrialRecord
from frontdesk.eval.store import RunStore, describe_os_error
from frontdesk.llm import SCRIPTED_PREFIX, ModelConfig, check_model_string, complete
from frontdesk.text import numbers_in
from frontdesk.tools import ToolKind
from frontdesk.trajectory import Message, Role, Usage, UserSignal
from frontdesk.transcript import render_transcript

TRIAGE_FILE = "triage.jsonl"
CORPUS_DIR = Path(__file__).parent / "triage_corpus"
SCRIPTED_JUDGE = "scripted/triage"

KINDS: dict[str, tuple[str, ...]] = {
    "agent": ("policy_violation", "wrong_action", "wrong_output"),
    "simulator": ("invented_fact", "early_stop", "ignored_instruction"),
    "task": ("ambiguous", "wrong_gold"),
}
Fault = Literal["agent", "simulator", "task"]
POLICY_EXCERPT_CHARS = 6000
MIN_EVIDENCE_CHARS = 3

TRIAGE_PROMPT = """You triage one FAILED customer-service conversation from an agent benchmark. A support AGENT
(the model under test) talked to a simulated CUSTOMER (another model, told to follow the SCENARIO).
A checker compared the final database and what the agent said with the task's REFERENCE and failed
the trial. Decide whose fault the failure is:

- "agent": the agent broke a policy rule or did the wrong thing while the customer behaved as told.
  kinds: "policy_violation" (a rule of the POLICY), "wrong_action" (wrong or missing tool call,
  wrong arguments), "wrong_output" (told the customer something wrong or left out what was asked).
- "simulator": the customer did not follow its SCENARIO. kinds: "invented_fact" (stated an id,
  email, amount or address that is not in its scenario), "early_stop" (ended the chat before the
  task could be done), "ignored_instruction" (acted against one of its instructions).
- "task": the task itself is broken. kinds: "ambiguous" (the scenario does not determine what the
  reference expects), "wrong_gold" (the reference actions or required outputs are wrong for the
  scenario and the data).

Reply with ONLY one JSON object, no other text:
{"fault": "...", "kind": "...", "where": "the rule or step the agent broke / the instruction the
customer broke / what in the task is wrong", "evidence": "a short passage copied exactly from the
material below", "explanation": "one or two sentences"}"""

REASK = (
    "Your reply could not be used: {problem}. Reply again with only the JSON object "
    '{{"fault", "kind", "where", "evidence", "explanation"}} as described; "evidence" must be copied '
    "exactly from the material."
)


# --- the case a judge reads -------------------------------------------------------------------------


def policy_excerpt(policy: str, hints: set[str], limit: int = POLICY_EXCERPT_CHARS) -> str:
    """The policy, or when it is long its opening and the sections that mention the trial's tools
    and words most, in their original order, within ``limit`` characters."""
    if len(policy) <= limit:
        return policy
    sections = re.split(r"\n(?=#)", policy)
    head, rest = sections[0], sections[1:]
    words = {h.lower() for h in hints if len(h) > 3}

    def score(section: str) -> int:
        text = section.lower()
        return sum(text.count(w) for w in words)

    chosen: set[int] = set()
    budget = limit - len(head)
    for i in sorted(range(len(rest)), key=lambda i: (-score(rest[i]), i)):
        if score(rest[i]) == 0 or len(rest[i]) + 1 > budget:
            continue
        chosen.add(i)
        budget -= len(rest[i]) + 1
    return "\n".join([head[:limit], *(rest[i] for i in sorted(chosen))])


@dataclass
class TriageCase:
    """One failed trial, with the material a judge reads rendered once."""

    domain: Domain
    task: Task
    record: TrialRecord
    sections: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> TrialKey:
        return self.record.key

    @property
    def materials(self) -> str:
        return _normal("\n".join(self.sections.values()))

    def prompt(self) -> list[dict[str, Any]]:
        body = "\n\n".join(f"{name}\n{text}" for name, text in self.sections.items())
        return [{"role": "system", "content": TRIAGE_PROMPT}, {"role": "user", "content": body}]


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _outcome_text(record: TrialRecord) -> str:
    lines = [f"termination: {record.termination.value}"]
    if record.error:
        lines.append(f"error: {record.error}")
    if record.verdict is None:
        lines.append("not scored (the simulated customer's turn failed: a user error)")
        return "\n".join(lines)
    lines.append(f"reward: {record.verdict.reward:g}")
    for c in record.verdict.components:
        state = "passed" if c.passed else "FAILED"
        role = "" if c.gating else " (informational)"
        detail = c.detail
        if c.name == "db_state" and isinstance(detail, dict):
            detail = {k: v for k, v in detail.items() if k != "diff"}  # the diff has its own section
        lines.append(f"- {c.name}: {state}{role}: {json.dumps(detail, ensure_ascii=False)}")
    return "\n".join(lines)


def _diff_text(record: TrialRecord) -> str:
    db = record.verdict.component("db_state") if record.verdict else None
    if db is None or db.passed or not isinstance(db.detail, dict):
        return "(no difference from the reference state)" if db is not None else "(not checked)"
    lines = [json.dumps(d, ensure_ascii=False) for d in db.detail.get("diff", [])]
    collateral = record.verdict.component("no_collateral_damage") if record.verdict else None
    if collateral is not None and not collateral.passed:
        lines.append(f"records changed that the reference never touches: {json.dumps(collateral.detail['records'])}")
    return "\n".join(lines)


def _missing_described(detail: dict[str, Any]) -> list[str]:
    """The required outputs a trial missed, for people (records before typed outputs hold plain strings)."""
    return detail.get("missing_described") or [describe_output(load_output(o)) for o in detail.get("missing", [])]


def build_case(domain: Domain, task: Task, record: TrialRecord) -> TriageCase:
    scenario = task.user_scenario.model_dump(mode="json", exclude_none=True)
    reference = {
        "gold_actions": [a.model_dump(mode="json") for a in task.gold_actions],
        "required_outputs": [dump_output(o) for o in task.required_outputs],
    }
    hints = {c.name for m in record.messages for c in m.tool_calls} | {a.name for a in task.gold_actions}
    sections = {
        "SCENARIO (what the customer was told)": json.dumps(scenario, indent=1, ensure_ascii=False),
        "REFERENCE (what the checker expects)": json.dumps(reference, indent=1, ensure_ascii=False),
        "POLICY EXCERPT (the agent's rules)": policy_excerpt(domain.policy, hints),
        "TRANSCRIPT": render_transcript(record.messages),
        "OUTCOME": _outcome_text(record),
        "DB DIFF (final state against the reference state)": _diff_text(record),
    }
    return TriageCase(domain=domain, task=task, record=record, sections=sections)


# --- the reply ------------------------------------------------------------------------------------


class TriageLabel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fault: Fault
    kind: str
    where: str = Field(min_length=1)
    evidence: str = Field(min_length=MIN_EVIDENCE_CHARS)
    explanation: str = ""

    @property
    def label(self) -> str:
        return f"{self.fault}/{self.kind}"


class MalformedReply(ValueError):
    """The judge's reply is not a usable label; the message says why (and is shown to it on the re-ask)."""


_FENCE = re.compile(r"^```(?:json)?\s*\n(.*)\n```$", re.DOTALL)


def parse_label(text: str | None, case: TriageCase) -> TriageLabel:
    """Exactly one JSON object with known labels and evidence found verbatim in the case; else MalformedReply."""
    raw = (text or "").strip()
    fenced = _FENCE.match(raw)
    if fenced:  # the one wrapper models add unasked; anything else around the object is refused
        raw = fenced.group(1).strip()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise MalformedReply(f"it is not a JSON object ({e.msg} at character {e.pos})") from None
    if not isinstance(data, dict):
        raise MalformedReply(f"it is a JSON {type(data).__name__}, not an object")
    try:
        label = TriageLabel.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "reply"
        raise MalformedReply(f"field {where!r}: {first['msg']}") from None
    if label.kind not in KINDS[label.fault]:
        raise MalformedReply(
            f"kind {label.kind!r} is not one of {', '.join(KINDS[label.fault])} for fault {label.fault!r}"
        )
    if _normal(label.evidence) not in case.materials:
        raise MalformedReply(f"the evidence {label.evidence[:80]!r} does not appear in the material")
    return label


class TriageEntry(BaseModel):
    """One line of ``triage.jsonl``: a trial's label (or why it has none), beside its verdict."""

    task_id: str
    persona: str
    trial: int
    judge: str
    reward: float | None  # the verdict's reward, for context; triage never changes it
    termination: str
    label: TriageLabel | None = None
    error: str | None = None  # why there is no label: the judge's replies could not be used, or it failed
    attempts: int = 0
    usage: Usage = Field(default_factory=Usage)
    labelled_at: float = Field(default_factory=time.time)

    @property
    def key(self) -> TrialKey:
        return (self.task_id, self.persona, self.trial)


async def _ask(
    judge: str, model: ModelConfig | None, messages: list[dict[str, Any]], case: TriageCase, seed: int
) -> tuple[str | None, Usage]:
    if judge.startswith(SCRIPTED_PREFIX):
        return scripted_judge(judge)(case), Usage()
    assert model is not None
    reply = await complete(model, messages, seed=seed)
    return reply.text, reply.usage


async def label_case(judge: str, model: ModelConfig | None, case: TriageCase) -> TriageEntry:
    """Ask the judge; re-ask once with the reason if its reply is malformed. Provider failures propagate."""
    r = case.record
    entry = TriageEntry(
        task_id=r.task_id,
        persona=r.persona,
        trial=r.trial,
        judge=judge,
        reward=r.reward,
        termination=r.termination.value,
    )
    messages = case.prompt()
    problem = ""
    for attempt in (1, 2):
        text, usage = await _ask(judge, model, messages, case, r.seed + attempt - 1)
        entry.attempts, entry.usage = attempt, entry.usage + usage
        try:
            entry.label = parse_label(text, case)
            return entry
        except MalformedReply as e:
            problem = str(e)
            messages = [
                *messages,
                {"role": "assistant", "content": text or ""},
                {"role": "user", "content": REASK.format(problem=problem)},
            ]
    entry.error = f"malformed reply twice: {problem}"
    return entry


def check_judge_model(judge: str, transport: str = "litellm") -> None:
    if judge.startswith(SCRIPTED_PREFIX):
        scripted_judge(judge)
    else:
        check_model_string(judge, transport)


# --- a run ----------------------------------------------------------------------------------------


def needs_triage(record: TrialRecord) -> bool:
    """Failed scored trials and user-error trials: the ones whose fault is worth knowing."""
    reward = scored_reward(record)
    return record.error_class is ErrorClass.USER or (reward is not None and not succeeded(reward))


def read_triage(folder: Path) -> list[TriageEntry]:
    """Every readable line of the run's ``triage.jsonl``, in order (a torn last line is skipped)."""
    path = Path(folder) / TRIAGE_FILE
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entries.append(TriageEntry.model_validate_json(line))
        except ValidationError:
            continue
    return entries


def latest_labels(entries: list[TriageEntry]) -> dict[TrialKey, TriageEntry]:
    """The last entry per trial: a relabel or a retried error replaces what came before."""
    return {e.key: e for e in entries}


def _append(path: Path, entry: TriageEntry) -> None:
    try:
        with path.open("a", encoding="utf-8") as f:
            f.write(entry.model_dump_json() + "\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise RunFolderError(f"cannot write {path}: {describe_os_error(e)}") from None


@dataclass
class TriageReport:
    folder: Path
    judge: str
    entries: list[TriageEntry] = field(default_factory=list)  # written by this invocation
    already: int = 0  # labelled by this judge before: skipped

    @property
    def labelled(self) -> int:
        return sum(e.label is not None for e in self.entries)


def _judge_config(manifest: dict[str, Any] | None, judge: str) -> ModelConfig | None:
    if judge.startswith(SCRIPTED_PREFIX):
        return None
    from frontdesk.eval.trial import model_config

    try:
        config = RunConfig.model_validate(manifest["config"]) if manifest else RunConfig(domain="mock")
    except ValidationError:
        config = RunConfig(domain=str(manifest["config"].get("domain", "mock")) if manifest else "mock")
    check_judge_model(judge, config.transport)
    return model_config(config, judge, 0.0)


async def _label_all(
    judge: str,
    model: ModelConfig | None,
    cases: list[TriageCase],
    concurrency: int,
    done: Callable[[TriageEntry], None],
) -> list[TriageEntry]:
    slots = asyncio.Semaphore(concurrency)

    async def one(case: TriageCase) -> TriageEntry:
        async with slots:
            entry = await label_case(judge, model, case)
        done(entry)
        return entry

    try:
        return list(await asyncio.gather(*(one(c) for c in cases)))
    finally:
        if model is not None:
            from frontdesk.llm import aclose

            await aclose()


def triage_run(folder: Path | str, judge: str, concurrency: int = 4, relabel: bool = False) -> TriageReport:
    """Label every failed or user-error trial of a run not yet labelled by ``judge``; append to ``triage.jsonl``.

    Each label is written as soon as it arrives, so an interrupted triage keeps what it had; rerun
    to continue (trials whose replies were malformed are asked again). Holds the run folder's lock.
    """
    folder = Path(folder)
    store = RunStore(folder)
    manifest = store.read_manifest()
    model = _judge_config(manifest, judge)
    domain = get_domain(manifest["config"]["domain"])
    tasks = {t.id: t for t in domain.tasks}
    previous = {k: e for k, e in latest_labels(read_triage(folder)).items() if e.judge == judge and e.label is not None}
    report = TriageReport(folder=folder, judge=judge)
    cases = []
    for record in store.records():
        if not needs_triage(record) or record.task_id not in tasks:
            continue
        if record.key in previous and not relabel:
            report.already += 1
            continue
        cases.append(build_case(domain, tasks[record.task_id], record))
    path = folder / TRIAGE_FILE
    store.lock()
    try:
        report.entries = asyncio.run(_label_all(judge, model, cases, concurrency, lambda e: _append(path, e)))
    finally:
        store.unlock()
    return report


class TriageCounts(BaseModel):
    judges: list[str]
    failures: int  # failed or user-error trials in the run
    labelled: int
    unlabelled: int  # the judge's replies could not be used
    not_triaged: int
    by_fault: dict[str, int]
    by_label: dict[str, int]  # fault/kind


def triage_counts(folder: Path, records: list[TrialRecord]) -> TriageCounts | None:
    """How the run's failures were labelled; None when the run was never triaged."""
    entries = read_triage(folder)
    if not entries:
        return None
    latest = latest_labels(entries)
    failing = [r.key for r in records if needs_triage(r)]
    present = [latest[k] for k in failing if k in latest]
    labels = [e.label for e in present if e.label is not None]
    return TriageCounts(
        judges=sorted({e.judge for e in present}),
        failures=len(failing),
        labelled=len(labels),
        unlabelled=sum(e.label is None for e in present),
        not_triaged=len(failing) - len(present),
        by_fault=dict(Counter(label.fault for label in labels).most_common()),
        by_label=dict(Counter(label.label for label in labels).most_common()),
    )


# --- the planted corpus and calibration -----------------------------------------------------------


@dataclass
class CorpusCase:
    id: str
    fault: str
    kind: str
    why: str
    domain: str
    task: Task
    record: TrialRecord

    @property
    def label(self) -> str:
        return f"{self.fault}/{self.kind}"


@cache
def _corpus_validator() -> Draft202012Validator:
    schema = json.loads((CORPUS_DIR / "corpus.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def load_corpus(folder: Path = CORPUS_DIR) -> list[CorpusCase]:
    """Every case of the planted corpus, each file checked against ``corpus.schema.json``."""
    cases = []
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".schema.json"):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        errors = sorted(_corpus_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path)
            raise TaskFileError(f"{path}: not a triage corpus file ({where or 'top level'}: {errors[0].message})")
        for case in data["cases"]:
            [task] = parse_tasks({"tasks": [case["task"]]}, f"{path}, case {case['id']}")
            trial = case["trial"]
            record = TrialRecord(
                task_id=task.id, persona="regular", trial=0, seed=0, started_at=0.0, duration_s=0.0,
                agent_usage=Usage(), user_usage=Usage(), termination=TerminationReason(trial["termination"]),
                error=trial.get("error"), error_class=trial.get("error_class"), reward=trial.get("reward"),
                verdict=trial.get("verdict"), messages=[Message.model_validate(m) for m in trial["messages"]],
            )  # fmt: skip
            label = case["label"]
            cases.append(
                CorpusCase(case["id"], label["fault"], label["kind"], case["why"], case["domain"], task, record)
            )
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise TaskFileError(f"{folder}: case ids repeat: {sorted(i for i, n in Counter(ids).items() if n > 1)}")
    return cases


class LabelScore(BaseModel):
    label: str
    support: int  # planted cases with this label
    predicted: int
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.support if self.support else None


class Calibration(BaseModel):
    judge: str
    cases: int
    unlabelled: int
    by_fault: list[LabelScore]
    by_label: list[LabelScore]
    mistakes: list[tuple[str, str, str]]  # (case id, planted label, predicted label or "unlabelled")

    @property
    def accuracy(self) -> float:
        return (self.cases - len(self.mistakes)) / self.cases if self.cases else 0.0


def _scores(truth: list[str], predicted: list[str | None], labels: list[str]) -> list[LabelScore]:
    return [
        LabelScore(
            label=name,
            support=sum(t == name for t in truth),
            predicted=sum(p == name for p in predicted),
            correct=sum(t == name and p == name for t, p in zip(truth, predicted, strict=True)),
        )
        for name in labels
    ]


def calibrate(judge: str, concurrency: int = 4, corpus: list[CorpusCase] | None = None) -> Calibration:
    """Label every planted case with ``judge``; precision and recall per fault and per fault/kind."""
    corpus = load_corpus() if corpus is None else corpus
    model = _judge_config(None, judge)
    cases = [build_case(get_domain(c.domain), c.task, c.record) for c in corpus]
    entries = asyncio.run(_label_all(judge, model, cases, concurrency, lambda _: None))
    predicted = [e.label.label if e.label else None for e in entries]
    truth = [c.label for c in corpus]
    labels = [f"{f}/{k}" for f, kinds in KINDS.items() for k in kinds]
    return Calibration(
        judge=judge,
        cases=len(corpus),
        unlabelled=sum(p is None for p in predicted),
        by_fault=_scores(
            [t.split("/")[0] for t in truth], [p.split("/")[0] if p else None for p in predicted], list(KINDS)
        ),
        by_label=_scores(truth, predicted, labels),
        mistakes=[(c.id, t, p or "unlabelled") for c, t, p in zip(corpus, truth, predicted, strict=True) if t != p],
    )


# --- scripted/triage: deterministic rules over the case ---------------------------------------------


def scripted_judge(name: str) -> Callable[[TriageCase], str]:
    """The built-in offline judge for ``name``; a ConfigError for an unknown ``scripted/…`` name."""
    if name != SCRIPTED_JUDGE:
        raise ConfigError(f"unknown scripted triage judge {name!r}; built-in: {SCRIPTED_JUDGE}")
    return lambda case: json.dumps(_ScriptedRules(case).label())


_NOT_KNOWING = re.compile(r"\b(?:don't know|do not know|not sure|no idea)\b", re.IGNORECASE)
_TOKENS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # emails
    r"|#[A-Z]\d+"  # order ids
    r"|\b[A-Z]\d{3,}\b"  # customer ids, SKUs
    r"|\$?\d+\.\d{2}\b"  # amounts
    r"|\b\d+ [A-Z][a-z]+(?: [A-Z][a-z]+)*"  # street addresses
)
_CHANGE = re.compile(r"\b(?:cancel|change|update)\b", re.IGNORECASE)
_UNCONSIDERED_ARGUMENTS = {"customer_id", "summary", "expression"}  # looked up or free text, not the customer's ask


def _supported(value: str, text: str) -> bool:
    """Does ``text`` (what the customer was told and said) ask for ``value``? Ids exactly; phrases word by word."""
    low = text.lower()
    if any(ch.isdigit() for ch in value) or "@" in value:
        return value.lower() in low
    words = re.findall(r"[a-z]+", low)
    return all(any(w.startswith(v[:4]) for w in words) for v in re.findall(r"[a-z]+", value.lower()) if len(v) >= 3)


class _ScriptedRules:
    """The rules, in order: the task, then the customer, then the agent (a broken task or a customer
    off script makes the agent look wrong, never the other way round)."""

    def __init__(self, case: TriageCase) -> None:
        self.case = case
        self.task = case.task
        self.messages = case.record.messages
        self.verdict = case.record.verdict
        s = case.task.user_scenario
        self.scenario = "\n".join(
            [
                s.reason_for_contact,
                s.opening_message or "",
                *s.known_facts.values(),
                *s.instructions,
                *s.will_not_accept,
            ]
        )
        self.customer = [(i, m) for i, m in enumerate(self.messages) if m.role is Role.USER and m.content]
        self.asked = self.scenario + "\n" + "\n".join(m.content or "" for _, m in self.customer)
        self.results = [
            (i, m.tool_result) for i, m in enumerate(self.messages) if m.role is Role.TOOL and m.tool_result
        ]
        self.calls = [(c, r) for c, r in tool_calls(self.messages) if c.requestor == "agent"]
        writes = case.domain.write_tool_names()
        self.gold_writes = [a for a in self.task.gold_actions if a.name in writes]
        self.agent_writes = [(c, r) for c, r in self.calls if c.name in writes and r is not None and r.ok]

    def _said(self, role: Role) -> list[str]:
        return [m.content for m in self.messages if m.role is role and m.content]

    def _result_text(self, before: int | None = None) -> str:
        return "\n".join(r.content for i, r in self.results if before is None or i < before)

    def _component(self, name: str) -> Any:
        return self.verdict.component(name) if self.verdict else None

    @staticmethod
    def _args(arguments: Any) -> dict[str, Any]:
        if isinstance(arguments, dict):
            return arguments
        try:
            parsed = json.loads(arguments)
        except (TypeError, json.JSONDecodeError):
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def _unsupported_gold(self) -> list[tuple[str, str, str]]:
        """(tool, argument, value) of gold writes that nothing the customer was told or said asks for."""
        return [
            (a.name, k, v)
            for a in self.gold_writes
            for k, v in a.arguments.items()
            if isinstance(v, str) and k not in _UNCONSIDERED_ARGUMENTS and not _supported(v, self.asked)
        ]

    def label(self) -> dict[str, str]:
        for rule in (
            self._ambiguous, self._wrong_gold, self._ignored, self._invented, self._early_stop,
            self._policy, self._wrong_output, self._wrong_action,
        ):  # fmt: skip
            found = rule()
            if found is not None:
                fault, kind, where, evidence = found
                return {"fault": fault, "kind": kind, "where": where, "evidence": evidence, "explanation": where}
        last = (self._said(Role.AGENT) or [self.messages[0].content or "?"])[-1]
        return {
            "fault": "agent",
            "kind": "wrong_action",
            "where": "no rule matched",
            "evidence": last,
            "explanation": "",
        }

    def _ambiguous(self) -> tuple[str, str, str, str] | None:
        unsure = [m.content for _, m in self.customer if _NOT_KNOWING.search(m.content or "")]
        unsupported = self._unsupported_gold()
        if unsure and unsupported:
            tool, arg, value = unsupported[0]
            return "task", "ambiguous", f"the scenario never says which {arg} ({tool} uses {value!r})", unsure[0]
        return None

    def _wrong_gold(self) -> tuple[str, str, str, str] | None:
        for tool, arg, value in self._unsupported_gold():
            for call, _ in self.agent_writes:
                given = self._args(call.arguments).get(arg)
                if call.name == tool and isinstance(given, str) and _supported(given, self.asked):
                    quote = next((line for line in self.asked.splitlines() if _supported(given, line)), given)
                    return (
                        "task",
                        "wrong_gold",
                        f"gold {tool} uses {arg} {value!r}; the scenario asks for {given!r}",
                        quote,
                    )
        outputs = self._component("required_outputs")
        missing = outputs.detail.get("missing", []) if outputs is not None and not outputs.passed else []
        # The data the reference draws from must have been fetched (its read calls made) and any
        # arithmetic done on it: only then does a required value absent from it mean the task is wrong.
        reads = {t.name for t in self.case.domain.agent_tools if t.kind is ToolKind.READ}
        made = [(c.name, self._args(c.arguments)) for c, r in self.calls if r is not None and r.ok]
        fetched = all((a.name, a.arguments) in made for a in self.task.gold_actions if a.name in reads)
        grounded = fetched and all(self._grounded(c) for c, _ in self.calls if c.name == "calculate")
        truth = self._result_text() + "\n" + self.scenario
        for value in missing:
            if grounded and not output_present(load_output(value), truth):
                said = self._said(Role.AGENT)
                quote = next(
                    (s for s in reversed(said) if numbers_in(s) or len(said) == 1), said[-1] if said else value
                )
                shown = describe_output(load_output(value))
                return "task", "wrong_gold", f"required output {shown!r} is in none of the data the tools return", quote
        return None

    def _grounded(self, call: Any) -> bool:
        """A calculation whose every operand came from a tool result or the scenario."""
        expression = str(self._args(call.arguments).get("expression", ""))
        known = numbers_in(self._result_text() + "\n" + self.scenario)
        return numbers_in(expression) <= known

    def _ignored(self) -> tuple[str, str, str, str] | None:
        instructions = self.task.user_scenario.instructions
        confirm = next((i for i in instructions if "confirm" in i.lower()), None)
        hands_off = next((i for i in instructions if re.search(r"do not want to change|only want", i, re.I)), None)
        for n, m in self.customer:
            before = next((p for p in reversed(self.messages[:n]) if p.role is Role.AGENT and p.content), None)
            asked_to_confirm = before is not None and "confirm" in (before.content or "").lower()
            refused = re.match(r"\s*(?:no\b|don't|do not)", m.content or "", re.I)
            declinable = (
                any(w.lower() in (before.content or "").lower() for w in self.task.user_scenario.will_not_accept)
                if before
                else False
            )
            if confirm and asked_to_confirm and refused and not declinable:
                return "simulator", "ignored_instruction", f"instruction: {confirm}", m.content or ""
            if hands_off and n != self.customer[0][0] and _CHANGE.search(m.content or ""):
                return "simulator", "ignored_instruction", f"instruction: {hands_off}", m.content or ""
        return None

    def _guard(self, guard: str) -> str | None:
        """The reason a turn guard gave, when the trial ended because that guard kept failing."""
        found = re.search(rf"{guard}: ([^;]+)", self.case.record.error or "")
        return found.group(1).strip() if self.case.record.error_class is ErrorClass.USER and found else None

    def _invented(self) -> tuple[str, str, str, str] | None:
        if (reason := self._guard("invented_facts")) is not None:
            return "simulator", "invented_fact", "the turn guard caught invented facts until it gave up", reason
        for n, m in self.customer:
            known = "\n".join(
                [
                    self.scenario,
                    *(p.content or "" for p in self.messages[:n] if p.role is Role.AGENT),
                    self._result_text(n),
                ]
            )
            for token in _TOKENS.findall(m.content or ""):
                if token.lower() not in known.lower():
                    return (
                        "simulator",
                        "invented_fact",
                        f"said {token!r}, which is in none of its known facts",
                        m.content or "",
                    )
        return None

    def _early_stop(self) -> tuple[str, str, str, str] | None:
        if (reason := self._guard("premature_stop")) is not None:
            return "simulator", "early_stop", "kept stopping before the agent attempted the request", reason
        last = self.customer[-1][1] if self.customer else None
        if last is None or last.signal is not UserSignal.STOP:
            return None
        before = [m for m in self.messages[: self.customer[-1][0]] if m.role is Role.AGENT and m.content]
        question = before[-1].content if before else ""
        if question and question.rstrip().endswith(("?", "(yes/no)")) and "anything else" not in question.lower():
            first = self.task.user_scenario.instructions[0] if self.task.user_scenario.instructions else "the task"
            return (
                "simulator",
                "early_stop",
                f"stopped before answering the agent; instruction: {first}",
                last.content or "",
            )
        return None

    def _policy(self) -> tuple[str, str, str, str] | None:
        found = [
            r.content.strip() for c, r in self.calls if c.name == "find_customer_by_email" and r is not None and r.ok
        ]
        owner = found[0].strip('"') if found else None
        for call, _ in self.agent_writes:
            order = self._args(call.arguments).get("order_id")
            for c, r in self.calls:
                if (
                    c.name == "get_order_details"
                    and r is not None
                    and r.ok
                    and self._args(c.arguments).get("order_id") == order
                ):
                    data = self._args(r.content)
                    if owner and data.get("customer_id") not in (None, owner):
                        quote = f'"customer_id": "{data["customer_id"]}"'
                        return (
                            "agent",
                            "policy_violation",
                            "Only ever act on that customer's own orders and profile.",
                            quote,
                        )
        transfer = self._component("transfer")
        if transfer is not None and not transfer.passed:
            said = self._said(Role.AGENT)
            quote = said[-1] if said else "transfer"
            if transfer.detail.get("happened"):
                return (
                    "agent",
                    "policy_violation",
                    "Transfer to a human only when this policy says so or the customer asks for a human explicitly.",
                    quote,
                )
            return (
                "agent",
                "policy_violation",
                "Refunds and returns of delivered orders are handled by human agents: transfer the customer.",
                quote,
            )
        return None

    def _wrong_output(self) -> tuple[str, str, str, str] | None:
        outputs = self._component("required_outputs")
        if outputs is None or outputs.passed:
            return None
        said = self._said(Role.AGENT)
        quote = next((s for s in reversed(said) if numbers_in(s) or "order" in s.lower()), said[-1] if said else "")
        bad = [c for c, _ in self.calls if c.name == "calculate" and not self._grounded(c)]
        if bad:
            return (
                "agent",
                "wrong_output",
                f"computed with {bad[0].arguments_text()}, a number not in the order data",
                quote,
            )
        return (
            "agent",
            "wrong_output",
            f"did not tell the customer {', '.join(_missing_described(outputs.detail))}",
            quote,
        )

    def _wrong_action(self) -> tuple[str, str, str, str] | None:
        db = self._component("db_state")
        if db is None or db.passed:
            return None
        said = self._said(Role.AGENT)

        def matches(call: Any, gold: Any) -> bool:
            return call.name == gold.name and all(
                self._args(call.arguments).get(k) == v for k, v in gold.arguments.items()
            )

        # Pair off the writes the agent got right; what is left on either side is the mistake.
        left = [c for c, _ in self.agent_writes]
        missed = []
        for gold in self.gold_writes:
            hit = next((c for c in left if matches(c, gold)), None)
            if hit is None:
                missed.append(gold)
            else:
                left.remove(hit)
        for gold in missed:
            for c in (c for c in left if c.name == gold.name):
                key, given = next((k, v) for k, v in self._args(c.arguments).items() if gold.arguments.get(k) != v)
                quote = next((s for s in said if str(given) in s), said[-1] if said else str(given))
                where = f"{gold.name} with {key} {given!r}; the customer asked for {gold.arguments.get(key)!r}"
                return "agent", "wrong_action", where, quote
            return (
                "agent",
                "wrong_action",
                f"missed step: {gold.name}({json.dumps(gold.arguments)})",
                said[-1] if said else gold.name,
            )
        if left:
            quote = next((s for s in said if "confirm" in s.lower()), said[-1] if said else left[0].name)
            return (
                "agent",
                "wrong_action",
                f"a write the task does not need: {left[0].name}({left[0].arguments_text()})",
                quote,
            )
        return None


def triage_html(folder: Path, records: list[TrialRecord]) -> dict[str, Any] | None:
    """The report page's triage block: a one-line count and a table of labels; None if never triaged."""
    counts = triage_counts(folder, records)
    if counts is None:
        return None
    latest = latest_labels(read_triage(folder))
    rows = []
    for r in records:
        entry = latest.get(r.key)
        if entry is None or not needs_triage(r):
            continue
        label = entry.label
        rows.append(
            [f"{r.task_id} · {r.persona} · trial {r.trial}", label.fault if label else "unlabelled",
             label.kind if label else "—", label.where if label else entry.error or "—",
             label.evidence if label else "—", entry.judge]
        )  # fmt: skip
    faults = ", ".join(f"{fault} {n}" for fault, n in counts.by_fault.items()) or "none"
    summary = (
        f"{counts.labelled} of {counts.failures} failure(s) labelled ({faults}); {counts.unlabelled} unlabelled; "
        f"{counts.not_triaged} not triaged yet. Labels never change a verdict."
    )
    columns = ["trial", "fault", "kind", "where", "evidence", "judge"]
    return {"summary": summary, "table": {"columns": columns, "rows": rows}}
