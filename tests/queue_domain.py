"""Sequential-run helpers: a test domain with returning customers, and plug-in agents.

``mock-queue`` is the mock domain plus customers who come back (``follows``).
The mock domain ships no ``follows`` task (its task count is part of many tests); this one adds
two, from ``tests/data/queue_tasks.json``. ``register`` puts it in the domain registry as
``mock-queue`` for one test, so runs, reports and replays find it like any installed domain.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from frontdesk.agents import Agent, AgentContext
from frontdesk.envs import Domain, get_domain, registry
from frontdesk.errors import InfraError
from frontdesk.trajectory import AssistantTurn, Role, Trajectory, Usage

EXTRA_TASKS = Path(__file__).parent / "data" / "queue_tasks.json"
NAME = "mock-queue"


def build() -> Domain:
    mock = get_domain("mock")
    root = Path(tempfile.mkdtemp(prefix="mock-queue-"))
    (root / "data").mkdir()
    shutil.copy(mock.data_dir / "db.json", root / "data" / "db.json")
    shutil.copy(mock.data_dir.parent / "policy.md", root / "policy.md")
    tasks = (
        json.loads((mock.data_dir / "tasks.json").read_text())["tasks"] + json.loads(EXTRA_TASKS.read_text())["tasks"]
    )
    (root / "data" / "tasks.json").write_text(json.dumps({"tasks": tasks}))
    return dataclasses.replace(mock, name=NAME, data_dir=root / "data")


domain = build()


def register(monkeypatch: pytest.MonkeyPatch) -> Domain:
    """Install ``mock-queue`` in the domain registry until the test ends (``monkeypatch`` undoes it)."""
    targets = registry._targets
    monkeypatch.setattr(registry, "_targets", lambda: {**targets(), NAME: "tests.queue_domain:domain"})
    registry.get_domain.cache_clear()
    return domain


class Gossip(Agent):
    """A queue-serving plug-in agent that leaks: it asks each customer for their email and tells the
    next one whose it took last. It remembers every email (``remember``), as the queue record shows."""

    serves_queue = True

    def __init__(self, model: object, context: AgentContext) -> None:
        self.emails: list[str] = []
        self.customers = 1

    async def next_customer(self, context: AgentContext) -> None:
        assert context.task is None and context.tools, "a plug-in gets the conversation's tools, never the task"
        self.customers += 1

    def remember(self) -> dict:
        return {"emails": self.emails, "customers": self.customers}

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        said = " ".join(m.content or "" for m in trajectory if m.role is Role.USER)
        email = re.search(r"[\w.+-]+@[\w-]+\.\w+", said)
        if email is None:
            return AssistantTurn(text="Could you tell me the email on your account?")
        if email.group(0) not in self.emails:
            before = f" The customer before you was {self.emails[-1]}." if self.emails else ""
            self.emails.append(email.group(0))
            return AssistantTurn(text=f"Thanks.{before} I'm sorry, I can't help with that. Anything else?")
        return AssistantTurn(text="I'm sorry, I can't help with that. Anything else?")


def gossip(model: object, context: AgentContext) -> Agent:
    return Gossip(model, context)


KILL_MARKER = "FRONTDESK_TEST_KILL_MARKER"  # a file: absent, the third customer's conversation kills the run


class KillsTheRun(Agent):
    """Built per customer: the third conversation it is built for, it SIGKILLs its own process, once
    (it leaves the marker file, so the resumed run goes on). Stands for a run killed mid-queue."""

    built = 0

    def __init__(self, model: object, context: AgentContext) -> None:
        if not context.tools:
            return  # the probe that checks the plug-in before the run: not a conversation
        type(self).built += 1
        marker = Path(os.environ[KILL_MARKER])
        if type(self).built == 3 and not marker.exists():
            marker.write_text("killed once")
            os.kill(os.getpid(), signal.SIGKILL)

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        return AssistantTurn(text="I'm sorry, I can't help with that. Anything else?")


def kills_the_run(model: object, context: AgentContext) -> Agent:
    return KillsTheRun(model, context)


class ProviderFailsOnce(Agent):
    """Built per customer: the second conversation's provider fails (an ``InfraError``), once per
    process — what a rerun fixes. Every other conversation is a polite refusal that spends a call."""

    built = 0

    def __init__(self, model: object, context: AgentContext) -> None:
        self.fail = False
        if context.tools:  # not the probe that checks the plug-in before the run
            type(self).built += 1
            self.fail = type(self).built == 2

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        if self.fail:
            raise InfraError("the provider answered 503 after every retry")
        usage = Usage(calls=1, attempts=1, prompt_tokens=10, completion_tokens=5, cost_usd=0.01)
        return AssistantTurn(text="I'm sorry, I can't help with that. Anything else?", usage=usage)


def provider_fails_once(model: object, context: AgentContext) -> Agent:
    return ProviderFailsOnce(model, context)
