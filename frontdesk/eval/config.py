"""A run's configuration: everything that decides its results, hashed so a resume can trust it."""

from __future__ import annotations

import hashlib
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.envs import Domain, canonical_json, state_hash
from frontdesk.eval.orchestrator import Limits
from frontdesk.simulators import DEFAULT_PERSONA_NAME, Persona, get_persona
from frontdesk.simulators.llm_user import PROMPT_VERSION

# Whole-name matches ("api_key", "x-api-key", "aws_secret_access_key", "Authorization"), so that
# sampling parameters such as "max_tokens" are kept: they change results and belong in the hash.
_SECRET_KEY = re.compile(
    r"(^|[_-])(api[_-]?key|key|key[_-]id|token|secret|password|passwd|authorization|credentials?)$", re.IGNORECASE
)
REDACTED = "***"

# Fields that change how fast a run goes but not what it produces: left out of the config hash.
_NOT_HASHED = {"concurrency"}


def redact(value: Any) -> Any:
    """Replace the values of secret-looking keys, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_KEY.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: str
    agent: str = "scripted/oracle"
    user: str = "scripted/user"
    agent_strategy: str = "tool-calling"
    user_strategy: str = "plain"
    agent_temperature: float | None = 0.0
    user_temperature: float | None = 0.0
    llm_params: dict[str, Any] = Field(default_factory=dict)
    max_retries: int = Field(default=4, ge=0)
    trials: int = Field(default=1, ge=1)
    task_ids: list[str] | None = None
    split: Literal["train", "test"] | None = None
    seed: int = 0
    personas: list[Persona] = Field(default_factory=lambda: [get_persona(DEFAULT_PERSONA_NAME)], min_length=1)
    limits: Limits = Field(default_factory=Limits)
    concurrency: int = Field(default=4, ge=1)

    def public_dict(self) -> dict[str, Any]:
        """The configuration as stored in the manifest: secrets redacted."""
        return redact(self.model_dump(mode="json"))

    def config_hash(self, domain_fingerprint: str) -> str:
        hashed = {k: v for k, v in self.public_dict().items() if k not in _NOT_HASHED}
        # The simulator's prompt version is part of what produced the results, though no option sets it.
        return state_hash({"config": hashed, "domain": domain_fingerprint, "user_prompt_version": PROMPT_VERSION})

    def simulator_stamp(self) -> dict[str, Any]:
        """What defines the simulated customer; runs are only pooled when this matches."""
        return {
            "model": self.user,
            "strategy": self.user_strategy,
            "temperature": self.user_temperature,
            "prompt_version": PROMPT_VERSION,
            "personas": [p.name for p in self.personas],
        }


def domain_fingerprint(domain: Domain) -> str:
    """Changes whenever the domain's tasks, seed data or policy change."""
    return state_hash(
        {"policy": domain.policy, "db": domain.seed_data, "tasks": [t.model_dump(mode="json") for t in domain.tasks]}
    )


def trial_seed(run_seed: int, task_id: str, trial: int, persona: str = DEFAULT_PERSONA_NAME) -> int:
    """A stable 31-bit seed per (run seed, task, persona, trial), the same on every machine and resume."""
    digest = hashlib.sha256(canonical_json([run_seed, task_id, persona, trial]).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
