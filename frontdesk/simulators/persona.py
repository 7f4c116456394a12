"""Personas: *how* a simulated customer behaves, never *what* they want or know.

A persona is a YAML file validated by a JSON Schema (`schemas/persona.schema.json`, generated from
the model below). Behaviour comes only from the traits, style and register; demographic attributes
are metadata for drawing persona sets that match a population and never reach the prompt.
"""

from __future__ import annotations

import json
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field

from frontdesk.errors import ConfigError

LIBRARY_DIR = Path(__file__).parent / "personas"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "persona.schema.json"
DEFAULT_PERSONA_NAME = "regular"

Level = Literal["low", "medium", "high"]


class EmotionalState(str, Enum):
    CALM = "calm"
    CHEERFUL = "cheerful"
    ANXIOUS = "anxious"
    CONFUSED = "confused"
    FRUSTRATED = "frustrated"
    ANGRY = "angry"


class Traits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patience: Level
    verbosity: Level
    technical_comfort: Literal["novice", "average", "expert"]
    politeness: Level
    cooperativeness: Level
    volunteers_information: Level = Field(description="How readily they offer facts before being asked.")
    emotional_state: EmotionalState


class Demographics(BaseModel):
    """Optional, for matching persona sets to a population. Never used to shape behaviour."""

    model_config = ConfigDict(extra="forbid")

    age_band: Literal["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"] | None = None
    region: str | None = None
    occupation: str | None = None
    first_language: str | None = None


class Persona(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Lowercase words joined by '-'.")
    description: str = Field(min_length=1, description="One line, shown by `frontdesk personas`.")
    traits: Traits
    style: str = Field(min_length=1, description="How they write: sentence length, habits, typical phrases.")
    language_register: Literal["formal", "neutral", "casual", "simple"] = Field(
        description="Language register; 'simple' is plain short sentences (e.g. a non-native speaker)."
    )
    background: str | None = Field(default=None, description="Optional context that explains the behaviour.")
    demographics: Demographics | None = None

    def prompt_text(self) -> str:
        """The behaviour description the LLM customer plays. Demographics are deliberately left out."""
        t = self.traits
        lines = [
            f"- Patience: {t.patience}. Verbosity: {t.verbosity}. Politeness: {t.politeness}.",
            f"- Cooperativeness: {t.cooperativeness}. Volunteers information before being asked: "
            f"{t.volunteers_information}.",
            f"- Comfort with technology: {t.technical_comfort}. Emotional state: {t.emotional_state.value}.",
            f"- Language register: {self.language_register}.",
            f"- Style: {self.style}",
        ]
        if self.background:
            lines.append(f"- Background: {self.background}")
        return "\n".join(lines)


def persona_json_schema() -> dict[str, Any]:
    schema = Persona.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "frontdesk persona"
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _describe(error: Any) -> str:
    field = ".".join(map(str, error.absolute_path)) or "(top level)"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"field '{field}': {json.dumps(error.instance)} is not allowed; allowed values: {allowed}"
    return f"field '{field}': {error.message}"


def parse_persona(data: Any, source: str) -> Persona:
    # Deepest problems first: "traits.patience: 'extreme' is not allowed" helps more than "(top level)".
    errors = sorted(
        _validator().iter_errors(data), key=lambda e: (-len(e.absolute_path), list(map(str, e.absolute_path)))
    )
    if errors:
        shown = "; ".join(_describe(e) for e in errors[:3])
        more = f" (and {len(errors) - 3} more problem(s))" if len(errors) > 3 else ""
        raise ConfigError(f"persona file {source}: {shown}{more}")
    return Persona.model_validate(data)


def load_persona(path: Path) -> Persona:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"persona file {path}: cannot read it ({e.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"persona file {path}: not valid YAML{where}") from None
    return parse_persona(data, str(path))


@cache
def persona_library() -> dict[str, Persona]:
    """The personas that ship with frontdesk, by name."""
    library: dict[str, Persona] = {}
    for path in sorted(LIBRARY_DIR.glob("*.yaml")):
        persona = load_persona(path)
        if persona.name != path.stem:
            raise ConfigError(f"persona file {path}: its name {persona.name!r} must match the file name")
        library[persona.name] = persona
    return library


def get_persona(name: str) -> Persona:
    library = persona_library()
    if name not in library:
        raise ConfigError(
            f"unknown persona {name!r}; available: {', '.join(library)} "
            "(or --persona all, or --persona-file PATH for your own)"
        )
    return library[name]


def resolve_personas(names: list[str], files: list[Path]) -> list[Persona]:
    """The persona set of a run: library names (or 'all') and files, in order, without repeats."""
    chosen: list[Persona] = []
    for name in names:
        chosen.extend(persona_library().values() if name == "all" else [get_persona(name)])
    chosen.extend(load_persona(p) for p in files)
    if not chosen:
        chosen = [get_persona(DEFAULT_PERSONA_NAME)]
    unique: dict[str, Persona] = {}
    for persona in chosen:
        if persona.name in unique and unique[persona.name] != persona:
            raise ConfigError(f"two different personas are named {persona.name!r}; rename one")
        unique[persona.name] = persona
    return list(unique.values())
