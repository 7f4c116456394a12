"""User simulators: the LLM customer and the offline scripted customer."""

from frontdesk.simulators.base import RatingError, UserContext, UserSimulator, UserSimulatorError
from frontdesk.simulators.experience import DIMENSIONS, Experience, Rating
from frontdesk.simulators.factory import USERS, build_user, check_user_spec
from frontdesk.simulators.llm_user import LLMUser, Strategy, build_system_prompt, to_user_messages
from frontdesk.simulators.persona import (
    DEFAULT_PERSONA_NAME,
    Persona,
    get_persona,
    load_persona,
    parse_persona,
    persona_json_schema,
    persona_library,
    resolve_personas,
)
from frontdesk.simulators.population import (
    PersonaSample,
    Population,
    assign_strata,
    draw_personas,
    load_population,
    population_json_schema,
    population_library,
    resolve_population,
    stratum_of,
)
from frontdesk.simulators.scripted_user import ScriptedUser
from frontdesk.simulators.signals import SIGNAL_TOKENS, parse_user_text

__all__ = [
    "DIMENSIONS",
    "Experience",
    "Rating",
    "RatingError",
    "DEFAULT_PERSONA_NAME",
    "USERS",
    "LLMUser",
    "Persona",
    "PersonaSample",
    "Population",
    "SIGNAL_TOKENS",
    "ScriptedUser",
    "Strategy",
    "UserContext",
    "UserSimulator",
    "UserSimulatorError",
    "build_system_prompt",
    "build_user",
    "get_persona",
    "load_persona",
    "parse_persona",
    "persona_json_schema",
    "persona_library",
    "resolve_personas",
    "check_user_spec",
    "parse_user_text",
    "to_user_messages",
    "assign_strata",
    "draw_personas",
    "load_population",
    "population_json_schema",
    "population_library",
    "resolve_population",
    "stratum_of",
]
