"""Where domains are found: built-ins below, others through the ``frontdesk.domains`` entry point."""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

from frontdesk.envs.domain import Domain
from frontdesk.errors import ConfigError

# name -> "module:attribute". Adding a built-in domain is one line here.
BUILTIN_DOMAINS: dict[str, str] = {
    "airline": "frontdesk.envs.airline:domain",
    "mock": "frontdesk.envs.mock:domain",
    "retail": "frontdesk.envs.retail:domain",
    "telecom": "frontdesk.envs.telecom:domain",
}

ENTRY_POINT_GROUP = "frontdesk.domains"


def _targets() -> dict[str, str]:
    targets = dict(BUILTIN_DOMAINS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        targets.setdefault(ep.name, ep.value)
    return targets


def domain_names() -> list[str]:
    return sorted(_targets())


@cache
def get_domain(name: str) -> Domain:
    targets = _targets()
    if name not in targets:
        raise ConfigError(f"unknown domain {name!r}; available: {', '.join(sorted(targets))}")
    module_name, _, attr = targets[name].partition(":")
    try:
        domain = getattr(importlib.import_module(module_name), attr or "domain")
    except Exception as e:  # an installed domain's own bug: name it, and keep the other domains usable
        raise ConfigError(
            f"domain {name!r} ({targets[name]}) failed to load: {type(e).__name__}: {e}; "
            "fix or uninstall the package that provides it"
        ) from None
    if not isinstance(domain, Domain):
        raise ConfigError(f"{targets[name]} is not a frontdesk Domain (got {type(domain).__name__})")
    return domain
