"""User simulators: the LLM customer and the offline scripted customer."""

from frontdesk.simulators.base import DEFAULT_PERSONA, UserContext, UserSimulator, UserSimulatorError
from frontdesk.simulators.factory import USERS, build_user, check_user_spec
from frontdesk.simulators.llm_user import LLMUser, build_system_prompt, parse_user_text, to_user_messages
from frontdesk.simulators.scripted_user import ScriptedUser

__all__ = [
    "DEFAULT_PERSONA",
    "USERS",
    "LLMUser",
    "ScriptedUser",
    "UserContext",
    "UserSimulator",
    "UserSimulatorError",
    "build_system_prompt",
    "build_user",
    "check_user_spec",
    "parse_user_text",
    "to_user_messages",
]
