"""The one door to language models: litellm or the openai-http transport, retries, usage and cost, error classes."""

from frontdesk.errors import InfraError
from frontdesk.llm.client import (
    SCRIPTED_PREFIX,
    Completion,
    ModelConfig,
    aclose,
    check_model_string,
    complete,
    import_litellm,
    is_transient,
    missing_provider_keys,
)
from frontdesk.llm.output import ModelOutputError
from frontdesk.llm.participants import ParticipantRegistry

__all__ = [
    "SCRIPTED_PREFIX",
    "Completion",
    "aclose",
    "InfraError",
    "ModelConfig",
    "ModelOutputError",
    "ParticipantRegistry",
    "check_model_string",
    "complete",
    "import_litellm",
    "is_transient",
    "missing_provider_keys",
]
