"""`frontdesk report RUN --html`: one self-contained page, opened in headless Chromium; model text
stays text; transcripts are packed and built only when opened; the terminal and the page show the
same headline numbers; a run lost to infra errors says why."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import shutil
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import Call, Repeat, Say, server_error
from pydantic import BaseModel
from test_cli import assert_one_line_error, frontdesk

from frontdesk.eval import Limits, RunConfig, load_run, plan_run, run
from frontdesk.eval.html_report import SCRIPT_NAME, TEMPLATES, render_html, write_html_report
from frontdesk.eval.plots import curves_coincide, pass_k_curve
from frontdesk.eval.record import TrialRecord
from frontdesk.eval.report import _summarize, fmt_ci, headline_row
from frontdesk.eval.stats import KRow
from frontdesk.trajectory import Message, Role

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# What an agent under attack (or a careless one) might say: each would change the page if run.
INJECTED = (
    '<script>document.title = "pwned"; document.body.insertAdjacentHTML("beforeend", "<p id=pwned>x</p>")</script>'
    "<img src=x onerror=\"document.title='pwned'\">"
)
INJECTED_ARGUMENT = json.dumps({"sku": "</pre><script>document.title = 'pwned'</script>"})
TITLE = "frontdesk report · mock · agent replay/agent · user scripted/user"


def injected_run(replay, folder: Path) -> Path:
    """A finished run whose transcripts carry HTML: one task passes, one fails."""
    replay.script("agent", [Call("get_product_details", INJECTED_ARGUMENT), Repeat(Say(INJECTED))])
    config = RunConfig(
        domain="mock", agent="replay/agent", task_ids=["product-price", "refuse-cancel-shipped"], trials=2,
        max_retries=0, concurrency=1, limits=Limits(max_turns=6),
    )  # fmt: skip
    run(config, folder)
    return folder


class Tables(HTMLParser):
    """Cell texts of every <table id=…>, and the ids of every element."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.ids: list[str] = []
        self.scripts = 0
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "script":
            self.scripts += 1
        if tag == "table" and a.get("id"):
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._table and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> Tables:
    tables = Tables()
    tables.feed(html)
    return tables


def chromium_dom(path: Path, fragment: str = "") -> str:
    """The page's DOM after its script ran; the virtual-time budget lets the transcript unpack first."""
    profile = path.parent / "chromium-profile"
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--virtual-time-budget=10000", "--dump-dom", path.as_uri() + fragment],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


CHUNK = re.compile(r'<template class="chunk" id="chunk-(\d+)">([^<]*)</template>')
ROW = re.compile(r'<details class="trial (\w+)" id="([^"]+)" data-chunk="(\d+)" data-pos="(\d+)">')


def packed_transcripts(html: str) -> dict[str, dict[str, Any]]:
    """anchor -> the transcript the page unpacks when that row is opened (what its script reads)."""
    chunks = {int(k): json.loads(zlib.decompress(base64.b64decode(body))) for k, body in CHUNK.findall(html)}
    return {anchor: chunks[int(c)][int(p)] for _, anchor, c, p in ROW.findall(html)}


def opened_row(dom: str, anchor: str) -> str:
    """The HTML of one transcript row as the browser holds it."""
    # A row ends where the next row starts, or where the list of rows ends (rows hold <details> of their own).
    end = r'(?=\s*(?:<details class="trial|</div>\s*<(?:template|script)))'
    match = re.search(rf'<details class="trial \w+" id="{re.escape(anchor)}"[^>]*>.*?</details>{end}', dom, re.DOTALL)
    assert match, f"no row {anchor} in the page"
    return match.group(0)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_report_opens_in_chromium_builds_the_linked_transcript_on_demand_and_injected_html_stays_text(
    replay, tmp_path
) -> None:
    folder = injected_run(replay, tmp_path / "run")
    report = write_html_report(load_run(folder))
    assert report == folder / "report.html"
    html = report.read_text(encoding="utf-8")

    dom = chromium_dom(report, "#trial-product-price-regular-0")
    page = parse(dom)
    # nothing injected ran: the title is ours, no element appeared, only the page's own script exists
    assert re.search(r"<title>(.*?)</title>", dom).group(1) == TITLE
    assert "pwned" not in page.ids
    assert page.scripts == 1
    # the page's own script ran: it opened the transcript the URL points at and built it from its chunk
    row = opened_row(dom, "trial-product-price-regular-0")
    assert re.match(r'<details class="trial fail" id="trial-product-price-regular-0"[^>]* open=""', row), row[:300]
    assert 'data-filled="yes"' in row, "the page's script did not unpack the linked transcript"
    assert '&lt;script&gt;document.title = "pwned"' in row  # the agent's HTML, shown as text
    assert "&lt;/pre&gt;&lt;script&gt;" in row  # a tool argument that tries to close its <pre>
    assert "get_product_details" in row and "db_state" in row and "Verdict" in row
    expected = packed_transcripts(html)["trial-product-price-regular-0"]
    assert row.count('<div class="msg ') == len(expected["messages"])
    # on demand: no other transcript was built, and the page as written holds no transcript markup
    assert dom.count('<div class="msg ') == len(expected["messages"])
    assert '<div class="body"></div>' in opened_row(dom, "trial-refuse-cancel-shipped-regular-1")
    assert 'class="msg' not in html
    # the headline, the curve and every trial's row are there
    view = load_run(folder)
    assert page.tables["headline"][1:] == [list(headline_row(r)) for r in view.summary.rows]
    assert re.search(r'<figure id="curve"><svg[^>]*>.*</svg>', dom, re.DOTALL)
    assert "trial-refuse-cancel-shipped-regular-1" in page.ids


class Draft(BaseModel):
    text: str
    reason: str


class MessageWithDrafts(Message):
    """A message with drafts the turn guards rejected, whether or not ``Message`` has the field yet."""

    rejected_drafts: list[Draft] = []


def with_rejected_drafts(view, draft_text: str):
    """``view`` with its first customer message carrying one rejected draft and its guard failure."""
    [record] = view.records
    messages = list(record.messages)
    i = next(i for i, m in enumerate(messages) if m.role is Role.USER)
    messages[i] = MessageWithDrafts(
        **messages[i].model_dump(exclude={"guard_failures", "rejected_drafts"}),
        guard_failures=["speaks as the agent"],
        rejected_drafts=[Draft(text=draft_text, reason="speaks as the agent")],
    )
    return dataclasses.replace(view, records=[record.model_copy(update={"messages": messages})])


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_rejected_drafts_and_guard_failures_show_collapsed_and_as_text(tmp_path) -> None:
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", task_ids=["product-price"], trials=1), folder)
    view = with_rejected_drafts(load_run(folder), INJECTED)
    report = write_html_report(view)

    dom = chromium_dom(report, "#trial-product-price-regular-0")
    row = opened_row(dom, "trial-product-price-regular-0")
    assert 'data-filled="yes"' in row
    assert "pwned" not in parse(dom).ids and parse(dom).scripts == 1
    drafts = re.search(
        r"<details><summary>1 rejected draft\(s\), never sent to the agent</summary>(.*?)</details>", row
    )
    assert drafts, "the rejected draft is not in a collapsed <details>"
    assert "rejected: speaks as the agent" in drafts.group(1)
    assert '&lt;script&gt;document.title = "pwned"' in drafts.group(1)
    assert re.search(r"<details><summary>1 guard failure\(s\) before this message</summary>"
                     r'<div class="text">speaks as the agent</div></details>', row)  # fmt: skip


def test_rejected_drafts_are_optional_on_a_message() -> None:
    """Before the trajectory model has the field, and on old records, a message simply has none."""
    from frontdesk.eval.html_report import _message

    plain = Message(role=Role.USER, content="hi", guard_failures=["empty turn"], timestamp=1.0)
    assert _message(plain, 0.0)["rejected_drafts"] == []
    assert _message(plain, 0.0)["guard_failures"] == ["empty turn"]
    newer = MessageWithDrafts(role=Role.USER, content="hi", timestamp=1.0,
                              rejected_drafts=[Draft(text="I am the agent", reason="speaks as the agent")])  # fmt: skip
    assert _message(newer, 0.0)["rejected_drafts"] == [{"text": "I am the agent", "reason": "speaks as the agent"}]


def test_every_piece_of_transcript_text_is_escaped_or_packed(replay, tmp_path) -> None:
    html = render_html(load_run(injected_run(replay, tmp_path / "run")))
    assert html.count("<script") == 1  # ours; the injected ones are data
    assert "pwned" not in html and "onerror" not in html  # model text is never in the page as markup
    # transcript bodies are base64 only (nothing in A-Z a-z 0-9 + / = can open a tag), and hold the text verbatim
    assert html.count("<template") == len(CHUNK.findall(html)) >= 1
    transcript = packed_transcripts(html)["trial-product-price-regular-0"]
    assert INJECTED in [m["content"] for m in transcript["messages"]]
    assert any("</pre><script>" in c["arguments"] for m in transcript["messages"] for c in m["calls"])
    # the script that turns them into nodes only ever sets text
    script = (TEMPLATES / SCRIPT_NAME).read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in script, sink
    assert "Content-Security-Policy" in html and "default-src 'none'" in html  # and nothing may be fetched
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_transcripts_are_packed_so_the_page_stays_small(tmp_path) -> None:
    """Many trials: the page grows by a summary line and a compressed body per trial, not by markup."""
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", agent="scripted/null", trials=12, concurrency=8), folder)  # 180 trials
    view = load_run(folder)
    html = render_html(view)
    transcripts = packed_transcripts(html)
    assert len(transcripts) == len(view.records) == 180
    by_anchor = {f"trial-{r.task_id}-{r.persona}-{r.trial}": r for r in view.records}
    assert all(len(t["messages"]) == len(by_anchor[a].messages) for a, t in transcripts.items())
    assert {t["diff"][0]["record"] for a, t in transcripts.items() if a.startswith("trial-cancel-pending-order-")} == {
        "orders['#O5000']"
    }
    unpacked = sum(len(json.dumps(t)) for t in transcripts.values())
    packed = sum(len(body) for _, body in CHUNK.findall(html))
    assert packed < unpacked / 5
    assert len(html.encode()) / len(view.records) < 1500  # was about 7 KB a trial with inline transcripts


def test_report_prints_the_same_headline_numbers_as_the_html(tmp_path) -> None:
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", agent="scripted/null", trials=2), folder)
    result = frontdesk("report", str(folder), "--html")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"HTML report: {folder / 'report.html'}"

    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in result.stdout.splitlines() if line.startswith("│")]
    terminal = [row for row in rows if len(row) == 6]  # the pass^k table's rows (the ratings table has 3 columns)
    page = parse((folder / "report.html").read_text(encoding="utf-8"))
    assert page.tables["headline"][0] == ["k", "pass^k", "95% CI", "pass@k", "pass@k 95% CI", "tasks"]
    assert page.tables["headline"][1:] == terminal
    assert terminal[0][1] == "0.000"  # null passes no task: even a refusal needs the look-ups and the reason
    assert re.fullmatch(r"\[0\.\d{3}, 0\.\d{3}\]", terminal[0][2])  # intervals read [low, high]
    # the same counts line, and the failure breakdown names the components that failed
    assert "30 expected · 30 scored · 0 excluded (user error) · 0 pending" in " ".join(
        (folder / "report.html").read_text(encoding="utf-8").split()
    )
    components = {row[0]: row for row in page.tables["components"][1:]}
    assert components["db_state"][3] == "14"  # 7 write tasks × 2 trials: null writes nothing


def test_report_of_a_run_with_nothing_finished_yet(tmp_path) -> None:
    folder = tmp_path / "run"
    plan_run(RunConfig(domain="mock", task_ids=["product-price"], trials=3), folder)  # opened, never executed
    page = parse(render_html(load_run(folder)))
    assert page.tables["headline"][1] == ["1", "—", "—", "—", "—", "0"]
    assert page.tables["grid"][1][:4] == ["product-price", "", "", ""]


def test_html_report_of_a_non_run_folder_is_an_error(tmp_path) -> None:
    assert_one_line_error(frontdesk("report", str(tmp_path), "--html"), "not a frontdesk run folder")
    assert not (tmp_path / "report.html").exists()


def test_fmt_ci_brackets_the_interval_so_negative_bounds_read_right() -> None:
    assert fmt_ci((-1.0, -0.6428571)) == "[-1.000, -0.643]"
    assert fmt_ci((0.25, 1.0)) == "[0.250, 1.000]"
    assert fmt_ci(None) == "—"


def infra_only_run(replay, folder: Path, *outages: str) -> Path:
    """A run of two tasks that never finished: every attempt (one per outage) lost to the provider."""
    config = RunConfig(domain="mock", agent="replay/agent", task_ids=["product-price", "update-email"], trials=1,
                       max_retries=0, concurrency=1)  # fmt: skip
    for outage in outages:
        replay.script("agent", [Repeat(server_error(outage))])
        run(config, folder)
    return folder


def test_a_run_with_only_infra_errors_shows_each_pending_trials_last_reason(replay, tmp_path) -> None:
    folder = infra_only_run(replay, tmp_path / "run", "first outage", "gateway said 503 <b>twice</b>")
    result = frontdesk("report", str(folder), "--html")
    assert result.returncode == 0, result.stderr
    assert "last infra error: infra_error:" in result.stdout and "gateway said 503" in result.stdout

    html = (folder / "report.html").read_text(encoding="utf-8")
    page = parse(html)
    rows = page.tables["infra-errors"]
    assert rows[0] == ["task", "persona", "trial", "attempts", "ended as", "last reason", "when"]
    assert [r[:5] for r in rows[1:]] == [
        ["product-price", "regular", "0", "2", "infra_error"],
        ["update-email", "regular", "0", "2", "infra_error"],
    ]
    for r in rows[1:]:
        assert "gateway said 503 <b>twice</b>" in r[5] and "first outage" not in r[5]  # the latest attempt's
    assert "&lt;b&gt;twice&lt;/b&gt;" in html  # provider text is escaped like model text
    assert {"infra-product-price-regular-0", "infra-update-email-regular-0"} <= set(page.ids)
    # the grid cell links to that row and names the reason; the failures section points there
    assert re.search(r'<a class="cell infra" href="#infra-product-price-regular-0" title="[^"]*gateway said 503', html)
    assert "No finished trials yet. 2 trial(s) failed for infra reasons" in " ".join(html.split())


def test_a_trial_that_finished_after_an_infra_error_is_no_longer_pending(replay, tmp_path) -> None:
    view = load_run(infra_only_run(replay, tmp_path / "run", "outage"))
    finished = TrialRecord.model_construct(task_id="product-price", persona="regular", trial=0, reward=1.0,
                                           error_class=None, messages=[])  # fmt: skip
    view = dataclasses.replace(view, records=[finished])
    assert [f.key for f in view.pending_infra_failures()] == [("update-email", "regular", 0)]
    assert view.pending_infra == 1
    from frontdesk.eval.html_report import _pending_infra

    assert [p["task_id"] for p in _pending_infra(view)] == ["update-email"]


def _marker_size(svg: str, gid: str) -> float:
    group = re.search(rf'<g id="{gid}">(.*?)</g>\s*</g>', svg, re.DOTALL).group(1)
    marker = re.search(r'<path id="m[0-9a-f]+" d="([^"]+)"', group).group(1)
    return max(abs(float(x)) for x in re.findall(r"-?\d+(?:\.\d+)?", marker))


def test_the_curve_keeps_both_lines_visible_when_pass_hat_k_equals_pass_at_k() -> None:
    rows = [KRow(k=k, pass_hat_k=0.5, pass_hat_k_ci=(0.3, 0.7), pass_at_k=0.5, tasks=4) for k in (1, 2, 3)]
    assert curves_coincide(rows)
    svg = pass_k_curve(rows)
    at, hat = svg.index('<g id="pass-at-k">'), svg.index('<g id="pass-hat-k">')
    assert at < hat  # pass^k is drawn after, so on top of, pass@k
    at_group = svg[at:hat]
    assert "stroke-dasharray" in at_group and "fill-opacity: 0" in at_group  # dashed, hollow markers
    assert _marker_size(svg, "pass-at-k") > 1.5 * _marker_size(svg, "pass-hat-k")  # circles inside squares
    apart = [KRow(k=1, pass_hat_k=0.5, pass_hat_k_ci=None, pass_at_k=0.5, tasks=4),
             KRow(k=2, pass_hat_k=0.25, pass_hat_k_ci=None, pass_at_k=0.75, tasks=4)]  # fmt: skip
    assert not curves_coincide(apart)
    assert not curves_coincide([KRow(k=1, pass_hat_k=None, pass_hat_k_ci=None, pass_at_k=None, tasks=0)])


def test_the_page_says_when_the_two_curves_coincide(tmp_path) -> None:
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", task_ids=["product-price", "update-email"], trials=2), folder)
    view = load_run(folder)
    assert 'id="curve-note"' in render_html(view)  # the oracle always passes: pass^k = pass@k
    # one failed trial: a task flips, pass^2 < pass@2, and the note goes
    records = [r.model_copy(update={"reward": 0.0}) if (r.task_id, r.trial) == ("update-email", 1) else r
               for r in view.records]  # fmt: skip
    flipped = dataclasses.replace(view, records=records, summary=_summarize(view.manifest, records, [], ["regular"]))
    assert 'id="curve-note"' not in render_html(flipped)
