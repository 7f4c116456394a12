"""Generators of the domains' shipped data: seed databases, task files, README figures.

Authoring only: nothing under ``frontdesk/`` imports this package, and the wheel does not ship it.
``python -m authoring DOMAIN|all [--check]`` runs them (see README.md here).
"""

from __future__ import annotations

import importlib

from authoring.kit import Generator

# In the order `all` runs them: the smallest first, so a broken kit shows up quickly.
DOMAINS = ["mock", "retail", "airline", "telecom"]


def generator(domain: str) -> Generator:
    """The domain's generators, from ``authoring/<domain>/__init__.py``."""
    return importlib.import_module(f"authoring.{domain}").GENERATOR
