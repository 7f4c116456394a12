"""The bridge between a running trial and the env that fills one of its seats.

The trial runs unchanged — :func:`frontdesk.seats.execute_seated_trial`, so the orchestrator's loop,
limits and scoring — as a task on an event loop. The seat's participant (:class:`SeatAgent` or
:class:`SeatUser`) answers each ``respond()`` by handing the conversation to the env and awaiting
the action the env receives in its next ``step``. Between steps the trial task is simply suspended
on that future; nothing here runs a conversation of its own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from frontdesk.agents import Agent, AgentContext
from frontdesk.eval.record import TrialResult
from frontdesk.gym.actions import agent_turn, user_turn
from frontdesk.simulators import UserContext, UserSimulator, UserSimulatorError
from frontdesk.simulators.guards import check_turn
from frontdesk.simulators.llm_user import FIRST_TURN, MAX_DRAFT_SHOWN, REGENERATE
from frontdesk.trajectory import AssistantTurn, RejectedDraft, Role, Trajectory, UserTurn


class Seat:
    """One rendezvous per turn: the participant asks with the conversation, the env answers with an action."""

    def __init__(self) -> None:
        self.trajectory: Trajectory = []  # the orchestrator's own list: it only grows
        self._asked: asyncio.Future[bool] | None = None
        self._answer: asyncio.Future[Any] | None = None

    async def ask(self, trajectory: Trajectory) -> Any:
        """The participant's side: publish the conversation, wait for the env's action."""
        self.trajectory = trajectory
        self._answer = answer = asyncio.get_running_loop().create_future()
        self.wake(True)
        return await answer

    def wake(self, asked: bool) -> None:
        if self._asked is not None and not self._asked.done():
            self._asked.set_result(asked)

    def expect(self) -> asyncio.Future[bool]:
        """The env's side: a future that says True when the seat is asked again, False when the trial ended."""
        self._asked = asyncio.get_running_loop().create_future()
        return self._asked

    def answer(self, action: Any) -> None:
        answer, self._answer = self._answer, None
        if answer is None or answer.done():
            raise RuntimeError("the trial is not waiting for an action")
        answer.set_result(action)


class Episode:
    """One trial running as a task, with its seat; :meth:`start` and :meth:`send` return whether the
    seat is asked again (True) or the trial ended (False; :meth:`result` then holds it)."""

    def __init__(self, run: Callable[[], Awaitable[TrialResult]], seat: Seat) -> None:
        self._run = run
        self.seat = seat
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[TrialResult] | None = None
        self.steps = 0

    async def start(self) -> bool:
        self.loop = asyncio.get_running_loop()
        asked = self.seat.expect()
        self.task = self.loop.create_task(self._run())
        # A trial that ends (or breaks) wakes the env too, so a step never waits for a turn that will not come.
        self.task.add_done_callback(lambda _: self.seat.wake(False))
        return await asked

    async def send(self, action: Any) -> bool:
        asked = self.seat.expect()
        self.seat.answer(action)
        self.steps += 1
        return await asked

    def result(self) -> TrialResult:
        assert self.task is not None and self.task.done()
        return self.task.result()  # a CredentialError or a bug in the harness is raised here, not hidden

    async def stop(self) -> None:
        """Cancel a trial still running (the env is reset or closed mid-episode)."""
        if self.task is None or self.task.done() or self.loop is None or self.loop.is_closed():
            return  # nothing running, or its loop is gone (and the task with it)
        self.task.cancel()
        if self.loop is asyncio.get_running_loop():
            await asyncio.gather(self.task, return_exceptions=True)


class SeatAgent(Agent):
    """The agent seat, played by whoever calls ``step``: each turn is the next action, read like a model's reply."""

    def __init__(self, seat: Seat, context: AgentContext) -> None:
        self.seat = seat
        self.context = context

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        return agent_turn(await self.seat.ask(trajectory), f"call-{len(trajectory)}")


class SeatUser(UserSimulator):
    """The customer seat, held to the LLM customer's rules (:class:`frontdesk.simulators.LLMUser`):
    an ``opening_message`` is sent verbatim; the first turn's system prompt carries the same
    first-turn note; every turn must pass the turn guards, and a failing draft is refused — the
    system prompt then quotes it with the guard's reason, as the LLM customer's does — and asked
    again, at most ``max_regenerations`` times; a turn that keeps failing ends the trial as a user
    error. Rejected drafts are recorded on the message. It counts what :class:`frontdesk.gym.UserEnv`
    rewards."""

    def __init__(self, seat: Seat, context: UserContext, max_regenerations: int = 2) -> None:
        self.seat = seat
        self.context = context
        self.max_regenerations = max_regenerations
        self.note = ""  # what the LLM customer's system prompt would have appended for this draft
        self.turns = 0  # turns the seat was asked for
        self.first_drafts_passed = 0
        self.failures: list[str] = []

    async def respond(self, trajectory: Trajectory) -> UserTurn:
        first = not any(m.role is Role.USER for m in trajectory)
        opening = self.context.scenario.opening_message
        if opening and first:
            return UserTurn(text=opening)  # authored word for word, as every simulator sends it
        base = ""
        if first:
            greeting = next((m.content for m in trajectory if m.role is Role.AGENT and m.content), "")
            base = FIRST_TURN.format(greeting=json.dumps(greeting, ensure_ascii=False))
        self.turns += 1
        self.note = base
        rejected: list[RejectedDraft] = []
        for attempt in range(self.max_regenerations + 1):
            turn, draft = user_turn(await self.seat.ask(trajectory), f"user-{len(trajectory)}-{attempt}")
            failure = check_turn(turn, self.context.scenario, trajectory)
            if failure is None:
                self.first_drafts_passed += attempt == 0
                self.note = ""
                return turn.model_copy(
                    update={"guard_failures": [d.reason for d in rejected], "rejected_drafts": rejected}
                )
            rejected.append(RejectedDraft(text=draft, reason=str(failure)))
            self.failures.append(str(failure))
            shown = (draft or "(nothing)").strip()[:MAX_DRAFT_SHOWN]
            self.note = base + REGENERATE.format(draft=json.dumps(shown, ensure_ascii=False), reason=failure)
        self.note = ""
        raise UserSimulatorError(
            f"the customer seat failed the turn guards {len(rejected)} times: {'; '.join(d.reason for d in rejected)}"
        )
