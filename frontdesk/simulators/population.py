"""Populations: who the simulated customers are, as weighted strata over the persona library.

A population file (YAML, schema `schemas/population.schema.json`, generated from the model below)
names strata, each a condition on persona attributes (demographics and some traits) and a weight.
``draw_personas`` draws a persona set that matches those weights: ``n`` is split across strata by
largest-remainder rounding, so each stratum gets within one persona of ``n × weight``; within a
stratum personas are drawn without replacement, and repeat only when the stratum needs more
personas than it has.

**A persona belongs to the first stratum it matches**, in file order: strata may overlap (a last
``where: {}`` is "everyone else"), but no persona is ever counted twice. A stratum that gets no
persona that way is an error naming it.

Matching reads demographics only as data; they never reach the customer's prompt
(``Persona.prompt_text``), so a drawn set matches a population without the simulator inferring
behaviour from age, region or language.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.errors import ConfigError
from frontdesk.simulators.persona import (
    AgeBand,
    EmotionalState,
    LanguageRegister,
    Persona,
    ShippedSchema,
    TechnicalComfort,
    persona_library,
)

POPULATIONS_DIR = Path(__file__).parent / "populations"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "population.schema.json"

# What a stratum may condition on: the persona's demographics and the traits a population can be
# described by. Keys of ``Where``, in this order.
ATTRIBUTES = (
    "age_band",
    "region",
    "occupation",
    "first_language",
    "technical_comfort",
    "language_register",
    "emotional_state",
)

Text = Annotated[str, Field(min_length=1)]


def _one_or_more(what: str) -> Any:
    return Field(default=None, description=f"{what}, or a list of them (the stratum takes a persona with any)")


class Where(BaseModel):
    """The attributes a persona must have to be in the stratum; every attribute given must match."""

    model_config = ConfigDict(extra="forbid")

    age_band: AgeBand | Annotated[list[AgeBand], Field(min_length=1)] | None = _one_or_more("An age band")
    region: Text | Annotated[list[Text], Field(min_length=1)] | None = _one_or_more(
        "A region as the personas' demographics write it (e.g. North America)"
    )
    occupation: Text | Annotated[list[Text], Field(min_length=1)] | None = _one_or_more("An occupation")
    first_language: Text | Annotated[list[Text], Field(min_length=1)] | None = _one_or_more(
        "A first language (e.g. Spanish)"
    )
    technical_comfort: TechnicalComfort | Annotated[list[TechnicalComfort], Field(min_length=1)] | None = _one_or_more(
        "A technical comfort trait"
    )
    language_register: LanguageRegister | Annotated[list[LanguageRegister], Field(min_length=1)] | None = _one_or_more(
        "A language register"
    )
    emotional_state: EmotionalState | Annotated[list[EmotionalState], Field(min_length=1)] | None = _one_or_more(
        "An emotional state"
    )

    def conditions(self) -> dict[str, list[str]]:
        """attribute -> the values it may take, for the attributes this stratum sets (in ATTRIBUTES order)."""
        out = {}
        for attribute in ATTRIBUTES:
            value = getattr(self, attribute)
            if value is not None:
                values = value if isinstance(value, list) else [value]
                out[attribute] = [v.value if isinstance(v, EmotionalState) else str(v) for v in values]
        return out

    def matches(self, persona: Persona) -> bool:
        attributes = persona_attributes(persona)
        return all(_matches(attributes[a], values) for a, values in self.conditions().items())


class Stratum(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(description="Unique within the population, e.g. 25-34 or east-asia-novice.")
    where: Where = Field(description="The persona attributes of this stratum; {} takes every persona not yet taken.")
    weight: float = Field(
        gt=0, description="Its share of the population; weights are normalised, so percentages work as well."
    )


class Population(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Lowercase words joined by '-'.")
    description: Text = Field(description="One line: who this population is.")
    source: Text = Field(description="Where the weights come from (free text: the table, survey or guess, and year).")
    strata: Annotated[list[Stratum], Field(min_length=1)] = Field(
        description="The population's parts; a persona belongs to the first stratum it matches."
    )

    def weights(self) -> dict[str, float]:
        """Stratum name -> its weight, normalised to sum to 1."""
        total = sum(s.weight for s in self.strata)
        return {s.name: s.weight / total for s in self.strata}

    def canonical(self) -> dict[str, Any]:
        """The population as data: what the content hash covers (comments, layout and value order do not count)."""
        data = self.model_dump(mode="json", exclude={"strata"})
        data["strata"] = [
            {"name": s.name, "where": {a: sorted(v) for a, v in s.where.conditions().items()}, "weight": s.weight}
            for s in self.strata
        ]
        return data

    @property
    def content_hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


POPULATION_FILE = ShippedSchema(
    Population,
    SCHEMA_PATH,
    "population",
    "us-adults",
    "a population is a YAML mapping with name, description, source and strata (each with name, where and "
    "weight), e.g. 'name: us-adults'; see frontdesk/simulators/populations/us-adults.yaml for a complete one",
)


def population_json_schema() -> dict[str, Any]:
    return POPULATION_FILE.generate()


# --- personas against strata ------------------------------------------------------------------


def persona_attributes(persona: Persona) -> dict[str, str | None]:
    """The attributes a stratum can match on (None where the persona does not say)."""
    d = persona.demographics
    return {
        "age_band": d.age_band if d else None,
        "region": d.region if d else None,
        "occupation": d.occupation if d else None,
        "first_language": d.first_language if d else None,
        "technical_comfort": persona.traits.technical_comfort,
        "language_register": persona.language_register,
        "emotional_state": persona.traits.emotional_state.value,
    }


def _matches(value: str | None, allowed: list[str]) -> bool:
    """Free-text attributes are compared without regard to case or surrounding spaces."""
    return value is not None and value.strip().casefold() in {a.strip().casefold() for a in allowed}


Library = Mapping[str, Persona] | Iterable[Persona]


def _personas(library: Library | None) -> list[Persona]:
    """The library as a list in name order, so a draw never depends on how the library was built."""
    if library is None:
        library = persona_library()
    personas = list(library.values()) if isinstance(library, Mapping) else list(library)
    by_name: dict[str, Persona] = {}
    for p in personas:
        if p.name in by_name and by_name[p.name] != p:
            raise ConfigError(f"two different personas are named {p.name!r}; rename one")
        by_name[p.name] = p
    return [by_name[name] for name in sorted(by_name)]


def _nobody(stratum: Stratum, personas: list[Persona]) -> str:
    """Why no persona matches a stratum, and how to fix it."""
    conditions = stratum.where.conditions()
    for attribute, values in conditions.items():
        if not any(_matches(persona_attributes(p)[attribute], values) for p in personas):
            known = sorted({v for p in personas if (v := persona_attributes(p)[attribute]) is not None})
            shown = ", ".join(known) if known else "none"
            return (
                f"no persona has {attribute} {' or '.join(map(repr, values))} "
                f"({attribute} values in the library: {shown}); fix the value or add a persona that has it"
            )
    said = " and ".join(f"{a} {' or '.join(map(repr, v))}" for a, v in conditions.items())
    return f"no persona has {said} together; widen the stratum or add a persona that fits"


def assign_strata(
    population: Population, library: Library | None = None, source: str | None = None
) -> dict[str, list[str]]:
    """Stratum name -> the names of the personas in it (name order): each persona in the first stratum it matches.

    Raises ConfigError naming a stratum that no persona matches, or whose personas all belong to
    earlier strata. ``source`` says where the population came from, for the message.
    """
    personas = _personas(library)
    where = f"population file {source}" if source else f"population {population.name!r}"
    taken: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for i, stratum in enumerate(population.strata):
        matching = [p.name for p in personas if stratum.where.matches(p)]
        members[stratum.name] = [name for name in matching if name not in taken]
        if not matching:
            raise ConfigError(
                f"{where}: stratum {stratum.name!r} (strata.{i}) matches no persona in the library; "
                + _nobody(stratum, personas)
            )
        if not members[stratum.name]:
            earlier = ", ".join(dict.fromkeys(repr(taken[name]) for name in matching))
            raise ConfigError(
                f"{where}: stratum {stratum.name!r} (strata.{i}) gets no persona: every persona it matches "
                f"({', '.join(matching)}) is in an earlier stratum ({earlier}), and a persona belongs to the first "
                "stratum it matches; move this stratum up or narrow the earlier one"
            )
        taken.update(dict.fromkeys(members[stratum.name], stratum.name))
    return members


def stratum_of(population: Population, library: Library | None = None) -> dict[str, str]:
    """Persona name -> its stratum (the first it matches), for every library persona in some stratum."""
    return {name: s for s, names in assign_strata(population, library).items() for name in names}


# --- files ------------------------------------------------------------------------------------


def _check(population: Population, source: str) -> None:
    """What the schema cannot say: unique stratum names, finite weights."""
    seen: dict[str, int] = {}
    for i, stratum in enumerate(population.strata):
        if stratum.name in seen:
            raise ConfigError(
                f"population file {source}: field 'strata.{i}.name': {stratum.name!r} is also the name of "
                f"strata.{seen[stratum.name]}; stratum names must be unique, so rename one"
            )
        seen[stratum.name] = i
        if not math.isfinite(stratum.weight):
            raise ConfigError(
                f"population file {source}: field 'strata.{i}.weight' must be a finite number greater than 0, "
                f"not {stratum.weight}"
            )


def parse_population(data: Any, source: str, library: Library | None = None) -> Population:
    """A population from parsed YAML, checked against the schema and against the persona library."""
    POPULATION_FILE.check(data, source)
    population = Population.model_validate(data)
    _check(population, source)
    assign_strata(population, library, source)
    return population


def load_population(path: Path | str, library: Library | None = None) -> Population:
    """Read, validate and check a population file; every problem is one ConfigError line."""
    path = Path(path)
    return parse_population(POPULATION_FILE.read_yaml(path), str(path), library)


@cache
def population_library() -> dict[str, Population]:
    """The populations that ship with frontdesk, by name."""
    library: dict[str, Population] = {}
    for path in sorted(POPULATIONS_DIR.glob("*.yaml")):
        population = load_population(path)
        if population.name != path.stem:
            raise ConfigError(f"population file {path}: its name {population.name!r} must match the file name")
        library[population.name] = population
    return library


def resolve_population(spec: str | Path) -> Population:
    """A shipped population by name (e.g. us-adults), or a population file by path."""
    text = str(spec)
    if text in population_library():
        return population_library()[text]
    if Path(text).suffix in (".yaml", ".yml") or Path(text).exists():
        return load_population(Path(text))
    raise ConfigError(
        f"unknown population {text!r}; shipped: {', '.join(population_library())} (or give a population file's path)"
    )


# --- drawing ----------------------------------------------------------------------------------


def allocate(n: int, weights: list[float]) -> list[int]:
    """``n`` split by (normalised) weights with largest-remainder rounding: each part is floor or ceil of n·w.

    Ties in the remainders go to the earlier stratum, so the split depends on nothing but its inputs.
    """
    total = sum(weights)
    quotas = [round(n * w / total, 9) for w in weights]  # rounding keeps 2.9999999996 from flooring to 2
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    return counts


class StratumDraw(BaseModel):
    name: str
    weight: float  # normalised over the population's strata
    allocated: int  # personas drawn for it: floor or ceil of n × weight
    personas: list[str]  # drawn, in draw order; a name repeats only when allocated > len(eligible)
    eligible: list[str]  # every library persona in this stratum (it matched it first)


class PersonaSample(BaseModel):
    """A persona set drawn from a population, and everything needed to draw it again."""

    population: str
    population_hash: str  # sha256 of the population's canonical data (Population.content_hash)
    seed: int
    n: int
    strata: list[StratumDraw]
    personas: list[str]  # stratum by stratum, in draw order; may repeat (see StratumDraw.personas)

    def weights(self) -> dict[str, float]:
        return {s.name: s.weight for s in self.strata}

    def stratum_of(self) -> dict[str, str]:
        """Persona name -> stratum, for every eligible persona (drawn or not)."""
        return {name: s.name for s in self.strata for name in [*s.eligible, *s.personas]}

    def counts(self) -> dict[str, int]:
        """Persona name -> how many times it was drawn, in first-drawn order."""
        out: dict[str, int] = {}
        for name in self.personas:
            out[name] = out.get(name, 0) + 1
        return out

    def distinct_personas(self) -> list[str]:
        return list(self.counts())

    def resolve(self, library: Library | None = None) -> list[Persona]:
        """The drawn personas (each once, in first-drawn order) as Persona objects from ``library``."""
        by_name = {p.name: p for p in _personas(library)}
        missing = [name for name in self.distinct_personas() if name not in by_name]
        if missing:
            raise ConfigError(f"population sample names personas the library lacks: {', '.join(missing)}")
        return [by_name[name] for name in self.distinct_personas()]


def draw_personas(population: Population, n: int, seed: int, library: Library | None = None) -> PersonaSample:
    """Draw ``n`` personas from ``library`` (default: the shipped one) to match ``population``.

    Stratified and deterministic: the same population, library, ``n`` and ``seed`` always give
    the same sample. Counts per stratum come from :func:`allocate`; within a stratum the personas
    are shuffled by a generator seeded with (seed, stratum name) and taken in turn, with a fresh
    shuffle for each further pass when the stratum needs more personas than it has.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"a population sample needs at least one persona (got n={n!r}); ask for n >= 1")
    members = assign_strata(population, library)
    weights = population.weights()
    counts = allocate(n, [s.weight for s in population.strata])
    strata = []
    for stratum, count in zip(population.strata, counts, strict=True):
        pool = members[stratum.name]
        rng = random.Random(f"frontdesk.population:{seed}:{stratum.name}")
        drawn: list[str] = []
        while len(drawn) < count:
            batch = list(pool)
            rng.shuffle(batch)
            drawn.extend(batch[: count - len(drawn)])
        strata.append(
            StratumDraw(name=stratum.name, weight=weights[stratum.name], allocated=count, personas=drawn, eligible=pool)
        )
    return PersonaSample(
        population=population.name,
        population_hash=population.content_hash,
        seed=seed,
        n=n,
        strata=strata,
        personas=[name for s in strata for name in s.personas],
    )
