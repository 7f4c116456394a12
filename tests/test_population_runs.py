"""A run whose customers are drawn from a population: the draw is recorded, the report gives
per-stratum pass^1 and ratings, the post-stratified aggregate, and the strata doing worst."""

from __future__ import annotations

from test_cli import assert_one_line_error, frontdesk

from frontdesk.eval import RunConfig, load_run, run
from frontdesk.eval.html_report import render_html
from frontdesk.eval.report import strata_line, strata_rows
from frontdesk.simulators import draw_personas, resolve_population


def test_a_population_run_records_its_draw_and_is_post_stratified(tmp_path):
    sample = draw_personas(resolve_population("us-adults"), 7, seed=3)
    folder = tmp_path / "run"
    config = RunConfig(
        domain="mock", agent="py:scripted_mixes:refuses_well", task_ids=["refuse-cancel-shipped", "product-price"],
        personas=sample.resolve(), persona_sample=sample, seed=3,
    )  # fmt: skip
    run(config, folder)
    view = load_run(folder)
    assert view.manifest["config"]["persona_sample"]["population"] == "us-adults"
    strata = view.strata()
    # refuses_well passes the refusal and fails the price question: every stratum at 0.5
    assert [e.pass_1 for e in strata.strata] == [0.5] * 7
    assert strata.pass_1 == 0.5 and strata.missing == []
    assert "none (every stratum scores the same)" in strata_line(strata)
    columns, rows = strata_rows(view, strata)
    assert columns == ["stratum", "weight", "personas", "scored", "pass^1", "95% CI", "rating"]  # one trial: no pass^k
    assert rows[0][4] == "0.500" and rows[0][-1] == "4.00"  # scripted ratings: 6 for the pass, 2 for the fail
    html = render_html(view)
    assert 'id="strata-table"' in html and "post-stratified pass^1 (us-adults): 0.500" in html


def test_the_cli_draws_personas_from_a_population(tmp_path):
    folder = tmp_path / "run"
    result = frontdesk(
        "run", "--domain", "mock", "--task", "product-price", "--persona-sample", "us-adults:7", "--out", str(folder)
    )
    assert result.returncode == 0, result.stderr
    assert "post-stratified pass^1 (us-adults): 1.000" in result.stdout
    assert len(load_run(folder).personas) == 7
    assert_one_line_error(
        frontdesk("run", "--domain", "mock", "--persona-sample", "us-adults:3", "--persona", "regular"),
        "--persona-sample draws the personas",
    )
    assert_one_line_error(frontdesk("run", "--domain", "mock", "--persona-sample", "us-adults"), "POPULATION:N")
