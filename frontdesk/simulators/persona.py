"""Personas: *how* a simulated customer behaves, never *what* they want or know.

A persona is a YAML file validated by a JSON Schema (`schemas/persona.schema.json`, generated from
the model below). Behaviour comes only from the traits, style and register; demographic attributes
are metadata for drawing persona sets that match a population and never reach the prompt.
"""

from __future__ import annotations

import json
from enum import Enum
from functools import cache, cached_property
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
TechnicalComfort = Literal["novice", "average", "expert"]
LanguageRegister = Literal["formal", "neutral", "casual", "simple"]
AgeBand = Literal["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]


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
    technical_comfort: TechnicalComfort
    politeness: Level
    cooperativeness: Level
    volunteers_information: Level = Field(description="How readily they offer facts before being asked.")
    emotional_state: EmotionalState


class Demographics(BaseModel):
    """Optional, for matching persona sets to a population. Never used to shape behaviour."""

    model_config = ConfigDict(extra="forbid")

    age_band: AgeBand | None = None
    region: str | None = None
    occupation: str | None = None
    first_language: str | None = None


class Persona(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Lowercase words joined by '-'.")
    description: str = Field(min_length=1, description="One line, shown by `frontdesk personas`.")
    traits: Traits
    style: str = Field(min_length=1, description="How they write: sentence length, habits, typical phrases.")
    language_register: LanguageRegister = Field(
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
    return PERSONA_FILE.generate()


# What the message for a file that holds no persona at all points to: the shape, and where to copy one.
_SHAPE = (
    "a persona is a YAML mapping with name, description, traits (patience, verbosity, technical_comfort, "
    "politeness, cooperativeness, volunteers_information, emotional_state), style and language_register, "
    "e.g. 'name: night-owl'; `frontdesk personas show regular` prints a complete one to copy"
)
_TYPE_WORDS = {"object": "a mapping", "string": "text", "array": "a list", "integer": "a whole number"}


class SchemaMessages:
    """JSON Schema errors said as advice: each names the field and how to fix it, in one line.

    Shared by the file formats of this package (personas, populations): ``root`` is the shipped
    schema (for its ``#/$defs/…``), ``noun`` what a field belongs to ("is not a persona field"),
    ``example`` a valid ``name`` to show when a name breaks its pattern.
    """

    def __init__(self, root: dict[str, Any], noun: str, example: str) -> None:
        self.root, self.noun, self.example = root, noun, example

    def problems(self, validator: Draft202012Validator, data: Any) -> list[str]:
        """Every problem of ``data``, deepest first, without repeats."""
        # Deepest problems first: "traits.patience: 'extreme' is not allowed" helps more than "(top level)".
        errors = sorted(
            validator.iter_errors(data), key=lambda e: (-len(e.absolute_path), list(map(str, e.absolute_path)))
        )
        return list(dict.fromkeys(m for e in errors for m in self.describe(e)))  # one required error per field

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A property's schema with its local ``$ref`` followed (the schemas here only have ``#/$defs/…``)."""
        ref = schema.get("$ref", "")
        return self.root["$defs"][ref.removeprefix("#/$defs/")] if ref.startswith("#/$defs/") else schema

    def _allowed(self, schema: dict[str, Any]) -> list[Any]:
        schema = self._resolve(schema)
        if "enum" in schema:
            return list(schema["enum"])
        return [v for option in schema.get("anyOf", []) for v in self._allowed(option)]

    def _expected(self, schema: dict[str, Any]) -> str:
        """What a field must hold, said as advice: its allowed values, its fields, or its type."""
        schema = self._resolve(schema)
        if allowed := self._allowed(schema):
            return "one of " + ", ".join(map(str, allowed))
        if properties := schema.get("properties"):
            return "a mapping with " + ", ".join(properties)
        kinds = [_TYPE_WORDS.get(o.get("type"), o.get("type")) for o in schema.get("anyOf", [schema]) if "type" in o]
        return " or ".join(k for k in kinds if k != "null") or "a value"

    def _purpose(self, schema: dict[str, Any]) -> str:
        """The field's description from the schema, to go inside a sentence ("" when it has none)."""
        text = (self._resolve(schema).get("description") or "").rstrip(".")
        return text[:1].lower() + text[1:]

    def describe(self, error: Any) -> list[str]:
        """One error as messages that name the field and say how to fix it."""
        if error.validator == "anyOf":
            leaves = _leaf_errors(error)
            if leaves != [error]:
                # The deepest leaf is the precise one; at the same depth an enum beats the rest, and a branch
                # the value has the right type for (a list that is empty) beats one it has not.
                best = min(leaves, key=lambda e: (-len(e.absolute_path), e.validator != "enum", e.validator == "type"))
                return self.describe(best)
        field = _field(error.absolute_path)
        value = json.dumps(error.instance, default=str)
        if error.validator == "enum":
            allowed = ", ".join(map(str, error.validator_value))
            return [f"field '{field}': {value} is not allowed; allowed values: {allowed}"]
        if error.validator == "required":
            properties = error.schema.get("properties", {})
            out = []
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    schema = properties.get(name, {})
                    hint = "; ".join(x for x in (self._expected(schema), self._purpose(schema)) if x)
                    out.append(f"field '{_field([*error.absolute_path, name])}' is missing; add it ({hint})")
            return out
        if error.validator == "additionalProperties":
            known = ", ".join(error.schema.get("properties", {}))
            return [
                f"field '{_field([*error.absolute_path, name])}' is not a {self.noun} field; remove it or fix its "
                f"spelling (fields here: {known})"
                for name in error.instance
                if name not in error.schema.get("properties", {})
            ]
        purpose = self._purpose(error.schema)
        why = f" ({purpose})" if purpose else ""
        if error.validator == "type":
            return [f"field '{field}' must be {self._expected(error.schema)}, not {value}{why}"]
        if error.validator in ("minLength", "minItems"):
            return [f"field '{field}' must not be empty{why}"]
        if error.validator in ("exclusiveMinimum", "minimum"):
            bound = "greater than" if error.validator == "exclusiveMinimum" else "at least"
            return [f"field '{field}' must be {bound} {error.validator_value}, not {value}{why}"]
        if error.validator == "pattern":
            example = f" (e.g. {self.example})" if field == "name" else ""
            return [f"field '{field}': {value} must be {purpose or 'text matching ' + error.validator_value}{example}"]
        return [f"field '{field}': {error.message}"]


def _field(path: Any) -> str:
    return ".".join(map(str, path)) or "(top level)"


def _leaf_errors(error: Any) -> list[Any]:
    """The errors inside an ``anyOf`` that say something: 'is not null' under an optional field never does."""
    if error.validator != "anyOf" or not error.context:
        return [error]
    leaves = [leaf for sub in error.context for leaf in _leaf_errors(sub)]
    useful = [e for e in leaves if not (e.validator == "type" and e.validator_value == "null")]
    return useful or [error]


class ShippedSchema:
    """A file format of this package: the JSON Schema generated from its pydantic model and shipped as a
    file (the file is what validates; a test holds it to the model), and its errors as one line each."""

    def __init__(self, model: type[BaseModel], path: Path, noun: str, example: str, shape: str) -> None:
        self.model, self.path, self.noun, self.example, self.shape = model, path, noun, example, shape

    def generate(self) -> dict[str, Any]:
        schema = self.model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"frontdesk {self.noun}"
        return schema

    @cached_property
    def _schema(self) -> dict[str, Any]:
        return json.loads(self.path.read_text(encoding="utf-8"))

    @cached_property
    def _validator(self) -> Draft202012Validator:
        return Draft202012Validator(self._schema)

    @cached_property
    def _messages(self) -> SchemaMessages:
        return SchemaMessages(self._schema, self.noun, self.example)

    def read_yaml(self, path: Path) -> Any:
        """The parsed YAML of a file of this format, or a ConfigError saying why it cannot be read."""
        what = f"{self.noun} file {path}"
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise ConfigError(f"{what}: not UTF-8 text (byte {e.start}); save it as UTF-8 YAML") from None
        except OSError as e:
            raise ConfigError(f"{what}: cannot read it ({e.strerror})") from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(e, "problem", None)
            raise ConfigError(f"{what}: not valid YAML{where}" + (f" ({problem})" if problem else "")) from None

    def check(self, data: Any, source: str) -> None:
        """Raise ConfigError naming the file and the first problems, unless ``data`` fits the schema."""
        what = f"{self.noun} file {source}"
        if data is None:
            raise ConfigError(f"{what} is empty; {self.shape}")
        if not isinstance(data, dict):
            kind = "a list" if isinstance(data, list) else f"just {json.dumps(data, default=str)}"
            raise ConfigError(f"{what} holds {kind}, not a mapping of fields; {self.shape}")
        problems = self._messages.problems(self._validator, data)
        if problems:
            shown = "; ".join(problems[:3])
            more = f" (and {len(problems) - 3} more problem(s))" if len(problems) > 3 else ""
            raise ConfigError(f"{what}: {shown}{more}")


PERSONA_FILE = ShippedSchema(Persona, SCHEMA_PATH, "persona", "night-owl", _SHAPE)


def parse_persona(data: Any, source: str) -> Persona:
    PERSONA_FILE.check(data, source)
    return Persona.model_validate(data)


def load_persona(path: Path) -> Persona:
    return parse_persona(PERSONA_FILE.read_yaml(path), str(path))


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
