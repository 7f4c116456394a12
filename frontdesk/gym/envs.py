"""Gymnasium environments for both seats of a frontdesk trial: :class:`AgentEnv` and :class:`UserEnv`.

An episode is one trial of a run — the same orchestrator, limits, checker and record — with one seat
played by whoever calls :meth:`step`. Observations and actions are text (JSON), so both spaces are
``gymnasium.spaces.Text`` and any chat model can be a policy:

- observation: ``{"tools": [...], "messages": [...]}``, the chat-completions request the seat's model
  would be sent (for the agent: what ``ToolCallingAgent`` sends, the policy as the system message;
  for the customer: what the LLM customer is sent). ASCII JSON; ``json.loads`` it.
- action: the seat's message, ``{"content": …, "tool_calls": [{"name": …, "arguments": {…}}]}``,
  as a dict or its JSON text (a chat completion's ``choices[0].message``, or the whole completion).

An episode is (run seed, task, persona, trial index), exactly as a trial of ``frontdesk run --seed``
is: ``reset(seed=s, options={"task_id": t, "trial": i})`` plays the trial that run would play. With
no ``task_id``, the task is drawn from the seeded generator; with no ``seed``, the run seed is too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any, ClassVar

import gymnasium
from gymnasium import spaces

from frontdesk.agents import to_openai_messages
from frontdesk.agents.tool_calling import SYSTEM_TEMPLATE
from frontdesk.envs import Task, get_domain
from frontdesk.errors import ConfigError
from frontdesk.eval.checker import Goal, build_goal
from frontdesk.eval.config import RunConfig, trial_seed
from frontdesk.eval.judge import check_judge
from frontdesk.eval.orchestrator import NORMAL_ENDINGS, TerminationReason
from frontdesk.eval.record import InfraFailure, TrialRecord, TrialResult
from frontdesk.eval.runner import check_participants, select_tasks
from frontdesk.gym.seat import Episode, Seat, SeatAgent, SeatUser
from frontdesk.llm import aclose
from frontdesk.seats import execute_seated_trial
from frontdesk.simulators import (
    DEFAULT_PERSONA_NAME,
    Persona,
    UserContext,
    build_system_prompt,
    get_persona,
    to_user_messages,
)
from frontdesk.trajectory import Trajectory
from frontdesk.transcript import render_transcript

# Observations are ASCII JSON (json.dumps escapes everything else), so this charset holds every one.
CHARSET = "".join(chr(c) for c in range(32, 127)) + "\t\n\r"
# The action space's bound, for sampling; step() takes actions up to a model response's limit
# (frontdesk.llm.output.MAX_RESPONSE_BYTES). Sampling near that size would take seconds per sample.
ACTION_MAX_LENGTH = 65_536
OBSERVATION_MAX_LENGTH = 1 << 24


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)


class _View:
    """The seat's observation, encoded incrementally: the trajectory only grows, and each message's
    chat entry depends on that message alone, so each is converted and encoded once."""

    def __init__(self, system: str, tools: list[dict[str, Any]], convert: Any) -> None:
        self._convert = convert  # to_openai_messages or to_user_messages
        self._system = system
        self._tools = f'{{"tools": {_dumps(tools)}, "messages": ['
        self._head = self._tools + _dumps({"role": "system", "content": system})
        self._parts: list[str] = []
        self._seen = 0

    def render(self, trajectory: Trajectory, note: str = "") -> str:
        if len(trajectory) > self._seen:
            self._parts.extend(", " + _dumps(e) for e in self._convert("", trajectory[self._seen :])[1:])
            self._seen = len(trajectory)
        # A note joins the system prompt, as the LLM customer's do: one system message, first.
        head = self._tools + _dumps({"role": "system", "content": self._system + note}) if note else self._head
        return f"{head}{''.join(self._parts)}]}}"


def ending_info(result: TrialResult) -> dict[str, Any]:
    """What ``info`` carries when an episode ends: the termination, whose fault, every verdict component."""
    record = result if isinstance(result, TrialRecord) else None
    verdict = record.verdict if record else None
    if isinstance(result, InfraFailure):
        error_class = "infra"
    else:
        error_class = record.error_class.value if record and record.error_class else None
    return {
        "termination": result.termination.value,
        "error_class": error_class,
        "error": result.error,
        "scored": record is not None and record.reward is not None,  # False: a run leaves it out of pass^k
        "verdict_reward": record.reward if record else None,
        "components": {
            c.name: {"passed": c.passed, "gating": c.gating, "detail": c.detail}
            for c in (verdict.components if verdict else [])
        },
        "failed": verdict.failed if verdict else [],
        "tool_errors": record.tool_errors if record else 0,
    }


class _SeatEnv(gymnasium.Env[str, Any]):
    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"]}
    seat: ClassVar[str]
    stand_in: ClassVar[dict[str, str]]  # a scripted participant for this seat, for checking the configuration
    # Endings not caused by this seat (or a time limit): the episode is truncated, not terminated.
    cut_off: ClassVar[frozenset[TerminationReason]]

    def __init__(
        self,
        domain: str,
        split: str,
        persona: str | Persona | None,
        render_mode: str | None,
        fields: dict[str, Any],
    ) -> None:
        if split not in ("train", "test"):
            raise ConfigError(f"split must be 'train' or 'test', not {split!r} (the test split is served only by name)")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ConfigError(f"render_mode {render_mode!r}: one of {self.metadata['render_modes']} or None")
        chosen = persona if isinstance(persona, Persona) else get_persona(persona or DEFAULT_PERSONA_NAME)
        allow_missing_keys = bool(fields.pop("allow_missing_keys", False))
        self.config = RunConfig.from_options(domain=domain, split=split, personas=[chosen], **fields)
        # The other seat is checked as `frontdesk run` checks it (strategy, model string, provider key);
        # this seat is the caller's, so a scripted stand-in takes its place in the check.
        self.warnings = check_participants(self.config.model_copy(update=self.stand_in), allow_missing_keys)
        self.domain = get_domain(domain)
        self.tasks: list[Task] = select_tasks(self.domain, self.config)
        check_judge(self.config.judge, self.tasks, self.config.transport)
        self.persona = chosen
        self.render_mode = render_mode
        self.action_space = spaces.Text(ACTION_MAX_LENGTH, min_length=0, charset=CHARSET)
        self.observation_space = spaces.Text(OBSERVATION_MAX_LENGTH, min_length=0, charset=CHARSET)
        self.record: TrialResult | None = None  # the last finished episode, as the runner would write it
        self.episode_id = 0  # grows with every reset (scripted policies rebuild on a new one)
        self.task: Task | None = None
        self._goals: dict[str, Goal] = {}
        self._episode: Episode | None = None
        self._view: _View | None = None
        self._context: dict[str, Any] = {}
        self._ended = False  # the trial is over; the next step returns its final transition
        self._done = False  # that transition was returned
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- what subclasses say -------------------------------------------------------------------
    def _factories(self, seat: Seat, task: Task, seed: int) -> dict[str, Any]:
        raise NotImplementedError

    def _new_view(self, task: Task, seed: int) -> _View:
        raise NotImplementedError

    def _note(self) -> str:
        return ""

    def _reward(self, result: TrialResult, info: dict[str, Any]) -> float:
        raise NotImplementedError

    # --- the episode ---------------------------------------------------------------------------
    @property
    def trajectory(self) -> Trajectory:
        """The conversation so far (the orchestrator's messages; read, do not change)."""
        if isinstance(self.record, TrialRecord):
            return self.record.messages
        return self._episode.seat.trajectory if self._episode else []

    def _task(self, task_id: Any) -> Task:
        if task_id is None:
            return self.tasks[int(self.np_random.integers(len(self.tasks)))]
        found = next((t for t in self.tasks if t.id == task_id), None)
        if found is None:
            task = self.domain.task(str(task_id))  # an unknown id: ConfigError naming how to list them
            raise ConfigError(
                f"task {task.id!r} is in the {task.split!r} split or not among this env's tasks; "
                f"this env serves split {self.config.split!r}"
                + (" (pass split='test' to serve the test split)" if task.split == "test" else "")
            )
        return found

    def _goal(self, task: Task) -> Goal:
        goal = self._goals.get(task.id)
        if goal is None:  # the gold actions run once per task, not once per episode
            goal = self._goals[task.id] = build_goal(self.domain, task)
        return goal

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        return self._sync(self.areset(seed=seed, options=options))

    async def areset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """:meth:`reset` on the running event loop; continue the episode with :meth:`astep`."""
        super().reset(seed=seed)
        if self._episode is not None:
            await self._episode.stop()
        options = options or {}
        task = self._task(options.get("task_id"))
        trial = int(options.get("trial", 0))
        run_seed = seed if seed is not None else int(self.np_random.integers(2**31))
        config = self.config.model_copy(update={"seed": run_seed})
        seed = trial_seed(run_seed, task.id, trial, self.persona.name)  # what the record will carry
        seat = Seat()
        factories = self._factories(seat, task, seed)
        goal = self._goal(task)
        self._episode = Episode(
            lambda: execute_seated_trial(self.domain, task, trial, config, goal, self.persona, **factories), seat
        )
        self.episode_id += 1
        self.task, self.record, self._ended, self._done = task, None, False, False
        self._context = {
            "task_id": task.id,
            "trial": trial,
            "persona": self.persona.name,
            "seed": seed,
            "run_seed": run_seed,
        }
        self._view = self._new_view(task, seed)
        asked = await self._episode.start()
        if not asked:  # the trial ended before this seat's first turn (the customer left at once)
            self._finish()
        info = {**self._context, "step": 0, **({"policy": self.domain.policy} if self.seat == "agent" else {})}
        return self._observe(), info

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        return self._sync(self.astep(action))

    async def astep(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """:meth:`step` on the running event loop: many envs can be stepped at once with ``asyncio.gather``."""
        episode = self._episode
        if episode is None:
            raise RuntimeError("call reset() before step()")
        if self._done:
            raise RuntimeError("the episode has ended; call reset() to start another")
        if not self._ended:
            if episode.loop is not asyncio.get_running_loop():
                raise RuntimeError(
                    "this episode runs on another event loop: step an episode started with reset() with step(), "
                    "and one started with areset() with astep()"
                )
            if not await episode.send(action):
                self._finish()
        info = {**self._context, "step": episode.steps}
        if not self._ended:
            return self._observe(), 0.0, False, False, info
        self._done = True
        assert self.record is not None
        info |= ending_info(self.record)
        truncated = self.record.termination in self.cut_off
        return self._observe(), float(self._reward(self.record, info)), not truncated, truncated, info

    def _finish(self) -> None:
        assert self._episode is not None
        self.record = self._episode.result()
        self._ended = True

    def _observe(self) -> str:
        assert self._view is not None
        return self._view.render(self.trajectory, "" if self._ended else self._note())

    # --- the event loop ------------------------------------------------------------------------
    def _sync(self, coro: Coroutine[Any, Any, Any]) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coro.close()
            raise RuntimeError("inside a running event loop, use `await env.areset()` and `await env.astep(action)`")
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(coro)

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return render_transcript(self.trajectory)
        return None

    def close(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            try:
                asyncio.get_running_loop()
                running = True
            except RuntimeError:
                running = False
            if not running:
                if self._episode is not None and self._episode.loop is loop:
                    loop.run_until_complete(self._episode.stop())
                loop.run_until_complete(aclose())  # the openai-http transport's connections on this loop
            loop.close()
        super().close()

    def __del__(self) -> None:
        # An env dropped mid-episode would leave its trial task pending on a loop nobody closes.
        try:
            if self._loop is not None and not self._loop.is_closed() and not self._loop.is_running():
                self.close()
        except Exception:
            pass

    async def aclose(self) -> None:
        """Stop an episode still running on this loop (an env used with areset/astep)."""
        if self._episode is not None:
            await self._episode.stop()

    def run_config(self, name: str, **update: Any) -> RunConfig:
        """The configuration a run folder of this env's episodes is stamped with, this seat played by ``name``."""
        raise NotImplementedError


class AgentEnv(_SeatEnv):
    """The agent's seat. The customer (``user``: ``scripted/user`` or any model string, with a
    ``persona``) answers inside :meth:`step` whenever the action speaks to it; tool calls run against
    the trial's database. The episode ends as the trial does; the reward is then its verdict (1 or
    0; 0 before the end). ``info`` at the end carries ``termination``, ``error_class``, ``error``,
    ``scored`` and every verdict component (``components``, ``failed``), to build shaped rewards
    from. Truncated (rather than terminated): ``max_turns``, and endings a run does not score
    (``user_error``, ``timeout``, ``infra_error``; ``info["scored"]`` is False).

    Args:
        domain: a domain name (``frontdesk domains``).
        split: ``"train"`` (default) or ``"test"``; the test split is only served when named.
        persona: the customer's persona (a library name or a :class:`Persona`), default ``regular``.
        user: the customer, as for ``frontdesk run --user``.
        **options: any other :class:`frontdesk.eval.RunConfig` field: ``task_ids``, ``limits``
            (``{"max_turns": 20}``), ``user_temperature``, ``user_strategy``, ``llm_params``, ``judge`` …;
            ``allow_missing_keys=True`` starts without the customer model's provider key (as
            ``frontdesk run --allow-missing-keys``; :attr:`warnings` says so).
    """

    seat = "agent"
    stand_in: ClassVar[dict[str, str]] = {"agent": "scripted/null", "agent_strategy": "tool-calling"}
    cut_off = frozenset(
        {
            TerminationReason.MAX_TURNS,
            TerminationReason.USER_ERROR,
            TerminationReason.TIMEOUT,
            TerminationReason.INFRA_ERROR,
        }
    )

    def __init__(
        self,
        domain: str = "mock",
        split: str = "train",
        persona: str | Persona | None = None,
        user: str = "scripted/user",
        render_mode: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            domain,
            split,
            persona,
            render_mode,
            {"agent": "gym/policy", "agent_strategy": "gym", "user": user, **options},
        )
        self._system = SYSTEM_TEMPLATE.format(policy=self.domain.policy)
        self._tools = [t.openai_schema() for t in self.domain.agent_tools]

    def _factories(self, seat: Seat, task: Task, seed: int) -> dict[str, Any]:
        return {"agent": lambda context: SeatAgent(seat, context)}

    def _new_view(self, task: Task, seed: int) -> _View:
        return _View(self._system, self._tools, to_openai_messages)

    def _reward(self, result: TrialResult, info: dict[str, Any]) -> float:
        return float(info["verdict_reward"] or 0.0)

    def run_config(self, name: str, **update: Any) -> RunConfig:
        return self.config.model_copy(update={"agent": name, "agent_strategy": "gym", **update})


class UserEnv(_SeatEnv):
    """The customer's seat, for training simulated customers. The agent (``agent``: by default
    ``scripted/oracle``, which does everything right, so what goes wrong is the customer's doing)
    answers inside :meth:`step`. The seat is held to the LLM customer's rules: an ``opening_message``
    is sent for it, ``###STOP###``-style tokens (or ``"signal": "stop"``) end the conversation,
    ``<thinking>`` is kept from the agent, and every turn must pass the turn guards
    (``frontdesk.simulators.guards.check_turn``); a failing turn is refused — the observation's
    system prompt then quotes the draft and the guard's reason, as the LLM customer's does — and
    asked again, twice at most, after which
    the trial ends as a user error.

    Reward, at the end (0 before), is the mean of three fidelity signals, each in [0, 1] and each in
    ``info["fidelity"]`` so they can be weighed differently outside:

    - ``guards``: the share of the customer's turns whose first draft passed every turn guard (no
      empty turn, no speaking as the agent, no leaked instructions, no premature stop, no invented
      ids, emails, amounts or names);
    - ``scenario``: 1 when the conversation reached an ending the scenario allows (the customer's
      own stop, a transfer, out of scope) rather than running out of turns or breaking;
    - ``verdict``: the trial's verdict. With the reference agent, the task is solved only when the
      customer said what the scenario has it say and agreed to exactly what it should.

    Truncated (rather than terminated): ``max_turns``, endings the agent caused (``agent_error``,
    ``max_tool_errors``), ``timeout`` and ``infra_error``.

    Args:
        domain, split, persona: as for :class:`AgentEnv` (the persona is shown in the brief).
        agent: the agent, as for ``frontdesk run --agent``.
        **options: other :class:`frontdesk.eval.RunConfig` fields, as for :class:`AgentEnv`.
    """

    seat = "customer"
    stand_in: ClassVar[dict[str, str]] = {"user": "scripted/user", "user_strategy": "plain"}
    cut_off = frozenset(
        {
            TerminationReason.MAX_TURNS,
            TerminationReason.AGENT_ERROR,
            TerminationReason.MAX_TOOL_ERRORS,
            TerminationReason.TIMEOUT,
            TerminationReason.INFRA_ERROR,
        }
    )

    def __init__(
        self,
        domain: str = "mock",
        split: str = "train",
        persona: str | Persona | None = None,
        agent: str = "scripted/oracle",
        render_mode: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            domain,
            split,
            persona,
            render_mode,
            {"agent": agent, "user": "gym/policy", "user_strategy": "gym", **options},
        )
        self._device_tools = [t.openai_schema() for t in self.domain.user_tools]
        self._user: SeatUser | None = None

    def _factories(self, seat: Seat, task: Task, seed: int) -> dict[str, Any]:
        def user(context: UserContext) -> SeatUser:
            self._user = SeatUser(seat, context)
            return self._user

        return {"user": user}

    def _new_view(self, task: Task, seed: int) -> _View:
        context = UserContext(scenario=task.user_scenario, persona=self.persona, seed=seed, tools=self._device_tools)
        return _View(build_system_prompt(context), self._device_tools, to_user_messages)

    def _note(self) -> str:
        return self._user.note if self._user else ""

    def _reward(self, result: TrialResult, info: dict[str, Any]) -> float:
        user = self._user
        turns = user.turns if user else 0
        fidelity = {
            "guards": user.first_drafts_passed / turns if user and turns else 1.0,
            "scenario": 1.0 if result.termination in NORMAL_ENDINGS else 0.0,
            "verdict": float(info["verdict_reward"] or 0.0),
        }
        info["fidelity"] = fidelity
        info["guard_failures"] = list(user.failures) if user else []
        return sum(fidelity.values()) / len(fidelity)

    def run_config(self, name: str, **update: Any) -> RunConfig:
        return self.config.model_copy(update={"user": name, "user_strategy": "gym", **update})
