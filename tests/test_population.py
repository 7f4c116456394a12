"""Populations: the persona library's demographics, population files, stratified draws, post-stratification."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from frontdesk.errors import ConfigError
from frontdesk.eval.strata import TrialRow, post_stratify, rows_from_records
from frontdesk.simulators import (
    PersonaSample,
    Population,
    assign_strata,
    draw_personas,
    load_population,
    persona_library,
    population_json_schema,
    population_library,
    resolve_population,
    stratum_of,
)
from frontdesk.simulators.population import POPULATIONS_DIR, SCHEMA_PATH, allocate, persona_attributes

AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]


def _population(strata: list[dict], name: str = "tiny") -> Population:
    return Population.model_validate({"name": name, "description": "d", "source": "s", "strata": strata})


# --- the library ------------------------------------------------------------------------------


def test_shipped_population_schema_matches_the_model():
    assert json.loads(SCHEMA_PATH.read_text()) == population_json_schema(), (
        "regenerate frontdesk/simulators/schemas/population.schema.json from population_json_schema()"
    )


def test_library_spans_the_demographics():
    library = persona_library()
    assert len(library) >= 40
    for p in library.values():
        d = p.demographics
        assert d and d.age_band and d.region and d.occupation and d.first_language, f"{p.name}: full demographics"
    ages = Counter(p.demographics.age_band for p in library.values())
    assert all(ages[band] >= 4 for band in AGE_BANDS), ages
    assert len({p.demographics.region for p in library.values()}) >= 5
    assert len({p.demographics.first_language for p in library.values()}) >= 6
    for band in AGE_BANDS:  # technical comfort is not tied to age
        levels = {p.traits.technical_comfort for p in library.values() if p.demographics.age_band == band}
        assert levels == {"novice", "average", "expert"}, band
    assert len({p.traits.model_dump_json() + p.style for p in library.values()}) == len(library)
    assert len({p.description for p in library.values()}) == len(library)


def test_demographics_never_reach_the_prompt():
    for p in persona_library().values():
        text = p.prompt_text().casefold()
        for value in p.demographics.model_dump().values():
            assert value.casefold() not in text, f"{p.name}: {value!r} is in what the customer is told"


# --- population files -------------------------------------------------------------------------


def test_shipped_populations_load_and_draw_from_the_library():
    populations = population_library()
    assert {"us-adults", "global-telecom"} <= set(populations)
    for population in populations.values():
        members = assign_strata(population)
        assert all(len(names) >= 2 for names in members.values()), members  # a draw has a choice in every stratum
        assert population.source.strip()
        sample = draw_personas(population, 40, seed=1)
        assert len(sample.personas) == 40 and set(sample.personas) <= set(persona_library())
    us = populations["us-adults"]
    assert {s.name for s in us.strata} == set(AGE_BANDS)
    assert sum(us.weights().values()) == pytest.approx(1.0)


def test_resolve_population_by_name_or_path(tmp_path: Path):
    assert resolve_population("us-adults").name == "us-adults"
    assert resolve_population(POPULATIONS_DIR / "global-telecom.yaml").name == "global-telecom"
    with pytest.raises(ConfigError, match=r"unknown population 'nobody'; shipped: .*us-adults"):
        resolve_population("nobody")


def test_content_hash_is_of_the_data_not_the_layout(tmp_path: Path):
    original = load_population(POPULATIONS_DIR / "us-adults.yaml")
    data = yaml.safe_load((POPULATIONS_DIR / "us-adults.yaml").read_text())
    (tmp_path / "a.yaml").write_text("# a comment\n" + yaml.safe_dump(data, default_flow_style=True))
    assert load_population(tmp_path / "a.yaml").content_hash == original.content_hash
    data["strata"][0]["where"]["age_band"] = ["18-24"]  # a one-item list means the same as the value
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(data))
    assert load_population(tmp_path / "b.yaml").content_hash == original.content_hash
    data["strata"][0]["weight"] = 12.0
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(data))
    assert load_population(tmp_path / "c.yaml").content_hash != original.content_hash
    assert len(original.content_hash) == 64


GOOD = {
    "name": "tiny",
    "description": "A small example.",
    "source": "made up",
    "strata": [
        {"name": "young", "where": {"age_band": ["18-24", "25-34"]}, "weight": 2},
        {"name": "rest", "where": {}, "weight": 1},
    ],
}


def _strata(*strata: dict) -> dict:
    return dict(GOOD, strata=list(strata))


def _stratum(**change) -> dict:
    return {"name": "s", "where": {"age_band": "75+"}, "weight": 1, **change}


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["is empty; a population is a YAML mapping with name, description, source and strata"]),
        ("- name: x\n", ["holds a list, not a mapping of fields"]),
        ("name: [oops", ["not valid YAML at line 1"]),
        (yaml.safe_dump({k: v for k, v in GOOD.items() if k != "source"}),
         ["field 'source' is missing; add it (text; where the weights come from"]),
        (yaml.safe_dump(dict(GOOD, strata=[])), ["field 'strata' must not be empty"]),
        (yaml.safe_dump(_strata(_stratum(weight=-1))), ["field 'strata.0.weight' must be greater than 0, not -1"]),
        (yaml.safe_dump(_strata(_stratum(weight=0))), ["field 'strata.0.weight' must be greater than 0, not 0"]),
        (yaml.safe_dump(_strata(_stratum(weight="lots"))), ["field 'strata.0.weight' must be number, not \"lots\""]),
        (yaml.safe_dump(_strata(_stratum(weight=float("inf")))), ["'strata.0.weight' must be a finite number"]),
        (yaml.safe_dump(_strata(_stratum(where={"age_band": "30-40"}))),
         ["field 'strata.0.where.age_band': \"30-40\" is not allowed; allowed values: 18-24, 25-34"]),
        (yaml.safe_dump(_strata(_stratum(where={"age_band": ["30-40"]}))),
         ["field 'strata.0.where.age_band.0': \"30-40\" is not allowed"]),
        (yaml.safe_dump(_strata(_stratum(where={"technical_comfort": "guru"}))),
         ["'strata.0.where.technical_comfort': \"guru\" is not allowed; allowed values: novice, average, expert"]),
        (yaml.safe_dump(_strata(_stratum(where={"regoin": "Africa"}))),
         ["field 'strata.0.where.regoin' is not a population field; remove it or fix its spelling (fields here: "
          "age_band, region, occupation, first_language, technical_comfort, language_register, emotional_state)"]),
        (yaml.safe_dump(_strata(_stratum(where={"region": []}))), ["field 'strata.0.where.region' must not be empty"]),
        (yaml.safe_dump(_strata(_stratum(), _stratum())),
         ["field 'strata.1.name': 's' is also the name of strata.0; stratum names must be unique"]),
        (yaml.safe_dump(_strata(_stratum(name="mars", where={"region": "Mars"}))),
         ["stratum 'mars' (strata.0) matches no persona in the library; no persona has region 'Mars' "
          "(region values in the library: Africa,", "fix the value or add a persona"]),
        (yaml.safe_dump(_strata(_stratum(name="odd", where={"age_band": "75+", "region": "Middle East"}))),
         ["stratum 'odd' (strata.0) matches no persona", "no persona has age_band '75+' and region 'Middle East' "
          "together; widen the stratum"]),
        (yaml.safe_dump(_strata(_stratum(name="all", where={}), _stratum(name="old"))),
         ["stratum 'old' (strata.1) gets no persona: every persona it matches", "is in an earlier stratum ('all')",
          "move this stratum up or narrow the earlier one"]),
        (yaml.safe_dump(dict(GOOD, name="Tiny One")), ["field 'name': \"Tiny One\" must be lowercase words joined "
                                                       "by '-' (e.g. us-adults)"]),
    ],
    ids=["empty", "list", "yaml", "no-source", "no-strata", "negative-weight", "zero-weight", "text-weight",
         "infinite-weight", "age-band", "age-band-list", "trait", "unknown-attribute", "empty-list", "duplicate",
         "no-match", "no-combination", "shadowed", "bad-name"],
)  # fmt: skip
def test_a_bad_population_file_is_one_line_naming_the_file_the_field_and_the_fix(tmp_path: Path, text, fragments):
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_population(path)
    message = str(refused.value)
    assert message.startswith(f"population file {path}")
    assert "\n" not in message and "None is not of type" not in message
    for fragment in fragments:
        assert fragment in message


def test_a_good_population_file_loads(tmp_path: Path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    population = load_population(path)
    assert population.weights() == pytest.approx({"young": 2 / 3, "rest": 1 / 3})


# --- drawing ----------------------------------------------------------------------------------


def test_a_persona_belongs_to_the_first_stratum_it_matches():
    population = _population(
        [
            {"name": "experts", "where": {"technical_comfort": "expert"}, "weight": 1},
            {"name": "old", "where": {"age_band": ["65-74", "75+"]}, "weight": 1},
            {"name": "rest", "where": {}, "weight": 1},
        ]
    )
    members = assign_strata(population)
    library = persona_library()
    assert "prepared-list-maker" in members["experts"]  # 75+ and expert: the first match wins
    assert "prepared-list-maker" not in members["old"]
    assert sorted(n for names in members.values() for n in names) == sorted(library)  # each persona exactly once
    assert all(library[n].demographics.age_band in ("65-74", "75+") for n in members["old"])
    assert stratum_of(population)["prepared-list-maker"] == "experts"


def test_allocation_is_largest_remainder():
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]  # a tie goes to the earlier stratum
    assert allocate(7, [0.5, 0.3, 0.2]) == [4, 2, 1]  # quotas 3.5, 2.1, 1.4
    assert allocate(3, [0.1, 0.1, 0.1]) == [1, 1, 1]
    assert allocate(1, [5, 3, 2]) == [1, 0, 0]


@pytest.mark.parametrize("name", ["us-adults", "global-telecom"])
@pytest.mark.parametrize("n", [1, 7, 20, 40, 41, 100])
@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_a_stratified_sample_matches_the_weights_within_one_persona_per_stratum(name, n, seed):
    population = population_library()[name]
    library = persona_library()
    sample = draw_personas(population, n, seed)
    assert sample.n == n and sample.seed == seed and sample.population == name
    assert sample.population_hash == population.content_hash
    assert sum(s.allocated for s in sample.strata) == n == len(sample.personas)
    weights = population.weights()
    by_stratum = {s.name: s for s in population.strata}
    for draw in sample.strata:
        assert abs(draw.allocated - n * weights[draw.name]) < 1, draw.name
        assert draw.weight == pytest.approx(weights[draw.name])
        assert len(draw.personas) == draw.allocated
        assert all(by_stratum[draw.name].where.matches(library[p]) for p in draw.personas)
        counts = Counter(draw.personas)
        if draw.allocated <= len(draw.eligible):
            assert max(counts.values(), default=1) == 1  # without replacement while possible
        else:  # cycling: every eligible persona is used, none more than once more than another
            assert set(counts) == set(draw.eligible) and max(counts.values()) - min(counts.values()) <= 1
    assert sample.personas == [p for s in sample.strata for p in s.personas]


def test_the_same_seed_gives_the_same_sample_and_another_seed_another():
    population = population_library()["global-telecom"]
    a = draw_personas(population, 30, seed=7)
    assert draw_personas(population, 30, seed=7) == a
    assert draw_personas(population, 30, seed=7, library=list(reversed(persona_library().values()))) == a
    assert any(draw_personas(population, 30, seed=s).personas != a.personas for s in range(8, 12))
    assert PersonaSample.model_validate_json(a.model_dump_json()) == a  # stored and read back intact


def test_a_sample_resolves_to_distinct_personas():
    sample = draw_personas(population_library()["us-adults"], 50, seed=3)  # 50 > 42: some repeat
    assert len(sample.distinct_personas()) < 50 and sum(sample.counts().values()) == 50
    personas = sample.resolve()
    assert [p.name for p in personas] == sample.distinct_personas()


def test_draw_checks_its_library_and_its_n():
    population = _population([{"name": "old", "where": {"age_band": "75+"}, "weight": 1}])
    young_only = [p for p in persona_library().values() if persona_attributes(p)["age_band"] == "18-24"]
    with pytest.raises(ConfigError, match=r"population 'tiny': stratum 'old' \(strata.0\) matches no persona"):
        draw_personas(population, 5, 0, library=young_only)
    with pytest.raises(ConfigError, match="at least one persona"):
        draw_personas(population, 0, 0)


# --- post-stratification ----------------------------------------------------------------------


def _rows(persona: str, rewards: list[float | None], overall: list[float | None] | None = None) -> list[TrialRow]:
    overall = overall or [None] * len(rewards)
    return [TrialRow(persona=persona, reward=r, overall=o) for r, o in zip(rewards, overall, strict=True)]


def test_post_stratified_aggregate_is_the_hand_computed_weighted_mean():
    population = _population(
        [
            {"name": "a", "where": {}, "weight": 5},
            {"name": "b", "where": {}, "weight": 3},
            {"name": "c", "where": {}, "weight": 2},
        ]
    )
    mapping = {"p1": "a", "p2": "a", "p3": "b", "p4": "c"}
    rows = (
        _rows("p1", [1, 1, 0], [6, 7, 2])
        + _rows("p2", [0, 1, 1], [5, 5, 5])  # a: 4 of 6 succeed
        + _rows("p3", [1, 0, 0, 0], [3, 3, None, None])  # b: 1 of 4
        + _rows("p4", [0, 1])  # c: 1 of 2, unrated
        + _rows("stranger", [1])
    )
    result = post_stratify(rows, population, stratum_of=mapping)
    by = {s.name: s for s in result.strata}
    assert by["a"].pass_1 == pytest.approx(4 / 6) and by["a"].trials == 6 and by["a"].personas == ["p1", "p2"]
    assert by["b"].pass_1 == pytest.approx(1 / 4) and by["c"].pass_1 == pytest.approx(1 / 2)
    assert result.pass_1 == pytest.approx(0.5 * 4 / 6 + 0.3 * 1 / 4 + 0.2 * 1 / 2)
    assert result.covered_weight == pytest.approx(1.0) and result.missing == []
    assert by["a"].mean_overall == pytest.approx(30 / 6) and by["b"].mean_overall == pytest.approx(3)
    assert result.mean_overall == pytest.approx((0.5 * 5 + 0.3 * 3) / 0.8)  # c has no ratings
    assert result.rated_covered_weight == pytest.approx(0.8)
    assert result.worst_first == ["b", "c", "a"]
    assert result.unassigned == ["stranger"]
    lo, hi = result.pass_1_ci
    assert lo <= result.pass_1 <= hi and 0 <= lo < hi <= 1
    assert by["a"].pass_1_ci[0] <= by["a"].pass_1 <= by["a"].pass_1_ci[1]
    assert post_stratify(rows, population, stratum_of=mapping) == result  # fixed seeds: reproducible

    # A stratum without scored trials is left out and the others' weights renormalised, said so.
    partial = post_stratify(
        [r for r in rows if r.persona != "p3"] + _rows("p3", [None]), population, stratum_of=mapping
    )
    assert partial.missing == ["b"] and partial.covered_weight == pytest.approx(0.7)
    assert partial.pass_1 == pytest.approx((0.5 * 4 / 6 + 0.2 * 1 / 2) / 0.7)
    assert {s.name: s.aggregate_weight for s in partial.strata} == pytest.approx({"a": 5 / 7, "b": None, "c": 2 / 7})
    assert "2 of 3 strata" in partial.note and "70% of the population" in partial.note and "b" in partial.note


def test_post_stratify_reads_a_sample_records_and_mappings():
    population = population_library()["us-adults"]
    sample = draw_personas(population, 14, seed=0)
    records = [
        SimpleNamespace(persona=name, reward=float(i % 2), experience=None) for i, name in enumerate(sample.personas)
    ]
    records[0].experience = SimpleNamespace(overall=SimpleNamespace(score=6))
    rows = rows_from_records(records)
    assert rows[0].overall == 6 and rows[1].overall is None
    result = post_stratify([r.model_dump() for r in rows], sample)
    assert [s.name for s in result.strata] == AGE_BANDS
    assert sum(s.trials for s in result.strata) == 14 and result.unassigned == []
    expected = sum(w * s.pass_1 for w, s in zip(population.weights().values(), result.strata, strict=True))
    assert result.pass_1 == pytest.approx(expected)
    assert post_stratify(rows, population).pass_1 == pytest.approx(result.pass_1)  # the library's own map
    assert post_stratify([], sample).pass_1 is None


def test_a_draw_is_the_same_in_another_process():
    import os
    import subprocess
    import sys

    code = (
        "from frontdesk.simulators import draw_personas, population_library;"
        "print(draw_personas(population_library()['global-telecom'], 25, seed=4).model_dump_json())"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout
        for hash_seed in ("1", "2")
    }  # fmt: skip
    assert outputs == {draw_personas(population_library()["global-telecom"], 25, seed=4).model_dump_json() + "\n"}
