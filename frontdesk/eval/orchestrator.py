"""One trial: greeting, then user → agent (→ tools → agent)* → user … until a termination reason."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel

from frontdesk.agents import Agent
from frontdesk.envs import Environment
from frontdesk.errors import CredentialError, InfraError
from frontdesk.llm.ledger import Spend, spending
from frontdesk.redact import scrub
from frontdesk.simulators import UserSimulator
from frontdesk.simulators.guards import stalled
from frontdesk.tools import ToolCall, ToolResult
from frontdesk.trajectory import AssistantTurn, Message, Role, Trajectory, Usage, UserSignal, UserTurn, valid_text


class TerminationReason(str, Enum):
    USER_STOP = "user_stop"
    TRANSFER = "transfer"
    OUT_OF_SCOPE = "out_of_scope"
    MAX_TURNS = "max_turns"
    MAX_TOOL_ERRORS = "max_tool_errors"
    TIMEOUT = "timeout"
    AGENT_ERROR = "agent_error"
    USER_ERROR = "user_error"
    INFRA_ERROR = "infra_error"


class ErrorClass(str, Enum):
    """Who a trial's failure belongs to (see DESIGN.md, "Errors belong to someone")."""

    AGENT = "agent"  # scored: counts against the agent
    USER = "user"  # excluded from pass^k, counted and shown
    INFRA = "infra"  # not scored; retried by a later resume


# Endings where the conversation finished on its own terms; the checker alone decides the reward.
NORMAL_ENDINGS = {TerminationReason.USER_STOP, TerminationReason.TRANSFER, TerminationReason.OUT_OF_SCOPE}

ERROR_CLASS: dict[TerminationReason, ErrorClass] = {
    TerminationReason.MAX_TURNS: ErrorClass.AGENT,
    TerminationReason.MAX_TOOL_ERRORS: ErrorClass.AGENT,
    TerminationReason.AGENT_ERROR: ErrorClass.AGENT,
    TerminationReason.USER_ERROR: ErrorClass.USER,
    TerminationReason.INFRA_ERROR: ErrorClass.INFRA,
    # The whole trial's wall clock ran out. Provider slowness is the usual cause, so the trial is
    # retried rather than scored; a persistently slow agent shows up as pending, never as a pass.
    TerminationReason.TIMEOUT: ErrorClass.INFRA,
}

_SIGNAL_ENDING = {
    UserSignal.STOP: TerminationReason.USER_STOP,
    UserSignal.TRANSFER: TerminationReason.TRANSFER,
    UserSignal.OUT_OF_SCOPE: TerminationReason.OUT_OF_SCOPE,
}


class Limits(BaseModel):
    max_turns: int = 40  # agent and user messages together (tool results not counted)
    max_tool_errors: int = 10  # failed agent tool calls in one trial
    max_user_tool_steps: int = 10  # device actions a simulated user may take before speaking
    timeout_s: float = 600.0  # wall clock for the whole trial


@dataclass
class TrialOutcome:
    trajectory: Trajectory
    termination: TerminationReason
    error: str | None = None
    agent_usage: Usage = field(default_factory=Usage)
    user_usage: Usage = field(default_factory=Usage)
    tool_errors: int = 0


class _Ended(Exception):
    def __init__(
        self, reason: TerminationReason, error: str | None = None, usage: Usage | None = None, side: str | None = None
    ) -> None:
        # Error text is written to disk and shown: valid Unicode, no secret the process knows.
        self.reason, self.error, self.usage = reason, None if error is None else scrub(valid_text(error)), usage
        self.side = side  # whose turn failed ("agent" or "user"): who is charged ``usage``


async def run_trial(env: Environment, agent: Agent, user: UserSimulator, limits: Limits) -> TrialOutcome:
    """Run one conversation to its end. Never raises for anything a participant or provider does,
    with one exception: a :class:`CredentialError` (missing or refused credentials) propagates, because
    no trial can succeed until someone sets the key, so the run should stop, not record failures."""
    outcome = TrialOutcome(trajectory=[], termination=TerminationReason.USER_STOP)
    try:
        await asyncio.wait_for(_converse(env, agent, user, limits, outcome), timeout=limits.timeout_s)
    except _Ended as ended:
        # Every trial ends this way: without its traceback (wait_for's frame holds the task that holds
        # this exception) the trial's whole state is a reference cycle that only the garbage collector
        # frees, and at a thousand trials in flight its pauses stall every model call.
        ended.__traceback__ = None
        outcome.termination, outcome.error = ended.reason, ended.error
        if ended.usage is not None:  # a participant that failed after paying for calls
            _charge(outcome, ended.side or "agent", ended.usage)
    except TimeoutError:
        outcome.termination = TerminationReason.TIMEOUT
        outcome.error = f"trial exceeded {limits.timeout_s:g} s"
    return outcome


async def _ask(
    participant: Agent | UserSimulator, traj: Trajectory, side: str, broken: TerminationReason, out: TrialOutcome
) -> Any:
    """One participant turn. Provider trouble is infra; anything else it raises is its own failure.

    A turn that fails is still charged for its model calls, every HTTP attempt included (a failed
    turn returns no usage, so it is taken from what the model layer saw spent during the turn).
    """
    with spending() as spent:
        try:
            return await participant.respond(traj)
        except CredentialError:
            raise
        except InfraError as e:
            raise _Ended(TerminationReason.INFRA_ERROR, f"{side} model: {e}", _failed_turn(spent, e), side) from None
        except asyncio.CancelledError:  # the trial's clock ran out mid-turn; the requests went out all the same
            _charge(out, side, spent.usage)
            raise
        except Exception as e:
            raise _Ended(broken, f"{type(e).__name__}: {e}", _failed_turn(spent, e), side) from None


def _failed_turn(spent: Spend, error: Exception) -> Usage | None:
    """What a failed turn cost: every call it made through frontdesk.llm, or else what the
    participant says (one that calls its models some other way)."""
    if spent.usage.attempts or spent.usage.cached_calls:
        return spent.usage
    return getattr(error, "usage", None)


def _charge(out: TrialOutcome, side: str, usage: Usage) -> None:
    if side == "user":
        out.user_usage += usage
    else:
        out.agent_usage += usage


def _execute(
    env: Environment, calls: list[ToolCall], traj: Trajectory, requestor: str, stop_after_errors: int | None = None
) -> list[ToolResult]:
    """Run calls in the order given (parallel calls included), recording each result.

    With ``stop_after_errors``, the batch stops once that many of its calls have failed: the calls
    after it are not run and get no result (a result would claim a tool answered). The limit
    holds per call, not per batch, so no write runs after the failure that reached it.
    """
    results: list[ToolResult] = []
    failed = 0
    for call in calls:
        if stop_after_errors is not None and failed >= stop_after_errors:
            break
        result = env.execute(call)
        traj.append(Message(role=Role.TOOL, tool_result=result, requestor=requestor))
        results.append(result)
        failed += not result.ok
    return results


def _end_if_stalled(traj: Trajectory) -> None:
    """The stall guard: a customer that cannot finish ends the trial, not max_turns (which blames the
    agent). Said goodbye and nothing is asked of it: ``user_stop``, scored as any ending; stuck
    while the agent waits on it: ``user_error``. The rule: :func:`frontdesk.simulators.guards.stalled`."""
    stall = stalled(traj)
    if stall is None:
        return
    traj[-1].ended_by = f"stall guard: {stall.reason}"
    if stall.ending == "stop":
        raise _Ended(TerminationReason.USER_STOP)
    raise _Ended(TerminationReason.USER_ERROR, f"the simulated customer stalled: {stall.reason}")


async def _converse(env: Environment, agent: Agent, user: UserSimulator, limits: Limits, out: TrialOutcome) -> None:
    traj = out.trajectory
    traj.append(Message(role=Role.AGENT, content=agent.greeting))
    turns = 1
    transfer_tool = env.domain.transfer_tool
    while True:
        # --- the customer's turn (device actions first, in dual-control domains) ---
        for _ in range(limits.max_user_tool_steps + 1):
            if turns >= limits.max_turns:
                raise _Ended(TerminationReason.MAX_TURNS)
            turn: UserTurn = await _ask(user, traj, "user", TerminationReason.USER_ERROR, out)
            out.user_usage += turn.usage
            calls = [c.model_copy(update={"requestor": "user"}) for c in turn.tool_calls]
            traj.append(
                Message(
                    role=Role.USER,
                    content=turn.text,
                    tool_calls=calls,
                    signal=turn.signal,
                    usage=turn.usage,
                    reasoning=turn.reasoning,
                    guard_failures=turn.guard_failures,
                    rejected_drafts=turn.rejected_drafts,
                )
            )
            turns += 1
            _execute(env, calls, traj, "user")
            if turn.signal is not None:
                raise _Ended(_SIGNAL_ENDING[turn.signal])
            if not calls:
                _end_if_stalled(traj)
                break
        else:
            raise _Ended(TerminationReason.USER_ERROR, f"user took more than {limits.max_user_tool_steps} device steps")
        # --- the agent's turn: tool calls until it speaks to the customer ---
        while True:
            if turns >= limits.max_turns:
                raise _Ended(TerminationReason.MAX_TURNS)
            reply: AssistantTurn = await _ask(agent, traj, "agent", TerminationReason.AGENT_ERROR, out)
            out.agent_usage += reply.usage
            calls = [c.model_copy(update={"requestor": "agent"}) for c in reply.tool_calls]
            traj.append(Message(role=Role.AGENT, content=reply.text, tool_calls=calls, usage=reply.usage))
            turns += 1
            if not calls and not (reply.text or "").strip():
                raise _Ended(TerminationReason.AGENT_ERROR, "agent returned an empty turn (no text, no tool calls)")
            results = _execute(env, calls, traj, "agent", stop_after_errors=limits.max_tool_errors - out.tool_errors)
            out.tool_errors += sum(not r.ok for r in results)
            if out.tool_errors >= limits.max_tool_errors:
                skipped = len(calls) - len(results)
                not_run = f"; the {skipped} later call(s) of the same turn were not run" if skipped else ""
                raise _Ended(TerminationReason.MAX_TOOL_ERRORS, f"{out.tool_errors} failed tool calls{not_run}")
            if any(r.ok and r.name == transfer_tool for r in results):
                raise _Ended(TerminationReason.TRANSFER)
            if not calls:
                break
