"""A run's configuration: everything that decides its results, hashed so a resume can trust it."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frontdesk.envs import Domain, canonical_json, state_hash
from frontdesk.errors import ConfigError
from frontdesk.eval.orchestrator import Limits
from frontdesk.llm.transport import Transport, TransportChoice, resolve_transport
from frontdesk.redact import redact
from frontdesk.simulators import DEFAULT_PERSONA_NAME, Persona, PersonaSample, get_persona
from frontdesk.simulators.llm_user import PROMPT_VERSION

# Fields that change how fast or how far a run goes but not what a finished trial says: left out of
# the config hash, so a run can be resumed with more concurrency, a new budget or more retries.
_NOT_HASHED = {
    "concurrency",
    "max_retries",
    "retry_wait_s",
    "call_timeout_s",
    "max_calls_in_flight",
    "requests_per_minute",
    "cache_dir",
    "max_cost_usd",
    "workers",
    "executor",
    "ray_address",
    # Both transports send the same request and price it the same way, so a run started under one
    # resumes under the other (as runs started before auto became the default do); the manifest
    # records which one each model's calls took (``transports``).
    "transport",
    # More trials of the same configuration are more of the same run (each trial's seed depends on
    # its index, not on the count), so raising --trials grows a run; the manifest records the count.
    "trials",
}


class Sequential(BaseModel):
    """A sequential run (``--sequential``): one agent serves a queue of customers, one after another,
    on one database; each trial index is one order of the queue (see frontdesk/eval/queue.py)."""

    model_config = ConfigDict(extra="forbid")

    queue_size: int | None = Field(
        default=None, ge=1, description="Customers per queue, a seeded draw from the selected tasks; None: all."
    )
    order: Literal["shuffled", "by-tag", "file"] = Field(
        default="shuffled",
        description="shuffled: a seeded order per trial; by-tag: customers grouped by their first tag, groups "
        "and members shuffled per trial; file: the orders given in `orders`.",
    )
    orders: list[list[str]] | None = Field(default=None, description="The orders of a queue-order file, one per trial.")
    memory: bool = Field(
        default=True, description="Give the agent the memory tools (note_write, note_search, note_read)."
    )


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: str
    agent: str = "scripted/oracle"
    user: str = "scripted/user"
    # Scores tasks' judged_assertions: any litellm model string. None: tasks that need one cannot run.
    judge: str | None = None
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
    # The population draw the personas came from (--persona-sample): kept so a report can post-stratify.
    persona_sample: PersonaSample | None = None
    limits: Limits = Field(default_factory=Limits)
    concurrency: int = Field(default=4, ge=1)
    workers: int = Field(
        default=1, ge=1, description="Processes (or Ray actors) sharing the trials and the concurrency."
    )
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = Field(default=None, description="An existing Ray cluster; None starts a local one.")
    call_timeout_s: float = Field(default=120.0, gt=0)
    retry_wait_s: float = Field(default=1.0, ge=0, description="Base of the exponential backoff between retries.")
    max_calls_in_flight: int | None = Field(default=None, ge=1, description="Per provider.")
    requests_per_minute: float | None = Field(default=None, gt=0, description="Per provider.")
    cache_dir: str | None = None
    transport: TransportChoice = Field(
        default="auto",
        description="auto (openai-http for OpenAI models and OpenAI-compatible servers, litellm for the rest), "
        "litellm (any provider) or openai-http (OpenAI-compatible endpoints, less CPU).",
    )
    max_cost_usd: float | None = Field(default=None, gt=0, description="Spend cap for one invocation.")
    sequential: Sequential | None = Field(
        default=None,
        description="Serve the customers as queues (one agent, one database, in order); None: every trial alone.",
    )
    ratings: bool = Field(
        default=True,
        description="After each scored trial the customer rates the conversation (1-7 on six dimensions); "
        "never part of the reward. An LLM customer makes one more call per trial; off skips it.",
    )

    @classmethod
    def from_options(cls, option_names: dict[str, str] | None = None, **fields: Any) -> RunConfig:
        """Build a configuration, turning a validation failure into one line naming the option.

        ``option_names`` maps field paths (``limits.max_turns``) to how the caller spells them
        (``max_turns`` for the CLI's ``--max-turns``).
        """
        try:
            return cls(**fields)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            name = (option_names or {}).get(where)
            shown = f"--{name.replace('_', '-')}" if name else f"run option {where!r}"
            raise ConfigError(f"{shown}: {first['msg']} (got {first.get('input')!r})") from None

    def transport_for(self, model: str) -> Transport:
        """The transport ``model``'s calls take in this run (``transport`` resolved for it)."""
        return resolve_transport(self.transport, model, self.llm_params)

    def models(self) -> list[str]:
        """The model strings this run calls through frontdesk.llm: a model-backed agent and customer, the judge."""
        from frontdesk.agents import is_agent_model
        from frontdesk.simulators.factory import is_user_model

        seats = [m for m, is_model in ((self.agent, is_agent_model), (self.user, is_user_model)) if is_model(m)]
        return sorted(set(seats) | ({self.judge} if self.judge else set()))

    def transports(self) -> dict[str, Transport]:
        """The transport each of :meth:`models` takes: what the manifest records as used."""
        return {m: self.transport_for(m) for m in self.models()}

    def public_dict(self) -> dict[str, Any]:
        """The configuration as stored in the manifest: secrets redacted."""
        return redact(self.model_dump(mode="json"))

    def config_hash(self, domain_fingerprint: str) -> str:
        hashed = {k: v for k, v in self.public_dict().items() if k not in _NOT_HASHED}
        for optional in ("persona_sample", "sequential"):
            if hashed.get(optional) is None:
                hashed.pop(optional, None)  # runs without a population draw or queues keep the hash they had
        plugins = self.plugin_provenance()
        if plugins:  # configurations without plug-ins keep the hash they always had
            hashed["plugins"] = plugins
        # The simulator's prompt version is part of what produced the results, though no option sets it.
        return state_hash({"config": hashed, "domain": domain_fingerprint, "user_prompt_version": PROMPT_VERSION})

    def plugin_provenance(self) -> dict[str, Any]:
        """Import path, package and version of every plug-in participant: part of what produced results."""
        from frontdesk.agents import agent_provenance
        from frontdesk.simulators.factory import user_provenance

        return agent_provenance(self.agent, self.agent_strategy) | user_provenance(self.user, self.user_strategy)

    def simulator_stamp(self) -> dict[str, Any]:
        """What defines the simulated customer; runs are only pooled when this matches."""
        return {
            "model": self.user,
            "strategy": self.user_strategy,
            "temperature": self.user_temperature,
            "prompt_version": PROMPT_VERSION,
            "personas": [p.name for p in self.personas],
        }


def run_defaults() -> dict[str, Any]:
    """Every default of a run, by field path (``limits.max_turns``): what ``run --help`` shows."""
    defaults: dict[str, Any] = {}
    for model, prefix in ((RunConfig, ""), (Limits, "limits.")):
        for name, info in model.model_fields.items():
            if not info.is_required() and info.default_factory is None:
                defaults[prefix + name] = info.default
    return defaults


def domain_fingerprint(domain: Domain) -> str:
    """Changes whenever the domain's tasks, seed data or policy change."""
    return state_hash(
        {
            "version": domain.version,
            "policy": domain.policy,
            "db": domain.seed_data,
            "tasks": [t.model_dump(mode="json") for t in domain.tasks],
        }
    )


def trial_seed(run_seed: int, task_id: str, trial: int, persona: str = DEFAULT_PERSONA_NAME) -> int:
    """A stable 31-bit seed per (run seed, task, persona, trial), the same on every machine and resume."""
    digest = hashlib.sha256(canonical_json([run_seed, task_id, persona, trial]).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
