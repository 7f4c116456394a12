"""`frontdesk triage`: whose fault each failure is, strictly parsed, stored beside the verdicts; and the
planted corpus it is measured on."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import Say
from test_cli import frontdesk

from authoring import triage_corpus
from frontdesk.envs import get_domain
from frontdesk.errors import ConfigError
from frontdesk.eval import RunConfig, build_goal, load_run, run
from frontdesk.eval.regrade import rederive_verdict
from frontdesk.eval.triage import (
    KINDS,
    MalformedReply,
    build_case,
    calibrate,
    label_case,
    load_corpus,
    parse_label,
    read_triage,
    scripted_judge,
    triage_counts,
    triage_run,
)
from frontdesk.eval.trust import report_notes
from frontdesk.llm import ModelConfig


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_the_corpus_is_large_labelled_and_what_its_generator_writes(corpus) -> None:
    assert len(corpus) >= 60
    counts = Counter(c.label for c in corpus)
    assert set(counts) == {f"{f}/{k}" for f, kinds in KINDS.items() for k in kinds}  # every label planted
    assert min(counts.values()) >= 6
    for path, text in triage_corpus.outputs().items():  # the committed files are the generator's bytes
        assert path.read_text(encoding="utf-8") == text, f"{path.name}: run python -m authoring.triage_corpus"


def test_every_planted_case_is_a_real_failure_that_replays(corpus) -> None:
    mock = get_domain("mock")
    for case in corpus:
        record = case.record
        assert record.reward == 0.0 or record.error_class.value == "user", case.id
        verdict, mismatches = rederive_verdict(mock, case.task, build_goal(mock, case.task), record)
        assert mismatches == [], case.id  # tool results are what the mock's tools return
        assert verdict == record.verdict, case.id  # and the verdict is the checker's


def test_a_corpus_file_that_breaks_the_schema_is_refused(tmp_path) -> None:
    from frontdesk.errors import TaskFileError

    data = json.loads((triage_corpus.CORPUS_DIR / "task.json").read_text())
    data["cases"][0]["label"] = {"fault": "task", "kind": "invented_fact"}  # a simulator kind on a task fault
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(TaskFileError, match="bad.json: not a triage corpus file"):
        load_corpus(tmp_path)


def test_the_scripted_judge_labels_the_planted_corpus_exactly(corpus) -> None:
    result = calibrate("scripted/triage", corpus=corpus)
    assert result.mistakes == [] and result.unlabelled == 0 and result.accuracy == 1.0
    assert all(s.precision == 1.0 and s.recall == 1.0 for s in [*result.by_fault, *result.by_label])


def test_calibrate_prints_precision_and_recall_per_label() -> None:
    result = frontdesk("triage", "--calibrate", "--judge", "scripted/triage")
    assert result.returncode == 0, result.stderr
    for label in ("agent", "simulator", "task", "simulator/invented_fact", "simulator/early_stop", "task/wrong_gold"):
        assert label in result.stdout
    assert "precision" in result.stdout and "recall" in result.stdout and "accuracy 1.000" in result.stdout


def case_of(corpus, case_id: str):
    c = next(c for c in corpus if c.id == case_id)
    return build_case(get_domain(c.domain), c.task, c.record)


def test_replies_are_parsed_strictly(corpus) -> None:
    case = case_of(corpus, "sim-invented-address")
    good = {
        "fault": "simulator",
        "kind": "invented_fact",
        "where": "new address",
        "evidence": "Please send it to 18 Birch Road.",
    }
    assert parse_label(json.dumps(good), case).label == "simulator/invented_fact"
    assert parse_label("```json\n" + json.dumps(good) + "\n```", case).fault == "simulator"  # the one wrapper allowed
    bad = {
        "Sure! " + json.dumps(good): "not a JSON object",
        json.dumps([good]): "a JSON list",
        json.dumps({**good, "kind": "wrong_gold"}): "is not one of invented_fact",
        json.dumps({**good, "confidence": 0.9}): "'confidence'",
        json.dumps({**good, "fault": "user"}): "'fault'",
        json.dumps(
            {**good, "evidence": "The customer clearly lied about everything."}
        ): "does not appear in the material",
    }
    for reply, why in bad.items():
        with pytest.raises(MalformedReply, match=why):
            parse_label(reply, case)


async def test_a_malformed_reply_is_asked_again_once(corpus, replay) -> None:
    case = case_of(corpus, "agent-wrong-price")
    model = ModelConfig(model="replay/judge", max_retries=0)
    good = {"fault": "agent", "kind": "wrong_output", "where": "price", "evidence": "The yoga mat costs $14.00."}
    replay.script("judge", [Say("It's the agent."), Say(json.dumps(good))])
    entry = await label_case("replay/judge", model, case)
    assert entry.label.label == "agent/wrong_output" and entry.attempts == 2 and entry.usage.calls == 2
    reask = replay.requests_for("judge")[1].messages
    assert reask[-2] == {"role": "assistant", "content": "It's the agent."}
    assert "not a JSON object" in reask[-1]["content"]
    assert (
        "SCENARIO" in reask[1]["content"]
        and "DB DIFF" in reask[1]["content"]
        and "POLICY EXCERPT" in reask[1]["content"]
    )

    replay.script("judge", [Say("agent"), Say("still the agent")])
    entry = await label_case("replay/judge", model, case)
    assert entry.label is None and entry.attempts == 2 and entry.error.startswith("malformed reply twice")
    assert len(replay.requests_for("judge")) == 4  # once asked again, never more


def test_unknown_scripted_judges_are_refused() -> None:
    with pytest.raises(ConfigError, match="built-in: scripted/triage"):
        scripted_judge("scripted/oracle")


def test_triage_of_a_run_labels_its_failures_beside_the_verdicts(tmp_path) -> None:
    folder = tmp_path / "null"
    run(RunConfig(domain="mock", agent="scripted/null", trials=2), folder)
    trials_before = (folder / "trials.jsonl").read_bytes()
    view = load_run(folder)
    failing = {r.key for r in view.records if r.reward == 0.0}
    report = triage_run(folder, "scripted/triage")
    assert {e.key for e in report.entries} == failing and report.labelled == len(failing)
    assert (folder / "trials.jsonl").read_bytes() == trials_before  # labels never change a verdict
    assert {e.key for e in read_triage(folder)} == failing
    assert all(e.label.fault == "agent" for e in report.entries)  # an agent that only talks is at fault
    again = triage_run(folder, "scripted/triage")
    assert again.entries == [] and again.already == len(failing)  # labelled trials are not asked twice
    counts = triage_counts(folder, view.records)
    assert counts.labelled == counts.failures == len(failing) and counts.not_triaged == 0
    assert counts.judges == ["scripted/triage"] and sum(counts.by_fault.values()) == len(failing)
    from rich.console import Console

    console = Console(width=300, record=True)
    console.print(report_notes(load_run(folder)))
    assert (
        f"triage (scripted/triage): {len(failing)} of {len(failing)} failure(s) labelled: agent {len(failing)}"
        in console.export_text()
    )
    shown = frontdesk("report", str(folder))
    assert f"{len(failing)} of {len(failing)} failure(s) labelled" in shown.stdout, shown.stderr


def test_triage_command_needs_a_run_or_calibrate() -> None:
    result = frontdesk("triage", "--judge", "scripted/triage")
    assert result.returncode == 2 and "name a run folder to triage, or pass --calibrate" in result.stderr


def test_the_html_report_shows_the_labels_escaped(tmp_path) -> None:
    from frontdesk.eval.html_report import render_html
    from frontdesk.eval.triage import TriageEntry, TriageLabel

    folder = tmp_path / "null"
    run(RunConfig(domain="mock", agent="scripted/null", task_ids=["update-email", "read-order-total"]), folder)
    assert "Failure triage" not in render_html(load_run(folder))  # never triaged: no block
    triage_run(folder, "scripted/triage")
    record = next(r for r in load_run(folder).records if r.task_id == "update-email")
    hostile = TriageEntry(
        task_id=record.task_id, persona=record.persona, trial=record.trial, judge="scripted/triage", reward=0.0,
        termination="user_stop", label=TriageLabel(fault="task", kind="ambiguous", where="x", evidence="<script>alert(1)</script>"),
    )  # fmt: skip
    with (folder / "triage.jsonl").open("a") as f:
        f.write(hostile.model_dump_json() + "\n")  # the last line of a trial wins
    page = render_html(load_run(folder))
    assert "<h2>Failure triage</h2>" in page and "2 of 2 failure(s) labelled" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "update-email · regular · trial 0" in page and "wrong_output" in page
