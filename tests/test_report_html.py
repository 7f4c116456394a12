"""`frontdesk report RUN --html`: one self-contained page, opened in headless Chromium; model text
stays text; the terminal and the page show the same headline numbers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import Call, Repeat, Say
from test_cli import assert_one_line_error, frontdesk

from frontdesk.eval import Limits, RunConfig, load_run, plan_run, run
from frontdesk.eval.html_report import render_html, write_html_report
from frontdesk.eval.report import headline_row

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
    profile = path.parent / "chromium-profile"
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--dump-dom", path.as_uri() + fragment],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_report_opens_in_chromium_and_injected_html_stays_text(replay, tmp_path) -> None:
    folder = injected_run(replay, tmp_path / "run")
    report = write_html_report(load_run(folder))
    assert report == folder / "report.html"

    dom = chromium_dom(report, "#trial-product-price-regular-0")
    page = parse(dom)
    # nothing injected ran: the title is ours, no element appeared, only the page's own script exists
    assert re.search(r"<title>(.*?)</title>", dom).group(1) == TITLE
    assert "pwned" not in page.ids
    assert page.scripts == 1
    assert '&lt;script&gt;document.title = "pwned"' in dom  # shown as text, in the transcript
    # the page's own script did run: it opened the transcript the URL points at
    opened = re.search(r'<details class="trial fail" id="trial-product-price-regular-0"( open="")?>', dom)
    assert opened and opened.group(1), "the page's script did not open the linked transcript"
    # the headline, the curve and a transcript are there
    view = load_run(folder)
    assert page.tables["headline"][1:] == [list(headline_row(r)) for r in view.summary.rows]
    assert re.search(r'<figure id="curve"><svg[^>]*>.*</svg>', dom, re.DOTALL)
    assert "trial-refuse-cancel-shipped-regular-1" in page.ids
    assert "get_product_details" in dom and "db_state" in dom


def test_every_piece_of_transcript_text_is_escaped(replay, tmp_path) -> None:
    html = render_html(load_run(injected_run(replay, tmp_path / "run")))
    assert html.count("<script") == 1  # ours; the injected ones are text
    assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    assert "&lt;/pre&gt;&lt;script&gt;" in html  # a tool argument that tries to close its <pre>
    assert "Content-Security-Policy" in html and "default-src 'none'" in html  # and nothing may be fetched
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_report_prints_the_same_headline_numbers_as_the_html(tmp_path) -> None:
    folder = tmp_path / "run"
    run(RunConfig(domain="mock", agent="scripted/null", trials=2), folder)
    result = frontdesk("report", str(folder), "--html")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"HTML report: {folder / 'report.html'}"

    terminal = [
        [c.strip() for c in line.split("│")[1:-1]] for line in result.stdout.splitlines() if line.startswith("│")
    ]
    page = parse((folder / "report.html").read_text(encoding="utf-8"))
    assert page.tables["headline"][0] == ["k", "pass^k", "95% CI", "pass@k", "pass@k 95% CI", "tasks"]
    assert page.tables["headline"][1:] == terminal
    assert terminal[0][1] == "0.143"  # null passes 2 of 14 tasks: the refusals
    # the same counts line, and the failure breakdown names the components that failed
    assert "28 expected · 28 scored · 0 excluded (user error) · 0 pending" in " ".join(
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
