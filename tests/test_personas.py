"""The persona library, persona files, the persona x task grid and the simulator stamp."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from frontdesk.errors import ConfigError
from frontdesk.eval import RunConfig, load_run, run
from frontdesk.simulators import load_persona, persona_json_schema, persona_library, resolve_personas
from frontdesk.simulators.persona import SCHEMA_PATH

EXAMPLE = {
    "name": "night-owl",
    "description": "Writes late at night, tired and brief.",
    "traits": {
        "patience": "low",
        "verbosity": "low",
        "technical_comfort": "average",
        "politeness": "medium",
        "cooperativeness": "high",
        "volunteers_information": "medium",
        "emotional_state": "calm",
    },
    "style": "Short sentences, yawns, wants to be done quickly.",
    "language_register": "casual",
}


def test_shipped_persona_schema_matches_the_model():
    assert json.loads(SCHEMA_PATH.read_text()) == persona_json_schema(), (
        "regenerate frontdesk/simulators/schemas/persona.schema.json from persona_json_schema()"
    )


def test_library_has_at_least_forty_distinct_personas():
    library = persona_library()
    assert len(library) >= 40
    assert len({p.traits.model_dump_json() + p.style for p in library.values()}) == len(library)
    for required in (
        "terse-expert",
        "anxious-first-timer",
        "angry-repeat-caller",
        "elderly-unsure-with-tech",
        "non-native-simple",
        "reticent",
        "indecisive",
        "pushy-bargainer",
    ):
        assert required in library


def test_persona_file_errors_name_the_field_and_allowed_values(tmp_path: Path):
    bad = dict(EXAMPLE, traits=dict(EXAMPLE["traits"], patience="extreme"))
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(
        ConfigError, match=r"field 'traits.patience': \"extreme\" is not allowed; allowed values: low, medium, high"
    ):
        load_persona(path)
    path.write_text(yaml.safe_dump({k: v for k, v in EXAMPLE.items() if k != "style"}))
    with pytest.raises(ConfigError, match=r"field 'style' is missing; add it \(text; how they write"):
        load_persona(path)
    path.write_text("name: [unclosed")
    with pytest.raises(ConfigError, match=r"not valid YAML at line 1"):
        load_persona(path)


def _without(key: str) -> dict:
    return {k: v for k, v in EXAMPLE.items() if k != key}


def _traits(**change) -> dict:
    return dict(EXAMPLE, traits=dict(EXAMPLE["traits"], **change))


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["is empty; a persona is a YAML mapping with name, description, traits", "'name: night-owl'",
              "frontdesk personas show regular"]),
        ("# nothing but a comment\n", ["is empty;"]),
        ("- name: night-owl\n", ["holds a list, not a mapping of fields", "'name: night-owl'"]),
        ("night-owl\n", ['holds just "night-owl", not a mapping of fields']),
        (yaml.safe_dump(_without("traits")), ["field 'traits' is missing; add it (a mapping with patience, verbosity"]),
        (yaml.safe_dump({k: v for k, v in _traits().items() if k != "language_register"}),
         ["field 'language_register' is missing; add it (one of formal, neutral, casual, simple; "]),
        (yaml.safe_dump(dict(EXAMPLE, traits={"patience": "low"})),
         ["field 'traits.verbosity' is missing; add it (one of low, medium, high)", "(and 3 more problem(s))"]),
        (yaml.safe_dump(_traits(mood="sleepy")),
         ["field 'traits.mood' is not a persona field; remove it or fix its spelling (fields here: patience,"]),
        (yaml.safe_dump(dict(EXAMPLE, colour="blue")), ["field 'colour' is not a persona field"]),
        (yaml.safe_dump(dict(EXAMPLE, traits="calm")), ["field 'traits' must be a mapping with patience", 'not "calm"']),
        (yaml.safe_dump(dict(EXAMPLE, style=5)), ["field 'style' must be text, not 5 (how they write"]),
        (yaml.safe_dump(dict(EXAMPLE, name="Night Owl")),
         ["field 'name': \"Night Owl\" must be lowercase words joined by '-' (e.g. night-owl)"]),
        (yaml.safe_dump(dict(EXAMPLE, description="")), ["field 'description' must not be empty"]),
        (yaml.safe_dump(dict(EXAMPLE, demographics={"age_band": 30})),
         ["field 'demographics.age_band': 30 is not allowed; allowed values: 18-24, 25-34"]),
        ("name: night-owl\n\tdescription: x\n", ["not valid YAML at line 2, column 1 (found character '\\t'"]),
    ],
    ids=["empty", "comment-only", "list", "scalar", "no-traits", "no-register", "few-traits", "unknown-trait",
         "unknown-field", "traits-not-mapping", "style-not-text", "bad-name", "empty-description", "age-band",
         "tab"],
)  # fmt: skip
def test_a_malformed_persona_file_names_the_file_the_field_and_the_fix(tmp_path: Path, text, fragments):
    path = tmp_path / "night-owl.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_persona(path)
    message = str(refused.value)
    assert message.startswith(f"persona file {path}")
    assert "None is not of type" not in message and "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_a_persona_file_that_is_not_utf8_is_one_line_not_a_crash(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(yaml.safe_dump(dict(EXAMPLE, style="Écrit peu."), allow_unicode=True).encode("latin-1"))
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte \d+\); save it as UTF-8 YAML"):
        load_persona(path)


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (b"", ["is empty;", "'name: night-owl'"]),
        (b"\xff\xfe", ["not UTF-8 text"]),
        (yaml.safe_dump(_traits(patience="extreme")).encode(), ["field 'traits.patience'", "allowed values: low"]),
    ],
    ids=["empty", "not-utf8", "bad-trait"],
)
def test_run_with_a_malformed_persona_file_is_one_error_line_and_writes_nothing(tmp_path: Path, content, fragments):
    from test_cli import assert_one_line_error, frontdesk

    path = tmp_path / "mine.yaml"
    path.write_bytes(content)
    folder = tmp_path / "run"
    result = frontdesk("run", "--domain", "mock", "--persona-file", str(path), "--out", str(folder))
    assert_one_line_error(result, f"persona file {path}", *fragments)
    assert not folder.exists()


def test_a_persona_file_of_your_own_joins_the_run(tmp_path: Path):
    path = tmp_path / "night-owl.yaml"
    path.write_text(yaml.safe_dump(EXAMPLE))
    personas = resolve_personas(["terse-expert"], [path])
    assert [p.name for p in personas] == ["terse-expert", "night-owl"]
    assert [p.name for p in resolve_personas([], [])] == ["regular"]
    assert len(resolve_personas(["all"], [])) == len(persona_library())
    with pytest.raises(ConfigError, match="unknown persona 'nobody'"):
        resolve_personas(["nobody"], [])


def test_persona_all_grid_gives_per_persona_results_and_stamps_the_simulator(tmp_path: Path):
    personas = resolve_personas(["all"], [])
    config = RunConfig(domain="mock", trials=2, task_ids=["product-price", "cancel-pending-order"], personas=personas)
    run(config, tmp_path / "run")
    view = load_run(tmp_path / "run")
    assert len(view.records) == 2 * 2 * len(personas)
    assert {r.persona for r in view.records} == {p.name for p in personas}
    for name in view.personas:
        s = view.persona_summary(name)
        assert s.trials_valid == 4 and s.rows[-1].pass_hat_k == 1.0
    stamp = view.manifest["simulator"]
    assert stamp["model"] == "scripted/user" and stamp["personas"] == [p.name for p in personas]
    assert stamp["prompt_version"]
    # A changed persona is a changed configuration: resume refuses rather than mixing.
    from frontdesk.errors import RunFolderError

    with pytest.raises(RunFolderError):
        run(config.model_copy(update={"personas": personas[:1]}), tmp_path / "run")


def test_cli_lists_and_shows_personas():
    listing = subprocess.run([sys.executable, "-m", "frontdesk", "personas"], capture_output=True, text=True)
    assert listing.returncode == 0 and "terse-expert" in listing.stdout
    shown = subprocess.run(
        [sys.executable, "-m", "frontdesk", "personas", "show", "reticent"], capture_output=True, text=True
    )
    assert shown.returncode == 0 and "volunteers_information: low" in shown.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "frontdesk", "personas", "show", "nobody"], capture_output=True, text=True
    )
    assert missing.returncode == 2 and missing.stderr.startswith("error: unknown persona 'nobody'")


def test_report_pools_shards_but_refuses_a_different_simulator(tmp_path: Path):
    from frontdesk.errors import RunFolderError
    from frontdesk.eval import pool_runs

    shard_a = RunConfig(domain="mock", trials=2, task_ids=["product-price"])
    shard_b = RunConfig(domain="mock", trials=2, task_ids=["update-email"])
    run(shard_a, tmp_path / "a")
    run(shard_b, tmp_path / "b")
    pooled = pool_runs([tmp_path / "a", tmp_path / "b"])
    assert pooled.summary.tasks == 2 and pooled.summary.trials_valid == 4

    other_persona = shard_b.model_copy(update={"personas": resolve_personas(["terse-expert"], [])})
    run(other_persona, tmp_path / "c")
    with pytest.raises(RunFolderError, match=r"the simulated customer differs \(personas"):
        pool_runs([tmp_path / "a", tmp_path / "c"])
    run(shard_a.model_copy(update={"seed": 3}), tmp_path / "d")
    with pytest.raises(RunFolderError, match=r"configuration differs \(seed: 0 -> 3\)"):
        pool_runs([tmp_path / "b", tmp_path / "d"])
    with pytest.raises(RunFolderError, match="task 'product-price' is in both"):
        pool_runs([tmp_path / "a", tmp_path / "a"])
