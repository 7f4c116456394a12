"""``frontdesk play``: a person takes one seat of a trial in the terminal; any participant takes the other.

The person is an ordinary participant — :class:`HumanAgent` (an :class:`~frontdesk.agents.Agent`) or
:class:`HumanCustomer` (a :class:`~frontdesk.simulators.UserSimulator`) — so the trial runs through
the orchestrator, the checker and a run folder like any other. The folder's manifest stamps the
seat ``human/terminal`` (strategy ``human``), so ``report``, pass^k over repeated plays and
``compare`` against a model's run work on human baselines.

At the prompt, a line whose first word is one of the seat's tools is a tool call, typed as
``name {json arguments}`` (Tab completes tool names); anything else is said to the other side.
``/tools``, ``/policy``, ``/scenario``, ``/help``, ``/quit``; the customer also has ``/stop``,
``/transfer`` and ``/out-of-scope`` to end the conversation.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from frontdesk.agents import Agent, AgentContext
from frontdesk.api import default_run_folder
from frontdesk.envs import Domain, Task, get_domain
from frontdesk.errors import ConfigError, RunFolderError
from frontdesk.eval.checker import build_goal
from frontdesk.eval.config import RunConfig
from frontdesk.eval.record import TrialRecord, TrialResult
from frontdesk.eval.runner import check_participants, select_tasks
from frontdesk.eval.store import RunStore
from frontdesk.seats import TrialFolder, execute_seated_trial
from frontdesk.simulators import DEFAULT_PERSONA_NAME, UserContext, UserSimulator, get_persona, parse_user_text
from frontdesk.tools import ToolCall
from frontdesk.trajectory import AssistantTurn, Message, Role, Trajectory, UserSignal, UserTurn

HUMAN = "human/terminal"  # the seat's stamp in the manifest: a person at a terminal
HUMAN_STRATEGY = "human"
# A person may think for a long while; the trial's wall clock must not score their pauses.
HUMAN_TIMEOUT_S = 24 * 3600.0
SEATS = ("agent", "customer")
COMMANDS = {
    "agent": ("/tools", "/policy", "/scenario", "/say", "/help", "/quit"),
    "customer": ("/tools", "/policy", "/scenario", "/say", "/stop", "/transfer", "/out-of-scope", "/help", "/quit"),
}
_ENDINGS = {"/stop": UserSignal.STOP, "/transfer": UserSignal.TRANSFER, "/out-of-scope": UserSignal.OUT_OF_SCOPE}


class Abandoned(BaseException):
    """The person quit. A BaseException because the orchestrator records any Exception a participant
    raises as that seat's failure; an abandoned trial is no result and is not written."""


@dataclass
class Line:
    """One typed line: a command, a tool call, text for the other side, or nothing."""

    kind: str  # "command", "call", "text" or "empty"
    command: str = ""
    argument: str = ""
    call: ToolCall | None = None


def parse_line(line: str, tool_names: list[str], call_id: str, requestor: str = "agent") -> Line:
    """Read a line as typed at the prompt. Tool-call arguments are passed on as typed: JSON that does
    not parse gets the toolkit's error result, exactly as a model's malformed arguments do."""
    text = line.strip()
    if not text:
        return Line("empty")
    if text.startswith("/"):
        command, _, argument = text.partition(" ")
        return Line("command", command=command.lower(), argument=argument.strip())
    head = text.split(None, 1)[0].split("{", 1)[0]
    if head in tool_names:
        arguments = text[len(head) :].strip()
        return Line("call", call=ToolCall(id=call_id, name=head, arguments=arguments, requestor=requestor))
    return Line("text", argument=text)


class Terminal:
    """Where the person reads and types: a rich console, and ``input()`` with readline's Tab
    completion of the given words (tool names, commands) at the start of a line."""

    def __init__(self, console: Console | None = None, read: Callable[[str], str] | None = None) -> None:
        self.console = console or Console(highlight=False)
        self._read = read
        self._words: list[str] = []
        self._readline: Any = None
        if read is None and sys.stdin.isatty():
            try:
                import readline
            except ImportError:  # no readline on this platform: typing still works, Tab does not
                readline = None
            if readline is not None:
                readline.set_completer(self._complete)
                readline.set_completer_delims(" \t\n{")
                binding = "bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete"
                readline.parse_and_bind(binding)
                self._readline = readline

    def _complete(self, text: str, state: int) -> str | None:
        if self._readline is not None and self._readline.get_begidx() > 0:
            return None  # only the first word is a tool name or a command
        matches = [w + " " for w in self._words if w.startswith(text)]
        return matches[state] if state < len(matches) else None

    def read(self, prompt: str, words: list[str]) -> str:
        self._words = words
        try:
            if self._read is not None:
                return self._read(prompt)
            return input(prompt)  # readline knows the prompt, so completion redraws the line whole
        except EOFError:  # Ctrl-D: the person left
            raise Abandoned() from None

    def show(self, who: str, text: str, style: str = "") -> None:
        self.console.print(Text.assemble((f"{who}: ", f"bold {style}".strip()), text))

    def note(self, text: str, style: str = "dim") -> None:
        self.console.print(Text(text, style=style))

    def tools(self, tools: list[dict[str, Any]]) -> None:
        if not tools:
            self.note("This seat has no tools.")
            return
        table = Table("tool", "arguments (* required)", "what it does", show_lines=False)
        for schema in tools:
            fn = schema["function"]
            params = fn.get("parameters", {})
            required = set(params.get("required", []))
            args = ", ".join(f"{k}{'*' if k in required else ''}" for k in params.get("properties", {}))
            table.add_row(Text(fn["name"]), Text(args), Text(fn.get("description", "")))
        self.console.print(table)


def _help(seat: str) -> str:
    typed = "name {json arguments} calls a tool (Tab completes names); any other line is said to the "
    typed += "customer." if seat == "agent" else "agent."
    extra = " /stop, /transfer, /out-of-scope [text] end the conversation." if seat == "customer" else ""
    return (
        f"{typed} /tools lists your tools, /policy shows the agent's policy, /scenario the customer's brief, "
        f"/say TEXT says a line that starts with a tool name, /quit leaves without recording.{extra}"
    )


class _Human:
    """What both human seats share: showing the other side's new messages, commands, the prompt."""

    seat: str
    prompt: str

    def __init__(self, terminal: Terminal, tools: list[dict[str, Any]], policy: str, scenario_text: str) -> None:
        self.terminal = terminal
        self.tool_schemas = tools
        self.tool_names = [t["function"]["name"] for t in tools]
        self.policy = policy
        self.scenario_text = scenario_text
        self.shown = 0
        self.calls = 0

    def _show(self, trajectory: Trajectory) -> None:
        for m in trajectory[self.shown :]:
            self._show_message(m, first=m is trajectory[0])
        self.shown = len(trajectory)

    def _show_message(self, m: Message, first: bool) -> None:
        raise NotImplementedError

    def _result(self, m: Message) -> None:
        r = m.tool_result
        if r is not None:
            self.terminal.show(f"  <- {r.name}", r.content, "red" if not r.ok else "green")

    def _command(self, line: Line) -> Any:
        """Handle a command; return a turn to end the seat's turn with, or None to prompt again."""
        if line.command == "/quit":
            raise Abandoned()
        if line.command == "/tools":
            self.terminal.tools(self.tool_schemas)
        elif line.command == "/policy":
            self.terminal.note(self.policy, style="")
        elif line.command == "/scenario":
            self.terminal.note(self.scenario_text, style="")
        elif line.command == "/say" and line.argument:
            return self._text(line.argument)
        else:
            self.terminal.note(_help(self.seat))
        return None

    def _text(self, text: str) -> Any:
        raise NotImplementedError

    def _call(self, call: ToolCall) -> Any:
        raise NotImplementedError

    async def _turn(self, trajectory: Trajectory) -> Any:
        self._show(trajectory)
        words = [*self.tool_names, *COMMANDS[self.seat]]
        while True:
            line = parse_line(
                self.terminal.read(self.prompt, words), self.tool_names, f"human-{self.calls}", _REQUESTOR[self.seat]
            )
            if line.kind == "command":
                turn = self._command(line)
                if turn is not None:
                    return turn
            elif line.kind == "call":
                assert line.call is not None
                self.calls += 1
                return self._call(line.call)
            elif line.kind == "text":
                return self._text(line.argument)


_REQUESTOR = {"agent": "agent", "customer": "user"}


class HumanAgent(_Human, Agent):
    """A person playing the agent: sees the customer's words and the results of their own tool calls."""

    seat = "agent"
    prompt = "agent> "

    def __init__(self, context: AgentContext, terminal: Terminal) -> None:
        scenario = "The scenario is the customer's brief; the agent learns it only by asking the customer."
        super().__init__(terminal, context.tools, context.policy, scenario)

    def _show_message(self, m: Message, first: bool) -> None:
        if m.role is Role.USER and m.content:
            self.terminal.show("customer", m.content, "cyan")
        elif m.role is Role.TOOL and m.requestor == "agent":
            self._result(m)
        elif m.role is Role.AGENT and first and m.content:
            self.terminal.show("agent (greeting)", m.content, "magenta")

    def _text(self, text: str) -> AssistantTurn:
        return AssistantTurn(text=text)

    def _call(self, call: ToolCall) -> AssistantTurn:
        return AssistantTurn(tool_calls=[call])

    async def respond(self, trajectory: Trajectory) -> AssistantTurn:
        return await self._turn(trajectory)


def scenario_brief(context: UserContext) -> str:
    s = context.scenario
    lines = [f"Why you are contacting us: {s.reason_for_contact}"]
    if s.known_facts:
        lines += ["What you know:", *(f"  {k.replace('_', ' ')}: {v}" for k, v in s.known_facts.items())]
    if s.unknown_facts:
        lines += ["What you do not know:", *(f"  {u}" for u in s.unknown_facts)]
    if s.instructions:
        lines += ["Your instructions:", *(f"  {i}" for i in s.instructions)]
    if s.will_not_accept:
        lines += ["What you will not accept:", *(f"  {w}" for w in s.will_not_accept)]
    lines.append(f"Persona ({context.persona.name}): {context.persona.description}")
    return "\n".join(lines)


class HumanCustomer(_Human, UserSimulator):
    """A person playing the customer: sees the agent's words and what their own device shows."""

    seat = "customer"
    prompt = "customer> "

    def __init__(self, context: UserContext, terminal: Terminal) -> None:
        self.context = context
        policy = "The customer does not see the agent's policy."
        super().__init__(terminal, context.tools, policy, scenario_brief(context))

    def _show_message(self, m: Message, first: bool) -> None:
        if m.role is Role.AGENT and m.content:
            self.terminal.show("agent", m.content, "magenta")
        elif m.role is Role.TOOL and m.requestor == "user":
            self._result(m)

    def _command(self, line: Line) -> Any:
        if line.command in _ENDINGS:
            return UserTurn(text=line.argument or None, signal=_ENDINGS[line.command])
        return super()._command(line)

    def _text(self, text: str) -> UserTurn:
        message, signal = parse_user_text(text)  # ###STOP### works as it does for a model
        return UserTurn(text=message, signal=signal)

    def _call(self, call: ToolCall) -> UserTurn:
        return UserTurn(tool_calls=[call])

    async def respond(self, trajectory: Trajectory) -> UserTurn:
        opening = self.context.scenario.opening_message
        if opening and not any(m.role is Role.USER for m in trajectory):
            # Every simulator sends an authored opening word for word; so does a person, for comparable trials.
            self._show(trajectory)
            self.terminal.show("customer (the scenario's opening, sent for you)", opening, "cyan")
            return UserTurn(text=opening)
        return await self._turn(trajectory)


@dataclass
class PlayResult:
    folder: Path
    task_id: str
    trial: int
    record: TrialResult | None  # None: the person quit, nothing was written


def _existing(folder: Path) -> tuple[list[TrialRecord], int]:
    """The folder's trials and trials-per-task, read before locking it (to number the next trial)."""
    store = RunStore(folder)
    if not store.manifest_path.exists():
        return [], 1
    manifest = store.read_manifest()
    return store.records(), int(manifest["config"].get("trials", 1))


def _seat_config(
    domain: Domain, seat: str, task: Task | None, agent: str | None, user: str | None, persona: str | None, seed: int
) -> RunConfig:
    if seat not in SEATS:
        raise ConfigError(f"--as must be 'agent' or 'customer', not {seat!r}")
    if seat == "agent" and agent is not None:
        raise ConfigError("you play the agent (--as agent): --agent does not apply; choose the customer with --user")
    if seat == "customer" and user is not None:
        raise ConfigError("you play the customer (--as customer): --user does not apply; choose the agent with --agent")
    if seat == "agent":
        fields = {"agent": HUMAN, "agent_strategy": HUMAN_STRATEGY, "user": user or "scripted/user"}
    else:
        fields = {"user": HUMAN, "user_strategy": HUMAN_STRATEGY, "agent": agent or "scripted/oracle"}
    return RunConfig.from_options(
        domain=domain.name,
        split=task.split if task else "train",  # the test split only when a test task is named
        personas=[get_persona(persona or DEFAULT_PERSONA_NAME)],
        seed=seed,
        limits={"timeout_s": HUMAN_TIMEOUT_S},
        **fields,
    )


def play(
    domain: str,
    seat: str,
    task_id: str | None = None,
    *,
    agent: str | None = None,
    user: str | None = None,
    out: Path | str | None = None,
    persona: str | None = None,
    seed: int = 0,
    terminal: Terminal | None = None,
) -> PlayResult:
    """Play one trial in the terminal as ``seat`` ("agent" or "customer") and write it to a run folder.

    The other seat is ``user`` (default ``scripted/user``) or ``agent`` (default
    ``scripted/oracle``): any participant ``frontdesk run`` accepts. The folder (``out``, default
    ``runs/<domain>-<agent>-<user>-<hash>`` as for a run) is a run over the task's split: each play adds the next
    trial of its task, so playing a task again builds pass^k, and playing other tasks fills the
    run. Without ``task_id``, the train task with the fewest trials in the folder is played.
    """
    loaded = get_domain(domain)
    task = loaded.task(task_id) if task_id else None
    config = _seat_config(loaded, seat, task, agent, user, persona, seed)
    # The other seat is checked as `run` checks it (model string, strategy, key); the human seat needs nothing.
    placeholder = (
        {"agent": "scripted/null", "agent_strategy": "tool-calling"}
        if seat == "agent"
        else {"user": "scripted/user", "user_strategy": "plain"}
    )
    warnings = check_participants(config.model_copy(update=placeholder))
    tasks = select_tasks(loaded, config)
    folder = Path(out) if out is not None else default_run_folder(config)
    records, had = _existing(folder)
    persona_name = config.personas[0].name
    counts = {t.id: sum(r.task_id == t.id and r.persona == persona_name for r in records) for t in tasks}
    if task is None:
        task = min(tasks, key=lambda t: counts[t.id])  # ties: the first in the domain's order
    trial = 1 + max((r.trial for r in records if r.task_id == task.id and r.persona == persona_name), default=-1)
    config = config.model_copy(update={"trials": max(had, trial + 1)})
    goal = build_goal(loaded, task)  # a broken task stops here, before anyone types
    terminal = terminal or Terminal()
    with TrialFolder(folder, config, loaded, tasks) as store:
        if (task.id, persona_name, trial) in store.existing:
            raise RunFolderError(f"trial {trial} of task {task.id!r} was written to {folder} meanwhile; play again")
        for warning in warnings:
            terminal.note(f"warning: {warning}", style="yellow")
        other = config.user if seat == "agent" else config.agent
        terminal.note(
            f"You are the {seat} on {loaded.name} task {task.id} (trial {trial}); the other seat is {other}.",
            style="bold",
        )
        terminal.note(_help(seat))
        seated: list[_Human] = []

        def human(context: Any) -> Any:
            seated.append(HumanAgent(context, terminal) if seat == "agent" else HumanCustomer(context, terminal))
            return seated[-1]

        factory: dict[str, Any] = {"agent": human} if seat == "agent" else {"user": human}
        try:
            result = asyncio.run(execute_seated_trial(loaded, task, trial, config, goal, config.personas[0], **factory))
        except (Abandoned, KeyboardInterrupt):
            terminal.note(f"Left without finishing: nothing was recorded in {folder}.", style="yellow")
            return PlayResult(folder, task.id, trial, None)
        store.append(result)
    if seated and isinstance(result, TrialRecord):
        seated[0]._show(result.messages)  # the other side's last words, said after this seat's last turn
    _show_outcome(terminal, result, folder)
    return PlayResult(folder, task.id, trial, result)


def _show_outcome(terminal: Terminal, result: TrialResult, folder: Path) -> None:
    if isinstance(result, TrialRecord) and result.reward is not None:
        verdict = result.verdict
        failed = ", ".join(verdict.failed) if verdict and verdict.failed else "nothing"
        style = "green" if result.reward >= 1.0 else "red"
        terminal.note(
            f"Trial over ({result.termination.value}): reward {result.reward:g}; failed: {failed}.",
            style=f"bold {style}",
        )
    else:
        terminal.note(f"Trial over ({result.termination.value}), not scored: {result.error or ''}", style="yellow")
    terminal.note(f"Recorded in {folder}. See it with: frontdesk report {folder}", style="")
